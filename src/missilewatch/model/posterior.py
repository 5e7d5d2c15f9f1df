"""What a fitted reconstruction says: frames of stocks, checks against every record,
leave-one-out coverage and which records move each headline.

Pure: a :class:`~missilewatch.model.reconstruction.Problem` and posterior draws in,
pandas frames out. Refits (where importance weights are too poor) are requested from a
caller-supplied function, so the executor they run on is the caller's choice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from missilewatch.inference.bounds import is_reproduced, predictive_percentile
from missilewatch.inference.loo import (
    PARETO_K_LIMIT,
    psis_log_weights,
    weighted_cdf,
    weighted_quantiles,
)
from missilewatch.model.reconstruction import STOCK_TERM, Problem

PERCENTILES: Final = (5, 25, 50, 75, 95)
PERCENTILE_COLUMNS: Final = [f"p{q}" for q in PERCENTILES]
#: Quantities of the monthly frame, in order (``shortfall`` is gone: stocks cannot go
#: below zero in the model, so there is nothing to book).
QUANTITIES: Final = (
    "stock",
    "production",
    "imports",
    "launches",
    "unreported_use",
    "net_accumulation",
)
#: A record is flagged when its predictive percentile is outside this band.
CHECK_TAIL: Final = 0.05
#: Two records conflict when both sit outside 1-99 of the posterior predictive.
CONFLICT_TAIL: Final = 0.01


@dataclass(frozen=True)
class Posterior:
    """Flat draws (draws, ...) of the reconstruction's quantities."""

    problem: Problem
    values: Mapping[str, np.ndarray]

    @property
    def draws(self) -> int:
        return int(self.values["stock"].shape[0])

    def series(self) -> list[tuple[str, str, list[int]]]:
        """(level, name, pools): every pool, every ledger family, every class."""
        problem = self.problem
        out: list[tuple[str, str, list[int]]] = []
        for f, family in enumerate(problem.families):
            members = [p for p, owner in enumerate(problem.pool_family) if owner == f]
            out.append(("family", family, members))
            if len(members) > 1:
                out.extend(("pool", problem.pools[p], [p]) for p in members)
        for weapon_class in sorted(set(problem.weapon_classes)):
            families = {f for f, c in enumerate(problem.weapon_classes) if c == weapon_class}
            out.append(
                (
                    "class",
                    weapon_class,
                    [p for p, owner in enumerate(problem.pool_family) if owner in families],
                )
            )
        return out

    def summed(self, quantity: str, pools: Sequence[int]) -> np.ndarray:
        """(draws, months) of a quantity summed over pools."""
        if quantity == "net_accumulation":
            stock = self.values["stock"][..., list(pools)].sum(axis=-1)
            initial = self.values["initial_stock"][..., list(pools)].sum(axis=-1)
            return np.diff(np.concatenate([initial[:, None], stock], axis=1), axis=1)
        return np.asarray(self.values[quantity][..., list(pools)].sum(axis=-1))


def monthly_frame(posterior: Posterior) -> pd.DataFrame:
    """Long form: ``month, level, name, quantity, p5, p25, p50, p75, p95, mean, observed,
    assumption`` for every pool, family and class and every history month."""
    problem = posterior.problem
    months = pd.PeriodIndex(list(problem.months), freq="M")
    frames = []
    for level, name, pools in posterior.series():
        assumption = any(problem.assumed[p] for p in pools)
        for quantity in QUANTITIES:
            values = posterior.summed(quantity, pools)
            quantiles = np.percentile(values, PERCENTILES, axis=0).T
            frame = pd.DataFrame(quantiles, columns=PERCENTILE_COLUMNS)
            frame.insert(0, "quantity", quantity)
            frame.insert(0, "name", name)
            frame.insert(0, "level", level)
            frame.insert(0, "month", months)
            frame["mean"] = values.mean(axis=0)
            frame["observed"] = True
            frame["assumption"] = assumption
            frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    columns = [*PERCENTILE_COLUMNS, "mean"]
    out[columns] = out[columns].round(1)
    return out


def minimum_production(posterior: Posterior, pools: Sequence[int]) -> np.ndarray:
    """Per draw: the least production (plus imports) the ledger's launches alone require
    from the start of the history, given the draw's initial stock and no unreported use."""
    launches = np.cumsum(posterior.summed("launches", pools), axis=1)
    initial = posterior.values["initial_stock"][..., list(pools)].sum(axis=-1)
    return np.asarray(np.maximum((launches - initial[:, None]).max(axis=1), 0.0))


def headline_values(posterior: Posterior, pools: Sequence[int]) -> dict[str, np.ndarray]:
    """Per-draw headline figures of a series."""
    stock = posterior.summed("stock", pools)
    months = stock.shape[1]
    back = min(12, months - 1)
    return {
        "stock_now": stock[:, -1],
        "growth_12m": stock[:, -1] - stock[:, -1 - back],
        "unreported_use_12m": posterior.summed("unreported_use", pools)[:, -back:].sum(axis=1),
        "production_12m": posterior.summed("production", pools)[:, -back:].sum(axis=1),
    }


def summary_frame(posterior: Posterior) -> pd.DataFrame:
    """Headline figures: ``level, name, metric, p5, p25, p50, p75, p95, mean, unit``."""
    problem = posterior.problem
    last = problem.months[-1]
    rows = []
    for level, name, pools in posterior.series():
        heads = headline_values(posterior, pools)
        launches = posterior.summed("launches", pools)
        back = min(12, launches.shape[1] - 1)
        metrics: list[tuple[str, np.ndarray, str]] = [
            (f"stock_{last}", heads["stock_now"], "missiles"),
            ("growth_12m", heads["growth_12m"], f"missiles over the 12 months to {last}"),
            ("production_12m", heads["production_12m"], f"missiles in the 12 months to {last}"),
            (
                "unreported_use_12m",
                heads["unreported_use_12m"],
                f"missiles in the 12 months to {last}",
            ),
            (
                "ledger_launches_12m",
                launches[:, -back:].sum(axis=1),
                f"missiles in the 12 months to {last}",
            ),
            (
                "minimum_production_ledger",
                minimum_production(posterior, pools),
                f"missiles {problem.months[0]}..{last}, with no unreported use",
            ),
            (
                "p_stock_grew_12m",
                np.full(posterior.draws, float(np.mean(heads["growth_12m"] > 0))),
                "probability",
            ),
        ]
        for metric, values, unit in metrics:
            quantiles = np.percentile(values, PERCENTILES)
            rows.append(
                {
                    "level": level,
                    "name": name,
                    "metric": metric,
                    **dict(zip(PERCENTILE_COLUMNS, quantiles.round(3), strict=True)),
                    "mean": round(float(values.mean()), 3),
                    "unit": unit,
                    "assumption": any(problem.assumed[p] for p in pools),
                }
            )
    return pd.DataFrame(rows)


def record_checks(posterior: Posterior, seed: int = 0) -> pd.DataFrame:
    """Posterior predictive check of every likelihood term.

    Columns: ``record, kind, subject, bound, value, p5, p50, p95, percentile, reproduced,
    conflict``. ``percentile`` is where the record sits in the posterior predictive (see
    :func:`~missilewatch.inference.bounds.predictive_percentile`); ``reproduced`` is False
    outside 5-95 (for its bound); ``conflict`` is True for records outside 1-99 while
    another record on an overlapping subject is outside on the other side.
    """
    rng = np.random.default_rng(seed)
    values = posterior.values["term_value"]
    rows = []
    for index, term in enumerate(posterior.problem.terms):
        observation = term.observation
        predicted = values[:, index]
        percentile = predictive_percentile(observation, predicted, rng)
        shown = observation.central
        if observation.bound in ("up_to", "capacity"):
            shown = observation.high
        elif observation.bound == "at_least":
            shown = observation.low
        p5, p50, p95 = np.percentile(predicted, [5, 50, 95])
        rows.append(
            {
                "record": term.record_id,
                "kind": term.kind,
                "subject": term.subject,
                "bound": observation.bound,
                "value": round(shown, 2),
                "p5": round(float(p5), 1),
                "p50": round(float(p50), 1),
                "p95": round(float(p95), 1),
                "percentile": round(percentile, 3),
                "reproduced": is_reproduced(observation, percentile, CHECK_TAIL),
                "extreme": not is_reproduced(observation, percentile, CONFLICT_TAIL),
                "pools": term.pools,
                "high_side": percentile > 0.5,
            }
        )
    frame = pd.DataFrame(rows)
    conflicts: list[str] = []
    for i, row in frame.iterrows():
        partners = []
        if row["extreme"]:
            for j, other in frame.iterrows():
                if (
                    j != i
                    and other["extreme"]
                    and set(other["pools"]) & set(row["pools"])
                    and other["high_side"] != row["high_side"]
                ):
                    partners.append(str(other["record"]))
        conflicts.append(", ".join(partners))
    frame["conflicts_with"] = conflicts
    return frame.drop(columns=["extreme", "pools", "high_side"])


RefitFunction = Callable[[Sequence[str]], "Posterior"]


def loo_table(
    posterior: Posterior,
    refit: Callable[[list[str]], list[Posterior]] | None = None,
) -> pd.DataFrame:
    """Leave-one-out over the stock records: PSIS, with a refit where Pareto k > 0.7.

    For each stock record: its Pareto k, how it was left out (``psis`` or ``refit``;
    ``not refitted`` when k is high and no refit function was given), the held-out
    predictive band and whether the record is inside the 50% and 90% bands. For a
    ceiling, "inside" means the band's lower end is at or below it; for a floor, that the
    upper end is at or above it.
    """
    problem = posterior.problem
    indices = [i for i, term in enumerate(problem.terms) if term.kind == STOCK_TERM]
    if not indices:
        return pd.DataFrame()
    loglik = posterior.values["term_loglik"][:, indices]
    log_weights, k = psis_log_weights(-loglik)
    poor = [
        problem.terms[i].record_id
        for i, kk in zip(indices, k, strict=True)
        if not kk <= PARETO_K_LIMIT
    ]
    refitted: dict[str, Posterior] = {}
    if poor and refit is not None:
        refitted = dict(zip(poor, refit(poor), strict=True))
    rows = []
    for column, index in enumerate(indices):
        term = problem.terms[index]
        observation = term.observation
        if term.record_id in refitted:
            values = refitted[term.record_id].values["term_value"][:, index]
            weights = None
            method = "refit"
        else:
            values = posterior.values["term_value"][:, index]
            weights = log_weights[:, column]
            method = "psis" if k[column] <= PARETO_K_LIMIT else "psis (k high, not refitted)"
        # The held-out predictive of the figure includes the record's own error.
        rng = np.random.default_rng(index)
        replicated = np.expm1(
            np.log1p(np.maximum(values, 0.0)) + rng.normal(0.0, observation.error, values.size)
        )
        band = weighted_quantiles(replicated, weights, [0.05, 0.25, 0.5, 0.75, 0.95])
        inside = {}
        for width, (low, high) in {"50": (band[1], band[3]), "90": (band[0], band[4])}.items():
            if observation.bound in ("up_to", "capacity"):
                inside[width] = bool(low <= observation.high)
            elif observation.bound == "at_least":
                inside[width] = bool(high >= observation.low)
            elif observation.bound == "range":
                inside[width] = bool(low <= observation.high and high >= observation.low)
            else:
                inside[width] = bool(low <= observation.central <= high)
        rows.append(
            {
                "record": term.record_id,
                "subject": term.subject,
                "bound": observation.bound,
                "value": observation.high
                if observation.bound in ("up_to", "capacity")
                else observation.low
                if observation.bound == "at_least"
                else observation.central,
                "pareto_k": round(float(k[column]), 2),
                "method": method,
                "p5": round(float(band[0]), 1),
                "p25": round(float(band[1]), 1),
                "p50": round(float(band[2]), 1),
                "p75": round(float(band[3]), 1),
                "p95": round(float(band[4]), 1),
                "percentile": round(weighted_cdf(replicated, weights, observation.central), 3),
                "inside_50": inside["50"],
                "inside_90": inside["90"],
            }
        )
    frame = pd.DataFrame(rows)
    frame.attrs["coverage_50"] = float(frame["inside_50"].mean())
    frame.attrs["coverage_90"] = float(frame["inside_90"].mean())
    return frame


def sensitivity_table(
    posterior: Posterior,
    series: Sequence[tuple[str, str, list[int]]],
    refit: Callable[[list[str]], list[Posterior]] | None = None,
    *,
    top: int = 8,
) -> pd.DataFrame:
    """Which records move each headline: the headline's median with each record removed.

    Removal reweights the draws by ``exp(-log_lik)`` (PSIS); where Pareto k > 0.7 and a
    refit function is given, the record is removed by refitting. Columns: ``name,
    headline, record, p50_all, p50_without, shift, pareto_k, method``; the ``top``
    records by absolute shift per headline (the data of a tornado chart).
    """
    problem = posterior.problem
    loglik = posterior.values["term_loglik"]
    log_weights, k = psis_log_weights(-loglik)
    ids = [term.record_id for term in problem.terms]
    poor = [ids[i] for i in range(len(ids)) if not k[i] <= PARETO_K_LIMIT]
    refitted: dict[str, Posterior] = {}
    if poor and refit is not None:
        refitted = dict(zip(poor, refit(poor), strict=True))
    rows = []
    for _level, name, pools in series:
        heads = headline_values(posterior, pools)
        for headline in ("stock_now", "growth_12m"):
            values = heads[headline]
            median = float(np.median(values))
            entries = []
            for i, record_id in enumerate(ids):
                if record_id in refitted:
                    without = float(
                        np.median(headline_values(refitted[record_id], pools)[headline])
                    )
                    method = "refit"
                else:
                    without = float(weighted_quantiles(values, log_weights[:, i], [0.5])[0])
                    method = "psis" if k[i] <= PARETO_K_LIMIT else "psis (k high, not refitted)"
                entries.append((record_id, without, float(k[i]), method))
            entries.sort(key=lambda item: -abs(item[1] - median))
            for record_id, without, kk, method in entries[:top]:
                rows.append(
                    {
                        "name": name,
                        "headline": headline,
                        "record": record_id,
                        "p50_all": round(median, 1),
                        "p50_without": round(without, 1),
                        "shift": round(without - median, 1),
                        "pareto_k": round(kk, 2),
                        "method": method,
                    }
                )
    return pd.DataFrame(rows)
