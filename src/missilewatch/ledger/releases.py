"""Bringing releases into the store: ingest from files, update from the upstream dataset.

The upstream is the public dataset "Massive Missile Attacks on Ukraine" by Petro
Ivaniuk on Kaggle (piterfm/massive-missile-attacks-on-ukraine); :data:`UPSTREAM_URL` is
its public download address (a zip holding both CSV files). ``MISSILEWATCH_UPSTREAM_URL``
or the ``url`` argument point elsewhere (a mirror, a local ``file://`` zip).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from missilewatch.errors import InputError, NetworkError, ParameterError
from missilewatch.ledger._duck import first_row
from missilewatch.ledger.parse import ParsedRelease, read_release, read_release_zip
from missilewatch.ledger.store import IngestResult, ingest_release, open_reader, resolve_db
from missilewatch.ledger.taxonomy import load as load_taxonomy

UPSTREAM_URL = (
    "https://www.kaggle.com/api/v1/datasets/download/piterfm/massive-missile-attacks-on-ukraine"
)
UPSTREAM_ENV = "MISSILEWATCH_UPSTREAM_URL"
DOWNLOAD_TIMEOUT_SECONDS = 60

RELEASE_COLUMNS: tuple[str, ...] = (
    "release_id",
    "name",
    "ingested_at",
    "rows_in_file",
    "added",
    "revised",
    "vanished",
    "reappeared",
    "unchanged",
    "file_hash",
    "source_path",
    "taxonomy_hash",
)


def read_any(paths: Sequence[Path | str]) -> ParsedRelease:
    """A release from a folder, the daily CSV (+ reference CSV), or a zip archive."""
    resolved = [Path(p) for p in paths]
    if len(resolved) == 1 and resolved[0].is_file() and zipfile.is_zipfile(resolved[0]):
        return read_release_zip(resolved[0])
    return read_release(*resolved)


def ingest(
    paths: Path | str | Sequence[Path | str],
    db: Path | str | None = None,
    *,
    taxonomy_file: Path | str | None = None,
    allow_unknown: bool = False,
    allow_vanish: bool = False,
) -> IngestResult:
    """Parse a release (folder, CSV file(s) or zip) and store it in one transaction.

    See :func:`missilewatch.ledger.store.ingest_release` for the releases it refuses.
    """
    path_list = [paths] if isinstance(paths, str | Path) else list(paths)
    taxonomy = load_taxonomy(Path(taxonomy_file) if taxonomy_file else None)
    release = read_any(path_list)
    return ingest_release(
        release, db, taxonomy=taxonomy, allow_unknown=allow_unknown, allow_vanish=allow_vanish
    )


def upstream_url() -> str:
    return os.environ.get(UPSTREAM_ENV) or UPSTREAM_URL


def download(url: str, target: Path) -> Path:
    """Download ``url`` to ``target``; a :class:`NetworkError` on any failure."""
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "missilewatch"})
        with (
            urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response,
            target.open("wb") as handle,
        ):
            shutil.copyfileobj(response, handle)
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", None) or error
        raise NetworkError(
            f"cannot download the release from {url} ({reason}); the store was not changed"
        ) from None
    return target


def update(
    db: Path | str | None = None,
    *,
    from_paths: Sequence[Path | str] | None = None,
    url: str | None = None,
    taxonomy_file: Path | str | None = None,
    allow_unknown: bool = False,
    allow_vanish: bool = False,
) -> IngestResult:
    """Ingest the newest upstream release (or a local folder, CSV pair or zip)."""
    if from_paths:
        return ingest(
            list(from_paths),
            db,
            taxonomy_file=taxonomy_file,
            allow_unknown=allow_unknown,
            allow_vanish=allow_vanish,
        )
    taxonomy = load_taxonomy(Path(taxonomy_file) if taxonomy_file else None)
    with tempfile.TemporaryDirectory(prefix="missilewatch-update-") as folder:
        archive = download(url or upstream_url(), Path(folder) / "release.zip")
        if not zipfile.is_zipfile(archive):
            raise InputError(
                f"{url or upstream_url()}: the download is not a zip archive; "
                "the store was not changed"
            )
        release = read_release_zip(archive)
        return ingest_release(
            release, db, taxonomy=taxonomy, allow_unknown=allow_unknown, allow_vanish=allow_vanish
        )


def releases(db: Path | str | None = None) -> pd.DataFrame:
    """Every ingest recorded in the store (empty when the store holds none).

    Columns: release_id, name, ingested_at, rows_in_file, added, revised, vanished,
    reappeared, unchanged, file_hash, source_path, taxonomy_hash.
    """
    path = resolve_db(db)
    with open_reader(path) as (con, source):
        if source.kind != "store":
            return pd.DataFrame({c: pd.Series(dtype="object") for c in RELEASE_COLUMNS})
        frame = con.execute(
            f"SELECT {', '.join(RELEASE_COLUMNS)} FROM releases ORDER BY release_id"
        ).df()
    return frame


def history(db: Path | str | None = None, report_id: str | None = None) -> pd.DataFrame:
    """Earlier values of revised reports, with the release they came from.

    Columns: report_id, date, model, launched, destroyed, not_reach_goal, from_release,
    replaced_in_release (release ids; see :func:`releases`).
    """
    with open_reader(db) as (con, source):
        if source.kind != "store":
            return pd.DataFrame()
        where, params = ("WHERE report_id = ?", [report_id]) if report_id else ("", [])
        return con.execute(
            "SELECT report_id, date, model, launched, destroyed, not_reach_goal, "
            f"from_release, replaced_in_release FROM report_history {where} "
            "ORDER BY replaced_in_release, date, report_id",
            params,
        ).df()


REVISION_COLUMNS: tuple[str, ...] = (
    "report_id",
    "date",
    "model",
    "from_release",
    "revised_in",
    "launched_old",
    "destroyed_old",
    "not_reach_goal_old",
    "launched_new",
    "destroyed_new",
    "not_reach_goal_new",
)


def revisions(
    db: Path | str | None = None,
    *,
    model: str | None = None,
    since: dt.date | str | None = None,
) -> pd.DataFrame:
    """Every revision: a report's values before and after, and the two releases' names.

    Columns: report_id, date, model, from_release (the release the old values came
    from), revised_in (the release that replaced them), launched_old, destroyed_old,
    not_reach_goal_old, launched_new, destroyed_new, not_reach_goal_new. ``model``
    keeps one reported model (case and whitespace ignored); ``since`` keeps reports
    dated on or after it. Empty on the shipped snapshot (it holds one release).
    """
    since_date = None
    if since is not None:
        try:
            since_date = dt.date.fromisoformat(str(since).strip())
        except ValueError:
            raise ParameterError(f"since: {since!r} is not a date (YYYY-MM-DD)") from None
    clauses: list[str] = ["TRUE"]
    params: list[object] = []
    if model is not None:
        clauses.append("lower(h.model) = lower(?)")
        params.append(" ".join(model.split()))
    if since_date is not None:
        clauses.append("h.date >= ?")
        params.append(since_date)
    with open_reader(db) as (con, source):
        if source.kind != "store":
            return pd.DataFrame({c: pd.Series(dtype="object") for c in REVISION_COLUMNS})
        frame = con.execute(
            f"""
            SELECT h.report_id, h.date, h.model,
                   coalesce(f.name, CAST(h.from_release AS VARCHAR)) AS from_release,
                   coalesce(t.name, CAST(h.replaced_in_release AS VARCHAR)) AS revised_in,
                   h.launched AS launched_old, h.destroyed AS destroyed_old,
                   h.not_reach_goal AS not_reach_goal_old,
                   coalesce(n.launched, r.launched) AS launched_new,
                   coalesce(n.destroyed, r.destroyed) AS destroyed_new,
                   coalesce(n.not_reach_goal, r.not_reach_goal) AS not_reach_goal_new
            FROM report_history h
            JOIN reports r USING (report_id)
            LEFT JOIN report_history n
                   ON n.report_id = h.report_id AND n.from_release = h.replaced_in_release
            LEFT JOIN releases f ON f.release_id = h.from_release
            LEFT JOIN releases t ON t.release_id = h.replaced_in_release
            WHERE {" AND ".join(clauses)}
            ORDER BY h.replaced_in_release, h.date, h.report_id
            """,
            params,
        ).df()
    frame["date"] = pd.to_datetime(frame["date"])
    return frame[list(REVISION_COLUMNS)].reset_index(drop=True)


def store_summary(db: Path | str | None = None) -> tuple[str, str, int]:
    """(kind, release name, report count) of what the ledger reads now."""
    with open_reader(db) as (con, source):
        row = first_row(con.execute("SELECT count(*) FROM reports"))
        return source.kind, source.release, int(row[0]) if row else 0
