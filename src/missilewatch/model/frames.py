"""Stock-flow results as documented DataFrames: views of a :class:`~missilewatch.run.Run`.

Pure functions over the run's labelled draws (no files, no ledger): the monthly
percentile frame of :func:`missilewatch.stockpile`, the summary figures of
:func:`missilewatch.stockpile_summary`, and the history shortfalls the engine reports.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from missilewatch.errors import MissilewatchWarning, ParameterError
from missilewatch.limits import (
    COUNT_DECIMALS,
    PERCENTILE_COLUMNS,
    PERCENTILES,
    PROBABILITY_DECIMALS,
)
from missilewatch.model.setup import Setup, _period
from missilewatch.names import resolve_classes, resolve_families

if TYPE_CHECKING:
    from missilewatch.run import Run

QUANTITIES: Final = (
    "stock",
    "production",
    "imports",
    "launches",
    "net_accumulation",
    "shortfall",
    "unmet",
)
#: Months of recent ledger launches that define "the current launch rate".
RECENT_MONTHS: Final = 3
#: A family whose median history shortfall exceeds this share of its launches is warned about.
SHORTFALL_WARNING_SHARE: Final = 0.05


def _quantity_arrays(values: dict[str, np.ndarray], members: list[int]) -> dict[str, np.ndarray]:
    """(samples, months) per quantity for a family or the sum over a class."""
    summed = {
        key: np.asarray(v[..., members], dtype=np.float64).sum(axis=-1) for key, v in values.items()
    }
    stock = summed["stock"]
    return {
        "stock": stock[..., 1:],
        "production": summed["production"],
        "imports": summed["imports"],
        "launches": summed["launches"],
        "net_accumulation": np.diff(stock, axis=-1) - summed["shortfall"],
        "shortfall": summed["shortfall"],
        "unmet": summed["unmet"],
    }


@dataclass(frozen=True)
class Shortfall:
    """A family whose ledger launches its production and stock figures cannot explain.

    ``median`` is the median over paths of the history shortfall (missiles launched that
    the path could not have held), ``first_month`` the first month the median path runs
    short, ``launched`` the family's ledger launches over the history.
    """

    family: str
    first_month: pd.Period
    median: float
    launched: float

    def message(self) -> str:
        return (
            f"{self.family}: production and stock estimates cannot explain the ledger's "
            f"launches from {self.first_month} (median shortfall {self.median:,.0f} of "
            f"{self.launched:,.0f} launched); stock clamped at zero, shortfall reported"
        )


def shortfalls(run: Run) -> tuple[Shortfall, ...]:
    """Every family whose median history shortfall exceeds ``SHORTFALL_WARNING_SHARE``
    of its ledger launches, whatever the run's selection."""
    setup, result = run.stock_flow_setup, run.stock_flow_result
    history = len(setup.history.months)
    shortfall = np.asarray(result.resample["shortfall"][:, :history, :], dtype=np.float64)
    median_total = np.median(shortfall.sum(axis=1), axis=0)
    launched = setup.history.launches.sum(axis=0)
    found = []
    for f, family in enumerate(setup.params.families):
        if launched[f] > 0 and median_total[f] > SHORTFALL_WARNING_SHARE * launched[f]:
            median_by_month = np.median(shortfall[:, :, f], axis=0)
            first = (
                int(np.flatnonzero(median_by_month > 0)[0]) if np.any(median_by_month > 0) else 0
            )
            found.append(
                Shortfall(
                    family=family,
                    first_month=setup.history.months[first],
                    median=float(median_total[f]),
                    launched=float(launched[f]),
                )
            )
    return tuple(found)


def selected_families(
    run: Run,
    *,
    family: str | Sequence[str] | None = None,
    weapon_class: str | Sequence[str] | None = None,
) -> list[str]:
    """The modelled families a selection covers (a class covers its members), in order."""
    indices = {
        i
        for _, _, members in _select_series(run.stock_flow_setup, family, weapon_class)
        for i in members
    }
    return [name for i, name in enumerate(run.stock_flow_setup.params.families) if i in indices]


def warn_shortfalls(
    run: Run,
    *,
    family: str | Sequence[str] | None = None,
    weapon_class: str | Sequence[str] | None = None,
) -> None:
    """Warn about the shortfalls of the selected families and classes (default: all).

    A class selects its member families: ``weapon_class="cruise"`` warns about a cruise
    family's shortfall, ``family="Kinzhal"`` does not warn about Kh-101/Kh-555.
    """
    members = set(selected_families(run, family=family, weapon_class=weapon_class))
    for shortfall in shortfalls(run):
        if shortfall.family in members:
            warnings.warn(shortfall.message(), MissilewatchWarning, stacklevel=3)


def _select_series(
    setup: Setup, family: str | Sequence[str] | None, weapon_class: str | Sequence[str] | None
) -> list[tuple[str, str, list[int]]]:
    families = list(setup.params.families)
    classes = list(setup.params.weapon_classes)
    all_series = [("family", name, [i]) for i, name in enumerate(families)]
    for c in sorted(set(classes)):
        all_series.append(("class", c, [i for i, k in enumerate(classes) if k == c]))
    if family is None and weapon_class is None:
        return all_series
    wanted_families = (
        resolve_families(family, families, covered_by="modelled by the stock-flow model") or []
    )
    wanted_classes = (
        resolve_classes(
            weapon_class,
            sorted(set(classes)),
            covered_by="the class of a modelled family",
        )
        or []
    )
    chosen = [s for s in all_series if s[0] == "family" and s[1] in wanted_families]
    for name in wanted_classes:
        chosen.extend(s for s in all_series if s[0] == "class" and s[1] == name)
        chosen.extend(
            s
            for s in all_series
            if s[0] == "family" and classes[s[2][0]] == name and s not in chosen
        )
    return chosen


def stockpile_frame(
    run: Run,
    *,
    family: str | Sequence[str] | None = None,
    weapon_class: str | Sequence[str] | None = None,
    start: str | pd.Period | None = None,
    until: str | pd.Period | None = None,
) -> pd.DataFrame:
    setup, result = run.stock_flow_setup, run.stock_flow_result
    months = setup.months
    history = len(setup.history.months)
    first = _period(start, "start") if start is not None else months[0]
    last = _period(until, "until") if until is not None else months[-1]
    if last < first:
        raise ParameterError(f"until: {last} is before start {first}")
    keep = np.array([first <= m <= last for m in months])
    rows = []
    for level, name, members in _select_series(setup, family, weapon_class):
        samples = _quantity_arrays(result.resample, members)
        assumption = any(setup.assumed[setup.params.families[i]] for i in members)
        for quantity in QUANTITIES:
            values = samples[quantity][:, keep]
            quantiles = np.percentile(values, PERCENTILES, axis=0)
            frame = pd.DataFrame(quantiles.T, columns=PERCENTILE_COLUMNS)
            frame.insert(0, "quantity", quantity)
            frame.insert(0, "name", name)
            frame.insert(0, "level", level)
            frame.insert(
                0,
                "month",
                pd.PeriodIndex([m for m, k in zip(months, keep, strict=True) if k], freq="M"),
            )
            frame["mean"] = values.mean(axis=0)
            frame["observed"] = np.arange(len(months))[keep] < history
            frame["assumption"] = assumption
            rows.append(frame)
    out = pd.concat(rows, ignore_index=True)
    value_columns = [*PERCENTILE_COLUMNS, "mean"]
    out[value_columns] = out[value_columns].round(COUNT_DECIMALS)
    out.attrs["effective_sample_size"] = dict(
        zip(setup.params.families, result.effective_sample_size.tolist(), strict=True)
    )
    out.attrs["paths"] = result.paths
    out.attrs["constraints"] = list(setup.constraints_used)
    return out


SUMMARY_COLUMNS: Final = [
    "level",
    "name",
    "metric",
    "p5",
    "p50",
    "p95",
    "mean",
    "unit",
    "assumption",
]


def summary_frame(
    run: Run,
    *,
    family: str | Sequence[str] | None = None,
    weapon_class: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    setup, result = run.stock_flow_setup, run.stock_flow_result
    history = len(setup.history.months)
    last_month = setup.history.months[-1]
    rows: list[dict[str, object]] = []

    def add(level: str, name: str, metric: str, values: np.ndarray, unit: str) -> None:
        p5, p50, p95 = np.percentile(values, [5, 50, 95])
        rows.append(
            {
                "level": level,
                "name": name,
                "metric": metric,
                "p5": p5,
                "p50": p50,
                "p95": p95,
                "mean": float(np.mean(values)),
                "unit": unit,
            }
        )

    def constant(level: str, name: str, metric: str, value: float, unit: str) -> None:
        rows.append(
            {
                "level": level,
                "name": name,
                "metric": metric,
                "p5": value,
                "p50": value,
                "p95": value,
                "mean": value,
                "unit": unit,
            }
        )

    def add_probability(level: str, name: str, metric: str, probability: float) -> None:
        constant(level, name, metric, probability, "probability")

    window = slice(max(0, history - 12), history)
    for level, name, members in _select_series(setup, family, weapon_class):
        q = _quantity_arrays(result.resample, members)
        stock_now = q["stock"][:, history - 1]
        recent = setup.history.launches[history - RECENT_MONTHS : history][:, members].sum(axis=1)
        rate = float(recent.mean())
        add(level, name, f"stock_{last_month}", stock_now, "missiles")
        constant(
            level,
            name,
            "launch_rate_recent",
            rate,
            f"missiles/month (mean of last {RECENT_MONTHS} months)",
        )
        if rate > 0:
            add(
                level,
                name,
                "months_of_supply",
                stock_now / rate,
                "months at the recent launch rate",
            )
        else:
            constant(
                level,
                name,
                "months_of_supply",
                np.inf,
                f"months (inf: no launches in the last {RECENT_MONTHS} months)",
            )
        supply = q["production"][:, window].sum(axis=1) + q["imports"][:, window].sum(axis=1)
        fired = q["launches"][:, window].sum(axis=1)
        add(
            level,
            name,
            "net_accumulation_12m",
            q["net_accumulation"][:, window].sum(axis=1),
            "missiles over the last 12 observed months",
        )
        add_probability(
            level, name, "p_production_exceeds_launches_12m", float(np.mean(supply > fired))
        )
        add(level, name, "shortfall_history", q["shortfall"][:, :history].sum(axis=1), "missiles")
        constant(
            level,
            name,
            "effective_sample_size",
            float(np.min(result.effective_sample_size[members])),
            f"paths of {result.paths:,} (smallest over the member families)",
        )
        if setup.params.forecast_months > 0:
            add(level, name, f"stock_{setup.months[-1]}", q["stock"][:, -1], "missiles")
            add_probability(
                level, name, "p_unmet_launches_by_end", float(np.mean(q["unmet"].sum(axis=1) > 0))
            )
    frame = pd.DataFrame(rows, columns=SUMMARY_COLUMNS[:-1])
    value_columns = ["p5", "p50", "p95", "mean"]
    is_probability = frame["unit"] == "probability"
    frame[value_columns] = frame[value_columns].astype(float)
    frame.loc[is_probability, value_columns] = frame.loc[is_probability, value_columns].round(
        PROBABILITY_DECIMALS
    )
    frame.loc[~is_probability, value_columns] = frame.loc[~is_probability, value_columns].round(
        COUNT_DECIMALS
    )
    assumed = {
        name: any(setup.assumed[setup.params.families[i]] for i in members)
        for _, name, members in _select_series(setup, family, weapon_class)
    }
    frame["assumption"] = frame["name"].map(assumed).astype(bool)
    return frame
