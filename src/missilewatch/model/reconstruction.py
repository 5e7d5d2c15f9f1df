"""Joint Bayesian reconstruction of Russia's missile stocks (state-space model, NUTS).

Per stock pool p and history month t (stock at the end of the month):

    stock[t, p] = stock[t-1, p] + production[t, p] + imports[t, p]
                  - launches[t, p] - unreported_use[t, p],        stock >= 0

* ``production`` is positive, log-linear between quarterly knots that follow a random
  walk; its level and trend are informed, not fixed, by the production records. A
  ``suspended`` record makes it a real zero from its date; a pool that is not produced
  (the Kh-555, converted from a finite Soviet-era Kh-55 stock; the imported KN-23) says so
  with a ``suspended`` record dated at the start.
* ``imports`` exist only inside the windows of ``import_rate`` records; each window's
  monthly level is latent with its record as prior.
* ``unreported_use`` is what the Air Force's overnight reports (the ledger) do not count:
  front-line strikes, tests, failures on launch. Latent, non-negative, its rate per
  calendar year around a per-pool rate whose prior is the pool's ``other_losses_rate``
  record or ``DEFAULT_USE_SHARE`` of the family's ledger launch rate.
* ``launches`` are the ledger's. A ledger family that holds two pools (the Air Force
  reports Kh-101 and Kh-555 together) is split by a latent share that drifts by quarter:
  the ledger's count is observed as the sum of the two pools' launches, exactly.
* ``stock >= 0`` is part of the model, not a clamp: the joint prior is truncated to
  non-negative stocks, as a smooth step of width ``STOCK_FLOOR_SOFTNESS`` of a pool's
  monthly launch scale so that NUTS can move along the boundary.

Every record enters once, for what it names: ``initial_stock`` as the prior of a pool's
starting stock, ``import_rate`` as the prior of a delivery window, ``other_losses_rate``
as the prior of unreported use, ``stock`` and ``production_rate`` records as one
likelihood term each (by bound word, :mod:`missilewatch.inference.bounds`) on the sum of
what their subject names (a family, a pool, a class, or several joined by " + ").
:func:`build_problem` lists each record's use and each record it cannot use, with the
reason; nothing is dropped silently.

Pure: frozen records and arrays in, draws out; no files, clock or network.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final, NamedTuple

import numpy as np

from missilewatch.errors import ParameterError
from missilewatch.estimates.records import (
    STOCK_POOLS,
    SUSPENDED,
    Estimate,
)
from missilewatch.inference.bounds import Observation, observation_arrays

#: Bumped whenever the model's equations or priors change: part of the cache key.
MODEL_VERSION: Final = "reconstruction-1"

#: Prior of a pool's first production knot: log-normal around the family's mean ledger
#: launch rate with this standard deviation (a factor of e^1.5 = 4.5 either way).
PRODUCTION_LEVEL_SD: Final = 1.5
#: Random-walk step of log production between quarterly knots (one standard deviation).
PRODUCTION_STEP_SD: Final = 0.35
#: Default prior scale of unreported use (half-normal) as a share of the family's mean
#: ledger launch rate, for pools without an ``other_losses_rate`` record.
DEFAULT_USE_SHARE: Final = 0.5
#: Year-to-year variation of unreported use around its pool rate (log scale).
USE_YEAR_SD: Final = 0.5
#: Prior of the logit share of a merged ledger family's launches from its first pool.
SPLIT_LEVEL_SD: Final = 1.5
SPLIT_STEP_SD: Final = 0.5
#: Width of the smooth step that keeps stocks non-negative, as a share of a pool's mean
#: monthly ledger launches (at least one missile).
STOCK_FLOOR_SOFTNESS: Final = 0.05
#: Relative error of an ``approx`` stock or production record when it states none comes
#: from :data:`missilewatch.estimates.records.DEFAULT_RELATIVE_ERROR`.
#: Months between production knots.
KNOT_MONTHS: Final = 3

STOCK_TERM: Final = "stock"
PRODUCTION_TERM: Final = "production"


@dataclass(frozen=True)
class Term:
    """One likelihood term: the record, the pools summed, the months averaged."""

    record_id: str
    kind: str  # STOCK_TERM | PRODUCTION_TERM
    subject: str
    pools: tuple[int, ...]
    months: tuple[int, ...]
    observation: Observation
    as_of: date
    assumption: bool


@dataclass(frozen=True)
class RecordUse:
    """How one record is used (``role``) or why it is not (``reason``)."""

    record_id: str
    role: str  # "likelihood" | "prior" | "structural" | "not used"
    detail: str


@dataclass(frozen=True)
class Problem:
    """Everything the model needs, as frozen arrays and records."""

    months: tuple[str, ...]  # "YYYY-MM", history only
    families: tuple[str, ...]  # ledger families
    weapon_classes: tuple[str, ...]  # per ledger family
    pools: tuple[str, ...]
    pool_family: tuple[int, ...]  # ledger family index of each pool
    ledger_launches: np.ndarray  # (months, families)
    initial_log_mean: np.ndarray  # (pools,)
    initial_log_sd: np.ndarray  # (pools,)
    initial_zero: np.ndarray  # (pools,) bool: starts empty, exactly
    produced: np.ndarray  # (months, pools) 1.0 where production can be positive
    production_reference: np.ndarray  # (pools,) per-month scale of the production prior
    use_scale: np.ndarray  # (pools,) half-normal scale of the unreported-use rate
    use_log_mean: np.ndarray  # (pools,) log-normal mean where the prior is log-normal
    use_log_sd: np.ndarray  # (pools,)
    use_lognormal: np.ndarray  # (pools,) bool
    import_pool: np.ndarray  # (windows,)
    import_months: np.ndarray  # (windows, months) 1.0 inside the window
    import_log_mean: np.ndarray  # (windows,)
    import_log_sd: np.ndarray  # (windows,)
    import_open: np.ndarray  # (windows,) bool: the window runs on past the history
    split_family: np.ndarray  # (splits,) ledger family index
    split_pools: np.ndarray  # (splits, 2)
    terms: tuple[Term, ...]
    uses: tuple[RecordUse, ...]
    assumed: tuple[bool, ...] = field(default=())  # per pool: rests on an assumption

    @property
    def n_months(self) -> int:
        return len(self.months)

    def term_index(self, record_id: str) -> int:
        for index, term in enumerate(self.terms):
            if term.record_id == record_id:
                return index
        raise KeyError(record_id)

    def family_members(self, family: str) -> list[int]:
        f = self.families.index(family)
        return [p for p, owner in enumerate(self.pool_family) if owner == f]


# --- building the problem --------------------------------------------------------------------


def _month_number(day: date, origin: tuple[int, int]) -> int:
    return (day.year - origin[0]) * 12 + (day.month - origin[1])


def _stock_month(day: date, origin: tuple[int, int]) -> int:
    """A stock dated in the first half of a month is the stock at the end of the month
    before; later in the month, at the end of that month."""
    index = _month_number(day, origin)
    return index - 1 if day.day <= 15 else index


def _lognormal_from_band(low: float, central: float, high: float) -> tuple[float, float]:
    """Log-normal with median ``central`` and ``low..high`` as its 90% band (widest side)."""
    centre = math.log(max(central, 1e-3))
    spread = max(
        (centre - math.log(max(low, 1e-3))) / 1.645 if low > 0 else 0.0,
        (math.log(max(high, 1e-3)) - centre) / 1.645,
        0.05,
    )
    if low <= 0:
        spread = max(spread, 1.0)
    return centre, spread


def resolve_subject(
    record: Estimate,
    families: Sequence[str],
    classes: Sequence[str],
    pools: Sequence[str],
    pool_family: Sequence[int],
) -> tuple[int, ...] | str:
    """Pool indices a record's subject sums over, or the reason it names none modelled."""
    chosen: set[int] = set()
    for part in record.subjects:
        if part in pools:
            chosen.add(pools.index(part))
        elif part in families:
            f = families.index(part)
            chosen.update(p for p, owner in enumerate(pool_family) if owner == f)
        elif part in classes:
            members = {f for f, c in enumerate(classes) if c == part}
            chosen.update(p for p, owner in enumerate(pool_family) if owner in members)
            if not members:
                return f"class {part!r} has no modelled family"
        else:
            return f"{part!r} is not a modelled family, pool or class"
    if not chosen:
        return "names no modelled family"
    return tuple(sorted(chosen))


def build_problem(
    *,
    months: Sequence[str],
    families: Sequence[str],
    weapon_classes: Sequence[str],
    ledger_launches: np.ndarray,
    records: Sequence[Estimate],
) -> Problem:
    """Pools, priors and likelihood terms from the ledger's monthly launches and records.

    ``months`` are the history months ("YYYY-MM"); ``ledger_launches`` has shape
    (months, families). Raises :class:`ParameterError` naming file, id and field for a
    Russian-side record whose subject names no modelled family.
    """
    launches = np.asarray(ledger_launches, dtype=np.float64)
    if launches.shape != (len(months), len(families)):
        raise ParameterError("ledger launches must have shape (months, families)")
    if np.any(launches < 0):
        raise ParameterError("ledger launches must be non-negative")
    origin = (int(months[0][:4]), int(months[0][5:7]))
    n_months = len(months)
    pools: list[str] = []
    pool_family: list[int] = []
    for f, family in enumerate(families):
        for pool in STOCK_POOLS.get(family, (family,)):
            pools.append(pool)
            pool_family.append(f)
    n_pools = len(pools)
    family_rate = np.maximum(launches.mean(axis=0), 0.5)
    pool_rate = np.array(
        [family_rate[f] / len(STOCK_POOLS.get(families[f], (None,))) for f in pool_family]
    )
    uses: list[RecordUse] = []
    terms: list[Term] = []

    def subject_of(record: Estimate) -> tuple[int, ...] | None:
        resolved = resolve_subject(record, families, weapon_classes, pools, pool_family)
        if isinstance(resolved, str):
            raise ParameterError(
                f"{record.origin}: estimate {record.id!r}: field 'subject': {resolved} "
                f"(modelled: {', '.join(pools)})"
            )
        return resolved

    initial_mean = np.zeros(n_pools)
    initial_sd = np.ones(n_pools)
    initial_zero = np.zeros(n_pools, dtype=bool)
    initial_seen = np.zeros(n_pools, dtype=bool)
    assumed = np.zeros(n_pools, dtype=bool)
    produced = np.ones((n_months, n_pools))
    use_scale = DEFAULT_USE_SHARE * pool_rate
    use_mean = np.zeros(n_pools)
    use_sd = np.ones(n_pools)
    use_lognormal = np.zeros(n_pools, dtype=bool)
    use_seen = np.zeros(n_pools, dtype=bool)
    import_pool: list[int] = []
    import_months: list[np.ndarray] = []
    import_mean: list[float] = []
    import_sd: list[float] = []
    import_open: list[bool] = []
    history_end = n_months - 1

    for record in sorted(records, key=lambda r: (r.as_of, r.id)):
        if record.quantity == "initial_stock":
            members = subject_of(record)
            assert members is not None
            if len(members) != 1:
                raise ParameterError(
                    f"{record.origin}: estimate {record.id!r}: field 'subject': an initial "
                    "stock names one family or pool"
                )
            p = members[0]
            if record.high <= 0:
                initial_zero[p] = True
            else:
                initial_mean[p], initial_sd[p] = _lognormal_from_band(
                    record.low, record.central, record.high
                )
            initial_seen[p] = True
            assumed[p] |= record.assumption
            uses.append(RecordUse(record.id, "prior", f"initial stock of {pools[p]}"))
        elif record.quantity == "other_losses_rate":
            members = subject_of(record)
            assert members is not None
            low, central, high = record.per_month()
            for p in members:
                if low > 0:
                    use_mean[p], use_sd[p] = _lognormal_from_band(low, central, high)
                    use_lognormal[p] = True
                else:
                    use_scale[p] = max(high / 1.96, 0.1)
                    use_lognormal[p] = False
                use_seen[p] = True
                assumed[p] |= record.assumption
            uses.append(
                RecordUse(
                    record.id,
                    "prior",
                    "unreported use of " + ", ".join(pools[p] for p in members),
                )
            )
        elif record.quantity == "import_rate":
            members = subject_of(record)
            assert members is not None
            if len(members) != 1:
                raise ParameterError(
                    f"{record.origin}: estimate {record.id!r}: field 'subject': imports name "
                    "one family or pool"
                )
            start = max(_month_number(record.valid_from, origin), 0) if record.valid_from else 0
            end = (
                min(_month_number(record.valid_to, origin), history_end)
                if record.valid_to
                else history_end
            )
            if start > history_end or end < 0:
                uses.append(RecordUse(record.id, "not used", "delivery window outside the history"))
                continue
            window = np.zeros(n_months)
            window[start : end + 1] = 1.0
            low, central, high = record.per_month()
            mean, sd = _lognormal_from_band(low, central, high)
            import_pool.append(members[0])
            import_months.append(window)
            import_mean.append(mean)
            import_sd.append(sd)
            import_open.append(record.valid_to is None)
            assumed[members[0]] |= record.assumption
            uses.append(
                RecordUse(record.id, "prior", f"imports of {pools[members[0]]} in the window")
            )
        elif record.quantity == "production_rate" and record.bound == SUSPENDED:
            members = subject_of(record)
            assert members is not None
            start = max(_month_number(record.as_of, origin), 0)
            for p in members:
                produced[start:, p] = 0.0
            uses.append(
                RecordUse(
                    record.id,
                    "structural",
                    f"production of {', '.join(pools[p] for p in members)} is zero "
                    f"from {record.as_of}",
                )
            )
        elif record.quantity in ("stock", "production_rate"):
            members = subject_of(record)
            assert members is not None
            if record.quantity == "stock":
                month = _stock_month(record.as_of, origin)
                if month < 0 or month > history_end:
                    uses.append(
                        RecordUse(
                            record.id,
                            "not used",
                            f"dated {record.as_of}, outside the ledger's history "
                            f"({months[0]}..{months[-1]})",
                        )
                    )
                    continue
                window_months: tuple[int, ...] = (month,)
                scale = 1.0
                kind = STOCK_TERM
            else:
                if record.valid_from is not None and record.valid_to is not None:
                    first = _month_number(record.valid_from, origin)
                    last = _month_number(record.valid_to, origin)
                elif record.assumption:
                    # An assumed rate with no window describes the whole history's mean.
                    first, last = 0, history_end
                else:
                    first = last = _month_number(record.as_of, origin)
                first, last = max(first, 0), min(last, history_end)
                if first > last:
                    uses.append(
                        RecordUse(
                            record.id,
                            "not used",
                            f"describes output outside the ledger's history "
                            f"({months[0]}..{months[-1]})",
                        )
                    )
                    continue
                window_months = tuple(range(first, last + 1))
                scale = 1.0 / record.months_per_period
                kind = PRODUCTION_TERM
            observation = Observation.from_record(record, scale=scale)
            terms.append(
                Term(
                    record_id=record.id,
                    kind=kind,
                    subject=record.subject,
                    pools=members,
                    months=window_months,
                    observation=observation,
                    as_of=record.as_of,
                    assumption=record.assumption,
                )
            )
            where = months[window_months[0]]
            if len(window_months) > 1:
                where += f"..{months[window_months[-1]]}"
            uses.append(
                RecordUse(
                    record.id,
                    "likelihood",
                    f"{record.bound} on {kind} of {' + '.join(pools[p] for p in members)} "
                    f"({where})",
                )
            )
        elif record.quantity in ("time_in_stock", "pool_stock"):
            uses.append(
                RecordUse(
                    record.id,
                    "not used",
                    "context only: "
                    + (
                        "Little's-law evidence (implied_stock)"
                        if record.quantity == "time_in_stock"
                        else "the whole weapon pool, not the stock the family draws on"
                    ),
                )
            )
    missing = [pools[p] for p in range(n_pools) if not initial_seen[p]]
    if missing:
        raise ParameterError(
            "estimates: no initial_stock record for " + ", ".join(missing) + " (each modelled "
            "family and pool needs one)"
        )
    for p in range(n_pools):
        if not use_seen[p]:
            assumed[p] = True  # the default prior is an assumption
    splits = [
        (f, [p for p, owner in enumerate(pool_family) if owner == f])
        for f, family in enumerate(families)
        if family in STOCK_POOLS
    ]
    return Problem(
        months=tuple(months),
        families=tuple(families),
        weapon_classes=tuple(weapon_classes),
        pools=tuple(pools),
        pool_family=tuple(pool_family),
        ledger_launches=launches,
        initial_log_mean=initial_mean,
        initial_log_sd=initial_sd,
        initial_zero=initial_zero,
        produced=produced,
        production_reference=pool_rate,
        use_scale=use_scale,
        use_log_mean=use_mean,
        use_log_sd=use_sd,
        use_lognormal=use_lognormal,
        import_pool=np.array(import_pool, dtype=np.int32),
        import_months=np.array(import_months).reshape(len(import_pool), n_months),
        import_log_mean=np.array(import_mean),
        import_log_sd=np.array(import_sd),
        import_open=np.array(import_open, dtype=bool),
        split_family=np.array([f for f, _ in splits], dtype=np.int32),
        split_pools=np.array([members[:2] for _, members in splits], dtype=np.int32).reshape(
            len(splits), 2
        ),
        terms=tuple(terms),
        uses=tuple(uses),
        assumed=tuple(bool(a) for a in assumed),
    )


# --- the model -------------------------------------------------------------------------------


class ModelData(NamedTuple):
    """The problem as arrays (a JAX pytree): one compiled model serves every problem of
    the same shapes, and a refit that drops a record only changes ``term_weight``."""

    pool_launch_base: Any  # (months, pools) ledger launches of the pool's family
    split_family_launches: Any  # (months, splits)
    split_first: Any  # (splits,) int
    split_second: Any  # (splits,) int
    initial_log_mean: Any
    initial_log_sd: Any
    initial_nonzero: Any  # (pools,) 0/1
    produced: Any
    log_reference: Any
    knot_matrix: Any  # (months, knots)
    year_matrix: Any  # (months, years)
    use_scale: Any
    use_log_mean: Any
    use_log_sd: Any
    use_lognormal: Any  # 0/1
    import_onehot: Any  # (windows, pools)
    import_months: Any  # (windows, months)
    import_log_mean: Any
    import_log_sd: Any
    floor_softness: Any  # (pools,)
    term_pools: Any  # (terms, pools) 0/1
    term_months: Any  # (terms, months) averaging weights
    term_is_stock: Any  # (terms,) 0/1
    term_code: Any
    term_log_low: Any
    term_log_central: Any
    term_log_high: Any
    term_error: Any
    term_weight: Any  # (terms,) 1 = in the fit, 0 = left out


def _knot_matrix(n_months: int, spacing: int) -> np.ndarray:
    knots = np.arange(0, n_months - 1 + spacing, spacing, dtype=np.float64)
    if knots[-1] < n_months - 1:
        knots = np.append(knots, n_months - 1)
    grid = np.arange(n_months, dtype=np.float64)
    matrix = np.zeros((n_months, len(knots)))
    for k in range(len(knots)):
        basis = np.zeros(len(knots))
        basis[k] = 1.0
        matrix[:, k] = np.interp(grid, knots, basis)
    return matrix


def _year_matrix(months: Sequence[str]) -> np.ndarray:
    years = sorted({m[:4] for m in months})
    matrix = np.zeros((len(months), len(years)))
    for t, month in enumerate(months):
        matrix[t, years.index(month[:4])] = 1.0
    return matrix


def model_data(problem: Problem, *, left_out: Sequence[str] = ()) -> ModelData:
    """Arrays for :func:`reconstruction_model`; ``left_out`` record ids get weight 0."""
    n_months, n_pools = problem.n_months, len(problem.pools)
    base = problem.ledger_launches[:, list(problem.pool_family)]
    split_first = problem.split_pools[:, 0] if len(problem.split_pools) else np.zeros(0, int)
    split_second = problem.split_pools[:, 1] if len(problem.split_pools) else np.zeros(0, int)
    windows = len(problem.import_pool)
    onehot = np.zeros((max(windows, 1), n_pools))
    months_mask = np.zeros((max(windows, 1), n_months))
    log_mean = np.zeros(max(windows, 1))
    log_sd = np.ones(max(windows, 1))
    for w in range(windows):
        onehot[w, problem.import_pool[w]] = 1.0
        months_mask[w] = problem.import_months[w]
        log_mean[w] = problem.import_log_mean[w]
        log_sd[w] = problem.import_log_sd[w]
    terms = problem.terms
    n_terms = max(len(terms), 1)
    term_pools = np.zeros((n_terms, n_pools))
    term_months = np.zeros((n_terms, n_months))
    is_stock = np.zeros(n_terms)
    weight = np.zeros(n_terms)
    for i, term in enumerate(terms):
        term_pools[i, list(term.pools)] = 1.0
        term_months[i, list(term.months)] = 1.0 / len(term.months)
        is_stock[i] = 1.0 if term.kind == STOCK_TERM else 0.0
        weight[i] = 0.0 if term.record_id in left_out else 1.0
    unknown = set(left_out) - {term.record_id for term in terms}
    if unknown:
        raise ParameterError(f"left out: no likelihood term for {', '.join(sorted(unknown))}")
    if terms:
        arrays = observation_arrays([term.observation for term in terms])
        code, low, central, high, error = (
            arrays.code,
            arrays.log_low,
            arrays.log_central,
            arrays.log_high,
            arrays.error,
        )
    else:
        code = np.zeros(1, np.int32)
        low = central = high = np.zeros(1)
        error = np.ones(1)
    softness = np.maximum(STOCK_FLOOR_SOFTNESS * problem.production_reference, 1.0)
    return ModelData(
        pool_launch_base=base,
        split_family_launches=problem.ledger_launches[:, problem.split_family]
        if len(problem.split_family)
        else np.zeros((n_months, 0)),
        split_first=split_first.astype(np.int32),
        split_second=split_second.astype(np.int32),
        initial_log_mean=problem.initial_log_mean,
        initial_log_sd=problem.initial_log_sd,
        initial_nonzero=(~problem.initial_zero).astype(np.float64),
        produced=problem.produced,
        log_reference=np.log(problem.production_reference),
        knot_matrix=_knot_matrix(n_months, KNOT_MONTHS),
        year_matrix=_year_matrix(problem.months),
        use_scale=problem.use_scale,
        use_log_mean=problem.use_log_mean,
        use_log_sd=problem.use_log_sd,
        use_lognormal=problem.use_lognormal.astype(np.float64),
        import_onehot=onehot,
        import_months=months_mask,
        import_log_mean=log_mean,
        import_log_sd=log_sd,
        floor_softness=softness,
        term_pools=term_pools,
        term_months=term_months,
        term_is_stock=is_stock,
        term_code=code,
        term_log_low=low,
        term_log_central=central,
        term_log_high=high,
        term_error=error,
        term_weight=weight,
    )


def reconstruction_model(data: ModelData) -> None:
    """The NumPyro model (see the module docstring for the equations)."""
    import jax
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist

    from missilewatch.inference.bounds import log_likelihood_arrays

    n_pools = data.produced.shape[1]
    n_knots = data.knot_matrix.shape[1]
    n_years = data.year_matrix.shape[1]
    n_splits = data.split_first.shape[0]

    # Initial stock: log-normal from its record, or exactly zero.
    initial_z = numpyro.sample("initial_z", dist.Normal(0.0, 1.0).expand([n_pools]))
    initial = data.initial_nonzero * jnp.exp(
        data.initial_log_mean + data.initial_log_sd * initial_z
    )

    # Production: random walk of log production over quarterly knots.
    knot_z = numpyro.sample("production_z", dist.Normal(0.0, 1.0).expand([n_knots, n_pools]))
    steps = jnp.concatenate(
        [PRODUCTION_LEVEL_SD * knot_z[:1], PRODUCTION_STEP_SD * knot_z[1:]], axis=0
    )
    log_knots = data.log_reference + jnp.cumsum(steps, axis=0)
    production = jnp.exp(data.knot_matrix @ log_knots) * data.produced

    # Imports: one latent level per delivery window.
    import_z = numpyro.sample(
        "import_z", dist.Normal(0.0, 1.0).expand([data.import_log_mean.shape[0]])
    )
    import_level = jnp.exp(data.import_log_mean + data.import_log_sd * import_z)
    imports = jnp.einsum("wt,wp,w->tp", data.import_months, data.import_onehot, import_level)

    # Unreported use: a pool rate (half-normal or log-normal prior) varying by year.
    use_raw = numpyro.sample("use_raw", dist.HalfNormal(1.0).expand([n_pools]))
    use_z = numpyro.sample("use_z", dist.Normal(0.0, 1.0).expand([n_pools]))
    rate = jnp.where(
        data.use_lognormal > 0,
        jnp.exp(data.use_log_mean + data.use_log_sd * use_z),
        data.use_scale * use_raw,
    )
    year_z = numpyro.sample("use_year_z", dist.Normal(0.0, 1.0).expand([n_years, n_pools]))
    year_factor = jnp.exp(USE_YEAR_SD * year_z - 0.5 * USE_YEAR_SD**2)
    unreported = rate * (data.year_matrix @ year_factor)

    # Launches: the ledger's; a merged family split between its pools by a latent share.
    launches = data.pool_launch_base
    if n_splits:
        split_z = numpyro.sample("split_z", dist.Normal(0.0, 1.0).expand([n_knots, n_splits]))
        logit = jnp.cumsum(
            jnp.concatenate([SPLIT_LEVEL_SD * split_z[:1], SPLIT_STEP_SD * split_z[1:]], axis=0),
            axis=0,
        )
        share = jax.nn.sigmoid(data.knot_matrix @ logit)  # (months, splits)
        launches = launches.at[:, data.split_first].set(share * data.split_family_launches)
        launches = launches.at[:, data.split_second].set((1.0 - share) * data.split_family_launches)
        numpyro.deterministic("split_share", share)

    flow = production + imports - launches - unreported
    stock = initial + jnp.cumsum(flow, axis=0)
    # The prior truncated to non-negative stocks (smooth step; see STOCK_FLOOR_SOFTNESS).
    numpyro.factor(
        "stock_floor",
        jnp.sum(jax.nn.log_sigmoid(stock / data.floor_softness)),
    )

    # Likelihood: one term per record, on the sum of the pools it names.
    stock_values = jnp.einsum("nt,tp,np->n", data.term_months, stock, data.term_pools)
    production_values = jnp.einsum("nt,tp,np->n", data.term_months, production, data.term_pools)
    predicted = jnp.where(data.term_is_stock > 0, stock_values, production_values)
    loglik = log_likelihood_arrays(
        data.term_code,
        data.term_log_low,
        data.term_log_central,
        data.term_log_high,
        data.term_error,
        predicted,
    )
    numpyro.factor("records", jnp.sum(data.term_weight * loglik))

    numpyro.deterministic("initial_stock", initial)
    numpyro.deterministic("stock", stock)
    numpyro.deterministic("production", production)
    numpyro.deterministic("imports", imports)
    numpyro.deterministic("unreported_use", unreported)
    numpyro.deterministic("launches", launches)
    numpyro.deterministic("term_value", predicted)
    numpyro.deterministic("term_loglik", loglik)


#: Quantities kept from a fit (the latent normals are not needed after it).
KEPT: Final = (
    "initial_stock",
    "stock",
    "production",
    "imports",
    "unreported_use",
    "launches",
    "term_value",
    "term_loglik",
    "split_share",
)


def keep_quantities(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: values[name] for name in KEPT if name in values}


def fit(
    problem: Problem,
    settings: Any = None,
    *,
    left_out: Sequence[str] = (),
    progress: Any = None,
) -> Any:
    """NUTS fit of the problem; returns :class:`missilewatch.inference.Draws`."""
    import jax.numpy as jnp

    from missilewatch.inference import SamplerSettings, no_progress, run_nuts

    data = model_data(problem, left_out=left_out)
    arrays = ModelData(*(jnp.asarray(value) for value in data))
    return run_nuts(
        reconstruction_model,
        (arrays,),
        settings if settings is not None else SamplerSettings(),
        progress=progress if progress is not None else no_progress,
        keep=keep_quantities,
    )
