"""Reading the ledger: per-report records, grouped statistics, monthly launches.

All queries run in DuckDB SQL on the store (or on the shipped snapshot when the store
holds no release) and return pandas DataFrames with the documented columns. Reports
flagged as vanished upstream are left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from missilewatch.errors import ParameterError
from missilewatch.ledger._duck import first_row
from missilewatch.ledger.rules import counting_rule, rule_relation
from missilewatch.ledger.store import open_reader
from missilewatch.names import resolve_classes, resolve_families

PERIODS: tuple[str, ...] = ("year", "quarter", "month", "week")
GROUPINGS: tuple[str, ...] = ("class", "family")
#: ``stats(mode=...)``: allocated to families, or as reported ("reported" is accepted too).
MODES: tuple[str, ...] = ("allocated", "as-reported")

ATTACK_COLUMNS: tuple[str, ...] = (
    "report_id",
    "time_start",
    "time_end",
    "date",
    "model",
    "family",
    "weapon_class",
    "launched",
    "destroyed",
    "not_reach_goal",
    "launched_missing",
    "destroyed_missing",
    "not_reach_goal_missing",
    "counts_withheld",
)
COUNT_COLUMNS = ("launched", "destroyed", "not_reach_goal")

_PERIOD_START = {
    "year": "date_trunc('year', date)",
    "quarter": "date_trunc('quarter', date)",
    "month": "date_trunc('month', date)",
    "week": "date_trunc('week', date)",
}
_PERIOD_LABEL = {
    "year": "strftime(period_start, '%Y')",
    "quarter": "strftime(period_start, '%Y') || '-Q' || CAST(quarter(period_start) AS VARCHAR)",
    "month": "strftime(period_start, '%Y-%m')",
    "week": "CAST(isoyear(period_start) AS VARCHAR) || '-W' || lpad(CAST(week(period_start) "
    "AS VARCHAR), 2, '0')",
}


def _as_date(value: dt.date | str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ParameterError(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None


def _date_filter(start: dt.date | str | None, end: dt.date | str | None) -> tuple[str, list[Any]]:
    start_date, end_date = _as_date(start, "start"), _as_date(end, "end")
    if start_date and end_date and start_date > end_date:
        raise ParameterError(f"start {start_date} is after end {end_date}")
    clauses, params = [], []
    if start_date is not None:
        clauses.append("date >= ?")
        params.append(start_date)
    if end_date is not None:
        clauses.append("date <= ?")
        params.append(end_date)
    return (" AND ".join(clauses) or "TRUE"), params


def _mode(mode: str) -> str:
    """One of :data:`MODES`."""
    normalized = mode.strip().lower().replace("_", "-")
    if normalized == "reported":
        normalized = "as-reported"
    if normalized not in MODES:
        raise ParameterError(f"mode: {mode!r}; expected one of {', '.join(map(repr, MODES))}")
    return normalized


def _names(value: str | Sequence[str] | None) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    return list(value)


def _base_relation(allocated: bool) -> str:
    """SQL for one row per (report, family) share, or per report with joined labels."""
    if allocated:
        return """
            SELECT r.report_id, r.time_start, r.time_end, r.date, r.model,
                   a.family, a.weapon_class, a.launched, a.destroyed, a.not_reach_goal,
                   r.launched_missing, r.destroyed_missing, r.not_reach_goal_missing,
                   r.counts_withheld
            FROM allocations a JOIN reports r USING (report_id)
            WHERE r.vanished_release IS NULL
        """
    return _REPORTED_RELATION


_REPORTED_RELATION = """
    SELECT r.report_id, r.time_start, r.time_end, r.date, r.model,
           coalesce(m.family_label, r.model) AS family,
           coalesce(m.class_label, 'unknown') AS weapon_class,
           r.launched, r.destroyed, r.not_reach_goal,
           r.launched_missing, r.destroyed_missing, r.not_reach_goal_missing,
           r.counts_withheld, TRUE AS class_first
    FROM reports r
    LEFT JOIN (SELECT DISTINCT model, family_label, class_label FROM model_families) m
           USING (model)
    WHERE r.vanished_release IS NULL
"""

#: Allocated shares for statistics: the allocations table alone (it holds the report
#: date and no vanished report), which keeps month x family queries fast.
_ALLOCATED_STATS_RELATION = """
    SELECT report_id, date, family, weapon_class, launched, destroyed, not_reach_goal,
           class_first
    FROM allocations
"""


def _finish_counts(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Sums as int64 (an empty group sums to 0)."""
    for column in columns:
        if column in frame:
            frame[column] = frame[column].fillna(0).astype("int64")
    return frame


def _report_counts(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Per-report counts as int64, or nullable Int64 when some are withheld (NULL, never
    a 0 that would enter a sum)."""
    for column in columns:
        if column in frame:
            values = frame[column]
            frame[column] = (
                values.astype("Int64") if values.isna().any() else values.astype("int64")
            )
    return frame


def attacks(
    db: Path | None = None,
    *,
    allocated: bool = True,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
) -> pd.DataFrame:
    """One row per report (``allocated=False``) or per (report, family) share.

    Columns: report_id, time_start, time_end, date, model, family, weapon_class,
    launched, destroyed, not_reach_goal (int64; a missing count is 0 and flagged in
    launched_missing / destroyed_missing / not_reach_goal_missing; a count upstream
    withheld is NA, the columns then nullable Int64, and ``counts_withheld`` is True).
    """
    with open_reader(db) as (con, _source):
        return _attacks(con, allocated=allocated, start=start, end=end)


def _attacks(
    con: Any,
    *,
    allocated: bool = True,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
) -> pd.DataFrame:
    where, params = _date_filter(start, end)
    frame = con.execute(
        f"SELECT * FROM ({_base_relation(allocated)}) WHERE {where} "
        "ORDER BY time_start, report_id, family",
        params,
    ).df()
    frame = _report_counts(frame, COUNT_COLUMNS)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame[list(ATTACK_COLUMNS)].reset_index(drop=True)


def stats(
    db: Path | None = None,
    *,
    period: str = "month",
    by: str = "class",
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    mode: str = "allocated",
    weapon_class: str | Sequence[str] | None = None,
    family: str | Sequence[str] | None = None,
    rule: str | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """Launched / destroyed / not_reach_goal and intercept rate by period and group.

    Columns: period (label: ``2025``, ``2025-Q2``, ``2025-06``, ``2025-W23``),
    period_start (datetime64), weapon_class or family (or ``group`` with ``groups``),
    reports (distinct reports), launched, destroyed, not_reach_goal (int64; sums of the
    counts published), intercept_rate (destroyed / launched, NaN when nothing was
    launched), defeated_rate ((destroyed + not_reach_goal) / launched: comparable across
    August 2025, when drones lost to electronic warfare moved into ``destroyed``),
    withheld_reports (reports in the group whose counts upstream withheld, ``status_data``
    ``hidden``) and lower_bound (True when some were withheld: the sums are lower bounds).
    ``mode`` is ``allocated`` or ``as-reported``.

    ``rule`` names a counting rule (:data:`missilewatch.ledger.rules.COUNTING_RULES`):
    which rows count and which date files them (default: every row by report date).
    ``groups`` maps a name to families summed together (``{"ballistic-pair":
    ["Iskander-M", "KN-23"]}``); a family may be in several groups.
    """
    with open_reader(db) as (con, _source):
        return _stats(
            con,
            period=period,
            by=by,
            start=start,
            end=end,
            mode=mode,
            weapon_class=weapon_class,
            family=family,
            rule=rule,
            groups=groups,
        )


def _stats(
    con: Any,
    *,
    period: str = "month",
    by: str = "class",
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    mode: str = "allocated",
    weapon_class: str | Sequence[str] | None = None,
    family: str | Sequence[str] | None = None,
    rule: str | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    if period not in PERIODS:
        raise ParameterError(f"period: {period!r}; expected one of {', '.join(PERIODS)}")
    if by not in GROUPINGS:
        raise ParameterError(f"by: {by!r}; expected 'class' or 'family'")
    allocated = _mode(mode) == "allocated"
    counting = counting_rule(rule) if rule is not None else None
    if counting is not None and not allocated:
        raise ParameterError("rule: counting rules apply to allocated counts (mode 'allocated')")
    if groups is not None and not allocated:
        raise ParameterError("groups: family groups apply to allocated counts (mode 'allocated')")
    group = "weapon_class" if by == "class" else "family"
    where, params = _date_filter(start, end)
    classes = resolve_classes(_names(weapon_class), extra=("mixed",))
    if classes:
        where += f" AND weapon_class IN ({', '.join('?' for _ in classes)})"
        params += classes
    families = _names(family)
    if families:
        families = _resolve_families(con, families, allocated)
        where += f" AND family IN ({', '.join('?' for _ in families)})"
        params += families
    members_sql = ""
    if groups is not None:
        pairs = _group_pairs(groups)
        members = _resolve_families(con, [member for _, member in pairs], allocated)
        pairs = list(dict.fromkeys(zip([name for name, _ in pairs], members, strict=True)))
        group = '"group"'
        members_sql = (
            "members(group_name, member) AS (VALUES " + ", ".join("(?, ?)" for _ in pairs) + "),"
        )
        params = [value for pair in pairs for value in pair] + params
    if groups is not None:
        reports_sql = "count(DISTINCT report_id)"
    elif not allocated or group == "family":
        reports_sql = "count(*)"  # one row per report and group
    elif families:
        reports_sql = "count(DISTINCT report_id)"
    else:
        reports_sql = "sum(CAST(class_first AS INTEGER))"
    if counting is not None:
        relation = rule_relation(counting)
    else:
        relation = _ALLOCATED_STATS_RELATION if allocated else _REPORTED_RELATION
    source = "base JOIN members ON base.family = members.member" if groups is not None else "base"
    group_select = 'members.group_name AS "group"' if groups is not None else group
    sql = f"""
        WITH {members_sql} base AS (SELECT * FROM ({relation}) WHERE {where}),
        grouped AS (
            SELECT {_PERIOD_START[period]} AS period_start, {group_select},
                   {reports_sql} AS reports,
                   sum(launched) AS launched, sum(destroyed) AS destroyed,
                   sum(not_reach_goal) AS not_reach_goal,
                   {reports_sql} FILTER (WHERE launched IS NULL) AS withheld_reports
            FROM {source} GROUP BY ALL
        )
        SELECT {_PERIOD_LABEL[period]} AS period, CAST(period_start AS TIMESTAMP) AS period_start,
               {group}, reports, launched, destroyed, not_reach_goal, withheld_reports
        FROM grouped ORDER BY period_start, {group}
    """
    frame = con.execute(sql, params).df()
    frame = _finish_counts(frame, ("reports", *COUNT_COLUMNS, "withheld_reports"))
    frame["period"] = frame["period"].astype(str)
    frame["period_start"] = pd.to_datetime(frame["period_start"])
    launched = frame["launched"].to_numpy(dtype=float)
    destroyed = frame["destroyed"].to_numpy(dtype=float)
    defeated = destroyed + frame["not_reach_goal"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["intercept_rate"] = np.where(launched > 0, destroyed / launched, np.nan)
        # Comparable across August 2025, when drones lost to electronic warfare moved
        # from not_reach_goal into destroyed (see docs/ledger.md).
        frame["defeated_rate"] = np.where(launched > 0, defeated / launched, np.nan)
    # Withheld reports are in ``reports`` but not in the sums: those are lower bounds.
    withheld = frame.pop("withheld_reports")
    frame["withheld_reports"] = withheld
    frame["lower_bound"] = withheld > 0
    return frame.reset_index(drop=True)


def _group_pairs(groups: Mapping[str, Sequence[str]]) -> list[tuple[str, str]]:
    """(group name, family) pairs; a group needs a name and at least one family."""
    pairs: list[tuple[str, str]] = []
    if not groups:
        raise ParameterError("groups: give at least one group NAME=FAMILY[,FAMILY...]")
    for name, members in groups.items():
        label = str(name).strip()
        names = [members] if isinstance(members, str) else list(members)
        names = [m.strip() for m in names if m.strip()]
        if not label or not names:
            raise ParameterError(f"groups: group {name!r} needs a name and at least one family")
        pairs += [(label, member) for member in dict.fromkeys(names)]
    return pairs


def _resolve_families(con: Any, families: Sequence[str], allocated: bool) -> list[str]:
    """Families as typed (``kh101``, ``Iskander``), resolved to the ledger's names."""
    column = "family" if allocated else "family_label"
    known = sorted(
        str(r[0]) for r in con.execute(f"SELECT DISTINCT {column} FROM model_families").fetchall()
    )
    return resolve_families(families, known, covered_by="reported in the ledger") or []


def date_span(db: Path | None = None) -> tuple[dt.date, dt.date] | None:
    """The first and last report date (reports not vanished); None when there is none."""
    with open_reader(db) as (con, _source):
        span = first_row(
            con.execute("SELECT min(date), max(date) FROM reports WHERE vanished_release IS NULL")
        )
    if span is None or span[0] is None:
        return None
    return span[0], span[1]


def monthly_launches(db: Path | None = None, *, by: str = "family") -> pd.DataFrame:
    """Allocated launches per month and family (or class), zeros filled.

    Columns: month (Period[M]), family (only when ``by="family"``), weapon_class,
    launched, destroyed, reports, withheld_reports (reports whose counts upstream
    withheld: in ``reports``, not in the sums, which are then lower bounds). Every month
    from the first report to the last is present for every family (or class) that occurs.
    """
    with open_reader(db) as (con, _source):
        return _monthly_launches(con, by=by)


def _monthly_launches(con: Any, *, by: str = "family") -> pd.DataFrame:
    if by in ("class", "weapon_class"):
        keys = ["weapon_class"]
        reports_sql = "sum(CAST(class_first AS INTEGER))"
    elif by == "family":
        keys = ["family", "weapon_class"]
        reports_sql = "count(*)"
    else:
        raise ParameterError(f"by: {by!r}; expected 'family' or 'weapon_class'")
    key_sql = ", ".join(keys)
    frame = con.execute(
        f"""
        SELECT date_trunc('month', date) AS month_start, {key_sql},
               sum(launched) AS launched, sum(destroyed) AS destroyed,
               {reports_sql} AS reports,
               {reports_sql} FILTER (WHERE launched IS NULL) AS withheld_reports
        FROM ({_ALLOCATED_STATS_RELATION}) GROUP BY ALL
        """
    ).df()
    span = first_row(
        con.execute("SELECT min(date), max(date) FROM reports WHERE vanished_release IS NULL")
    )
    columns = ["month", *keys, "launched", "destroyed", "reports", "withheld_reports"]
    if frame.empty or span is None or span[0] is None:
        return pd.DataFrame({c: pd.Series(dtype="int64") for c in columns})
    months = pd.period_range(pd.Period(span[0], "M"), pd.Period(span[1], "M"), freq="M")
    frame["month"] = pd.to_datetime(frame["month_start"]).dt.to_period("M")
    groups = frame[keys].drop_duplicates().sort_values(keys)
    grid = groups.merge(pd.DataFrame({"month": months}), how="cross")
    full = grid.merge(frame.drop(columns="month_start"), on=["month", *keys], how="left")
    full = _finish_counts(full, ("launched", "destroyed", "reports", "withheld_reports"))
    full = full.sort_values(["month", *keys]).reset_index(drop=True)
    return full[columns]


@dataclass(frozen=True, eq=False)
class LedgerTables:
    """What the engines read from the ledger, read through one connection.

    Attributes:
        attacks: :func:`attacks` with ``allocated=True`` (one row per report and family).
        monthly: :func:`monthly_launches` by family.
        class_months: :func:`stats` by month and class (allocated).
        kind: ``store`` or ``snapshot``; ``release``: the release name read.
        file_hash: sha256 of the release file read (the latest ingest, or the snapshot's).
        first_date, last_date: the span the reports cover, from the first report's start
            to the last attack window's end (overnight attacks end the day after).
    """

    attacks: pd.DataFrame
    monthly: pd.DataFrame
    class_months: pd.DataFrame
    kind: str
    release: str
    file_hash: str | None
    first_date: dt.date | None
    last_date: dt.date | None


def read_tables(db: Path | None = None) -> LedgerTables:
    """The ledger tables the engines and the report need, in one reader session."""
    with open_reader(db) as (con, source):
        allocated = _attacks(con, allocated=True)
        monthly = _monthly_launches(con, by="family")
        class_months = _stats(con, period="month", by="class")
        span = first_row(
            con.execute(
                "SELECT min(time_start), max(time_end) FROM reports WHERE vanished_release IS NULL"
            )
        )
        if source.kind == "snapshot":
            file_hash = source.snapshot.file_hash if source.snapshot is not None else None
        else:
            row = first_row(
                con.execute("SELECT file_hash FROM releases ORDER BY release_id DESC LIMIT 1")
            )
            file_hash = str(row[0]) if row else None
    first = last = None
    if span is not None and span[0] is not None:
        first = pd.Timestamp(span[0]).date()
        last = pd.Timestamp(span[1]).date()
    return LedgerTables(
        attacks=allocated,
        monthly=monthly,
        class_months=class_months,
        kind=source.kind,
        release=source.release,
        file_hash=file_hash,
        first_date=first,
        last_date=last,
    )
