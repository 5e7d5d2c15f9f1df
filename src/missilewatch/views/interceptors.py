"""Ukraine's interceptor stocks reconstructed from the record, and the depletion date.

Reads the ledger (per-attack launched / destroyed ballistic and aeroballistic missiles)
and the estimates (dated deliveries, stock statements, makers' output, doctrine and kill
probability priors), fits :mod:`missilewatch.defense.reconstruction` with NUTS (cached on
disk, keyed by the ledger's fingerprint, the estimates and the model version), and runs
the reconstructed stock forward under the strike forecast.

Method and sources: docs/defense.md, "Reconstructed stocks".
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from missilewatch.defense import history
from missilewatch.defense import reconstruction as rec
from missilewatch.errors import ParameterError
from missilewatch.estimates.records import EstimateSet

if TYPE_CHECKING:
    from missilewatch.baseline import Baseline

#: Bump when the model or its inputs change meaning: cached posteriors are then refitted.
MODEL_VERSION: Final = "interceptors-1"
#: The settings of the shipped answer and of the history checks: two chains of 150
#: warm-up and 150 kept draws (R-hat 1.03, bulk ESS 150, no divergences on the cut at
#: the end of 2024; docs/defense.md).
DEFAULT_SETTINGS: Final = rec.FitSettings(chains=2, warmup=150, samples=150)
QUICK_SETTINGS: Final = DEFAULT_SETTINGS
#: Environment variable that moves the posterior cache (default: <data dir>/posteriors).
POSTERIORS_ENV: Final = "MISSILEWATCH_POSTERIORS"
PERCENTILES: Final = (5, 10, 25, 50, 75, 90, 95)
#: The group whose shortage dates the depletion.
BALLISTIC_GROUP: Final = "ballistic-capable"
#: Months of fitted deliveries the "recent rate" scenario averages.
RECENT_MONTHS: Final = 6

ProgressCallback = Callable[[str], None]


@dataclass(frozen=True)
class InterceptorReconstruction:
    """The fitted reconstruction and its tables.

    Attributes:
        draws: the posterior (:class:`~missilewatch.defense.reconstruction.Reconstruction`).
        stock: ``month`` (Period[M]), ``interceptor`` (a type, or ``ballistic-capable``
            for their sum), ``quantity`` (``stock`` at month end, ``fired``,
            ``deliveries``), ``p5 .. p95``, ``mean``.
        checks: per month: ``launched``, ``destroyed`` (ledger), ``p10``, ``p50``,
            ``p90`` (posterior predictive destroyed), ``inside_80``.
        delivery_rate: per type and half-year: deliveries per month ``p5, p50, p95``.
        diagnostics: ``r_hat_max``, ``ess_bulk_min``, ``ess_tail_min``, ``divergences``,
            ``seconds``, ``cached``.
        records, assumptions: ids of the estimates records used / marked assumptions.
        announced: type -> planned deliveries per month after the fit (records).
    """

    draws: rec.Reconstruction
    stock: pd.DataFrame
    checks: pd.DataFrame
    delivery_rate: pd.DataFrame
    diagnostics: Mapping[str, float]
    records: tuple[str, ...]
    assumptions: tuple[str, ...]
    announced: Mapping[str, float]

    @property
    def months(self) -> pd.PeriodIndex:
        return pd.PeriodIndex(list(self.draws.inputs.months), freq="M")


def load_inputs(
    db: Path | None = None,
    estimates: Path | EstimateSet | None = None,
    *,
    cut: str | pd.Period | None = None,
    baseline: Baseline | None = None,
) -> tuple[history.InputsReport, date]:
    """The reconstruction's inputs from the baseline (the ledger and the estimates)."""
    from missilewatch.baseline import load_baseline
    from missilewatch.defense import calibration

    base = baseline if baseline is not None else load_baseline(db, estimates)
    attacks = calibration.per_attack(base.attacks, by="class")
    last = base.calendar.last_report
    months = history.fit_months(base.calendar.history_end, cut)
    report = history.build_inputs(
        attacks,
        base.estimates,
        base.layers.order,
        base.layers.untracked,
        months=months,
        last_report=last,
    )
    return report, last


def reconstruct(
    db: Path | None = None,
    estimates: Path | EstimateSet | None = None,
    *,
    cut: str | pd.Period | None = None,
    settings: rec.FitSettings = DEFAULT_SETTINGS,
    cache_dir: Path | None = None,
    progress: ProgressCallback | None = None,
    baseline: Baseline | None = None,
) -> InterceptorReconstruction:
    """Fit (or read from the cache) the reconstruction; see :class:`InterceptorReconstruction`.

    ``cut`` ends the fit at that month (the history checks); default: the last complete
    ledger month.
    """
    report, _ = load_inputs(db, estimates, cut=cut, baseline=baseline)
    inputs = report.inputs
    key = _cache_key(inputs, settings)
    folder = cache_dir or _default_cache_dir()
    path = folder / f"{key}.pkl"
    cached = _read(path)
    if cached is None:
        fitted = rec.fit(inputs, settings, progress=progress)
        _write(path, fitted)
        diagnostics = {**fitted.diagnostics, "cached": 0.0}
    else:
        fitted = cached
        diagnostics = {**fitted.diagnostics, "cached": 1.0}
    fitted = replace(fitted, diagnostics=diagnostics)
    return InterceptorReconstruction(
        draws=fitted,
        stock=_stock_frame(fitted),
        checks=_checks_frame(fitted),
        delivery_rate=_delivery_rate_frame(fitted),
        diagnostics=diagnostics,
        records=report.records,
        assumptions=report.assumptions,
        announced=report.announced,
    )


# ---------------------------------------------------------------------------------------
# Cache (one file per fit; a damaged or foreign file is a miss)
# ---------------------------------------------------------------------------------------


def _default_cache_dir() -> Path:
    import os

    from missilewatch.paths import data_dir

    override = os.environ.get(POSTERIORS_ENV)
    return Path(override) if override else data_dir() / "posteriors"


def _cache_key(inputs: rec.ReconstructionInputs, settings: rec.FitSettings) -> str:
    digest = hashlib.sha256()
    digest.update(MODEL_VERSION.encode())
    digest.update(repr(settings).encode())
    digest.update(repr(inputs).encode())
    for group in inputs.groups:
        for values in (group.launched, group.destroyed, group.attacks):
            digest.update(np.ascontiguousarray(values).tobytes())
    return f"interceptors-{digest.hexdigest()[:24]}"


def _read(path: Path) -> rec.Reconstruction | None:
    if not path.is_file():
        return None
    try:
        with open(path, "rb") as handle:
            value = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    return value if isinstance(value, rec.Reconstruction) else None


def _write(path: Path, value: rec.Reconstruction) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as handle:
        pickle.dump(value, handle)
    temporary.replace(path)


# ---------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------


def _quantile_rows(values: np.ndarray, **labels: object) -> dict[str, object]:
    quantiles = np.percentile(values, PERCENTILES)
    row: dict[str, object] = dict(labels)
    row.update({f"p{q}": float(v) for q, v in zip(PERCENTILES, quantiles, strict=True)})
    row["mean"] = float(np.mean(values))
    return row


def _stock_frame(fitted: rec.Reconstruction) -> pd.DataFrame:
    months = pd.PeriodIndex(list(fitted.inputs.months), freq="M")
    names = fitted.inputs.tracked_names
    rows = []
    for quantity, array in (
        ("stock", fitted.stock),
        ("fired", fitted.fired),
        ("deliveries", fitted.deliveries),
    ):
        series = {name: array[:, slot, :] for slot, name in enumerate(names)}
        series[BALLISTIC_GROUP] = array.sum(axis=1)
        for name, values in series.items():
            for index, month in enumerate(months):
                rows.append(
                    _quantile_rows(
                        values[:, index], month=month, interceptor=name, quantity=quantity
                    )
                )
    frame = pd.DataFrame(rows)
    frame["month"] = pd.PeriodIndex(frame["month"], freq="M")
    return frame


def _checks_frame(fitted: rec.Reconstruction) -> pd.DataFrame:
    replicated = rec.posterior_predictive_destroyed(fitted)
    rows = []
    months = pd.PeriodIndex(list(fitted.inputs.months), freq="M")
    for g, group in enumerate(fitted.inputs.groups):
        values = replicated[group.name]
        low, middle, high = np.percentile(values, [10, 50, 90], axis=0)
        for index, month in enumerate(months):
            rows.append(
                {
                    "group": group.name,
                    "month": month,
                    "launched": int(group.launched[index]),
                    "destroyed": int(group.destroyed[index]),
                    "p10": float(low[index]),
                    "p50": float(middle[index]),
                    "p90": float(high[index]),
                    "inside_80": bool(low[index] <= group.destroyed[index] <= high[index]),
                    "destroyed_share_p50": float(np.median(fitted.destroyed_share[:, g, index])),
                }
            )
    frame = pd.DataFrame(rows)
    frame["month"] = pd.PeriodIndex(frame["month"], freq="M")
    return frame


def _delivery_rate_frame(fitted: rec.Reconstruction) -> pd.DataFrame:
    inputs = fitted.inputs
    rows = []
    for slot, name in enumerate(inputs.tracked_names):
        for period, label in enumerate(inputs.period_labels):
            in_period = inputs.periods == period
            monthly = fitted.deliveries[:, slot, in_period].mean(axis=1)
            p5, p50, p95 = np.percentile(monthly, [5, 50, 95])
            rows.append(
                {
                    "interceptor": name,
                    "period": label,
                    "months": int(in_period.sum()),
                    "per_month_p5": float(p5),
                    "per_month_p50": float(p50),
                    "per_month_p95": float(p95),
                }
            )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------
# Forward: the depletion date
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Depletion:
    """When the ballistic-capable interceptors run short, and what it rests on.

    Attributes:
        months: the forecast months.
        short_month: (paths,) index of the first short month, -1 if none.
        forward: the forward draws.
        assumptions: ids of the records marked assumptions the answer rests on.
    """

    months: pd.PeriodIndex
    short_month: np.ndarray
    forward: rec.ForwardDraws
    assumptions: tuple[str, ...]

    def quantile_month(self, q: float) -> pd.Period | None:
        """The month by which a share ``q`` of paths ran short (None: beyond the horizon)."""
        horizon = len(self.months)
        values = np.where(self.short_month < 0, horizon, self.short_month)
        index = int(np.floor(np.quantile(values, q, method="inverted_cdf")))
        return None if index >= horizon else self.months[index]

    def p_no_shortage_before(self, month: str | pd.Period) -> float:
        """P(no short month before ``month``)."""
        target = pd.Period(month, freq="M")
        index = int(target.ordinal - self.months[0].ordinal)
        short = (self.short_month >= 0) & (self.short_month < index)
        return float(1.0 - np.mean(short))

    def headline(self) -> str:
        """The sentence on screen."""
        median = self.quantile_month(0.5)
        low, high = self.quantile_month(0.05), self.quantile_month(0.95)
        after = f"after {self.months[-1]}"
        return (
            "Ballistic-capable interceptors run short around "
            f"{_label(median, after)} (90%: {_label(low, after)} to {_label(high, after)}), "
            f"on {len(self.assumptions)} figures marked as assumptions"
        )


def depletion_frame(result: Depletion) -> pd.DataFrame:
    """The short month's distribution: ``month`` (Period[M], NaT for "not before"),
    ``category``, ``paths``, ``probability``, ``cumulative_probability``,
    ``p_no_shortage_before`` (P(no short month before that month))."""
    horizon = len(result.months)
    counts = np.bincount(result.short_month[result.short_month >= 0], minlength=horizon)
    total = result.short_month.size
    rows = [
        {"month": month, "category": str(month), "paths": int(counts[i])}
        for i, month in enumerate(result.months)
    ]
    rows.append(
        {
            "month": pd.NaT,
            "category": f"not before {result.months[-1]}",
            "paths": int(np.sum(result.short_month < 0)),
        }
    )
    frame = pd.DataFrame(rows)
    frame["month"] = pd.PeriodIndex(frame["month"], freq="M")
    frame["probability"] = frame["paths"] / total
    frame["cumulative_probability"] = frame["paths"].cumsum() / total
    frame["p_no_shortage_before"] = 1.0 - (frame["cumulative_probability"] - frame["probability"])
    return frame


def _label(month: pd.Period | None, beyond: str) -> str:
    return beyond if month is None else month.strftime("%b %Y")


def ballistic_launches(
    launches: np.ndarray, attacks: np.ndarray, weapon_classes: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Forecast (paths, months, families) summed over the ballistic-capable families.

    Attacks of one month are the largest number of any ballistic-capable family (the
    families of one raid are counted in each family's attacks).
    """
    classes, _ = history.GROUPS[BALLISTIC_GROUP]
    chosen = [i for i, c in enumerate(weapon_classes) if c in classes]
    if not chosen:
        shape = launches.shape[:2]
        return np.zeros(shape, dtype=np.int64), np.zeros(shape, dtype=np.int64)
    return launches[:, :, chosen].sum(axis=2), attacks[:, :, chosen].max(axis=2)


def delivery_scenario(
    fitted: InterceptorReconstruction, scenario: str, paths: int
) -> dict[str, np.ndarray]:
    """Monthly arrivals per type and path: ``none``, ``recent`` or ``announced``.

    ``recent``: the posterior's mean deliveries of the fit's last ``RECENT_MONTHS``
    months (path i: draw i mod draws). ``announced``: the recent rate plus the planned
    delivery records dated after the fit.
    """
    draws = fitted.draws
    index = np.arange(paths) % draws.draws
    if scenario == "none":
        return {name: np.zeros(paths) for name in draws.inputs.tracked_names}
    recent = rec.recent_delivery_rate(draws, RECENT_MONTHS)
    chosen = {name: values[index] for name, values in recent.items()}
    if scenario == "recent":
        return chosen
    if scenario == "announced":
        return {name: values + fitted.announced.get(name, 0.0) for name, values in chosen.items()}
    raise ParameterError(f"deliveries: must be none, recent or announced, got {scenario!r}")


def depletion(
    fitted: InterceptorReconstruction,
    *,
    months: Sequence[pd.Period],
    launched: np.ndarray,
    attacks: np.ndarray,
    seed: int,
    deliveries: str = "recent",
    shots: float | None = None,
    kill_scale: float = 1.0,
) -> Depletion:
    """The reconstructed stock run forward over ballistic-capable launches (paths, months)."""
    paths = launched.shape[0]
    names = [t.name for t in fitted.draws.inputs.types if t.group == BALLISTIC_GROUP]
    forward = rec.forward(
        fitted.draws,
        {BALLISTIC_GROUP: launched},
        {BALLISTIC_GROUP: attacks},
        deliveries_per_month=delivery_scenario(fitted, deliveries, paths),
        seed=np.random.SeedSequence([seed, 11]),
        shots=None if shots is None else {name: shots for name in names},
        kill_scale=kill_scale,
    )
    return Depletion(
        months=pd.PeriodIndex(list(months), freq="M"),
        short_month=forward.short_month,
        forward=forward,
        assumptions=fitted.assumptions,
    )


#: Rows of the sensitivity table: (what moves, setting label, keyword arguments).
SENSITIVITY_ROWS: Final[tuple[tuple[str, str, dict[str, object]], ...]] = (
    ("as reconstructed", "posterior", {}),
    ("doctrine", "1 shot per target", {"shots": 1.0}),
    ("doctrine", "2 shots per target", {"shots": 2.0}),
    ("doctrine", "3 shots per target", {"shots": 3.0}),
    ("deliveries", "none", {"deliveries": "none"}),
    ("deliveries", "recent rate", {"deliveries": "recent"}),
    ("deliveries", "recent rate + announced", {"deliveries": "announced"}),
    ("kill probability", "x0.75", {"kill_scale": 0.75}),
    ("kill probability", "x1.25 (at most 1)", {"kill_scale": 1.25}),
)


def sensitivity(
    fitted: InterceptorReconstruction,
    *,
    months: Sequence[pd.Period],
    launched: np.ndarray,
    attacks: np.ndarray,
    seed: int,
) -> pd.DataFrame:
    """How the depletion month moves with doctrine, deliveries and kill probability.

    Columns: ``factor``, ``setting``, ``p5``, ``median``, ``p95`` (month labels, or
    ``after <last month>``), ``p_no_shortage`` (within the horizon).
    """
    rows = []
    for factor, setting, options in SENSITIVITY_ROWS:
        result = depletion(
            fitted,
            months=months,
            launched=launched,
            attacks=attacks,
            seed=seed,
            **options,  # type: ignore[arg-type]
        )
        after = f"after {result.months[-1]}"
        rows.append(
            {
                "factor": factor,
                "setting": setting,
                "p5": _label(result.quantile_month(0.05), after),
                "median": _label(result.quantile_month(0.5), after),
                "p95": _label(result.quantile_month(0.95), after),
                "p_no_shortage": float(np.mean(result.short_month < 0)),
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------
# History check
# ---------------------------------------------------------------------------------------


def hindcast(
    db: Path | None = None,
    estimates: Path | EstimateSet | None = None,
    *,
    cut: str | pd.Period,
    horizon: int = 6,
    paths: int = 4000,
    seed: int = 0,
    settings: rec.FitSettings = QUICK_SETTINGS,
    cache_dir: Path | None = None,
) -> tuple[pd.DataFrame, InterceptorReconstruction, Depletion]:
    """Fit to ``cut``, run forward over the launches the ledger reports after it.

    The forward run takes the threat as it came (launched missiles and attacks per month
    from the ledger) and the deliveries at the fit's recent rate; it predicts the
    ballistic intercepts of each month after the cut. Returns a table (``month``,
    ``launched``, ``destroyed``, ``p10``, ``p50``, ``p90``, ``inside_80``,
    ``p_short``), the fit, and the forward run (for P(short) over the horizon).
    """
    fitted = reconstruct(db, estimates, cut=cut, settings=settings, cache_dir=cache_dir)
    full, _ = load_inputs(db, estimates)
    group = full.inputs.groups[0]
    all_months = pd.PeriodIndex(list(full.inputs.months), freq="M")
    cut_period = pd.Period(cut, freq="M")
    ahead = [m for m in all_months if m > cut_period][:horizon]
    if not ahead:
        raise ParameterError(f"cut: no ledger month after {cut_period}")
    index = [int(m.ordinal - all_months[0].ordinal) for m in ahead]
    launched = np.broadcast_to(group.launched[index], (paths, len(index))).copy()
    attacks = np.broadcast_to(group.attacks[index], (paths, len(index))).copy()
    result = depletion(
        fitted, months=ahead, launched=launched, attacks=attacks, seed=seed, deliveries="recent"
    )
    predicted = result.forward.intercepted[BALLISTIC_GROUP]
    low, middle, high = np.percentile(predicted, [10, 50, 90], axis=0)
    short = (
        result.forward.served[BALLISTIC_GROUP]
        < rec.SHORT_SERVED_SHARE * (result.forward.engaged[BALLISTIC_GROUP])
    )
    table = pd.DataFrame(
        {
            "month": [str(m) for m in ahead],
            "launched": group.launched[index],
            "destroyed": group.destroyed[index],
            "p10": low,
            "p50": middle,
            "p90": high,
        }
    )
    table["inside_80"] = (table["p10"] <= table["destroyed"]) & (table["destroyed"] <= table["p90"])
    table["p_short"] = short.mean(axis=0)
    return table, fitted, result
