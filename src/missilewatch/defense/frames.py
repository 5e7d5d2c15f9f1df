"""Air-defense results as documented DataFrames: the raid tables and the campaign tables.

Pure functions over the simulators' draws (:mod:`missilewatch.defense.raid`,
:mod:`missilewatch.defense.campaign`); no files, no ledger.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from missilewatch.defense.campaign import NOT_DEPLETED, CampaignDraws, simulate_campaign
from missilewatch.defense.params import BALLISTIC_CLASSES, Defense
from missilewatch.defense.raid import RaidDraws, saturation_factors, scale_raid, simulate_raid
from missilewatch.defense.setup import DefenseSetup, delivery_profile
from missilewatch.errors import ParameterError
from missilewatch.limits import PERCENTILE_COLUMNS, PERCENTILES
from missilewatch.model.adjustments import BASELINE, Adjustments

#: Paths per point of the saturation curve (at most; fewer if fewer were asked for).
SATURATION_PATHS: Final = 20_000

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class RaidResult:
    """Outcome of :func:`raid`.

    Attributes:
        leakers: one row per threat family: ``threat``, ``weapon_class``, ``launched``,
            ``engaged_mean``, ``intercepted_mean``, ``mean`` (leakers), ``p5 .. p95``
            (leakers), ``leak_share`` (mean leakers / launched), ``p_any_leaker``;
            a last row ``threat == "all"`` sums the raid.
        interceptors: one row per counted type: ``interceptor``, ``fire_system``,
            ``stock_mean`` (on hand before the raid), ``mean`` (spent), ``p5 .. p95``
            (spent), ``targets_mean`` (targets engaged), ``p_stock_short`` (share of
            paths where the type could not take a target for lack of stock while its
            fire system had free channels), ``assumption``.
        saturation: the raid's mix scaled up and down: ``scale``, ``missiles``,
            ``leakers_mean``, ``leakers_p5``, ``leakers_p95``, ``leak_share``,
            ``ballistic_leak_share`` (NaN without ballistic-capable threats),
            ``interceptors_spent_mean``.
        draws: the per-path counts of the main raid.
        calibrated_on: threat -> the ledger group and window of its engaged share.
    """

    leakers: pd.DataFrame
    interceptors: pd.DataFrame
    saturation: pd.DataFrame
    draws: RaidDraws
    calibrated_on: Mapping[str, str]


def _percentiles(values: np.ndarray) -> dict[str, float]:
    quantiles = np.percentile(values, PERCENTILES)
    return dict(zip(PERCENTILE_COLUMNS, (float(q) for q in quantiles), strict=True))


def raid_leakers(draws: RaidDraws, defense: Defense) -> pd.DataFrame:
    rows = []
    total = np.zeros(draws.paths, dtype=np.int64)
    for family, count in draws.raid.items():
        leak = draws.leakers[family]
        total += leak
        rows.append(
            {
                "threat": family,
                "weapon_class": defense.threats[family].weapon_class,
                "launched": count,
                "engaged_mean": float(draws.engaged[family].mean()),
                "intercepted_mean": float(draws.intercepted[family].mean()),
                "mean": float(leak.mean()),
                **_percentiles(leak),
                "leak_share": float(leak.mean()) / count if count else math.nan,
                "p_any_leaker": float(np.mean(leak > 0)),
            }
        )
    launched = sum(draws.raid.values())
    rows.append(
        {
            "threat": "all",
            "weapon_class": "all",
            "launched": launched,
            "engaged_mean": float(sum(v.mean() for v in draws.engaged.values())),
            "intercepted_mean": float(sum(v.mean() for v in draws.intercepted.values())),
            "mean": float(total.mean()),
            **_percentiles(total),
            "leak_share": float(total.mean()) / launched,
            "p_any_leaker": float(np.mean(total > 0)),
        }
    )
    frame = pd.DataFrame(rows)
    frame["launched"] = frame["launched"].astype("int64")
    return frame


def raid_interceptors(
    draws: RaidDraws, defense: Defense, assumption: Mapping[str, bool]
) -> pd.DataFrame:
    rows = []
    for name in defense.tracked_names:
        spent = draws.spent[name]
        short = draws.stock_short[name]
        rows.append(
            {
                "interceptor": name,
                "fire_system": defense.system_of(name),
                "stock_mean": float(draws.stock[name].mean()),
                "mean": float(spent.mean()),
                **_percentiles(spent),
                "targets_mean": float(draws.targets[name].mean()),
                "p_stock_short": float(np.mean(short)),
                "assumption": bool(assumption.get(name, False)),
            }
        )
    return pd.DataFrame(rows)


def saturation_curve(
    counts: Mapping[str, int],
    defense: Defense,
    *,
    paths: int,
    seed: int | np.random.SeedSequence,
    stock: Mapping[str, float] | None,
) -> pd.DataFrame:
    rows = []
    size = sum(counts.values())
    ballistic = [f for f in counts if defense.threats[f].weapon_class in BALLISTIC_CLASSES]
    for factor in saturation_factors(size):
        scaled = scale_raid(counts, factor)
        if sum(scaled.values()) == 0:
            continue
        # Common random numbers: every raid size starts from the raid's own stream, so
        # path i meets the same stocks, channels and doctrine at every size and the
        # curve shows the effect of size, not of different draws. With no more paths
        # than SATURATION_PATHS, the point at x1 is the raid itself.
        stream = (
            np.random.SeedSequence(seed.entropy, spawn_key=seed.spawn_key)
            if isinstance(seed, np.random.SeedSequence)
            else np.random.SeedSequence(seed)
        )
        draws = simulate_raid(scaled, defense, paths=paths, seed=stream, stock_override=stock)
        total = sum(draws.leakers.values())
        assert isinstance(total, np.ndarray)
        missiles = sum(scaled.values())
        ballistic_launched = sum(scaled[f] for f in ballistic)
        ballistic_leaked = sum(float(draws.leakers[f].mean()) for f in ballistic)
        rows.append(
            {
                "scale": factor,
                "missiles": missiles,
                "leakers_mean": float(total.mean()),
                "leakers_p5": float(np.percentile(total, 5)),
                "leakers_p95": float(np.percentile(total, 95)),
                "leak_share": float(total.mean()) / missiles,
                "ballistic_leak_share": (
                    ballistic_leaked / ballistic_launched if ballistic_launched else math.nan
                ),
                "interceptors_spent_mean": float(sum(v.mean() for v in draws.spent.values())),
            }
        )
    frame = pd.DataFrame(rows)
    if not frame.empty:
        frame["missiles"] = frame["missiles"].astype("int64")
    return frame


@dataclass(frozen=True, slots=True)
class CampaignResult:
    """Outcome of :func:`defense_campaign`.

    Attributes:
        monthly: long form, one row per month, level, name and quantity: ``month``
            (Period[M]), ``level`` (``interceptor`` or ``threat``), ``name`` (type or
            family; ``ballistic-capable`` sums the ballistic and aeroballistic
            families), ``quantity`` (interceptors: ``deliveries``, ``spent``, ``stock``
            at month end; threats: ``launched``, ``intercepted``, ``leakers``),
            ``p5 .. p95``, ``mean``, ``assumption``.
        depletion: the distribution of the depletion month: ``month`` (Period[M], NaT
            for the "not before" category), ``category`` (``2026-09`` or ``not before
            2027-12``), ``paths`` (int64), ``probability``, ``cumulative_probability``.
        summary: ``metric``, ``p5``, ``p50``, ``p95``, ``mean``, ``unit``: depletion
            month offset, share of paths depleted by the end, ballistic leakers per month
            before and after depletion.
        draws: the per-path arrays.
    """

    monthly: pd.DataFrame
    depletion: pd.DataFrame
    summary: pd.DataFrame
    draws: CampaignDraws
    #: With a reconstruction (``simulate(..., interceptors=...)``): the sentence on
    #: screen, the reconstructed depletion month's distribution and the sensitivity
    #: table (docs/defense.md, "Reconstructed stocks").
    headline: str = ""
    reconstructed_depletion: pd.DataFrame | None = None
    sensitivity: pd.DataFrame | None = None


def campaign_from_forecast(
    setup: DefenseSetup,
    *,
    months: Sequence[pd.Period],
    families: Sequence[str],
    launches: np.ndarray,
    attacks: np.ndarray,
    seed: int | np.random.SeedSequence,
    adjustments: Adjustments = BASELINE,
    initial_stock: Mapping[str, np.ndarray] | None = None,
    progress: ProgressCallback | None = None,
    monthly_deliveries: Mapping[str, np.ndarray] | None = None,
) -> CampaignResult:
    """The campaign over given forecast arrays (paths, months, families).

    ``initial_stock`` (type -> per-path stock at the start of the first forecast month)
    replaces the stock drawn from the estimates' ranges: the seam for a reconstructed
    interceptor history.
    """
    if len(months) != launches.shape[1]:
        raise ParameterError(
            f"campaign: {len(months)} month labels for {launches.shape[1]} forecast months"
        )
    draws = simulate_campaign(
        launches,
        attacks,
        families,
        setup.defense,
        seed=seed,
        adjustments=adjustments,
        delivery_profile=delivery_profile(setup, months),
        initial_stock=initial_stock,
        progress=progress,
        monthly_deliveries=monthly_deliveries,
    )
    monthly = _monthly_frame(draws, months, setup)
    depletion = _depletion_frame(draws, months)
    summary = _campaign_summary(draws, setup.defense)
    return CampaignResult(monthly, depletion, summary, draws)


def _quantile_rows(
    array: np.ndarray, months: Sequence[pd.Period], **labels: object
) -> list[dict[str, object]]:
    quantiles = np.percentile(array, PERCENTILES, axis=0)
    means = array.mean(axis=0)
    rows = []
    for index, month in enumerate(months):
        row: dict[str, object] = {"month": month, **labels}
        row.update(
            {column: float(quantiles[q, index]) for q, column in enumerate(PERCENTILE_COLUMNS)}
        )
        row["mean"] = float(means[index])
        rows.append(row)
    return rows


def _monthly_frame(
    draws: CampaignDraws, months: Sequence[pd.Period], setup: DefenseSetup
) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    any_assumption = any(setup.assumption.values())
    for name in draws.interceptors:
        flag = bool(setup.assumption.get(name, False))
        for quantity, arrays in (
            ("deliveries", draws.deliveries),
            ("spent", draws.spent),
            ("stock", draws.stock),
        ):
            rows += _quantile_rows(
                arrays[name],
                months,
                level="interceptor",
                name=name,
                quantity=quantity,
                assumption=flag,
            )
    groups: list[tuple[str, list[str]]] = [(family, [family]) for family in draws.families]
    ballistic = [
        f for f in draws.families if setup.defense.threats[f].weapon_class in BALLISTIC_CLASSES
    ]
    if ballistic:
        groups.append(("ballistic-capable", ballistic))
    for label, members in groups:
        for quantity, arrays in (
            ("launched", draws.launched),
            ("intercepted", draws.intercepted),
            ("leakers", draws.leakers),
        ):
            summed = np.sum([arrays[m] for m in members], axis=0)
            rows += _quantile_rows(
                summed,
                months,
                level="threat",
                name=label,
                quantity=quantity,
                assumption=any_assumption,
            )
    frame = pd.DataFrame(rows)
    frame["month"] = pd.PeriodIndex(frame["month"], freq="M")
    columns = ["month", "level", "name", "quantity", *PERCENTILE_COLUMNS, "mean", "assumption"]
    return frame[columns]


def _depletion_frame(draws: CampaignDraws, months: Sequence[pd.Period]) -> pd.DataFrame:
    total = draws.paths
    counts = np.bincount(draws.depletion_month[draws.depletion_month >= 0], minlength=len(months))
    never = int(np.sum(draws.depletion_month == NOT_DEPLETED))
    rows = [
        {"month": month, "category": str(month), "paths": int(counts[index])}
        for index, month in enumerate(months)
    ]
    rows.append({"month": pd.NaT, "category": f"not before {months[-1]}", "paths": never})
    frame = pd.DataFrame(rows)
    frame["month"] = pd.PeriodIndex(frame["month"], freq="M")
    frame["paths"] = frame["paths"].astype("int64")
    frame["probability"] = frame["paths"] / total
    frame["cumulative_probability"] = frame["paths"].cumsum() / total
    return frame


def _campaign_summary(draws: CampaignDraws, defense: Defense) -> pd.DataFrame:
    depletion = draws.depletion_month
    months = draws.months
    offsets = np.where(depletion == NOT_DEPLETED, months, depletion).astype(float)
    rows: list[dict[str, object]] = [
        {
            "metric": "depletion_month_offset",
            **_three(offsets),
            "unit": f"months after the forecast start ({months} = not within the horizon)",
        },
        {
            "metric": "depleted_within_horizon",
            "p5": math.nan,
            "p50": math.nan,
            "p95": math.nan,
            "mean": float(np.mean(depletion != NOT_DEPLETED)),
            "unit": "share of paths",
        },
    ]
    ballistic = [f for f in draws.families if defense.threats[f].weapon_class in BALLISTIC_CLASSES]
    if ballistic:
        leaked = np.sum([draws.leakers[f] for f in ballistic], axis=0).astype(float)
        index = np.arange(months)[None, :]
        after = index >= np.where(depletion == NOT_DEPLETED, months, depletion)[:, None]
        for label, mask in (("before", ~after), ("after", after)):
            per_path = _masked_mean(leaked, mask)
            valid = per_path[~np.isnan(per_path)]
            rows.append(
                {
                    "metric": f"ballistic_leakers_per_month_{label}_depletion",
                    **(_three(valid) if valid.size else _nan_three()),
                    "unit": "missiles/month (paths with such months)",
                }
            )
    frame = pd.DataFrame(rows)
    return frame[["metric", "p5", "p50", "p95", "mean", "unit"]]


def _masked_mean(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    counts = mask.sum(axis=1)
    sums = np.where(mask, values, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _three(values: np.ndarray) -> dict[str, float]:
    p5, p50, p95 = np.percentile(values, [5, 50, 95])
    return {"p5": float(p5), "p50": float(p50), "p95": float(p95), "mean": float(values.mean())}


def _nan_three() -> dict[str, float]:
    return {"p5": math.nan, "p50": math.nan, "p95": math.nan, "mean": math.nan}
