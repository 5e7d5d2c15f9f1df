"""The ledger against figures others published from the same reports.

Each registry figure is recounted from the ledger with its own counting rule, period,
weapons and measure; the table says the tool's value, the published value, the
difference and whether it is within the figure's tolerance.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from missilewatch.ledger.rules import COUNTING_RULES, rule_relation
from missilewatch.ledger.store import open_reader
from missilewatch.validate.registry import PublishedFigure, load_registry

#: Columns of :func:`published_check`, in order.
PUBLISHED_COLUMNS: tuple[str, ...] = (
    "id",
    "publisher",
    "published",
    "what",
    "measure",
    "start",
    "end",
    "rule",
    "tool_value",
    "published_value",
    "bound",
    "difference",
    "difference_pct",
    "allowed_difference",
    "within_tolerance",
    "tolerance_reason",
    "address",
    "note",
)

#: "more than" / "at least" figures are lower bounds: any larger count agrees with them.
_LOWER_BOUNDS = frozenset({"more than", "at least"})


def counted_rows(db: Path | None, rules: Sequence[str]) -> dict[str, pd.DataFrame]:
    """Allocated shares as each rule counts them: rule -> (date, family, weapon_class,
    launched, destroyed)."""
    frames: dict[str, pd.DataFrame] = {}
    with open_reader(db) as (con, _source):
        for name in dict.fromkeys(rules):
            frame = con.execute(
                "SELECT date, family, weapon_class, launched, destroyed "
                f"FROM ({rule_relation(COUNTING_RULES[name])})"
            ).df()
            frame["date"] = pd.to_datetime(frame["date"])
            for column in ("launched", "destroyed"):
                frame[column] = frame[column].fillna(0).astype("int64")
            frames[name] = frame
    return frames


def tool_value(figure: PublishedFigure, rows: pd.DataFrame) -> int:
    """The figure recounted from ``rows`` (one rule's counted rows)."""
    in_period = (rows["date"] >= pd.Timestamp(figure.start)) & (
        rows["date"] <= pd.Timestamp(figure.end)
    )
    if figure.families:
        chosen = rows["family"].isin(figure.families)
    else:
        chosen = rows["weapon_class"].isin(figure.classes)
    return int(rows.loc[in_period & chosen, figure.measure].sum())


def within_tolerance(figure: PublishedFigure, value: float) -> bool:
    """Whether ``value`` reproduces the figure (one-sided for lower bounds)."""
    difference = value - figure.value
    allowed = figure.allowed_difference()
    if figure.bound in _LOWER_BOUNDS:
        return difference >= -allowed
    return abs(difference) <= allowed


def published_check(
    db: Path | None = None,
    *,
    registry: Path | None = None,
    figures: Sequence[PublishedFigure] | None = None,
) -> pd.DataFrame:
    """Every registry figure against the ledger, one row each (:data:`PUBLISHED_COLUMNS`).

    ``difference`` is tool minus published; ``difference_pct`` is it over the published
    value, in percent; ``within_tolerance`` uses the figure's tolerance
    (``allowed_difference`` = max(tolerance x published, tolerance_floor)).
    """
    chosen = list(figures) if figures is not None else load_registry(registry)
    rows = counted_rows(db, [figure.rule for figure in chosen])
    records = []
    for figure in chosen:
        value = tool_value(figure, rows[figure.rule])
        difference = value - figure.value
        records.append(
            {
                "id": figure.id,
                "publisher": figure.publisher,
                "published": figure.published.isoformat(),
                "what": figure.what,
                "measure": figure.measure,
                "start": figure.start.isoformat(),
                "end": figure.end.isoformat(),
                "rule": figure.rule,
                "tool_value": value,
                "published_value": figure.value,
                "bound": figure.bound,
                "difference": difference,
                "difference_pct": round(100.0 * difference / figure.value, 2),
                "allowed_difference": round(figure.allowed_difference(), 2),
                "within_tolerance": within_tolerance(figure, value),
                "tolerance_reason": figure.tolerance_reason,
                "address": figure.address,
                "note": figure.note,
            }
        )
    frame = pd.DataFrame.from_records(records, columns=list(PUBLISHED_COLUMNS))
    frame["within_tolerance"] = frame["within_tolerance"].astype(bool)
    frame["tool_value"] = frame["tool_value"].astype(np.int64)
    return frame


def published_summary(frame: pd.DataFrame) -> str:
    """The table in plain words: "23 of 25 published figures reproduced within ..."."""
    total = len(frame)
    within = int(frame["within_tolerance"].sum()) if total else 0
    if total == 0:
        return "No published figure is registered."
    missed = frame.loc[~frame["within_tolerance"], "id"].tolist()
    text = f"{within} of {total} published figures reproduced within their tolerance"
    if missed:
        text += f"; outside: {', '.join(missed)}"
    return text + "."
