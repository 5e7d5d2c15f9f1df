"""One door to the engines: a run specification in, labelled draws out.

    edges -> load_baseline -> RunSpec -> simulate -> views

:class:`RunSpec` says what to run (last month, paths, seed, scenario adjustments, first
forecast month); its constructor is the only check of paths and seed, and it hands out
the named random streams of the run, all split from one ``SeedSequence`` so that each
engine's draws do not depend on which other engines ran. :func:`simulate` runs the
stock-flow engine, the strike process and the air-defense campaign on a
:class:`~missilewatch.baseline.Baseline` with one month calendar and returns a
:class:`Run`; frames, summaries, findings, charts and API payloads are views of it
(:mod:`missilewatch.model.frames`, :mod:`missilewatch.defense.frames`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from missilewatch.baseline import Baseline
from missilewatch.defense.campaign import CampaignDraws
from missilewatch.defense.frames import CampaignResult, campaign_from_forecast
from missilewatch.defense.setup import DefenseSetup, build_defense
from missilewatch.errors import ParameterError, UnknownNameError
from missilewatch.limits import MAX_FORECAST_MONTHS, MAX_PATHS
from missilewatch.model.adjustments import BASELINE, Adjustments
from missilewatch.model.setup import (
    LedgerHistory,
    Setup,
    build_setup,
    fit_strikes,
    history_from_baseline,
)
from missilewatch.model.stockflow import RunResult
from missilewatch.model.stockflow import run as run_stock_flow
from missilewatch.model.strikes import (
    StrikeForecast,
    StrikePool,
    build_pool,
    regime_table,
    sample_strikes,
)
from missilewatch.names import resolve_families

if TYPE_CHECKING:
    from missilewatch.model.frames import Shortfall
    from missilewatch.views.interceptors import InterceptorReconstruction

#: The named random streams of a run, in spawn order: stream ``i`` is child ``i`` of
#: ``SeedSequence(seed)``. Append new names at the end: an existing stream never moves.
#: ``strike-pool`` and ``stockflow`` are children 0 and 1, as before the streams were
#: named, so the stock-flow engine's numbers did not change.
STREAMS: Final = (
    "strike-pool",
    "stockflow",
    "strikes",
    "defense",
    "raid",
    "evidence",
    "backtest",
)

#: The engines :func:`simulate` can run.
STOCK_FLOW: Final = "stockflow"
DEFENSE: Final = "defense"
ENGINES: Final = frozenset({STOCK_FLOW, DEFENSE})

ProgressCallback = Callable[[int, int], None]


def check_paths(paths: object) -> int:
    """The one check of a path count: a whole number from 1 to ``MAX_PATHS``."""
    if (
        isinstance(paths, bool)
        or not isinstance(paths, (int, np.integer))
        or not 1 <= paths <= MAX_PATHS
    ):
        raise ParameterError(
            f"paths must be a whole number between 1 and {MAX_PATHS:,} (got {paths!r})"
        )
    return int(paths)


def check_seed(seed: object) -> int:
    """The one check of a seed: a whole number >= 0."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed must be a whole number >= 0 (got {seed!r})")
    return int(seed)


def as_month(value: str | date | pd.Period, name: str) -> pd.Period:
    """A month given as ``YYYY-MM`` text, a date or a Period; one line if it is none."""
    if isinstance(value, pd.Period):
        return value.asfreq("M")
    try:
        return pd.Period(value, freq="M")
    except (ValueError, TypeError) as error:
        raise ParameterError(f"{name}: not a month (YYYY-MM): {value!r}") from error


@dataclass(frozen=True)
class RunSpec:
    """What to run: checked once, here.

    Attributes:
        until: the last month (a forecast month, or a history month for a
            reconstruction only).
        paths: Monte Carlo paths (1 to ``MAX_PATHS``).
        seed: root seed (>= 0); same seed, same numbers.
        adjustments: the scenario's changes, months counted from the first forecast month.
        start: the first forecast month (None: the baseline calendar's).
    """

    until: pd.Period
    paths: int = 10_000
    seed: int = 0
    adjustments: Adjustments = BASELINE
    start: pd.Period | None = None

    def __init__(
        self,
        until: str | date | pd.Period = "2027-12",
        paths: int = 10_000,
        seed: int = 0,
        adjustments: Adjustments = BASELINE,
        start: str | date | pd.Period | None = None,
    ) -> None:
        object.__setattr__(self, "until", as_month(until, "until"))
        object.__setattr__(self, "paths", check_paths(paths))
        object.__setattr__(self, "seed", check_seed(seed))
        object.__setattr__(self, "adjustments", adjustments)
        object.__setattr__(self, "start", as_month(start, "start") if start is not None else None)

    def seed_sequence(self, stream: str) -> np.random.SeedSequence:
        """The named stream's ``SeedSequence`` (child ``STREAMS.index(stream)`` of the seed)."""
        if stream not in STREAMS:
            raise UnknownNameError(f"stream: {stream!r} (known: {', '.join(STREAMS)})")
        return np.random.SeedSequence(self.seed, spawn_key=(STREAMS.index(stream),))

    def rng(self, stream: str) -> np.random.Generator:
        """A generator on the named stream, e.g. ``spec.rng("strikes")``."""
        return np.random.default_rng(self.seed_sequence(stream))

    def forecast_start(self, baseline: Baseline) -> pd.Period:
        return self.start if self.start is not None else baseline.calendar.first_forecast_month


# --- labelled draws ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Draws:
    """Per-path values labelled by month and family: ``values[q]`` is (paths, months,
    families); ``weapon_classes`` label the families."""

    months: tuple[pd.Period, ...]
    families: tuple[str, ...]
    weapon_classes: tuple[str, ...]
    values: dict[str, np.ndarray]

    def members(
        self,
        family: str | Sequence[str] | None = None,
        weapon_class: str | Sequence[str] | None = None,
    ) -> list[int]:
        """Indices of the families selected (a class selects its members; none: all)."""
        if family is None and weapon_class is None:
            return list(range(len(self.families)))
        wanted = [family] if isinstance(family, str) else list(family or [])
        classes = [weapon_class] if isinstance(weapon_class, str) else list(weapon_class or [])
        for name in wanted:
            if name not in self.families:
                raise UnknownNameError(
                    f"family: {name!r} is not modelled (modelled: {', '.join(self.families)})"
                )
        for name in classes:
            if name not in self.weapon_classes:
                raise UnknownNameError(
                    f"class: {name!r} has no modelled family "
                    f"(classes: {', '.join(sorted(set(self.weapon_classes)))})"
                )
        return [
            i
            for i, (name, kind) in enumerate(zip(self.families, self.weapon_classes, strict=True))
            if name in wanted or kind in classes
        ]

    def select(
        self,
        family: str | Sequence[str] | None = None,
        weapon_class: str | Sequence[str] | None = None,
    ) -> Draws:
        chosen = self.members(family, weapon_class)
        return Draws(
            months=self.months,
            families=tuple(self.families[i] for i in chosen),
            weapon_classes=tuple(self.weapon_classes[i] for i in chosen),
            values={key: value[..., chosen] for key, value in self.values.items()},
        )

    def total(self, quantity: str) -> np.ndarray:
        """(paths, months) summed over the families."""
        return np.asarray(self.values[quantity], dtype=np.float64).sum(axis=-1)


@dataclass(frozen=True, eq=False)
class Run:
    """The draws of one :func:`simulate` call and what they were built from.

    Attributes:
        spec: the run specification.
        fingerprint: the baseline's data fingerprint.
        start: the first forecast month, the same for every engine.
        months: history and forecast months of the stock-flow engine.
        setup, result: the stock-flow engine's parameters and weighted resample (None
            when the stock-flow engine did not run).
        strikes: the strike forecast from ``start`` (None when the campaign did not run).
        defense: the air defense in force at ``start`` and ``campaign`` its draws.
    """

    spec: RunSpec
    fingerprint: str
    start: pd.Period
    setup: Setup | None = None
    result: RunResult | None = None
    strikes: StrikeForecast | None = None
    defense: DefenseSetup | None = None
    campaign_result: CampaignResult | None = None
    selection: tuple[str, ...] | None = field(default=None)

    @property
    def history(self) -> LedgerHistory:
        return self.stock_flow_setup.history

    @property
    def stock_flow_setup(self) -> Setup:
        if self.setup is None:
            raise ParameterError("this run did not include the stock-flow engine")
        return self.setup

    @property
    def stock_flow_result(self) -> RunResult:
        if self.result is None:
            raise ParameterError("this run did not include the stock-flow engine")
        return self.result

    @property
    def campaign(self) -> CampaignDraws:
        if self.campaign_result is None:
            raise ParameterError("this run did not include the air-defense campaign")
        return self.campaign_result.draws

    @property
    def shortfalls(self) -> tuple[Shortfall, ...]:
        """Families whose ledger launches the production and stock figures cannot explain."""
        from missilewatch.model.frames import shortfalls

        return shortfalls(self)

    @property
    def stock_flow(self) -> Draws:
        """The stock-flow resample: stock (months + 1: index t + 1 is the end of month t),
        production, imports, launches, shortfall, unmet; (slots, months, families)."""
        setup, result = self.stock_flow_setup, self.stock_flow_result
        draws = Draws(
            months=tuple(setup.months),
            families=tuple(setup.params.families),
            weapon_classes=tuple(setup.params.weapon_classes),
            values=dict(result.resample),
        )
        return draws if self.selection is None else draws.select(family=list(self.selection))

    @property
    def threats(self) -> Draws:
        """The campaign's threat draws: launched, intercepted, leakers per forecast month."""
        draws = self.campaign
        strikes = self.strikes
        assert strikes is not None
        classes = dict(zip(strikes.families, strikes.weapon_classes, strict=True))
        families = tuple(draws.families)
        values = {
            quantity: np.stack([getattr(draws, quantity)[f] for f in families], axis=-1)
            for quantity in ("launched", "intercepted", "leakers")
        }
        labelled = Draws(
            months=tuple(strikes.months),
            families=families,
            weapon_classes=tuple(classes[f] for f in families),
            values=values,
        )
        if self.selection is None:
            return labelled
        return labelled.select(family=[f for f in self.selection if f in families])

    def select(
        self,
        family: str | Sequence[str] | None = None,
        weapon_class: str | Sequence[str] | None = None,
    ) -> Run:
        """The same run, its labelled draws (``stock_flow``, ``threats``) restricted to
        the families selected (a class selects its members)."""
        if self.setup is not None:
            draws = Draws(
                months=tuple(self.setup.months),
                families=tuple(self.setup.params.families),
                weapon_classes=tuple(self.setup.params.weapon_classes),
                values={},
            )
        elif self.strikes is not None:
            draws = Draws(
                months=tuple(self.strikes.months),
                families=tuple(self.strikes.families),
                weapon_classes=tuple(self.strikes.weapon_classes),
                values={},
            )
        else:
            raise ParameterError("this run holds no draws to select from")
        chosen = draws.members(family, weapon_class)
        return Run(
            spec=self.spec,
            fingerprint=self.fingerprint,
            start=self.start,
            setup=self.setup,
            result=self.result,
            strikes=self.strikes,
            defense=self.defense,
            campaign_result=self.campaign_result,
            selection=tuple(draws.families[i] for i in chosen),
        )


# --- simulate ---------------------------------------------------------------------------------


def defense_setup(baseline: Baseline, as_of: date) -> DefenseSetup:
    """The air defense in force on ``as_of``, built once per baseline and date (building
    it fits the ledger's per-attack intercepts)."""
    from missilewatch.defense import calibration

    def build() -> DefenseSetup:
        attacks = baseline.derived(
            ("per-attack", "family"), lambda: calibration.per_attack(baseline.attacks, by="family")
        )
        return build_defense(baseline.estimates, attacks, as_of=as_of, layers=baseline.layers)

    return baseline.derived(("defense-setup", as_of), build)


def _check_calendar(baseline: Baseline, spec: RunSpec, engines: Collection[str]) -> pd.Period:
    calendar = baseline.calendar
    origin = calendar.first_month
    start = spec.forecast_start(baseline)
    if start <= origin:
        raise ParameterError(
            f"start: {start} leaves no ledger history to fit (ledger starts {origin})"
        )
    if STOCK_FLOW in engines and start > calendar.first_forecast_month:
        raise ParameterError(
            f"start: {start} is after the ledger's first forecast month "
            f"{calendar.first_forecast_month}; the months between would be neither "
            "observed nor forecast"
        )
    if spec.until < origin:
        raise ParameterError(f"until: {spec.until} is before the ledger starts ({origin})")
    if DEFENSE in engines and spec.until < start:
        raise ParameterError(f"until: {spec.until} is before start {start}")
    ahead = (spec.until - start).n + 1
    if ahead > MAX_FORECAST_MONTHS:
        raise ParameterError(
            f"until: {spec.until} is {ahead} months from the forecast start {start}; "
            f"forecasts reach at most {MAX_FORECAST_MONTHS} months"
        )
    return start


def forecast(
    baseline: Baseline,
    spec: RunSpec,
    *,
    families: Sequence[str] | None = None,
    history: LedgerHistory | None = None,
    pool: StrikePool | None = None,
) -> StrikeForecast:
    """The strike forecast from the spec's first forecast month to ``until``, fitted
    on the ledger before it (launches not limited by any stock)."""
    start = _check_calendar(baseline, spec, {DEFENSE})
    names = list(families) if families is not None else baseline.modelled_families
    names = resolve_families(names, list(baseline.taxonomy.families), field="families") or []
    if history is None:
        history = history_from_baseline(baseline, names, start - 1)
    cut = min((start - history.months[0]).n, len(history.months))
    if pool is None:
        fits = fit_strikes(history, cut)
        pool = build_pool(spec.rng("strike-pool"), fits, spec.adjustments)
    else:
        fits = fit_strikes(history, cut)
    months = list(pd.period_range(start, spec.until, freq="M"))
    regimes = regime_table(fits, len(months), spec.adjustments)
    attacks, launches = sample_strikes(spec.rng("strikes"), pool, regimes, spec.paths)
    return StrikeForecast(
        months=months,
        families=names,
        weapon_classes=history.weapon_classes,
        attacks=attacks,
        launches=launches,
    )


def simulate(
    baseline: Baseline,
    spec: RunSpec,
    *,
    engines: Collection[str] = ENGINES,
    defense: DefenseSetup | None = None,
    progress: ProgressCallback | None = None,
    interceptors: InterceptorReconstruction | None = None,
) -> Run:
    """Run the engines on the baseline: the one door.

    ``engines``: ``stockflow`` (the Russian stock-flow: reconstruction of the history,
    conditioned on the published figures, and its forecast) and/or ``defense`` (the
    strike forecast and the air-defense campaign over it). Both start the forecast in
    the same month, ``spec.forecast_start(baseline)``, and read the adjustments with
    the same month offsets. ``defense`` replaces the air defense built from the
    baseline for the first forecast month (e.g. a sweep point's doctrine change).
    ``progress(done, total)`` follows the stock-flow paths
    (the campaign's when it runs alone). ``interceptors`` (a fitted reconstruction,
    :func:`missilewatch.views.interceptors.reconstruct`) starts the campaign from its
    posterior stock draws and recent delivery rate (path i: draw i mod draws) and adds
    its depletion answer to the campaign result; the forecast must start the month
    after the reconstruction's last month.
    """
    unknown = sorted(set(engines) - ENGINES)
    if unknown:
        raise UnknownNameError(f"engines: {', '.join(unknown)} (known: {', '.join(ENGINES)})")
    start = _check_calendar(baseline, spec, engines)
    families = baseline.modelled_families
    history = history_from_baseline(baseline, families, start - 1)
    fits = fit_strikes(history)
    # One pool of monthly strike outcomes for both engines: the stock-flow forecast and
    # the campaign's strike forecast draw from the same fitted process.
    pool = build_pool(spec.rng("strike-pool"), fits, spec.adjustments)
    setup = result = None
    if STOCK_FLOW in engines:
        setup = build_setup(
            baseline,
            history=history,
            until=spec.until,
            fits=fits,
            pool=pool,
            adjustments=spec.adjustments,
        )
        callback = (lambda done: progress(done, spec.paths)) if progress is not None else None
        result = run_stock_flow(
            setup.params, spec.seed_sequence("stockflow"), spec.paths, progress=callback
        )
    strikes = campaign = None
    if DEFENSE in engines:
        strikes = forecast(baseline, spec, families=families, history=history, pool=pool)
        if defense is None:
            defense = defense_setup(baseline, start.start_time.date())
        stock = deliveries = None
        if interceptors is not None:
            stock, deliveries = _reconstructed_start(interceptors, start, spec.paths)
        campaign = campaign_from_forecast(
            defense,
            months=list(strikes.months),
            families=list(strikes.families),
            launches=np.asarray(strikes.launches),
            attacks=np.asarray(strikes.attacks),
            seed=spec.seed_sequence("defense"),
            adjustments=spec.adjustments,
            # The campaign's own progress when it is the only engine.
            progress=progress if STOCK_FLOW not in engines else None,
            initial_stock=stock,
            monthly_deliveries=deliveries,
        )
        if interceptors is not None:
            campaign = _with_reconstructed_answer(campaign, interceptors, strikes, spec)
    return Run(
        spec=spec,
        fingerprint=baseline.fingerprint,
        start=start,
        setup=setup,
        result=result,
        strikes=strikes,
        defense=defense if DEFENSE in engines else None,
        campaign_result=campaign,
    )


def _reconstructed_start(
    fitted: InterceptorReconstruction, start: pd.Period, paths: int
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    from missilewatch.views import interceptors as views

    if fitted.months[-1] + 1 != start:
        raise ParameterError(
            f"start: the reconstructed stock ends in {fitted.months[-1]}; the forecast must "
            f"start in {fitted.months[-1] + 1}, not {start}"
        )
    draw = np.arange(paths) % fitted.draws.draws
    names = fitted.draws.inputs.tracked_names
    stock = {name: fitted.draws.stock[draw, slot, -1] for slot, name in enumerate(names)}
    return stock, views.delivery_scenario(fitted, "recent", paths)


def _with_reconstructed_answer(
    campaign: CampaignResult,
    fitted: InterceptorReconstruction,
    strikes: StrikeForecast,
    spec: RunSpec,
) -> CampaignResult:
    from dataclasses import replace

    from missilewatch.views import interceptors as views

    launched, attacks = views.ballistic_launches(
        np.asarray(strikes.launches), np.asarray(strikes.attacks), strikes.weapon_classes
    )
    seed = spec.seed
    answer = views.depletion(
        fitted, months=strikes.months, launched=launched, attacks=attacks, seed=seed
    )
    table = views.sensitivity(
        fitted, months=strikes.months, launched=launched, attacks=attacks, seed=seed
    )
    return replace(
        campaign,
        headline=answer.headline(),
        reconstructed_depletion=views.depletion_frame(answer),
        sensitivity=table,
    )


__all__ = [
    "DEFENSE",
    "ENGINES",
    "STOCK_FLOW",
    "STREAMS",
    "Draws",
    "Run",
    "RunSpec",
    "check_paths",
    "check_seed",
    "defense_setup",
    "forecast",
    "simulate",
]
