"""The stock-flow core on synthetic inputs: identities, clamping, seeds, calibration."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.model.synthetic import synthetic_params

from missilewatch.errors import ParameterError
from missilewatch.model import Adjustments, Constraint, Range, run, simulate_paths
from missilewatch.model.calibration import STOCK, split_constraint
from missilewatch.model.stockflow import MAX_PATHS


def assert_identity(paths: object) -> None:
    stock = paths.stock  # type: ignore[attr-defined]
    inflow = paths.production + paths.imports  # type: ignore[attr-defined]
    outflow = paths.other_losses + paths.launches  # type: ignore[attr-defined]
    expected = stock[:, :-1, :] + inflow - outflow + paths.shortfall  # type: ignore[attr-defined]
    np.testing.assert_allclose(stock[:, 1:, :], expected, rtol=0, atol=1e-9 * max(1, stock.max()))


def test_stock_identity_holds_on_every_path() -> None:
    params = synthetic_params(history=10, forecast=8)
    paths = simulate_paths(params, np.random.default_rng(3), 500)
    assert_identity(paths)
    assert paths.stock.shape == (500, 19, 3)
    # History launches are the ledger's on every path.
    np.testing.assert_array_equal(
        paths.launches[:, :10, :], np.broadcast_to(params.observed_launches, (500, 10, 3))
    )


@settings(max_examples=30, deadline=None)
@given(
    initial_high=st.floats(0, 300),
    production_high=st.floats(0, 30),
    launches=st.floats(0, 60),
    seed=st.integers(0, 2**32 - 1),
)
def test_no_negative_stock_without_recorded_shortfall(
    initial_high: float, production_high: float, launches: float, seed: int
) -> None:
    params = synthetic_params(
        initial=Range(0, initial_high / 2, initial_high),
        production=Range(0, production_high / 2, production_high),
        launches_per_month=launches,
        seed=seed % 1000,
    )
    paths = simulate_paths(params, np.random.default_rng(seed), 64)
    assert np.all(paths.stock >= 0)
    assert np.all(paths.shortfall >= 0)
    assert np.all(np.isfinite(paths.stock))
    assert_identity(paths)
    history = params.history_months
    # A shortfall appears only where the stock would otherwise have gone negative.
    before = paths.stock[:, :history, :] + paths.production[:, :history, :]
    before = before + paths.imports[:, :history, :] - paths.other_losses[:, :history, :]
    needed = np.maximum(paths.launches[:, :history, :] - before, 0)
    np.testing.assert_allclose(paths.shortfall[:, :history, :], needed, atol=1e-9)
    # Forecast months never create missiles: shortfall is zero, launches capped by stock.
    assert np.all(paths.shortfall[:, history:, :] == 0)
    assert np.all(paths.unmet >= 0)


def test_ceasefire_months_have_no_launches_but_production_continues() -> None:
    adjustments = Adjustments(ceasefire_start=1, ceasefire_months=3)
    params = synthetic_params(forecast=6, adjustments=adjustments)
    paths = simulate_paths(params, np.random.default_rng(5), 400)
    history = params.history_months
    quiet = slice(history + 1, history + 4)
    assert np.all(paths.launches[:, quiet, :] == 0)
    assert np.all(paths.production[:, quiet, :] > 0)
    assert paths.launches[:, history, :].sum() > 0


def test_same_seed_same_result_different_seed_differs() -> None:
    params = synthetic_params()
    first = run(params, 11, 3000, chunk_size=1000, reservoir_size=1000)
    again = run(params, 11, 3000, chunk_size=1000, reservoir_size=1000)
    other = run(params, 12, 3000, chunk_size=1000, reservoir_size=1000)
    for key in first.resample:
        np.testing.assert_array_equal(first.resample[key], again.resample[key])
    assert not np.array_equal(first.resample["stock"], other.resample["stock"])


def test_calibration_tightens_the_band_at_the_estimate_date() -> None:
    month = 6
    figure = Range(60, 70, 80)
    loose = synthetic_params(initial=Range(0, 150, 400))
    tight = synthetic_params(
        initial=Range(0, 150, 400),
        constraints=(Constraint("test-stock", STOCK, (0,), month, figure),),
    )
    free = run(loose, 2, 20_000, chunk_size=5_000, reservoir_size=8_000)
    conditioned = run(tight, 2, 20_000, chunk_size=5_000, reservoir_size=8_000)
    at = month + 1  # stock at the end of the month
    free_band = np.percentile(free.resample["stock"][:, at, 0], [5, 95])
    band = np.percentile(conditioned.resample["stock"][:, at, 0], [5, 95])
    assert band[1] - band[0] < 0.5 * (free_band[1] - free_band[0])
    assert figure.low - 15 < np.median(conditioned.resample["stock"][:, at, 0]) < figure.high + 15
    # Only the constrained family is conditioned; its effective sample size drops.
    assert conditioned.effective_sample_size[0] < 0.5 * 20_000
    assert conditioned.effective_sample_size[1] == pytest.approx(
        free.effective_sample_size[1], rel=0.05
    )


def test_chunking_changes_numbers_only_within_sampling_noise() -> None:
    params = synthetic_params(
        constraints=(Constraint("c", STOCK, (1,), 4, Range(80, 100, 120)),),
    )
    one = run(params, 4, 12_000, chunk_size=12_000, reservoir_size=6_000)
    many = run(params, 4, 12_000, chunk_size=1_500, reservoir_size=6_000)
    for f in range(3):
        a = np.median(one.resample["stock"][:, -1, f])
        b = np.median(many.resample["stock"][:, -1, f])
        assert abs(a - b) < 0.1 * max(a, b, 10)


def test_aggregate_constraint_is_split_by_prior_shares() -> None:
    aggregate = Constraint("agg", "production", (0, 2), 5, Range(90, 100, 120))
    parts = split_constraint(aggregate, [30.0, 10.0])
    assert [p.families for p in parts] == [(0,), (2,)]
    assert parts[0].figure.central == pytest.approx(75)
    assert parts[1].figure.low == pytest.approx(22.5)
    assert sum(p.figure.high for p in parts) == pytest.approx(120)


@pytest.mark.parametrize("paths", [0, -5, MAX_PATHS + 1])
def test_absurd_path_counts_are_one_line_errors(paths: int) -> None:
    with pytest.raises(ParameterError) as caught:
        run(synthetic_params(), 0, paths)
    assert "\n" not in str(caught.value)
    assert "paths" in str(caught.value)
