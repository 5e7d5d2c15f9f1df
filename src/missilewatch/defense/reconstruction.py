"""Ukraine's interceptor stocks reconstructed from the record (NumPyro state-space model).

Pure code: frozen inputs (arrays and likelihood terms built from the ledger and the
estimates by :mod:`missilewatch.defense.history`) in, posterior draws out. No I/O.

The state is the stock of each counted interceptor type at each month end::

    available[k, t] = stock[k, t-1] + deliveries[k, t]
    fired[k, t]     = interceptors fired at the month's engaged targets (<= available)
    stock[k, t]     = available[k, t] - fired[k, t]                      (>= 0 always)

**Inflows.** Deliveries are a latent non-negative monthly rate per type and half-year
(log-normal prior from the maker's output times the share for Ukraine, both assumption
records) plus the dated packages of the delivery records: each package's size is latent
and the record's bound word gives its likelihood ("exact 32", "about 90", "planned 68"),
spread evenly over the months of its window and split among the types of its subject
("Patriot interceptors": PAC-3 MSE and PAC-2 GEM-T) by a latent share. The makers'
output per calendar year is a soft ceiling on what Ukraine received of each type.

**Outflows.** Per month and threat group (ballistic-capable: ballistic + aeroballistic;
cruise), the ledger gives missiles launched ``n`` and destroyed ``d``. With its stocks
full, the defense would destroy a share ``theta`` (latent per group and year, prior from
the ledger's beta-binomial calibration). A destroyed missile was engaged, and so were the
missed ones: ``engaged = n * theta / sum_k(share_k * P_kill_k)``, where ``share_k`` (latent,
per group: which type took a target) splits the engaged targets among the types able to
engage that threat, and ``P_kill_k = 1 - (1 - pk_k)^shots_k`` is the chance that the type's
``shots_k`` interceptors (latent doctrine) destroy the target. A type fires
``shots_k * engaged * share_k`` interceptors, at most what it has (a smooth minimum);
targets it cannot serve overflow to the group's other types in proportion to what they
have left. The destroyed share then is ``served kills / n``, below ``theta`` when the
stock runs short: a month with no stock has (near) no intercepts, so the ledger's
intercept rate is evidence about the stock. ``d`` is beta-binomial around that share with
the month's concentration ``(c + 1) * attacks - 1`` (``c``: the per-attack beta-binomial
concentration; the mean of ``attacks`` attacks, moment-matched).

**Stock statements** ("running very low", "launchers stood empty") are ceilings on the
stock at the month end nearest their date, with the stated looseness.

Layers without a counted stock ("other means": guns, mobile fire groups, electronic
warfare, interceptor drones) take their share of targets without limit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
from numpyro.infer import MCMC, NUTS, init_to_median

from missilewatch.errors import ParameterError
from missilewatch.inference.bounds import Observation, record_log_likelihood

#: Sharpness of the smooth minimum between demand and stock (higher: closer to min()).
SMOOTH_MIN_POWER: Final = 4.0
#: Logit-scale spread of the yearly "stocks full" intercept share around the calibration.
THETA_LOGIT_SD: Final = 0.75
#: Log-scale spread of the latent monthly delivery rate around its prior median.
DELIVERY_LOG_SD: Final = 1.0
#: Log-scale spread of a package's size before its record's likelihood (wide on purpose).
PACKAGE_LOG_SD: Final = 1.5
#: Concentration of the Dirichlet prior on which type takes a group's targets.
SHARE_CONCENTRATION: Final = 4.0
#: Stand-in stock of an untracked layer: never the limit.
UNLIMITED: Final = 1e9
#: A month runs short when the stock can serve less than this share of its engaged
#: targets at the doctrine's shots.
SHORT_SERVED_SHARE: Final = 0.5
_EPS: Final = 1e-6


# ---------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TypePrior:
    """Priors for one interceptor type (from the estimates records named in ``records``).

    ``initial_stock`` and ``delivery_per_month`` are (median, log-scale sd) of log-normals;
    ``shots`` and ``kill`` are (low, central, high) of the doctrine and single-shot kill
    probability against the type's threat group.
    """

    name: str
    group: str
    tracked: bool
    initial_stock: tuple[float, float]
    delivery_per_month: tuple[float, float]
    shots: tuple[float, float, float]
    kill: tuple[float, float, float]
    share_weight: float
    records: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GroupRecord:
    """The ledger's monthly counts of one threat group and its calibration prior."""

    name: str
    launched: np.ndarray
    destroyed: np.ndarray
    attacks: np.ndarray
    #: Per-attack beta-binomial concentration alpha + beta.
    concentration: float
    #: Missile-weighted intercept share of the calibration window (prior mean of theta).
    rate: float


@dataclass(frozen=True, slots=True)
class Package:
    """One dated delivery record: its likelihood, the types it may be, its months."""

    observation: Observation
    types: tuple[int, ...]
    months: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class StockBound:
    """A bound on the summed stock of ``types`` at the end of month ``month`` (-1: start)."""

    observation: Observation
    types: tuple[int, ...]
    month: int


@dataclass(frozen=True, slots=True)
class Ceiling:
    """Deliveries of type ``type_index`` over ``months`` are at most the maker's output."""

    observation: Observation
    type_index: int
    months: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ReconstructionInputs:
    """Everything the model needs, as plain arrays and frozen records.

    Attributes:
        months: month labels ``YYYY-MM`` (the first is the first month of the fit).
        types: one prior per interceptor type (tracked and untracked).
        groups: threat groups, each with the ledger's monthly counts.
        periods: delivery-rate period of each month (int, 0..n_periods-1).
        period_labels: label of each period (``2024H1``).
        years: calendar year index of each month (for theta), 0..n_years-1.
        year_labels: the years.
        packages, stock_bounds, ceilings: likelihood terms from the estimates.
    """

    months: tuple[str, ...]
    types: tuple[TypePrior, ...]
    groups: tuple[GroupRecord, ...]
    periods: np.ndarray
    period_labels: tuple[str, ...]
    years: np.ndarray
    year_labels: tuple[int, ...]
    packages: tuple[Package, ...] = ()
    stock_bounds: tuple[StockBound, ...] = ()
    ceilings: tuple[Ceiling, ...] = ()

    @property
    def tracked(self) -> tuple[int, ...]:
        return tuple(i for i, t in enumerate(self.types) if t.tracked)

    @property
    def tracked_names(self) -> tuple[str, ...]:
        return tuple(self.types[i].name for i in self.tracked)

    def group_types(self, group: str) -> tuple[int, ...]:
        return tuple(i for i, t in enumerate(self.types) if t.group == group)

    def check(self) -> None:
        months = len(self.months)
        for group in self.groups:
            for name in ("launched", "destroyed", "attacks"):
                values = getattr(group, name)
                if values.shape != (months,):
                    raise ParameterError(
                        f"reconstruction: {group.name} {name} has shape {values.shape}, "
                        f"expected ({months},)"
                    )
            if np.any(group.destroyed > group.launched) or np.any(group.launched < 0):
                raise ParameterError(f"reconstruction: {group.name}: needs 0 <= d <= n")
            members = self.group_types(group.name)
            if not members:
                raise ParameterError(f"reconstruction: no interceptor type engages {group.name}")
            if not all(self.types[i].tracked for i in members):
                raise ParameterError(
                    f"reconstruction: {group.name}: every type of a fitted group needs a "
                    "counted stock"
                )
        for prior in self.types:
            if prior.shots[0] < 1:
                raise ParameterError(f"{prior.name}: shots per target must be at least 1")
            if not 0 < prior.kill[0] <= prior.kill[2] <= 1:
                raise ParameterError(f"{prior.name}: kill probability must lie in (0, 1]")


# ---------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------


def smooth_min(demand: jnp.ndarray, available: jnp.ndarray) -> jnp.ndarray:
    """A smooth minimum of two non-negative numbers that never exceeds either.

    ``(x^-p + y^-p)^(-1/p)``, computed relative to the smaller of the two so that the
    powers stay in [0, 1].
    """
    p = SMOOTH_MIN_POWER
    x = demand + _EPS
    y = available + _EPS
    smaller = jnp.minimum(x, y)
    return smaller * ((x / smaller) ** -p + (y / smaller) ** -p) ** (-1.0 / p)


def _beta_from_range(low: float, central: float, high: float) -> tuple[float, float]:
    """Beta(a, b) with mean ``central`` and about 90% of its mass within [low, high]."""
    mean = min(max(central, 1e-3), 1 - 1e-3)
    sd = max((high - low) / 3.3, 0.02)
    concentration = max(mean * (1 - mean) / sd**2 - 1.0, 2.0)
    return mean * concentration, (1 - mean) * concentration


def _serve(
    demand_targets: jnp.ndarray,
    shots: jnp.ndarray,
    p_kill: jnp.ndarray,
    available: jnp.ndarray,
    share: jnp.ndarray,
) -> tuple[jnp.ndarray, jnp.ndarray]:
    """Interceptors fired per type and kills expected, with overflow to the other types.

    ``demand_targets``: engaged targets of the group this month (scalar); the rest are per
    type of the group (``p_kill``: the chance that one target's shots destroy it).
    """
    wanted = shots * demand_targets * share
    first = smooth_min(wanted, available)
    unmet_targets = jnp.sum((wanted - first) / shots)
    left = available - first
    weight = share * left
    weight = weight / (jnp.sum(weight) + _EPS)
    second = smooth_min(shots * unmet_targets * weight, left)
    fired = first + second
    kills = jnp.sum(fired / shots * p_kill)
    return fired, kills


def model(inputs: ReconstructionInputs, predict: bool = False) -> None:
    """The NumPyro model (see the module docstring)."""
    n_months = len(inputs.months)
    tracked = inputs.tracked
    n_tracked = len(tracked)
    n_periods = len(inputs.period_labels)
    n_years = len(inputs.year_labels)
    position = {type_index: slot for slot, type_index in enumerate(tracked)}

    stock_median = np.array([inputs.types[i].initial_stock[0] for i in tracked])
    stock_sd = np.array([inputs.types[i].initial_stock[1] for i in tracked])
    # Non-centred: standard normals scaled in the model, which NUTS explores far better
    # than log-normals whose scale the data barely pins down.
    initial_z = numpyro.sample(
        "initial_stock_z", dist.Normal(jnp.zeros(n_tracked), 1.0).to_event(1)
    )
    initial = numpyro.deterministic("initial_stock", stock_median * jnp.exp(stock_sd * initial_z))
    delivery_median = np.array([inputs.types[i].delivery_per_month[0] for i in tracked])
    delivery_sd = np.array([inputs.types[i].delivery_per_month[1] for i in tracked])
    rate_z = numpyro.sample(
        "delivery_rate_z", dist.Normal(jnp.zeros((n_tracked, n_periods)), 1.0).to_event(2)
    )
    rate = numpyro.deterministic(
        "delivery_rate", delivery_median[:, None] * jnp.exp(delivery_sd[:, None] * rate_z)
    )
    deliveries = rate[:, inputs.periods]  # (tracked, months)

    for j, package in enumerate(inputs.packages):
        obs = package.observation
        size_z = numpyro.sample(f"package_{j}_z", dist.Normal(0.0, 1.0))
        size = numpyro.deterministic(
            f"package_{j}", max(obs.central, 1.0) * jnp.exp(PACKAGE_LOG_SD * size_z)
        )
        numpyro.factor(f"package_{j}_record", record_log_likelihood(obs, size))
        slots = np.array([position[i] for i in package.types if i in position])
        if len(slots) > 1:
            split = numpyro.sample(f"package_{j}_split", dist.Dirichlet(jnp.ones(len(slots))))
        else:
            split = jnp.ones(1)
        spread = np.zeros((len(slots), n_months))
        spread[:, np.array(package.months)] = 1.0 / len(package.months)
        deliveries = deliveries.at[slots].add(size * split[:, None] * spread)

    shots_list = []
    kill_list = []
    for index, prior in enumerate(inputs.types):
        low, central, high = prior.shots
        if high > low:
            shots_i = numpyro.sample(
                f"shots_{index}",
                dist.TruncatedNormal(central, max((high - low) / 2, 0.25), low=1.0, high=6.0),
            )
        else:
            shots_i = jnp.asarray(float(central))
        a, b = _beta_from_range(*prior.kill)
        kill_list.append(numpyro.sample(f"kill_{index}", dist.Beta(a, b)))
        shots_list.append(shots_i)
    shots_all = jnp.stack(shots_list)
    kill_all = jnp.stack(kill_list)

    stocks = jnp.zeros((n_months, n_tracked))
    fired = jnp.zeros((n_months, n_tracked))
    rates = []
    for g, group in enumerate(inputs.groups):
        members = np.array(inputs.group_types(group.name))
        slots = np.array([position[i] for i in members])
        weights = np.array([inputs.types[i].share_weight for i in members])
        if len(members) > 1:
            share = numpyro.sample(
                f"share_{g}", dist.Dirichlet(SHARE_CONCENTRATION * weights / weights.sum())
            )
        else:
            share = jnp.ones(1)
        rate_mean = min(max(group.rate, 0.01), 0.99)
        theta_logit = numpyro.sample(
            f"theta_{g}",
            dist.Normal(
                jnp.full(n_years, math.log(rate_mean / (1 - rate_mean))), THETA_LOGIT_SD
            ).to_event(1),
        )
        theta = numpyro.deterministic(f"theta_share_{g}", jax.nn.sigmoid(theta_logit))
        shots = shots_all[members]
        p_kill = 1.0 - (1.0 - kill_all[members]) ** shots
        targets_per_missile = theta / jnp.sum(share * p_kill)  # (years,)

        def step(
            stock: jnp.ndarray,
            month: tuple[jnp.ndarray, jnp.ndarray, jnp.ndarray],
            shots: jnp.ndarray = shots,
            p_kill: jnp.ndarray = p_kill,
            share: jnp.ndarray = share,
            targets_per_missile: jnp.ndarray = targets_per_missile,
        ) -> tuple[jnp.ndarray, tuple[jnp.ndarray, jnp.ndarray, jnp.ndarray]]:
            launched, year, arriving = month
            available = stock + arriving
            engaged = launched * targets_per_missile[year]
            spent, kills = _serve(engaged, shots, p_kill, available, share)
            left = jnp.maximum(available - spent, 0.0)
            share_destroyed = jnp.clip(kills / jnp.maximum(launched, 1.0), 1e-4, 0.9999)
            return left, (left, spent, share_destroyed)

        month_inputs = (
            jnp.asarray(group.launched, dtype=jnp.float32),
            jnp.asarray(inputs.years),
            deliveries[slots].T,
        )
        _, (group_stock, group_fired, group_rate) = jax.lax.scan(step, initial[slots], month_inputs)
        stocks = stocks.at[:, slots].set(group_stock)
        fired = fired.at[:, slots].set(group_fired)
        rates.append(group_rate)
    rates_array = jnp.stack(rates, axis=1)  # (months, groups)
    numpyro.deterministic("stock", stocks.T)
    numpyro.deterministic("fired", fired.T)
    numpyro.deterministic("deliveries", deliveries)
    numpyro.deterministic("destroyed_share", rates_array.T)

    for g, group in enumerate(inputs.groups):
        observed = group.launched > 0
        if not observed.any():
            continue
        idx = np.flatnonzero(observed)
        concentration = np.maximum((group.concentration + 1.0) * group.attacks[idx] - 1.0, 0.5)
        mean = rates_array[idx, g]
        numpyro.sample(
            f"destroyed_{g}",
            dist.BetaBinomial(
                mean * concentration, (1 - mean) * concentration, total_count=group.launched[idx]
            ),
            obs=None if predict else group.destroyed[idx],
        )

    with_start = jnp.concatenate([initial[None, :], stocks], axis=0)  # (months + 1, tracked)
    for j, bound in enumerate(inputs.stock_bounds):
        slots = np.array([position[i] for i in bound.types if i in position])
        predicted = jnp.sum(with_start[bound.month + 1, slots])
        numpyro.factor(f"stock_bound_{j}", record_log_likelihood(bound.observation, predicted))
    for j, ceiling in enumerate(inputs.ceilings):
        slot = position[ceiling.type_index]
        predicted = jnp.sum(deliveries[slot, np.array(ceiling.months)])
        numpyro.factor(f"ceiling_{j}", record_log_likelihood(ceiling.observation, predicted))


# ---------------------------------------------------------------------------------------
# Fitting
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FitSettings:
    """NUTS settings: chains run one after the other (the machine is shared)."""

    chains: int = 2
    warmup: int = 400
    samples: int = 400
    seed: int = 0
    target_accept: float = 0.9
    max_tree_depth: int = 8


@dataclass(frozen=True, slots=True)
class Reconstruction:
    """Posterior draws of the reconstruction (chains flattened, draw axis first).

    Attributes:
        inputs: what was fitted.
        stock, fired, deliveries: (draws, tracked types, months); stock at month end.
        destroyed_share: (draws, groups, months) expected destroyed share.
        initial_stock: (draws, tracked types).
        shots, kill: (draws, types) doctrine and single-shot kill probability.
        share: group name -> (draws, group types) which type takes a target.
        theta: group name -> (draws, years) "stocks full" destroyed share.
        delivery_rate: (draws, tracked, periods) latent unknown-delivery rate.
        diagnostics: R-hat (max), bulk and tail ESS (min), divergences, seconds.
        chains: number of chains (draws are chain-major).
    """

    inputs: ReconstructionInputs
    stock: np.ndarray
    fired: np.ndarray
    deliveries: np.ndarray
    destroyed_share: np.ndarray
    initial_stock: np.ndarray
    shots: np.ndarray
    kill: np.ndarray
    share: Mapping[str, np.ndarray]
    theta: Mapping[str, np.ndarray]
    delivery_rate: np.ndarray
    diagnostics: Mapping[str, float] = field(default_factory=dict)
    chains: int = 1

    @property
    def draws(self) -> int:
        return int(self.stock.shape[0])


def fit(
    inputs: ReconstructionInputs,
    settings: FitSettings = FitSettings(),
    *,
    progress: Callable[[str], None] | None = None,
) -> Reconstruction:
    """Fit the model with NUTS; return the posterior draws and their diagnostics."""
    import time

    inputs.check()
    started = time.perf_counter()
    kernel = NUTS(
        model,
        target_accept_prob=settings.target_accept,
        max_tree_depth=settings.max_tree_depth,
        init_strategy=init_to_median(num_samples=15),
    )
    mcmc = MCMC(
        kernel,
        num_warmup=settings.warmup,
        num_samples=settings.samples,
        num_chains=settings.chains,
        chain_method="sequential",
        progress_bar=False,
    )
    if progress is not None:
        progress(f"fitting the interceptor reconstruction ({settings.chains} chains)")
    mcmc.run(jax.random.PRNGKey(settings.seed), inputs, extra_fields=("diverging",))
    samples = {name: np.asarray(value) for name, value in mcmc.get_samples().items()}
    divergences = int(np.asarray(mcmc.get_extra_fields()["diverging"]).sum())
    seconds = time.perf_counter() - started
    diagnostics = _diagnostics(mcmc, divergences, seconds)
    return _to_reconstruction(inputs, samples, diagnostics, settings.chains)


def _diagnostics(mcmc: MCMC, divergences: int, seconds: float) -> dict[str, float]:
    import arviz as az

    grouped = mcmc.get_samples(group_by_chain=True)
    names = [
        name
        for name in grouped
        if name.startswith(("initial_stock_z", "delivery_rate_z", "shots_", "kill_", "theta_"))
        and not name.startswith("theta_share")
    ]
    data = az.from_dict(posterior={name: np.asarray(grouped[name]) for name in names})
    summary = az.summary(data, kind="diagnostics")
    return {
        "r_hat_max": float(summary["r_hat"].max()),
        "ess_bulk_min": float(summary["ess_bulk"].min()),
        "ess_tail_min": float(summary["ess_tail"].min()),
        "divergences": float(divergences),
        "seconds": seconds,
    }


def _to_reconstruction(
    inputs: ReconstructionInputs,
    samples: Mapping[str, np.ndarray],
    diagnostics: Mapping[str, float],
    chains: int,
) -> Reconstruction:
    draws = samples["stock"].shape[0]
    shots = np.stack(
        [
            samples[f"shots_{i}"]
            if f"shots_{i}" in samples
            else np.full(draws, inputs.types[i].shots[1])
            for i in range(len(inputs.types))
        ],
        axis=1,
    )
    kill = np.stack([samples[f"kill_{i}"] for i in range(len(inputs.types))], axis=1)
    share = {}
    theta = {}
    for g, group in enumerate(inputs.groups):
        members = inputs.group_types(group.name)
        share[group.name] = (
            samples[f"share_{g}"] if f"share_{g}" in samples else np.ones((draws, len(members)))
        )
        theta[group.name] = samples[f"theta_share_{g}"]
    return Reconstruction(
        inputs=inputs,
        stock=samples["stock"],
        fired=samples["fired"],
        deliveries=samples["deliveries"],
        destroyed_share=samples["destroyed_share"],
        initial_stock=samples["initial_stock"],
        shots=shots,
        kill=kill,
        share=share,
        theta=theta,
        delivery_rate=samples["delivery_rate"],
        diagnostics=dict(diagnostics),
        chains=chains,
    )


def posterior_predictive_destroyed(
    reconstruction: Reconstruction, seed: int = 0
) -> dict[str, np.ndarray]:
    """Replicated destroyed counts per group: (draws, months), for predictive checks."""
    rng = np.random.default_rng(seed)
    result = {}
    for g, group in enumerate(reconstruction.inputs.groups):
        mean = reconstruction.destroyed_share[:, g, :]
        concentration = np.maximum((group.concentration + 1.0) * group.attacks - 1.0, 0.5)
        p = rng.beta(mean * concentration, (1 - mean) * concentration)
        result[group.name] = rng.binomial(group.launched[None, :].astype(np.int64), p)
    return result


# ---------------------------------------------------------------------------------------
# Forward from the reconstructed stock
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ForwardDraws:
    """A forward run from the reconstructed stock (arrays (paths, months) unless noted).

    Attributes:
        stock, fired, deliveries: tracked type -> (paths, months); stock at month end.
        intercepted, engaged, served: group -> (paths, months) missiles destroyed,
            targets engaged with stocks full, targets the stock could serve.
        short_month: (paths,) first month index the ballistic-capable stock served less
            than ``SHORT_SERVED_SHARE`` of its engaged targets, or -1.
    """

    stock: Mapping[str, np.ndarray]
    fired: Mapping[str, np.ndarray]
    deliveries: Mapping[str, np.ndarray]
    intercepted: Mapping[str, np.ndarray]
    engaged: Mapping[str, np.ndarray]
    served: Mapping[str, np.ndarray]
    short_month: np.ndarray


def forward(
    reconstruction: Reconstruction,
    launched: Mapping[str, np.ndarray],
    attacks: Mapping[str, np.ndarray],
    *,
    deliveries_per_month: Mapping[str, np.ndarray],
    seed: int | np.random.SeedSequence,
    shots: Mapping[str, float] | None = None,
    kill_scale: float = 1.0,
    short_group: str = "ballistic-capable",
) -> ForwardDraws:
    """Run the stocks forward from the posterior at the fit's last month.

    Args:
        launched, attacks: group -> (paths, months) missiles launched and attacks.
        deliveries_per_month: tracked type -> (paths,) or (paths, months) arrivals.
        shots: type -> a fixed doctrine instead of the posterior's (the doctrine table).
        kill_scale: multiplies every single-shot kill probability (capped at 1).
        short_group: the group whose shortfall defines the short month.

    Path ``i`` uses posterior draw ``i mod draws``: stock, doctrine, kill probabilities,
    which type takes a target, and the last year's "stocks full" destroyed share.
    """
    inputs = reconstruction.inputs
    if kill_scale <= 0:
        raise ParameterError(f"kill probability scale: must be above 0, got {kill_scale:g}")
    rng = np.random.default_rng(seed)
    first = next(iter(launched.values()))
    paths, months = first.shape
    draw = np.arange(paths) % reconstruction.draws
    tracked = inputs.tracked
    names = inputs.tracked_names
    stock = reconstruction.stock[draw, :, -1].astype(np.float64).copy()  # (paths, tracked)
    shots_all = reconstruction.shots[draw].copy()
    for name, value in (shots or {}).items():
        if value < 1:
            raise ParameterError(f"shots per target for {name!r}: must be at least 1")
        index = [t.name for t in inputs.types].index(name)
        shots_all[:, index] = float(value)
    kill_all = np.minimum(reconstruction.kill[draw] * kill_scale, 1.0)
    arrivals = {}
    for name in names:
        values = np.asarray(deliveries_per_month.get(name, np.zeros(paths)), dtype=np.float64)
        arrivals[name] = np.broadcast_to(
            values[:, None] if values.ndim == 1 else values, (paths, months)
        )
    out_stock = {n: np.zeros((paths, months)) for n in names}
    out_fired = {n: np.zeros((paths, months)) for n in names}
    intercepted = {g.name: np.zeros((paths, months), dtype=np.int64) for g in inputs.groups}
    engaged_out = {g.name: np.zeros((paths, months)) for g in inputs.groups}
    served_out = {g.name: np.zeros((paths, months)) for g in inputs.groups}
    short_month = np.full(paths, -1, dtype=np.int64)
    position = {type_index: slot for slot, type_index in enumerate(tracked)}
    for t in range(months):
        available = stock + np.stack([arrivals[n][:, t] for n in names], axis=1)
        fired_total = np.zeros_like(available)
        for group in inputs.groups:
            members = inputs.group_types(group.name)
            share = reconstruction.share[group.name][draw]
            theta = reconstruction.theta[group.name][draw, -1]
            n = launched[group.name][:, t].astype(np.float64)
            a = attacks[group.name][:, t].astype(np.float64)
            concentration = np.maximum((group.concentration + 1.0) * np.maximum(a, 1) - 1.0, 0.5)
            month_theta = rng.beta(theta * concentration, (1 - theta) * concentration)
            type_shots = shots_all[:, members]
            kill = kill_all[:, members]
            p_kill = 1.0 - (1.0 - kill) ** type_shots
            engaged = n * month_theta / np.sum(share * p_kill, axis=1)
            have = np.stack(
                [
                    available[:, position[i]] if i in position else np.full(paths, UNLIMITED)
                    for i in members
                ],
                axis=1,
            )
            wanted = type_shots * engaged[:, None] * share
            first_fire = np.minimum(wanted, have)
            unmet = np.sum((wanted - first_fire) / type_shots, axis=1)
            left = have - first_fire
            weight = share * left
            weight = weight / np.maximum(weight.sum(axis=1, keepdims=True), _EPS)
            second = np.minimum(type_shots * unmet[:, None] * weight, left)
            fired = first_fire + second
            served = np.sum(fired / type_shots, axis=1)
            kills = np.sum(fired / type_shots * p_kill, axis=1)
            p = np.clip(kills / np.maximum(n, 1.0), 0.0, 1.0)
            intercepted[group.name][:, t] = rng.binomial(n.astype(np.int64), p)
            engaged_out[group.name][:, t] = engaged
            served_out[group.name][:, t] = served
            for local, i in enumerate(members):
                if i in position:
                    fired_total[:, position[i]] += fired[:, local]
            if group.name == short_group:
                is_short = (engaged > 0.5) & (served < SHORT_SERVED_SHARE * engaged)
                short_month = np.where((short_month < 0) & is_short, t, short_month)
        stock = np.maximum(available - fired_total, 0.0)
        for slot, name in enumerate(names):
            out_stock[name][:, t] = stock[:, slot]
            out_fired[name][:, t] = fired_total[:, slot]
    return ForwardDraws(
        stock=out_stock,
        fired=out_fired,
        deliveries={n: np.array(arrivals[n]) for n in names},
        intercepted=intercepted,
        engaged=engaged_out,
        served=served_out,
        short_month=short_month,
    )


def recent_delivery_rate(reconstruction: Reconstruction, months: int = 6) -> dict[str, np.ndarray]:
    """Per tracked type: (draws,) mean monthly deliveries over the fit's last ``months``."""
    window = reconstruction.deliveries[:, :, -months:]
    return {
        name: window[:, slot, :].mean(axis=1)
        for slot, name in enumerate(reconstruction.inputs.tracked_names)
    }


def group_names(inputs: ReconstructionInputs) -> Sequence[str]:
    return [g.name for g in inputs.groups]
