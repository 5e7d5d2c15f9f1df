"""The stock-flow Monte Carlo: per family, per month, per path.

    stock(t+1) = stock(t) + production(t) + imports(t) - other_losses(t) - launches(t)
                 + shortfall(t)

* History months: launches are the ledger's (fixed on every path). If a path's stock
  cannot cover them, the stock is clamped at zero and the missing missiles are recorded
  as ``shortfall`` (missiles the path's production and initial stock cannot explain);
  the path is then also penalised in calibration (evidence against it), see
  :mod:`missilewatch.model.calibration`.
* Forecast months: planned launches come from the strike process; a path launches at
  most what it holds (``launches = min(planned, floor(available))``) and the rest is
  recorded as ``unmet``. Shortfall is zero in forecast months.
* Other losses are capped at what is available.

Everything is vectorised over paths (and families); only the month loop is in Python.
Large runs are processed in chunks of paths; percentiles come from a weighted
resample held in a fixed-size reservoir (see :func:`run`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from missilewatch.errors import ParameterError
from missilewatch.model.calibration import Constraint, log_weights
from missilewatch.model.sampling import (
    Range,
    correlated_uniforms,
    interpolation_weights,
    triangular_quantile,
)
from missilewatch.model.strikes import StrikePool, sample_strikes

FloatArray = NDArray[np.float64]

#: Upper limit on paths for one run (memory and time stay bounded by chunking, but a
#: typo like 10**9 should not start a day-long run).
MAX_PATHS = 5_000_000
#: Paths simulated at once.
DEFAULT_CHUNK = 10_000
#: Resampled paths kept for percentiles.
DEFAULT_RESERVOIR = 8_192


@dataclass(frozen=True, slots=True, eq=False)
class Schedule:
    """Dated rate figures per family, interpolated monthly.

    Arrays have shape (families, anchors), padded; ``counts`` says how many anchors of
    each family are real. Rates are per month. Outside ``[active_from, active_to]``
    (month indices, inclusive) the rate is zero: imports start and end with deliveries.
    """

    anchors: FloatArray
    low: FloatArray
    central: FloatArray
    high: FloatArray
    counts: NDArray[np.int64]
    active_from: FloatArray
    active_to: FloatArray

    @classmethod
    def build(
        cls,
        per_family: Sequence[Sequence[tuple[float, Range]]],
        active: Sequence[tuple[float, float]] | None = None,
    ) -> Schedule:
        families = len(per_family)
        width = max([1, *(len(items) for items in per_family)])
        anchors = np.zeros((families, width))
        low = np.zeros((families, width))
        central = np.zeros((families, width))
        high = np.zeros((families, width))
        counts = np.zeros(families, dtype=np.int64)
        for f, items in enumerate(per_family):
            ordered = sorted(items, key=lambda item: item[0])
            counts[f] = len(ordered)
            for a, (month, figure) in enumerate(ordered):
                anchors[f, a] = month
                low[f, a], central[f, a], high[f, a] = figure.low, figure.central, figure.high
        bounds = active or [(-np.inf, np.inf)] * families
        return cls(
            anchors=anchors,
            low=low,
            central=central,
            high=high,
            counts=counts,
            active_from=np.array([b[0] for b in bounds], dtype=np.float64),
            active_to=np.array([b[1] for b in bounds], dtype=np.float64),
        )

    @property
    def families(self) -> int:
        return int(self.anchors.shape[0])

    def weights(self, months: int) -> FloatArray:
        """(months, families, anchors) interpolation weights, zero outside activity."""
        families, width = self.anchors.shape
        result = np.zeros((months, families, width))
        grid = np.arange(months, dtype=np.float64)
        for f in range(families):
            count = int(self.counts[f])
            if count == 0:
                continue
            result[:, f, :count] = interpolation_weights(months, self.anchors[f, :count])
            inactive = (grid < self.active_from[f]) | (grid > self.active_to[f])
            result[inactive, f, :] = 0.0
        return result

    def sample(self, rng: np.random.Generator, paths: int) -> FloatArray:
        """(paths, families, anchors) sampled anchor values (correlated per family)."""
        u = correlated_uniforms(rng, (paths, *self.anchors.shape))
        return triangular_quantile(u, self.low[None], self.central[None], self.high[None])


@dataclass(frozen=True, slots=True, eq=False)
class StockFlowParams:
    """Everything one run needs; months are indices from the first ledger month.

    ``observed_launches`` (history months, families) holds the ledger's launches; the
    forecast follows for ``forecast_months`` months with launches from ``pool``
    (regimes per forecast month and family in ``regimes``).
    """

    families: tuple[str, ...]
    weapon_classes: tuple[str, ...]
    initial_stock: tuple[Range, ...]
    production: Schedule
    imports: Schedule
    other_losses: Schedule
    observed_launches: FloatArray
    forecast_months: int
    pool: StrikePool | None = None
    regimes: NDArray[np.int8] | None = None
    constraints: tuple[Constraint, ...] = ()
    #: (months, families) multipliers on production and imports (scenario adjustments).
    production_factor: FloatArray | None = None
    imports_factor: FloatArray | None = None
    #: Per family: a history shortfall of this many missiles costs a factor e in weight.
    shortfall_scale: FloatArray | None = None

    @property
    def history_months(self) -> int:
        return int(self.observed_launches.shape[0])

    @property
    def months(self) -> int:
        return self.history_months + self.forecast_months

    def check(self) -> None:
        families = len(self.families)
        if len(self.weapon_classes) != families or len(self.initial_stock) != families:
            raise ParameterError("families, weapon_classes and initial_stock differ in length")
        for name, schedule in (
            ("production", self.production),
            ("imports", self.imports),
            ("other_losses", self.other_losses),
        ):
            if schedule.families != families:
                raise ParameterError(f"{name} schedule has {schedule.families} families")
        if self.observed_launches.ndim != 2 or self.observed_launches.shape[1] != families:
            raise ParameterError("observed_launches must be (history months, families)")
        if np.any(self.observed_launches < 0) or not np.all(np.isfinite(self.observed_launches)):
            raise ParameterError("observed_launches must be finite and >= 0")
        if self.forecast_months < 0:
            raise ParameterError(f"forecast_months must be >= 0, got {self.forecast_months}")
        if self.forecast_months > 0 and (self.pool is None or self.regimes is None):
            raise ParameterError("a forecast needs a strike pool and regimes")
        if self.regimes is not None and self.regimes.shape != (self.forecast_months, families):
            raise ParameterError("regimes must be (forecast months, families)")


@dataclass(frozen=True, slots=True, eq=False)
class Paths:
    """One chunk of simulated paths. Flows (paths, months, families); stock has months+1."""

    stock: FloatArray
    production: FloatArray
    imports: FloatArray
    other_losses: FloatArray
    launches: FloatArray
    planned_launches: FloatArray
    shortfall: FloatArray
    log_weight: FloatArray

    @property
    def unmet(self) -> FloatArray:
        return np.asarray(self.planned_launches - self.launches, dtype=np.float64)


def _rates(schedule: Schedule, rng: np.random.Generator, paths: int, months: int) -> FloatArray:
    values = schedule.sample(rng, paths)  # (P, F, A)
    weights = schedule.weights(months)  # (T, F, A)
    return np.einsum("pfa,tfa->ptf", values, weights, optimize=True)


def simulate_paths(params: StockFlowParams, rng: np.random.Generator, paths: int) -> Paths:
    """Simulate ``paths`` paths; pure function of the parameters and the generator."""
    params.check()
    families = len(params.families)
    months = params.months
    history = params.history_months
    low = np.array([r.low for r in params.initial_stock])
    central = np.array([r.central for r in params.initial_stock])
    high = np.array([r.high for r in params.initial_stock])
    initial = triangular_quantile(rng.random((paths, families)), low, central, high)
    production = _rates(params.production, rng, paths, months)
    imports = _rates(params.imports, rng, paths, months)
    loss_rate = _rates(params.other_losses, rng, paths, months)
    if params.production_factor is not None:
        production *= params.production_factor[None]
    if params.imports_factor is not None:
        imports *= params.imports_factor[None]
    planned = np.empty((paths, months, families))
    planned[:, :history, :] = params.observed_launches[None]
    if params.forecast_months > 0:
        assert params.pool is not None and params.regimes is not None
        _, future = sample_strikes(rng, params.pool, params.regimes, paths)
        planned[:, history:, :] = future
    stock = np.empty((paths, months + 1, families))
    launches = np.empty_like(planned)
    losses = np.empty_like(planned)
    shortfall = np.zeros_like(planned)
    stock[:, 0, :] = initial
    for t in range(months):
        available = stock[:, t, :] + production[:, t, :] + imports[:, t, :]
        lost = np.minimum(loss_rate[:, t, :], available)
        available = available - lost
        losses[:, t, :] = lost
        if t < history:
            fired = planned[:, t, :]
            remaining = available - fired
            missing = np.maximum(-remaining, 0.0)
            shortfall[:, t, :] = missing
            stock[:, t + 1, :] = remaining + missing
        else:
            fired = np.minimum(planned[:, t, :], np.floor(available + 1e-9))
            stock[:, t + 1, :] = available - fired
        launches[:, t, :] = fired
    draft = Paths(
        stock=stock,
        production=production,
        imports=imports,
        other_losses=losses,
        launches=launches,
        planned_launches=planned,
        shortfall=shortfall,
        log_weight=np.zeros(paths),
    )
    weights = log_weights(draft.stock, draft.production, draft.shortfall, params)
    return Paths(
        stock=stock,
        production=production,
        imports=imports,
        other_losses=losses,
        launches=launches,
        planned_launches=planned,
        shortfall=shortfall,
        log_weight=weights,
    )


# --- chunked runs with a resampling reservoir ------------------------------------------------

#: Quantities kept per resampled path.
RESERVOIR_QUANTITIES = ("stock", "production", "imports", "launches", "shortfall", "unmet")


@dataclass(slots=True)
class Reservoir:
    """Equally weighted resample of all paths seen, of fixed size.

    The first chunk fills it by systematic resampling with the chunk's importance
    weights. For each later chunk with total weight W_c, after W_seen before it, every
    slot is replaced independently with probability W_c / (W_seen + W_c) by a draw from
    the chunk (multinomial on its weights). Each slot is then a draw from the weighted
    distribution of all paths, whatever the chunking; memory stays size x months x
    families x 6 float32 values.
    """

    size: int
    arrays: dict[str, NDArray[np.float32]] = field(default_factory=dict)
    log_total: float = -np.inf
    log_total_sq: float = -np.inf
    paths_seen: int = 0
    weighted_sums: dict[str, FloatArray] = field(default_factory=dict)
    log_reference: float = -np.inf

    def add(self, chunk: Paths, rng: np.random.Generator) -> None:
        log_w = chunk.log_weight
        if not np.any(np.isfinite(log_w)):
            log_w = np.zeros_like(log_w)  # nothing to tell the paths apart: equal weight
        chunk_max = float(np.max(log_w))
        weights = np.exp(log_w - chunk_max)
        log_chunk = chunk_max + float(np.log(weights.sum()))
        log_chunk_sq = 2 * chunk_max + float(np.log(np.sum(weights**2)))
        values = _chunk_values(chunk)
        self._add_sums(values, log_w)
        probabilities = weights / weights.sum()
        if not self.arrays:
            picks = _systematic(rng, probabilities, self.size)
            self.arrays = {k: v[picks].astype(np.float32) for k, v in values.items()}
        else:
            share = np.exp(log_chunk - np.logaddexp(self.log_total, log_chunk))
            replace = np.flatnonzero(rng.random(self.size) < share)
            if replace.size:
                picks = rng.choice(len(probabilities), size=replace.size, p=probabilities)
                for key, array in self.arrays.items():
                    array[replace] = values[key][picks]
        self.log_total = float(np.logaddexp(self.log_total, log_chunk))
        self.log_total_sq = float(np.logaddexp(self.log_total_sq, log_chunk_sq))
        self.paths_seen += len(log_w)

    def _add_sums(self, values: dict[str, FloatArray], log_w: FloatArray) -> None:
        chunk_max = float(np.max(log_w))
        if chunk_max > self.log_reference:
            scale = (
                np.exp(self.log_reference - chunk_max) if np.isfinite(self.log_reference) else 0.0
            )
            for key in self.weighted_sums:
                self.weighted_sums[key] *= scale
            self.log_reference = chunk_max
        weights = np.exp(log_w - self.log_reference)
        for key, array in values.items():
            contribution = np.tensordot(weights, array, axes=(0, 0))
            if key in self.weighted_sums:
                self.weighted_sums[key] += contribution
            else:
                self.weighted_sums[key] = contribution

    @property
    def effective_sample_size(self) -> float:
        """(sum w)^2 / sum w^2 over all paths seen."""
        return float(np.exp(2 * self.log_total - self.log_total_sq))

    def means(self) -> dict[str, FloatArray]:
        """Exact importance-weighted means over all paths seen."""
        total = np.exp(self.log_total - self.log_reference)
        return {key: value / total for key, value in self.weighted_sums.items()}


def _chunk_values(chunk: Paths) -> dict[str, FloatArray]:
    return {
        "stock": chunk.stock,
        "production": chunk.production,
        "imports": chunk.imports,
        "launches": chunk.launches,
        "shortfall": chunk.shortfall,
        "unmet": chunk.unmet,
    }


def _systematic(rng: np.random.Generator, probabilities: FloatArray, size: int) -> NDArray[np.intp]:
    positions = (rng.random() + np.arange(size)) / size
    cumulative = np.cumsum(probabilities)
    cumulative[-1] = 1.0
    return np.searchsorted(cumulative, positions, side="left")


@dataclass(frozen=True, slots=True, eq=False)
class RunResult:
    """A finished run: the resample, exact weighted means, and diagnostics."""

    params: StockFlowParams
    paths: int
    resample: dict[str, NDArray[np.float32]]
    means: dict[str, FloatArray]
    effective_sample_size: float


def check_paths(paths: int, maximum: int = MAX_PATHS) -> None:
    if paths <= 0:
        raise ParameterError(f"paths must be at least 1, got {paths}")
    if paths > maximum:
        raise ParameterError(f"paths must be at most {maximum:,}, got {paths:,}")


def run(
    params: StockFlowParams,
    seed: int | np.random.SeedSequence,
    paths: int,
    *,
    chunk_size: int = DEFAULT_CHUNK,
    reservoir_size: int = DEFAULT_RESERVOIR,
    progress: Callable[[int], None] | None = None,
) -> RunResult:
    """Simulate ``paths`` paths in chunks; deterministic for a given seed and chunk size.

    Each chunk draws from its own stream (``SeedSequence.spawn``), the reservoir from
    another. ``progress`` is called with the number of paths finished after each chunk.
    """
    check_paths(paths)
    if chunk_size <= 0 or reservoir_size <= 0:
        raise ParameterError("chunk_size and reservoir_size must be positive")
    params.check()
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    chunks = -(-paths // chunk_size)
    reservoir_stream, *chunk_streams = root.spawn(chunks + 1)
    reservoir_rng = np.random.default_rng(reservoir_stream)
    reservoir = Reservoir(size=min(reservoir_size, paths))
    done = 0
    for stream in chunk_streams:
        count = min(chunk_size, paths - done)
        chunk = simulate_paths(params, np.random.default_rng(stream), count)
        reservoir.add(chunk, reservoir_rng)
        done += count
        if progress is not None:
            progress(done)
    return RunResult(
        params=params,
        paths=paths,
        resample=reservoir.arrays,
        means=reservoir.means(),
        effective_sample_size=reservoir.effective_sample_size,
    )
