"""CLI commands for the ledger: stats, ingest, update, releases, check, history."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from missilewatch.cli.common import DbOption, FormatOption, OutputFormat, OutputOption, emit_frame
from missilewatch.cli.waiting import WaitOption

if TYPE_CHECKING:
    from missilewatch.ledger.store import IngestResult

CREDIT_LINE = (
    "Source: Ukrainian Air Force reports via the dataset 'Massive Missile Attacks on Ukraine' "
    "(Petro Ivaniuk, Kaggle piterfm/massive-missile-attacks-on-ukraine)"
)


class Period(StrEnum):
    year = "year"
    quarter = "quarter"
    month = "month"
    week = "week"


class GroupBy(StrEnum):
    weapon_class = "class"
    family = "family"


class Mode(StrEnum):
    allocated = "allocated"
    reported = "as-reported"


StartOption = Annotated[
    dt.datetime | None,
    typer.Option("--start", formats=["%Y-%m-%d"], help="First report date (YYYY-MM-DD)."),
]
EndOption = Annotated[
    dt.datetime | None,
    typer.Option("--end", formats=["%Y-%m-%d"], help="Last report date (YYYY-MM-DD)."),
]


@contextlib.contextmanager
def _working(message: str) -> Iterator[None]:
    """A spinner on standard error while long work runs, only when it is a terminal."""
    from missilewatch.cli.common import err_console

    if not err_console.is_terminal:
        yield
        return
    with err_console.status(message):
        yield


def _existing_store(db: Path | None) -> Path | None:
    """A store the user named with ``--db`` must exist for reading; no ``--db`` reads the
    default store, or the shipped snapshot when there is none."""
    if db is not None and not db.is_file():
        from missilewatch.errors import InputError

        raise InputError(
            f"no store at {db} (for reading; `missilewatch ingest PATH --db {db}` creates it; "
            "without --db the default store or the shipped snapshot is read)"
        )
    return db


def _source_caption(db: Path | None) -> str:
    from missilewatch.ledger.store import open_reader

    with open_reader(db) as (_con, source):
        where = (
            f"store {source.path}, release {source.release}"
            if source.kind == "store"
            else f"shipped snapshot of release {source.release}"
        )
    return f"{CREDIT_LINE}; {where}."


def _note_empty_selection(
    db: Path | None, start: dt.datetime | None, end: dt.datetime | None, filtered: bool
) -> None:
    """One line on standard error: nothing matched, and which dates the data covers."""
    from missilewatch.cli.common import err_console
    from missilewatch.ledger.query import date_span

    span = date_span(db)
    covers = f"the data covers {span[0]} to {span[1]}" if span else "the ledger holds no report"
    chosen = f"{start.date() if start else '...'} to {end.date() if end else '...'}"
    what = "with this class or family " if filtered else ""
    err_console.print(
        f"note: no report {what}falls in {chosen}; {covers}", highlight=False, soft_wrap=True
    )


def stats_command(
    period: Annotated[Period, typer.Option("--period", "-p", help="Period.")] = Period.month,
    by: Annotated[GroupBy, typer.Option("--by", help="Group by weapon class or family.")] = (
        GroupBy.weapon_class
    ),
    mode: Annotated[
        Mode,
        typer.Option(
            "--mode",
            help="allocated: multi-model rows split to families; as-reported: rows as given.",
        ),
    ] = Mode.allocated,
    start: StartOption = None,
    end: EndOption = None,
    weapon_class: Annotated[
        list[str] | None, typer.Option("--class", help="Only this weapon class (repeatable).")
    ] = None,
    family: Annotated[
        list[str] | None, typer.Option("--family", help="Only this family (repeatable).")
    ] = None,
    group: Annotated[
        list[str] | None,
        typer.Option(
            "--group",
            help="Sum families as one group: NAME=FAMILY,FAMILY,... (repeatable; rows are "
            "then per group).",
        ),
    ] = None,
    rule: Annotated[
        str | None,
        typer.Option(
            "--rule",
            help="Counting rule of a publisher: all-rows (every row by report date), afp "
            "(rows whose time_end has a clock time, by the date of time_end), time-end.",
        ),
    ] = None,
    db: DbOption = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
) -> None:
    """Launched, destroyed, not reaching the target and intercept rate by period and group."""
    from missilewatch.ledger import stats

    db = _existing_store(db)
    groups = _parse_groups(group) if group else None
    frame = stats(
        db,
        period=period.value,
        by=by.value,
        mode=mode.value,
        start=start.date() if start else None,
        end=end.date() if end else None,
        weapon_class=weapon_class or None,
        family=family or None,
        rule=rule,
        groups=groups,
    )
    if frame.empty:
        _note_empty_selection(db, start, end, bool(weapon_class or family or group))
    if fmt is OutputFormat.table and output is None:
        frame = frame.drop(columns="period_start")  # the label says it; keep the table narrow
    grouping = "group" if groups else by.value
    counted = f"{mode.value}, rule {rule}" if rule else mode.value
    emit_frame(
        frame,
        fmt,
        output,
        title=f"Launches by {period.value} and {grouping} ({counted})",
        caption=_source_caption(db),
    )


def _parse_groups(values: list[str]) -> dict[str, list[str]]:
    """``NAME=A,B,C`` options as {NAME: [A, B, C]}; a malformed one is refused in one line."""
    groups: dict[str, list[str]] = {}
    for value in values:
        name, sep, members = value.partition("=")
        families = [m.strip() for m in members.split(",") if m.strip()]
        if not sep or not name.strip() or not families:
            raise typer.BadParameter(
                f"{value!r}: expected NAME=FAMILY[,FAMILY...]", param_hint="--group"
            )
        groups.setdefault(name.strip(), []).extend(families)
    return groups


TaxonomyOption = Annotated[
    Path | None,
    typer.Option("--taxonomy", help="Taxonomy file extending the shipped one (same TOML layout)."),
]
AllowUnknownOption = Annotated[
    bool,
    typer.Option(
        "--allow-unknown", help="Store models missing from the taxonomy as class 'unknown'."
    ),
]
AllowVanishOption = Annotated[
    bool,
    typer.Option(
        "--allow-vanish",
        help="Accept a release that drops more than 50 stored reports or 5% of them "
        "(they are flagged vanished, not deleted).",
    ),
]


def _print_result(result: IngestResult, db: Path | None) -> None:
    from missilewatch.cli.common import console
    from missilewatch.ledger.store import resolve_db

    if not result.changed:
        console.print(
            f"release {result.release} ({result.rows_in_file} rows): already in the store, "
            f"nothing changed ({resolve_db(db)})",
            highlight=False,
        )
        return
    console.print(
        f"release {result.release} ({result.rows_in_file} rows): {result.added} added, "
        f"{result.revised} revised, {result.vanished} vanished, {result.reappeared} reappeared, "
        f"{result.unchanged} unchanged ({resolve_db(db)})",
        highlight=False,
    )


def ingest_command(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Release folder, or missile_attacks_daily.csv [missiles_and_uavs.csv]."
        ),
    ],
    db: DbOption = None,
    taxonomy: TaxonomyOption = None,
    allow_unknown: AllowUnknownOption = False,
    allow_vanish: AllowVanishOption = False,
    wait: WaitOption = None,
) -> None:
    """Store a release of the Ukrainian Air Force reports (one transaction)."""
    from missilewatch.ledger import ingest

    with _working("Reading and storing the release"):
        result = ingest(
            paths,
            db,
            taxonomy_file=taxonomy,
            allow_unknown=allow_unknown,
            allow_vanish=allow_vanish,
        )
    _print_result(result, db)


def update_command(
    from_paths: Annotated[
        list[Path] | None,
        typer.Option(
            "--from",
            help="Local release instead of a download: folder, zip, or CSV (repeat for the pair).",
        ),
    ] = None,
    url: Annotated[
        str | None, typer.Option("--url", help="Download from this address instead.")
    ] = None,
    db: DbOption = None,
    taxonomy: TaxonomyOption = None,
    allow_unknown: AllowUnknownOption = False,
    allow_vanish: AllowVanishOption = False,
    wait: WaitOption = None,
) -> None:
    """Download the newest release of the public dataset and ingest it."""
    from missilewatch.ledger import update

    with _working("Fetching and storing the release"):
        result = update(
            db,
            from_paths=from_paths or None,
            url=url,
            taxonomy_file=taxonomy,
            allow_unknown=allow_unknown,
            allow_vanish=allow_vanish,
        )
    _print_result(result, db)


def releases_command(
    db: DbOption = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
    drop: Annotated[
        str | None,
        typer.Option(
            "--drop",
            metavar="NAME",
            help="Undo the newest release NAME: its added reports, revisions and vanished "
            "flags (one transaction).",
        ),
    ] = None,
    rename: Annotated[
        str | None,
        typer.Option("--rename", metavar="NAME", help="Correct the date of release NAME (--to)."),
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", metavar="YYYY-MM-DD", help="The corrected release date.")
    ] = None,
    wait: WaitOption = None,
) -> None:
    """List the releases ingested into the store; drop the newest one or correct a date."""
    from missilewatch.cli.common import console
    from missilewatch.errors import ParameterError
    from missilewatch.ledger import drop_release, releases, rename_release
    from missilewatch.ledger.store import resolve_db

    if (rename is None) != (to is None):
        raise ParameterError("--rename NAME and --to YYYY-MM-DD go together")
    if drop is not None and rename is not None:
        raise ParameterError("--drop and --rename: one change at a time")
    if drop is not None:
        _existing_store(db)
        dropped = drop_release(drop, db)
        console.print(
            f"release {dropped.release} dropped: {dropped.removed} reports removed, "
            f"{dropped.restored} revisions undone, {dropped.unvanished} vanished flags and "
            f"{dropped.revanished} reappearances undone; {dropped.remaining_releases} "
            f"release(s) left ({resolve_db(db)})",
            highlight=False,
        )
        return
    if rename is not None and to is not None:
        _existing_store(db)
        rename_release(rename, to, db)
        console.print(f"release {rename} is now named {to} ({resolve_db(db)})", highlight=False)
        return
    frame = releases(_existing_store(db))
    if frame.empty and fmt is OutputFormat.table:
        console.print(
            "no release in the store; the shipped snapshot is used (missilewatch ingest PATH)"
        )
        return
    if fmt is OutputFormat.table and output is None:
        frame = frame.assign(file_hash=frame["file_hash"].str[:12]).drop(
            columns=["source_path", "taxonomy_hash"]
        )
    emit_frame(frame, fmt, output, title="Releases in the store")


def check_command(
    flag: Annotated[
        list[str] | None, typer.Option("--flag", help="Only this flag (repeatable).")
    ] = None,
    db: DbOption = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
) -> None:
    """List quality flags: destroyed > launched, missing counts, vanished or revised rows."""
    from missilewatch.ledger import check

    frame = check(_existing_store(db), flags=flag or None)
    if fmt is OutputFormat.table and output is None:
        frame = frame.drop(columns="detail")  # the flag names it; see docs/ledger.md
    emit_frame(frame, fmt, output, title="Quality flags", caption=_source_caption(db))


def history_command(
    model: Annotated[
        str | None, typer.Option("--model", help="Only this reported model (e.g. '3M22 Zircon').")
    ] = None,
    since: Annotated[
        dt.datetime | None,
        typer.Option("--since", formats=["%Y-%m-%d"], help="Reports dated on or after."),
    ] = None,
    db: DbOption = None,
    fmt: FormatOption = OutputFormat.table,
    output: OutputOption = None,
) -> None:
    """List revised reports: old and new values and the releases they came from."""
    from missilewatch.ledger import revisions

    frame = revisions(_existing_store(db), model=model, since=since.date() if since else None)
    if frame.empty and fmt is OutputFormat.table and output is None:
        from missilewatch.cli.common import err_console

        err_console.print("no revision in the store for this selection", highlight=False)
        return
    if fmt is OutputFormat.table and output is None:
        frame = frame.assign(
            old=[
                f"{a}/{b}/{c}"
                for a, b, c in zip(
                    frame["launched_old"],
                    frame["destroyed_old"],
                    frame["not_reach_goal_old"],
                    strict=True,
                )
            ],
            new=[
                f"{a}/{b}/{c}"
                for a, b, c in zip(
                    frame["launched_new"],
                    frame["destroyed_new"],
                    frame["not_reach_goal_new"],
                    strict=True,
                )
            ],
        )[["date", "model", "from_release", "old", "revised_in", "new", "report_id"]]
    emit_frame(
        frame,
        fmt,
        output,
        title="Revisions (launched/destroyed/not_reach_goal)",
        caption=_source_caption(db),
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("stats")(stats_command)
    app.command("ingest")(ingest_command)
    app.command("update")(update_command)
    app.command("releases")(releases_command)
    app.command("check")(check_command)
    app.command("history")(history_command)
