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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from missilewatch.errors import ParameterError
from missilewatch.limits import MAX_PATHS
from missilewatch.model.calibration import Constraint, log_weights
from missilewatch.model.sampling import (
    Range,
    correlated_uniforms,
    interpolation_weights,
    triangular_quantile,
)
from missilewatch.model.strikes import StrikePool, fill_launches_family_major

FloatArray = NDArray[np.float64]

#: Paths simulated at once.
DEFAULT_CHUNK = 8_192
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
        if np.all(self.high == self.low):
            return np.broadcast_to(self.low[None], (paths, *self.low.shape))
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
    unmet: FloatArray
    shortfall: FloatArray
    log_weight: FloatArray

    @property
    def planned_launches(self) -> FloatArray:
        """Launches the strike process asked for (history: the ledger's)."""
        return np.asarray(self.launches + self.unmet, dtype=np.float64)


class Workspace:
    """Buffers for one chunk of paths, reused from chunk to chunk.

    Fresh large arrays cost a page fault per 4 KiB on first write, which on small
    machines takes longer than the arithmetic; a run therefore allocates these once.
    Layout is family-major (families, months, paths): each month step then works on
    (families, paths) slices with contiguous rows.
    """

    def __init__(self, families: int, months: int, forecast_months: int, paths: int) -> None:
        self.paths = paths
        shape = (families, months, paths)
        self.stock = np.zeros((families, months + 1, paths))
        self.production = np.zeros(shape)
        self.imports = np.zeros(shape)
        self.losses = np.zeros(shape)
        self.launches = np.zeros(shape)
        self.unmet = np.zeros(shape)
        self.shortfall = np.zeros(shape)
        self.available = np.zeros((families, paths))
        self.scratch = np.zeros((months, paths))
        self.future = np.zeros((families, forecast_months, paths))
        self.picks = np.zeros((families, forecast_months, paths), dtype=np.int64)

    def fits(self, params: StockFlowParams, paths: int) -> bool:
        return self.production.shape == (len(params.families), params.months, paths) and (
            self.future.shape[1] == params.forecast_months
        )


def _fill_rates(
    out: FloatArray,
    scratch: FloatArray,
    schedule: Schedule,
    rng: np.random.Generator,
    paths: int,
    factor: FloatArray | None,
) -> None:
    """Monthly rates into ``out`` (families, months, paths).

    rate[t, p] = sum over anchors a of weight[t, a] * value[p, a], built from outer
    products (a handful of anchors; a BLAS call here gains nothing and its threads
    compete with the run's own).
    """
    if not np.any(schedule.high):
        out[...] = 0.0  # no figure above zero (e.g. no imports): nothing to sample
        return
    values = schedule.sample(rng, paths)  # (P, F, A)
    weights = schedule.weights(out.shape[1])  # (T, F, A)
    if factor is not None:
        weights = weights * factor[:, :, None]
    for f in range(schedule.families):
        out[f] = 0.0
        for a in range(int(schedule.counts[f])):
            months = np.flatnonzero(weights[:, f, a])
            if months.size == 0:
                continue
            # Linear interpolation: an anchor's weight is non-zero on one run of months
            # (activity windows can only cut it shorter); touch only those months.
            first, last = int(months[0]), int(months[-1]) + 1
            part = scratch[first:last]
            np.multiply.outer(weights[first:last, f, a], values[:, f, a], out=part)
            out[f, first:last] += part


def simulate_paths(
    params: StockFlowParams,
    rng: np.random.Generator,
    paths: int,
    workspace: Workspace | None = None,
) -> Paths:
    """Simulate ``paths`` paths; pure function of the parameters and the generator.

    The returned arrays are path-major views into ``workspace`` (allocated if not
    given): they stay valid until the workspace is used again.
    """
    params.check()
    families = len(params.families)
    months = params.months
    history = params.history_months
    if workspace is None or not workspace.fits(params, paths):
        workspace = Workspace(families, months, params.forecast_months, paths)
    ws = workspace
    low = np.array([r.low for r in params.initial_stock])[:, None]
    central = np.array([r.central for r in params.initial_stock])[:, None]
    high = np.array([r.high for r in params.initial_stock])[:, None]
    ws.stock[:, 0, :] = triangular_quantile(rng.random((families, paths)), low, central, high)
    _fill_rates(ws.production, ws.scratch, params.production, rng, paths, params.production_factor)
    _fill_rates(ws.imports, ws.scratch, params.imports, rng, paths, params.imports_factor)
    # Loss rates go into the losses buffer; the month step caps them in place.
    _fill_rates(ws.losses, ws.scratch, params.other_losses, rng, paths, None)
    if params.forecast_months > 0:
        assert params.pool is not None and params.regimes is not None
        fill_launches_family_major(rng, params.pool, params.regimes, ws.future, ws.picks)
    observed = params.observed_launches
    available = ws.available
    has_imports = bool(np.any(params.imports.high))
    ws.shortfall[:, history:, :] = 0.0
    ws.unmet[:, :history, :] = 0.0
    ws.launches[:, :history, :] = observed.T[:, :, None]
    for t in range(months):
        np.add(ws.stock[:, t, :], ws.production[:, t, :], out=available)
        if has_imports:
            available += ws.imports[:, t, :]
        lost = np.minimum(ws.losses[:, t, :], available, out=ws.losses[:, t, :])
        available -= lost
        if t < history:
            available -= observed[t][:, None]
            missing = np.negative(available, out=ws.shortfall[:, t, :])
            np.maximum(missing, 0.0, out=missing)
            np.maximum(available, 0.0, out=ws.stock[:, t + 1, :])  # available + missing
        else:
            planned = ws.future[:, t - history, :]
            fired = ws.launches[:, t, :]
            np.add(available, 1e-9, out=fired)
            np.floor(fired, out=fired)
            np.minimum(planned, fired, out=fired)
            np.subtract(planned, fired, out=ws.unmet[:, t, :])
            np.subtract(available, fired, out=ws.stock[:, t + 1, :])

    def path_major(array: FloatArray) -> FloatArray:
        return np.transpose(array, (2, 1, 0))

    draft = Paths(
        stock=path_major(ws.stock),
        production=path_major(ws.production),
        imports=path_major(ws.imports),
        other_losses=path_major(ws.losses),
        launches=path_major(ws.launches),
        unmet=path_major(ws.unmet),
        shortfall=path_major(ws.shortfall),
        log_weight=np.zeros((paths, families)),
    )
    weights = log_weights(draft.stock, draft.production, draft.shortfall, params)
    return replace(draft, log_weight=weights)


# --- chunked runs with a resampling reservoir ------------------------------------------------

#: Quantities kept per resampled path.
RESERVOIR_QUANTITIES = ("stock", "production", "imports", "launches", "shortfall", "unmet")


@dataclass(slots=True)
class Reservoir:
    """Equally weighted resample of all paths seen, of fixed size, per family.

    Families are independent before conditioning and every constraint concerns one
    family (aggregates are split, see :mod:`missilewatch.model.calibration`), so the
    weights factorise and each family is resampled with its own weights: the effective
    sample size is then per family, not the product over families.

    The first chunk fills it by systematic resampling with the chunk's importance
    weights. For each later chunk with total weight W_c, after W_seen before it, every
    slot is replaced independently with probability W_c / (W_seen + W_c) by a draw from
    the chunk (multinomial on its weights). Each slot is then a draw from the weighted
    distribution of all paths, whatever the chunking; memory stays size x months x
    families x 6 float32 values.
    """

    size: int
    arrays: dict[str, NDArray[np.float32]] = field(default_factory=dict)
    log_total: FloatArray | None = None  # per family
    log_total_sq: FloatArray | None = None
    paths_seen: int = 0

    def add(self, chunk: Paths, rng: np.random.Generator) -> None:
        """Fold one chunk in (its arrays are read, not kept)."""
        log_w = np.array(chunk.log_weight, dtype=np.float64)  # (P, F)
        dead = ~np.any(np.isfinite(log_w), axis=0)
        log_w[:, dead] = 0.0  # nothing tells these paths apart: equal weight
        chunk_max = np.max(log_w, axis=0)
        weights = np.exp(log_w - chunk_max)
        totals = weights.sum(axis=0)
        log_chunk = chunk_max + np.log(totals)
        log_chunk_sq = 2 * chunk_max + np.log(np.sum(weights**2, axis=0))
        values = _chunk_values(chunk)
        families = log_w.shape[1]
        if not self.arrays:
            # Stored family-major (families, months, slots): a replaced slot is then a
            # scattered write within contiguous rows.
            self.arrays = {
                key: np.empty((v.shape[0], v.shape[1], self.size), dtype=np.float32)
                for key, v in values.items()
            }
            for f in range(families):
                picks = _systematic(rng, weights[:, f] / totals[f], self.size)
                for key, array in self.arrays.items():
                    array[f] = values[key][f][:, picks]
            self.log_total, self.log_total_sq = log_chunk, log_chunk_sq
        else:
            assert self.log_total is not None and self.log_total_sq is not None
            shares = np.exp(log_chunk - np.logaddexp(self.log_total, log_chunk))
            for f in range(families):
                replace = np.flatnonzero(rng.random(self.size) < shares[f])
                if replace.size == 0:
                    continue
                picks = rng.choice(len(weights), size=replace.size, p=weights[:, f] / totals[f])
                for key, array in self.arrays.items():
                    array[f][:, replace] = values[key][f][:, picks]
            self.log_total = np.logaddexp(self.log_total, log_chunk)
            self.log_total_sq = np.logaddexp(self.log_total_sq, log_chunk_sq)
        self.paths_seen += len(log_w)

    @property
    def effective_sample_size(self) -> FloatArray:
        """Per family: (sum w)^2 / sum w^2 over all paths seen."""
        assert self.log_total is not None and self.log_total_sq is not None
        return np.asarray(np.exp(2 * self.log_total - self.log_total_sq), dtype=np.float64)


def _chunk_values(chunk: Paths) -> dict[str, FloatArray]:
    """The kept quantities, family-major (families, months, paths) as stored."""

    def native(array: FloatArray) -> FloatArray:
        return np.transpose(array, (2, 1, 0))

    return {
        "stock": native(chunk.stock),
        "production": native(chunk.production),
        "imports": native(chunk.imports),
        "launches": native(chunk.launches),
        "shortfall": native(chunk.shortfall),
        "unmet": native(chunk.unmet),
    }


def _systematic(rng: np.random.Generator, probabilities: FloatArray, size: int) -> NDArray[np.intp]:
    positions = (rng.random() + np.arange(size)) / size
    cumulative = np.cumsum(probabilities)
    cumulative[-1] = 1.0
    return np.searchsorted(cumulative, positions, side="left")


@dataclass(frozen=True, slots=True, eq=False)
class RunResult:
    """A finished run: the weighted resample of all paths, and diagnostics."""

    params: StockFlowParams
    paths: int
    #: Resampled paths, each (slots, months, families) (months + 1 for stock).
    resample: dict[str, NDArray[np.float32]]
    #: Per family, in ``params.families`` order.
    effective_sample_size: FloatArray


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
    workers: int = 2,
    progress: Callable[[int], None] | None = None,
) -> RunResult:
    """Simulate ``paths`` paths in chunks; deterministic for a given seed and chunk size.

    Each chunk draws from its own stream (``SeedSequence.spawn``), the reservoir from
    another, and chunks are folded into the reservoir in order, so the result does not
    depend on ``workers`` (threads simulating the next chunk while one is folded; NumPy
    releases the GIL in its loops). Each worker has its own buffers: memory is
    ``workers`` x one chunk plus the reservoir. ``progress`` is called with the number
    of paths finished after each chunk.
    """
    check_paths(paths)
    if chunk_size <= 0 or reservoir_size <= 0 or workers <= 0:
        raise ParameterError("chunk_size, reservoir_size and workers must be positive")
    params.check()
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    chunks = -(-paths // chunk_size)
    reservoir_stream, *chunk_streams = root.spawn(chunks + 1)
    reservoir_rng = np.random.default_rng(reservoir_stream)
    reservoir = Reservoir(size=min(reservoir_size, paths))
    counts = [min(chunk_size, paths - i * chunk_size) for i in range(chunks)]
    slots = min(workers, chunks)
    workspaces = [
        Workspace(len(params.families), params.months, params.forecast_months, counts[0])
        for _ in range(slots)
    ]

    def simulate(index: int) -> Paths:
        workspace = workspaces[index % slots]
        return simulate_paths(
            params,
            np.random.default_rng(chunk_streams[index]),
            counts[index],
            workspace if counts[index] == workspace.paths else None,
        )

    done = 0
    with ThreadPoolExecutor(max_workers=slots) as pool:
        pending = {i: pool.submit(simulate, i) for i in range(slots)}
        for index in range(chunks):
            chunk = pending.pop(index).result()
            reservoir.add(chunk, reservoir_rng)
            # The chunk's buffers are free again only now: reuse them for chunk + slots.
            if index + slots < chunks:
                pending[index + slots] = pool.submit(simulate, index + slots)
            done += counts[index]
            if progress is not None:
                progress(done)
    return RunResult(
        params=params,
        paths=paths,
        resample={k: np.transpose(v, (2, 1, 0)) for k, v in reservoir.arrays.items()},
        effective_sample_size=reservoir.effective_sample_size,
    )
