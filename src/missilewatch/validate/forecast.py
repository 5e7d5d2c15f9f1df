"""The strike forecast against what followed: a backtest over rolling cuts, scored.

At each cut month the strike process is fitted on the complete months before it and
forecasts the cut month and the next ones (horizon 1 = the cut month). Per weapon class
and horizon the forecast is scored (CRPS, 50% and 80% interval coverage, bias) and set
against two naive forecasts: last month's launches, and the mean of the last 3 months.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from missilewatch.errors import ParameterError
from missilewatch.model.skill import score_cells, skill_table

if TYPE_CHECKING:
    from missilewatch.validate.report import Section

#: Classes the goals are stated for: CRPS skill > 0 against both naive forecasts at every
#: horizon, and 80% bands covering 73-87% of cells.
GOAL_CLASSES: tuple[str, ...] = ("cruise", "ballistic")
COVERAGE_GOAL: tuple[float, float] = (0.73, 0.87)
#: Backtest sizes: (cuts, paths) for the full run and for --quick.
FULL_BACKTEST = (30, 2_000)
QUICK_BACKTEST = (30, 1_000)
HORIZON = 3
#: Months of history before the first cut (the naive 3-month mean needs 3).
MIN_HISTORY_MONTHS = 6


@dataclass(frozen=True)
class StrikeSkill:
    """The backtest's cells and their summary by class and horizon."""

    cells: pd.DataFrame  # cut, month, horizon, series, observed, naive, quantiles
    table: pd.DataFrame  # model.skill.SKILL_COLUMNS


def strike_skill(
    db: Path | None = None,
    *,
    cuts: int = FULL_BACKTEST[0],
    paths: int = FULL_BACKTEST[1],
    horizon: int = HORIZON,
    seed: int = 0,
) -> StrikeSkill:
    """Backtest the strike forecast over the last ``cuts`` cuts; score it by class."""
    from missilewatch.baseline import load_baseline
    from missilewatch.model.setup import history_from_baseline
    from missilewatch.model.strikes import forecast_launches

    if cuts < 1 or horizon < 1 or paths < 50:
        raise ParameterError("cuts and horizon must be at least 1, paths at least 50")
    baseline = load_baseline(db)
    history = history_from_baseline(baseline, baseline.modelled_families)
    total = len(history.months)
    last_cut = total - horizon
    first_cut = max(MIN_HISTORY_MONTHS, last_cut - cuts + 1)
    if last_cut < first_cut:
        raise ParameterError("the ledger is too short for this backtest")
    classes = sorted(set(history.weapon_classes))
    members = {c: [i for i, k in enumerate(history.weapon_classes) if k == c] for c in classes}
    streams = np.random.SeedSequence(seed).spawn(last_cut - first_cut + 1)
    samples: list[np.ndarray] = []
    rows: list[dict[str, object]] = []
    for stream, cut in zip(streams, range(first_cut, last_cut + 1), strict=True):
        launches = forecast_launches(history, cut, horizon, paths, stream)
        for name in classes:
            index = members[name]
            simulated = launches[:, :, index].sum(axis=2)  # (paths, horizon)
            past = history.launches[:cut, index].sum(axis=1)
            truth = history.launches[cut : cut + horizon, index].sum(axis=1)
            for h in range(horizon):
                samples.append(simulated[:, h])
                rows.append(
                    {
                        "cut": str(history.months[cut]),
                        "month": str(history.months[cut + h]),
                        "horizon": h + 1,
                        "series": name,
                        "observed": float(truth[h]),
                        "last_month": float(past[-1]),
                        "mean_3_months": float(past[-3:].mean()),
                    }
                )
    cells = pd.DataFrame(rows)
    drawn = np.vstack(samples)
    scores = score_cells(
        drawn,
        cells["observed"].to_numpy(),
        cells["last_month"].to_numpy(),
        cells["mean_3_months"].to_numpy(),
    )
    low10, low25, median, high75, high90 = np.quantile(drawn, [0.1, 0.25, 0.5, 0.75, 0.9], axis=1)
    cells = cells.assign(
        low_80=low10, low_50=low25, median=median, high_50=high75, high_80=high90, crps=scores.crps
    )
    table = skill_table(
        cells["series"].to_numpy(),
        cells["horizon"].to_numpy(),
        cells["observed"].to_numpy(),
        scores,
    )
    return StrikeSkill(cells=cells, table=table)


def goals_met(table: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(goals met, goals missed) in words, for :data:`GOAL_CLASSES`."""
    met: list[str] = []
    missed: list[str] = []
    low, high = COVERAGE_GOAL
    for name in GOAL_CLASSES:
        rows = table[table["series"] == name]
        if rows.empty:
            missed.append(f"{name}: not in the backtest")
            continue
        skill = rows[["skill_vs_last_month", "skill_vs_mean_3_months"]].min(axis=1)
        bad_skill = rows.loc[~(skill > 0), "horizon"].tolist()
        bad_cover = rows.loc[~rows["coverage_80"].between(low, high), "horizon"].tolist()
        (missed if bad_skill else met).append(
            f"{name}: CRPS skill above 0 against both naive forecasts"
            + (f" (not at horizon {', '.join(map(str, bad_skill))})" if bad_skill else "")
        )
        (missed if bad_cover else met).append(
            f"{name}: 80% band covers {low:.0%}-{high:.0%}"
            + (f" (not at horizon {', '.join(map(str, bad_cover))})" if bad_cover else "")
        )
    return met, missed


def skill_summary(table: pd.DataFrame, cuts: int) -> str:
    """The skill table in plain words."""
    met, missed = goals_met(table)
    total = len(met) + len(missed)
    cover = table["coverage_80"].mean()
    text = (
        f"Strike forecast over {cuts} rolling cuts, horizons 1-{int(table['horizon'].max())}: "
        f"{len(met)} of {total} goals met for the cruise and ballistic classes; the 80% "
        f"bands hold {cover:.0%} of the observed months over all classes"
    )
    if missed:
        text += "; missed: " + "; ".join(missed)
    return text + "."


SKILL_SCREEN_COLUMNS = {
    "series": "class",
    "horizon": "months ahead",
    "crps": "CRPS",
    "skill_vs_last_month": "skill vs last",
    "skill_vs_mean_3_months": "skill vs 3-mo",
    "coverage_50": "in 50%",
    "coverage_80": "in 80%",
    "bias_pct": "bias %",
}


def forecast_section(db: Path | None, *, quick: bool) -> Section:
    from missilewatch.validate.report import Section

    cuts, paths = QUICK_BACKTEST if quick else FULL_BACKTEST
    skill = strike_skill(db, cuts=cuts, paths=paths)
    table = skill.table.copy()
    numeric = table.select_dtypes("number").columns.drop(["horizon", "cuts"])
    table[numeric] = table[numeric].round(3)
    return Section(
        name="forecast",
        title="The strike forecast against what followed",
        summary=skill_summary(table, int(table["cuts"].max())),
        table=table,
        screen_columns=SKILL_SCREEN_COLUMNS,
    )
