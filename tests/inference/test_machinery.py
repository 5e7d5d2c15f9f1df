"""The shared fit machinery: cache keys and entries, diagnostics, PSIS, the segmented sampler."""

from __future__ import annotations

import json

import numpy as np
import pytest

from missilewatch.inference import (
    PosteriorCache,
    SamplerSettings,
    cache_key,
    diagnose,
    needs_refit,
    psis_log_weights,
    run_nuts,
    weighted_cdf,
    weighted_quantiles,
)
from missilewatch.inference import sampler as sampler_module

# --- cache -------------------------------------------------------------------------------

BASE = {"data_fingerprint": "d1", "estimates_hash": "e1", "model_version": "m1"}


def test_cache_key_changes_with_each_input() -> None:
    key = cache_key(**BASE, settings={"chains": 4})
    assert key == cache_key(**BASE, settings={"chains": 4})
    for field in BASE:
        assert cache_key(**{**BASE, field: "other"}, settings={"chains": 4}) != key
    assert cache_key(**BASE, settings={"chains": 2}) != key


def test_cache_round_trip_and_damaged_entry_is_a_miss(tmp_path) -> None:  # type: ignore[no-untyped-def]
    cache = PosteriorCache(tmp_path / "posteriors")
    key = cache_key(**BASE)
    assert cache.load(key) is None
    arrays = {"stock": np.arange(12.0).reshape(3, 4)}
    cache.save(key, arrays, {"note": "x"})
    loaded = cache.load(key)
    assert loaded is not None
    np.testing.assert_array_equal(loaded[0]["stock"], arrays["stock"])
    assert loaded[1] == {"note": "x"}
    assert not list((tmp_path / "posteriors").glob("*.tmp"))
    (tmp_path / "posteriors" / f"{key}.npz").write_bytes(b"not an archive")
    assert cache.load(key) is None
    assert cache.clear() == 2


def test_default_cache_lives_in_the_data_dir(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MISSILEWATCH_HOME", str(tmp_path))
    assert PosteriorCache.default().root == tmp_path / "posteriors"


# --- diagnostics -------------------------------------------------------------------------


def test_diagnostics_pass_mixed_chains_and_name_stuck_ones() -> None:
    rng = np.random.default_rng(0)
    good = rng.normal(size=(4, 500, 3))
    stuck = rng.normal(size=(4, 500, 2))
    stuck[0] += 5.0  # one chain elsewhere: R-hat far above 1.05
    constant = np.zeros((4, 500))
    report = diagnose(
        {"good": good, "stuck": stuck, "constant": constant}, np.zeros((4, 500), dtype=bool)
    )
    names = [q.name for q in report.quantities]
    assert "constant" not in names  # R-hat is undefined for a constant
    assert report.affected == ("stuck",)
    assert not report.converged
    assert "NOT CONVERGED" in report.verdict() and "stuck" in report.verdict()
    alone = diagnose({"good": good}, np.zeros((4, 500), dtype=bool))
    assert alone.converged and alone.max_rhat < 1.01 and alone.min_ess_bulk > 1000


def test_divergences_over_the_limit_fail_the_verdict() -> None:
    rng = np.random.default_rng(1)
    diverging = np.zeros((2, 500), dtype=bool)
    diverging[0, :20] = True
    report = diagnose({"x": rng.normal(size=(2, 500))}, diverging)
    assert report.divergences == 20 and not report.converged
    assert "divergent" in report.verdict()


# --- PSIS --------------------------------------------------------------------------------


def test_psis_leave_one_out_matches_the_exact_posterior() -> None:
    # Conjugate normal: prior N(0, 10^2), two observations with sd 1. Leaving y2 out
    # must give the posterior of y1 alone.
    y = np.array([1.0, 2.0])
    precision = 1 / 100 + 2
    mean_full = y.sum() / precision
    rng = np.random.default_rng(2)
    draws = rng.normal(mean_full, precision**-0.5, 40_000)
    log_lik = -0.5 * (y[None, :] - draws[:, None]) ** 2
    log_weights, k = psis_log_weights(-log_lik)
    assert np.all(k < 0.7) and not needs_refit(k).any()
    precision_one = 1 / 100 + 1
    expected = y[0] / precision_one
    median = weighted_quantiles(draws, log_weights[:, 1], [0.5])[0]
    assert median == pytest.approx(expected, abs=0.03)
    assert weighted_cdf(draws, log_weights[:, 1], expected) == pytest.approx(0.5, abs=0.02)


def test_weighted_quantiles_without_weights_are_plain_quantiles() -> None:
    values = np.random.default_rng(3).normal(size=(1000, 2))
    equal = np.zeros(1000)
    np.testing.assert_allclose(
        weighted_quantiles(values, equal, [0.25, 0.75]),
        np.quantile(values, [0.25, 0.75], axis=0),
        atol=0.02,
    )
    assert needs_refit(np.array([0.5, 0.8, np.nan])).tolist() == [False, True, True]


# --- sampler -----------------------------------------------------------------------------


def _normal_model(y):  # type: ignore[no-untyped-def]
    import numpyro
    import numpyro.distributions as dist

    mu = numpyro.sample("mu", dist.Normal(0.0, 10.0))
    numpyro.deterministic("twice", 2.0 * mu)
    numpyro.sample("y", dist.Normal(mu, 1.0), obs=y)


def test_segmented_nuts_fits_and_reports_progress() -> None:
    import jax.numpy as jnp

    y = jnp.asarray(np.random.default_rng(4).normal(3.0, 1.0, 40))
    calls: list[tuple[str, int, int]] = []
    settings = SamplerSettings(chains=2, warmup=150, samples=150, seed=1)
    draws = run_nuts(_normal_model, (y,), settings, progress=lambda *a: calls.append(a), segment=50)
    assert draws.values["mu"].shape == (2, 150)
    assert draws.diverging.shape == (2, 150)
    np.testing.assert_allclose(draws.values["twice"], 2 * draws.values["mu"], rtol=1e-5)
    exact = float(y.sum()) / (40 + 1 / 100)
    assert abs(float(draws.flat("mu").mean()) - exact) < 0.1
    sampling = [done for stage, done, total in calls if stage == "sampling"]
    assert sampling == sorted(sampling) and sampling[-1] == 150
    assert ("warmup", 150, 150) in calls
    compiled = len(sampler_module._compiled)
    again = run_nuts(_normal_model, (y + 1.0,), settings, segment=50)
    assert len(sampler_module._compiled) == compiled  # new data, same shapes: no new loop
    assert abs(float(again.flat("mu").mean()) - exact - 1.0) < 0.1
    assert json.dumps(settings.key())
