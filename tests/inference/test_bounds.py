"""The likelihood of a record follows its bound word: points, ceilings, floors, ranges."""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from missilewatch.estimates import load
from missilewatch.inference import (
    Observation,
    is_reproduced,
    predictive_percentile,
    record_log_likelihood,
)

GRID = jnp.array([50.0, 100.0, 150.0, 190.0, 200.0, 210.0, 250.0, 400.0, 800.0])


def observation(bound: str, low: float, central: float, high: float, error: float = 0.1):
    return Observation("test", bound, low, central, high, error)


def test_a_point_peaks_at_its_value_and_falls_on_both_sides() -> None:
    loglik = np.asarray(record_log_likelihood(observation("approx", 200, 200, 200, 0.2), GRID))
    assert int(np.argmax(loglik)) == 4
    assert np.all(np.diff(loglik[:5]) > 0) and np.all(np.diff(loglik[4:]) < 0)


def test_a_ceiling_is_flat_below_and_falls_above() -> None:
    loglik = np.asarray(record_log_likelihood(observation("up_to", 200, 200, 200), GRID))
    assert loglik[0] == pytest.approx(0.0, abs=1e-6)
    assert np.all(np.diff(loglik) <= 1e-9)
    assert loglik[-1] < -20  # four times the ceiling is ruled out


def test_a_floor_is_flat_above_and_falls_below() -> None:
    loglik = np.asarray(record_log_likelihood(observation("at_least", 200, 200, 200), GRID))
    assert loglik[-1] == pytest.approx(0.0, abs=1e-6)
    assert np.all(np.diff(loglik) >= -1e-9)
    assert loglik[0] < -20


def test_a_ceiling_and_a_floor_at_the_same_number_say_different_things() -> None:
    ceiling = record_log_likelihood(observation("up_to", 200, 200, 200), jnp.array(400.0))
    floor = record_log_likelihood(observation("at_least", 200, 200, 200), jnp.array(400.0))
    assert float(floor) > float(ceiling) + 10


def test_a_range_is_flat_inside_and_falls_outside() -> None:
    loglik = np.asarray(record_log_likelihood(observation("range", 100, 150, 250), GRID))
    inside = loglik[(np.asarray(GRID) >= 150) & (np.asarray(GRID) <= 210)]
    assert np.ptp(inside) < 0.05
    assert loglik[0] < inside.min() - 5 and loglik[-1] < inside.min() - 5


def test_a_plan_is_weaker_evidence_than_an_approximate_figure() -> None:
    approx = Observation.from_record(_shipped("approx"))
    planned = dataclasses.replace(approx, bound="planned", error=0.5)
    far = jnp.array(approx.central * 3)
    assert float(record_log_likelihood(planned, far)) > float(record_log_likelihood(approx, far))


def test_every_shipped_record_but_a_suspension_has_a_likelihood() -> None:
    for record in load():
        if record.bound == "suspended":
            with pytest.raises(ValueError, match="structural zero"):
                Observation.from_record(record)
            continue
        value = record_log_likelihood(Observation.from_record(record), jnp.array(record.central))
        assert np.isfinite(float(value)), record.id


def test_scale_converts_units() -> None:
    record = _shipped("approx")
    monthly = Observation.from_record(record, scale=1 / 12)
    assert monthly.central == pytest.approx(record.central / 12)


@given(
    value=st.floats(1.0, 5_000.0),
    model=st.floats(0.0, 20_000.0),
    bound=st.sampled_from(["approx", "exact", "planned", "up_to", "at_least", "capacity"]),
)
def test_log_likelihood_is_finite_and_at_most_its_peak(
    value: float, model: float, bound: str
) -> None:
    obs = observation(bound, value, value, value, 0.2)
    loglik = float(record_log_likelihood(obs, jnp.array(model)))
    assert np.isfinite(loglik)
    if bound in ("approx", "exact", "planned"):
        assert loglik <= float(record_log_likelihood(obs, jnp.array(value))) + 1e-4
    else:  # a bound is a probability: at most 1
        assert loglik <= 1e-6


def test_predictive_percentile_places_the_record_in_the_draws() -> None:
    rng = np.random.default_rng(1)
    draws = rng.lognormal(np.log(300), 0.1, 4_000)
    ceiling = observation("up_to", 200, 200, 200)
    floor = observation("at_least", 200, 200, 200)
    point = observation("approx", 300, 300, 300, 0.2)
    assert predictive_percentile(ceiling, draws, rng) < 0.01
    assert not is_reproduced(ceiling, predictive_percentile(ceiling, draws, rng))
    assert is_reproduced(floor, predictive_percentile(floor, draws, rng))
    assert 0.35 < predictive_percentile(point, draws, rng) < 0.65
    assert is_reproduced(point, predictive_percentile(point, draws, rng))


def _shipped(bound: str):
    return next(r for r in load() if r.bound == bound)


def test_the_array_form_equals_the_record_form_for_every_bound() -> None:
    from missilewatch.inference.bounds import log_likelihood_arrays, observation_arrays

    observations = [
        observation("approx", 200, 200, 200, 0.2),
        observation("exact", 0, 0, 0, 0.02),
        observation("planned", 750, 750, 750, 0.5),
        observation("up_to", 200, 200, 200),
        observation("capacity", 60, 60, 60),
        observation("at_least", 250, 250, 250),
        observation("range", 40, 45, 50),
    ]
    arrays = observation_arrays(observations)
    for predicted in (0.0, 45.0, 199.0, 260.0, 900.0):
        together = np.asarray(
            log_likelihood_arrays(
                jnp.asarray(arrays.code),
                jnp.asarray(arrays.log_low),
                jnp.asarray(arrays.log_central),
                jnp.asarray(arrays.log_high),
                jnp.asarray(arrays.error),
                jnp.full(len(observations), predicted),
            )
        )
        one_by_one = [float(record_log_likelihood(o, jnp.asarray(predicted))) for o in observations]
        np.testing.assert_allclose(together, one_by_one, rtol=1e-5, atol=1e-5)
