"""The likelihood of one estimates record, by the word its source used.

A record says something about one model quantity (a stock on a date, a production rate
over a window, a sum over several families). What it says depends on its bound word:
"about 600" is a noisy point, "up to 200" a ceiling, "more than 250" a floor, "planned"
a target. Each becomes its own likelihood term, so a ceiling and a floor are never
differenced as if both were points.

Everything is on the log scale of ``1 + quantity``: the figures are counts and rates whose
errors are relative ("about 600" is as loose as "about 60" in proportion), and the shift by
one keeps a stock that reaches zero finite.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import jax.numpy as jnp
import numpy as np
from jax.scipy.stats import norm

from missilewatch.estimates.records import (
    APPROX,
    AT_LEAST,
    CAPACITY,
    EXACT,
    PLANNED,
    RANGE,
    SUSPENDED,
    UP_TO,
    Estimate,
)

#: How soft a stated bound is, on the log scale (one standard deviation). Sources round
#: ("up to 200" for 205), so a ceiling is exceeded by 10% with about 16% probability.
LOOSENESS: Final = 0.1
#: Relative error of a count given exactly (a document, a contract): transcription only.
EXACT_ERROR: Final = 0.02
#: Relative error of a plan or target read as evidence about output: weak on purpose.
PLANNED_ERROR: Final = 0.5

_POINTS: Final = frozenset({APPROX, EXACT, PLANNED})


@dataclass(frozen=True, slots=True)
class Observation:
    """The numbers of one record the likelihood needs, in the model's units.

    ``scale`` converts the record's unit to the model's (e.g. 1/12 for a yearly rate in a
    monthly model); it multiplies ``low``, ``central`` and ``high``.
    """

    record_id: str
    bound: str
    low: float
    central: float
    high: float
    #: Standard deviation on the log scale (points) or the bound's looseness (bounds).
    error: float

    @classmethod
    def from_record(cls, record: Estimate, *, scale: float = 1.0) -> Observation:
        if record.bound == SUSPENDED:
            raise ValueError(
                f"estimate {record.id!r}: a 'suspended' record is a structural zero, "
                "not a likelihood term"
            )
        error = {
            APPROX: record.error,
            EXACT: EXACT_ERROR,
            PLANNED: PLANNED_ERROR,
        }.get(record.bound, LOOSENESS)
        return cls(
            record_id=record.id,
            bound=record.bound,
            low=record.low * scale,
            central=record.central * scale,
            high=record.high * scale,
            error=float(error),
        )


def record_log_likelihood(observation: Observation, predicted: jnp.ndarray) -> jnp.ndarray:
    """Log likelihood of the record given the model's value of what it describes.

    ``predicted`` may be any array (one value per draw, say); the result has its shape.
    Points (``approx``, ``exact``, ``planned``) are log-normal around the model value;
    ``up_to`` and ``capacity`` are ceilings, ``at_least`` a floor, ``range`` both, each a
    probit-softened step of width ``observation.error`` on the log scale.
    """
    log_model = jnp.log1p(jnp.maximum(predicted, 0.0))
    bound = observation.bound
    if bound in _POINTS:
        return norm.logpdf(np.log1p(observation.central), log_model, observation.error)
    if bound in (UP_TO, CAPACITY):
        return norm.logcdf((np.log1p(observation.high) - log_model) / observation.error)
    if bound == AT_LEAST:
        return norm.logcdf((log_model - np.log1p(observation.low)) / observation.error)
    if bound == RANGE:
        # Two one-sided steps: stable in float32 and equal to the interval's probability
        # wherever the range is wider than its looseness.
        return norm.logcdf((np.log1p(observation.high) - log_model) / observation.error) + (
            norm.logcdf((log_model - np.log1p(observation.low)) / observation.error)
        )
    raise ValueError(f"estimate {observation.record_id!r}: no likelihood for bound {bound!r}")


def predictive_percentile(
    observation: Observation, predicted: np.ndarray, rng: np.random.Generator
) -> float:
    """Where the record sits in the posterior predictive distribution, in [0, 1].

    For a point, the share of replicated figures (model value with the record's error)
    below the published one; for a ceiling, the share of model values below the ceiling
    (near 1: consistent; near 0: the model puts the truth above it); for a floor, the
    share below the floor (near 0 is consistent); for a range, the share below its middle.
    A record outside 5-95 is one the model does not reproduce.
    """
    values = np.asarray(predicted, dtype=float).ravel()
    if observation.bound in _POINTS:
        replicated = np.expm1(
            np.log1p(np.maximum(values, 0.0)) + rng.normal(0.0, observation.error, values.size)
        )
        return float(np.mean(replicated < observation.central))
    if observation.bound in (UP_TO, CAPACITY):
        return float(np.mean(values < observation.high))
    if observation.bound == AT_LEAST:
        return float(np.mean(values < observation.low))
    return float(np.mean(values < 0.5 * (observation.low + observation.high)))


def is_reproduced(observation: Observation, percentile: float, tail: float = 0.05) -> bool:
    """True if the model reproduces the record at its predictive percentile.

    A point must sit inside the central band (``tail`` to ``1 - tail``); a ceiling is only
    contradicted when nearly all model values exceed it, a floor when nearly all fall
    below it, a range when nearly all lie on one side of its middle.
    """
    if observation.bound in (UP_TO, CAPACITY):
        return percentile >= tail
    if observation.bound == AT_LEAST:
        return percentile <= 1.0 - tail
    return tail <= percentile <= 1.0 - tail


# --- many records at once ------------------------------------------------------------------
# A model with dozens of records evaluates them as arrays: one bound code per record, so the
# compiled model does not depend on which record has which word and a refit with other
# records of the same count reuses it.

#: Bound code of each likelihood form (``suspended`` has none: it is structural).
POINT_CODE: Final = 0
CEILING_CODE: Final = 1
FLOOR_CODE: Final = 2
RANGE_CODE: Final = 3
BOUND_CODES: Final = {
    APPROX: POINT_CODE,
    EXACT: POINT_CODE,
    PLANNED: POINT_CODE,
    UP_TO: CEILING_CODE,
    CAPACITY: CEILING_CODE,
    AT_LEAST: FLOOR_CODE,
    RANGE: RANGE_CODE,
}


@dataclass(frozen=True)
class ObservationArrays:
    """Several observations as parallel arrays (see :func:`observation_arrays`)."""

    code: np.ndarray
    log_low: np.ndarray
    log_central: np.ndarray
    log_high: np.ndarray
    error: np.ndarray


def observation_arrays(observations: list[Observation]) -> ObservationArrays:
    """Stack observations for :func:`log_likelihood_arrays`."""
    for item in observations:
        if item.bound not in BOUND_CODES:
            raise ValueError(f"estimate {item.record_id!r}: no likelihood for bound {item.bound!r}")
    return ObservationArrays(
        code=np.array([BOUND_CODES[o.bound] for o in observations], dtype=np.int32),
        log_low=np.log1p(np.array([o.low for o in observations], dtype=np.float64)),
        log_central=np.log1p(np.array([o.central for o in observations], dtype=np.float64)),
        log_high=np.log1p(np.array([o.high for o in observations], dtype=np.float64)),
        error=np.array([o.error for o in observations], dtype=np.float64),
    )


def log_likelihood_arrays(
    code: jnp.ndarray,
    log_low: jnp.ndarray,
    log_central: jnp.ndarray,
    log_high: jnp.ndarray,
    error: jnp.ndarray,
    predicted: jnp.ndarray,
) -> jnp.ndarray:
    """Per-record log likelihood, element by element equal to :func:`record_log_likelihood`.

    All arguments have the records' shape (``predicted`` may carry leading draw axes).
    """
    log_model = jnp.log1p(jnp.maximum(predicted, 0.0))
    point = norm.logpdf(log_central, log_model, error)
    below_ceiling = norm.logcdf((log_high - log_model) / error)
    above_floor = norm.logcdf((log_model - log_low) / error)
    return jnp.where(
        code == POINT_CODE,
        point,
        jnp.where(
            code == CEILING_CODE,
            below_ceiling,
            jnp.where(code == FLOOR_CODE, above_floor, below_ceiling + above_floor),
        ),
    )
