"""Attack windows: one row per attack (a report's time window), not per weapon model.

The Air Force reports an attack as one window (``time_start`` to ``time_end``) with a
row per weapon model; an attack here is the rows sharing one window, with the families in
it and launched / destroyed / not reaching the target per family. On this table analysts
ask the questions RUSI asked of the ballistic missiles: how many attacks had no intercept
at all, how the intercept rate moves with salvo size, and how per-attack outcomes are
distributed (bimodal: all or nothing, not around the mean).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from missilewatch.errors import ParameterError
from missilewatch.ledger.query import _date_filter, _names, _resolve_families
from missilewatch.ledger.store import open_reader
from missilewatch.names import resolve_classes

WINDOW_COLUMNS: Final = (
    "window_start",
    "window_end",
    "date",
    "families",
    "reports",
    "launched",
    "destroyed",
    "not_reach_goal",
    "intercept_rate",
    "by_family",
)
FAMILY_COLUMNS: Final = (
    "window_start",
    "window_end",
    "date",
    "family",
    "weapon_class",
    "launched",
    "destroyed",
    "not_reach_goal",
)
#: Default salvo-size bins (lower edges; the last is open): 1, 2-3, 4-7, 8-15, 16+.
SALVO_BINS: Final = (1, 2, 4, 8, 16)
#: Per-attack intercept share bins for the distribution, in words.
SHARE_BINS: Final = ("none", "1-24%", "25-49%", "50-74%", "75-99%", "all")


def attack_windows(
    db: Path | None = None,
    *,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    family: str | Sequence[str] | None = None,
    weapon_class: str | Sequence[str] | None = None,
    per: str = "window",
) -> pd.DataFrame:
    """One row per attack window (``per="window"``) or per window and family
    (``per="family"``), counting only the chosen families or classes.

    Window columns (:data:`WINDOW_COLUMNS`): window_start, window_end (datetime64), date
    (the report date), families (the families in it, comma-separated), reports (rows
    in it), launched, destroyed, not_reach_goal (int64, allocated to families), intercept_rate
    (destroyed / launched; NaN when nothing was launched) and by_family ("Iskander-M
    4/1/0; KN-23 2/0/0": launched/destroyed/not reaching per family). Windows with none
    of the chosen families are left out. ``start``/``end`` filter on the report date.
    """
    if per not in ("window", "family"):
        raise ParameterError(f"per: {per!r}; expected 'window' or 'family'")
    where, params = _date_filter(start, end)
    families = _names(family)
    classes = resolve_classes(_names(weapon_class))
    if families:
        with open_reader(db) as (con, _source):
            families = _resolve_families(con, families, True)
    if classes:
        where += f" AND a.weapon_class IN ({', '.join('?' for _ in classes)})"
        params += classes
    if families:
        where += f" AND a.family IN ({', '.join('?' for _ in families)})"
        params += families
    sql = f"""
        SELECT r.time_start AS window_start, r.time_end AS window_end, min(r.date) AS date,
               a.family, a.weapon_class, count(DISTINCT a.report_id) AS reports,
               sum(a.launched) AS launched, sum(a.destroyed) AS destroyed,
               sum(a.not_reach_goal) AS not_reach_goal
        FROM allocations a JOIN reports r USING (report_id)
        WHERE r.vanished_release IS NULL AND {where.replace("date", "r.date")}
        GROUP BY ALL ORDER BY window_start, window_end, a.family
    """
    with open_reader(db) as (con, _source):
        rows = con.execute(sql, params).df()
    for column in ("reports", "launched", "destroyed", "not_reach_goal"):
        rows[column] = rows[column].fillna(0).astype("int64")
    for column in ("window_start", "window_end", "date"):
        rows[column] = pd.to_datetime(rows[column])
    if per == "family":
        return rows[list(FAMILY_COLUMNS)].reset_index(drop=True)
    return _windows(rows)


def _windows(rows: pd.DataFrame) -> pd.DataFrame:
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in WINDOW_COLUMNS})
    rows = rows.assign(
        part=rows["family"]
        + " "
        + rows["launched"].astype(str)
        + "/"
        + rows["destroyed"].astype(str)
        + "/"
        + rows["not_reach_goal"].astype(str)
    )
    grouped = rows.groupby(["window_start", "window_end"], sort=True)
    frame = grouped.agg(
        date=("date", "min"),
        families=("family", lambda names: ", ".join(names)),
        reports=("reports", "sum"),
        launched=("launched", "sum"),
        destroyed=("destroyed", "sum"),
        not_reach_goal=("not_reach_goal", "sum"),
        by_family=("part", lambda parts: "; ".join(parts)),
    ).reset_index()
    launched = frame["launched"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["intercept_rate"] = np.where(
            launched > 0, frame["destroyed"].to_numpy(dtype=float) / launched, np.nan
        )
    return frame[list(WINDOW_COLUMNS)].reset_index(drop=True)


def _with_launches(windows: pd.DataFrame) -> pd.DataFrame:
    return windows[windows["launched"] > 0]


def zero_intercepts(windows: pd.DataFrame) -> dict[str, Any]:
    """Attacks with launches, those with no intercept, and the share (RUSI's count)."""
    launched = _with_launches(windows)
    none = int((launched["destroyed"] == 0).sum())
    total = len(launched)
    return {
        "attacks": total,
        "without_intercept": none,
        "share_without_intercept": none / total if total else float("nan"),
        "launched": int(launched["launched"].sum()),
        "destroyed": int(launched["destroyed"].sum()),
    }


def salvo_edges(text: str) -> tuple[int, ...]:
    """``"1,2,4,8,16"`` as bin lower edges (rising, from 1)."""
    try:
        edges = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise ParameterError(f"salvo bins: {text!r} is not a list of whole numbers") from None
    if not edges or edges[0] < 1 or any(b <= a for a, b in itertools.pairwise(edges)):
        raise ParameterError(f"salvo bins: {text!r}: need rising whole numbers from 1")
    return edges


def _salvo_labels(edges: Sequence[int]) -> list[str]:
    labels = []
    for low, high in zip(edges, [*edges[1:], None], strict=True):
        if high is None:
            labels.append(f"{low}+")
        elif high - low == 1:
            labels.append(str(low))
        else:
            labels.append(f"{low}-{high - 1}")
    return labels


def intercept_by_salvo_size(
    windows: pd.DataFrame, bins: Sequence[int] = SALVO_BINS
) -> pd.DataFrame:
    """Per salvo-size bin (launched in the attack): attacks, launched, destroyed, the
    pooled intercept rate (destroyed / launched), the mean of per-attack rates, and the
    share of attacks with no intercept."""
    edges = tuple(bins)
    launched = _with_launches(windows)
    labels = _salvo_labels(edges)
    index = np.searchsorted(np.asarray(edges), launched["launched"].to_numpy(), side="right") - 1
    launched = launched.assign(salvo=pd.Categorical.from_codes(index, pd.Index(labels)))
    table = (
        launched.groupby("salvo", observed=False)
        .agg(
            attacks=("launched", "size"),
            launched=("launched", "sum"),
            destroyed=("destroyed", "sum"),
            mean_attack_rate=("intercept_rate", "mean"),
            without_intercept=("destroyed", lambda d: int((d == 0).sum())),
        )
        .reset_index()
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        table["intercept_rate"] = table["destroyed"] / table["launched"].where(
            table["launched"] > 0
        )
        table["share_without_intercept"] = table["without_intercept"] / table["attacks"].where(
            table["attacks"] > 0
        )
    table["salvo"] = table["salvo"].astype(str)
    return table[
        [
            "salvo",
            "attacks",
            "launched",
            "destroyed",
            "intercept_rate",
            "mean_attack_rate",
            "without_intercept",
            "share_without_intercept",
        ]
    ]


def intercept_distribution(windows: pd.DataFrame) -> pd.DataFrame:
    """How many attacks intercepted none, some or all of what they launched: the
    per-attack distribution (:data:`SHARE_BINS`) that shows a bimodal outcome."""
    launched = _with_launches(windows)
    rate = launched["intercept_rate"].to_numpy(dtype=float)
    codes = np.select(
        [rate <= 0, rate < 0.25, rate < 0.5, rate < 0.75, rate < 1],
        [0, 1, 2, 3, 4],
        default=5,
    )
    counts = np.bincount(codes, minlength=len(SHARE_BINS))
    total = counts.sum()
    return pd.DataFrame(
        {
            "intercepted": list(SHARE_BINS),
            "attacks": counts.astype(np.int64),
            "share": counts / total if total else np.full(len(SHARE_BINS), np.nan),
        }
    )


def attacks(
    db: Path | None = None,
    *,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    family: str | Sequence[str] | None = None,
    weapon_class: str | Sequence[str] | None = None,
    per: str = "window",
    allocated: bool | None = None,
) -> pd.DataFrame:
    """``missilewatch.attacks``: one row per attack window (:func:`attack_windows`).

    Passing ``allocated`` (True or False) asks for the earlier table, one row per report
    (``allocated=False``) or per (report, family) share, as
    :func:`missilewatch.report_rows` gives it; scripts written against it keep working.
    """
    if allocated is not None:
        if family is not None or weapon_class is not None or per != "window":
            raise ParameterError(
                "allocated: the per-report table takes only start and end; use "
                "missilewatch.attacks(family=..., weapon_class=...) without allocated for "
                "attack windows"
            )
        from missilewatch.ledger.query import attacks as report_rows

        return report_rows(db, allocated=allocated, start=start, end=end)
    return attack_windows(
        db, start=start, end=end, family=family, weapon_class=weapon_class, per=per
    )
