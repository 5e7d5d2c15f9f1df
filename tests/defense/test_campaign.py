"""Campaign and depletion over hand-built forecast arrays (paths, months, families)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.defense.helpers import small_defense

from missilewatch.defense import NOT_DEPLETED, Defense, Spread, simulate_campaign
from missilewatch.defense import setup as defense_setup
from missilewatch.errors import ParameterError, UnknownNameError
from missilewatch.model.adjustments import Adjustments
from missilewatch.views import defense as api

FAMILIES = ["Iskander-M", "Kinzhal", "Kh-101/Kh-555", "Shahed/Geran", "guided bombs"]
#: Missiles per attack, per family: a plausible mix, not a fitted one.
SALVO = np.array([3, 2, 15, 100, 3])


def forecast(
    paths: int, months: int, seed: int, scale: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """StrikeForecast-shaped arrays: attacks ~ Poisson, launches = attacks x salvo."""
    rng = np.random.default_rng(seed)
    attacks = rng.poisson(np.array([6, 2, 2, 25, 5]) * scale, (paths, months, len(FAMILIES)))
    return attacks * SALVO, attacks


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    scale=st.floats(0.0, 3.0),
    stock=st.integers(0, 80),
    gem_t=st.one_of(st.none(), st.integers(0, 40)),
    uncertain=st.booleans(),
)
def test_campaign_invariants(
    seed: int, scale: float, stock: int, gem_t: int | None, uncertain: bool
) -> None:
    launches, attacks = forecast(60, 10, seed, scale)
    defense = small_defense(
        patriot_stock=Spread(stock, stock, stock + 10),
        gem_t_stock=None if gem_t is None else Spread.exact(gem_t),
        uncertain_doctrine=uncertain,
    )
    draws = simulate_campaign(launches, attacks, FAMILIES, defense, seed=seed)
    assert "guided bombs" not in draws.families  # not engaged by the model
    for family in draws.families:
        total = draws.intercepted[family] + draws.leakers[family]
        assert np.array_equal(total, draws.launched[family])
    for name in draws.interceptors:
        stock_end = draws.stock[name]
        deliveries, spent = draws.deliveries[name], draws.spent[name]
        assert (stock_end >= 0).all()
        # Month 0 starts from the initial stock drawn for the path, which lies in the
        # defense's range for that type (an exact figure, e.g. GEM-T here, is met exactly).
        initial = stock_end[:, 0] - deliveries[:, 0] + spent[:, 0]
        drawn_from = defense.interceptors[name].initial_stock
        assert (initial >= round(drawn_from.low)).all()
        assert (initial <= round(drawn_from.high)).all()
        # Later months: last month's stock + deliveries - spent, never spending more
        # than is on hand.
        previous = np.concatenate([initial[:, None], stock_end[:, :-1]], axis=1)
        assert np.array_equal(previous[:, 1:] + deliveries[:, 1:] - spent[:, 1:], stock_end[:, 1:])
        assert (spent <= previous + deliveries).all()
    # The depletion month is the first month with a ballistic stock shortfall.
    for path in range(draws.paths):
        short = np.flatnonzero(draws.ballistic_shortfall[path] > 0)
        expected = short[0] if short.size else NOT_DEPLETED
        assert draws.depletion_month[path] == expected


def test_same_seed_same_campaign() -> None:
    launches, attacks = forecast(200, 12, 4)
    first = simulate_campaign(launches, attacks, FAMILIES, small_defense(), seed=9)
    second = simulate_campaign(launches, attacks, FAMILIES, small_defense(), seed=9)
    assert np.array_equal(first.depletion_month, second.depletion_month)
    assert np.array_equal(first.stock["PAC-3 MSE"], second.stock["PAC-3 MSE"])


def test_extra_interceptors_delay_depletion() -> None:
    launches, attacks = forecast(2_000, 18, 1)
    baseline = simulate_campaign(launches, attacks, FAMILIES, small_defense(), seed=3)
    more = simulate_campaign(
        launches,
        attacks,
        FAMILIES,
        small_defense(),
        seed=3,
        adjustments=Adjustments(extra_interceptors_per_month={"PAC-3 MSE": 40.0}),
    )

    def months_to_depletion(draws_depletion: np.ndarray) -> np.ndarray:
        return np.where(draws_depletion == NOT_DEPLETED, 18, draws_depletion)

    assert np.median(months_to_depletion(more.depletion_month)) > np.median(
        months_to_depletion(baseline.depletion_month)
    )
    assert (
        more.deliveries["PAC-3 MSE"].sum() - baseline.deliveries["PAC-3 MSE"].sum()
        == 40 * 18 * 2_000
    )
    leaked_baseline = baseline.leakers["Iskander-M"].sum()
    leaked_more = more.leakers["Iskander-M"].sum()
    assert leaked_more < leaked_baseline


def test_extra_interceptors_start_later() -> None:
    launches, attacks = forecast(100, 12, 1)
    later = simulate_campaign(
        launches,
        attacks,
        FAMILIES,
        small_defense(),
        seed=3,
        adjustments=Adjustments(
            extra_interceptors_per_month={"PAC-3 MSE": 10.0}, extra_interceptors_start=6
        ),
    )
    baseline = simulate_campaign(launches, attacks, FAMILIES, small_defense(), seed=3)
    difference = later.deliveries["PAC-3 MSE"] - baseline.deliveries["PAC-3 MSE"]
    assert (difference[:, :6] == 0).all()
    assert (difference[:, 6:] == 10).all()


def test_no_launches_no_depletion() -> None:
    launches, attacks = forecast(50, 6, 2, scale=0.0)
    draws = simulate_campaign(launches, attacks, FAMILIES, small_defense(), seed=0)
    assert (draws.depletion_month == NOT_DEPLETED).all()
    assert all((draws.spent[name] == 0).all() for name in draws.interceptors)


def test_bad_campaign_inputs() -> None:
    launches, attacks = forecast(5, 3, 0)
    with pytest.raises(ParameterError, match="family names"):
        simulate_campaign(launches, attacks, FAMILIES[:2], small_defense(), seed=0)
    with pytest.raises(ParameterError, match="must not be negative"):
        simulate_campaign(-launches, attacks, FAMILIES, small_defense(), seed=0)
    with pytest.raises(UnknownNameError, match=r"known: .*PAC-3 MSE"):
        simulate_campaign(
            launches,
            attacks,
            FAMILIES,
            small_defense(),
            seed=0,
            adjustments=Adjustments(extra_interceptors_per_month={"Patriot": 5.0}),
        )
    with pytest.raises(ParameterError, match="must not be negative"):
        simulate_campaign(
            launches,
            attacks,
            FAMILIES,
            small_defense(),
            seed=0,
            adjustments=Adjustments(extra_interceptors_per_month={"PAC-3 MSE": -5.0}),
        )


def test_campaign_frames_from_the_real_defense(real_setup: api.DefenseSetup) -> None:
    paths, months = 500, 12
    labels = list(pd.period_range("2026-05", periods=months, freq="M"))
    launches, attacks = forecast(paths, months, 5)
    result = api.campaign_from_forecast(
        real_setup, months=labels, families=FAMILIES, launches=launches, attacks=attacks, seed=1
    )
    monthly = result.monthly
    assert monthly["month"].dtype == pd.PeriodDtype("M")
    stock = monthly[(monthly["level"] == "interceptor") & (monthly["quantity"] == "stock")]
    assert set(stock["name"]) == set(real_setup.defense.tracked_names)
    assert (stock["p5"] <= stock["p50"]).all() and (stock["p50"] <= stock["p95"]).all()
    assert (stock["p5"] >= 0).all()
    leakers = monthly[(monthly["name"] == "ballistic-capable") & (monthly["quantity"] == "leakers")]
    assert len(leakers) == months
    depletion = result.depletion
    assert depletion["probability"].sum() == pytest.approx(1.0)
    assert depletion["paths"].sum() == paths
    assert depletion["category"].iloc[-1] == "not before 2027-04"
    assert depletion["month"].iloc[-1] is pd.NaT
    summary = result.summary.set_index("metric")
    assert 0 <= summary.loc["depleted_within_horizon", "mean"] <= 1
    # PAC-3 MSE deliveries follow the announced ramp-up (620 in 2025, 650 by 2027,
    # about 2,000 a year by 2030): 650 / 620 from the end of 2025 to the start of 2027.
    curve = real_setup.production_central["PAC-3 MSE"]
    ramp = defense_setup._ramp(curve, date(2027, 1, 1), date(2025, 12, 31))
    assert ramp == pytest.approx(650 / 620)


def test_defense_campaign_over_the_real_forecast(snapshot_db: Path) -> None:
    """End to end: the stock-flow engine's forecast, the shipped estimates, the ledger."""
    baseline = api.defense_campaign(until="2027-06", paths=400, seed=3, db=snapshot_db)
    again = api.defense_campaign(until="2027-06", paths=400, seed=3, db=snapshot_db)
    pd.testing.assert_frame_equal(baseline.monthly, again.monthly)
    more = api.defense_campaign(
        until="2027-06",
        paths=400,
        seed=3,
        db=snapshot_db,
        adjustments=Adjustments(extra_interceptors_per_month={"PAC-3 MSE": 60.0}),
    )

    def median_offset(result: api.CampaignResult) -> float:
        summary = result.summary.set_index("metric")
        return float(summary.loc["depletion_month_offset", "p50"])

    assert median_offset(more) > median_offset(baseline)
    assert baseline.depletion["paths"].sum() == 400
    leaked = baseline.monthly[
        (baseline.monthly["name"] == "ballistic-capable")
        & (baseline.monthly["quantity"] == "leakers")
    ]
    launched = baseline.monthly[
        (baseline.monthly["name"] == "ballistic-capable")
        & (baseline.monthly["quantity"] == "launched")
    ]
    assert (leaked["mean"].to_numpy() <= launched["mean"].to_numpy()).all()


def _only_ballistic(launches: np.ndarray, attacks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The same forecast with every family but Iskander-M (column 0) set to zero."""
    keep = np.zeros(len(FAMILIES), dtype=bool)
    keep[0] = True
    return launches * keep, attacks * keep


def test_campaign_channels_are_shared_by_the_patriot_missile_types() -> None:
    """A heavy ballistic month: PAC-3 MSE and PAC-2 GEM-T together never engage more
    targets than the Patriot channels of the month's raids (two shots per target)."""
    launches, attacks = _only_ballistic(*forecast(300, 6, 2, scale=3.0))
    launches = launches * 10  # far more missiles per attack than the channels can take
    channels_per_raid = 6
    defense = small_defense(
        patriot_stock=Spread.exact(5_000),
        gem_t_stock=Spread.exact(5_000),
        patriot_channels=channels_per_raid,
        ballistic_share=0.99,
    )
    draws = simulate_campaign(launches, attacks, FAMILIES, defense, seed=4)
    targets = (draws.spent["PAC-3 MSE"] + draws.spent["PAC-2 GEM-T"]) // 2
    raids = attacks[:, :, 0]
    assert (targets <= channels_per_raid * raids).all()
    # The cap binds: in most busy months the channels, not the stock, set the number.
    busy = raids > 0
    assert np.mean(targets[busy] == channels_per_raid * raids[busy]) > 0.5


def test_doctrine_uncertainty_widens_the_campaign_band() -> None:
    """Shots per target and kill probabilities drawn per path spread the interceptors
    spent over a year more widely than the central doctrine alone."""
    launches, attacks = _only_ballistic(*forecast(3_000, 12, 6))
    uncertain = small_defense(
        patriot_stock=Spread.exact(20_000), patriot_channels=200, uncertain_doctrine=True
    )
    central_engagements = {
        threat_class: replace(
            engagement,
            kill_probability=engagement.kill.central,
            shots_per_target=engagement.central_shots,
        )
        for threat_class, engagement in uncertain.interceptors["PAC-3 MSE"].engagements.items()
    }
    fixed = replace(
        uncertain,
        interceptors={
            **uncertain.interceptors,
            "PAC-3 MSE": replace(
                uncertain.interceptors["PAC-3 MSE"], engagements=central_engagements
            ),
        },
    )

    def yearly_spent(defense: Defense) -> np.ndarray:
        draws = simulate_campaign(launches, attacks, FAMILIES, defense, seed=12)
        spent: np.ndarray = draws.spent["PAC-3 MSE"].sum(axis=1)
        return spent

    drawn, central = yearly_spent(uncertain), yearly_spent(fixed)

    def width(values: np.ndarray) -> float:
        low, high = np.percentile(values, [5, 95])
        return float(high - low)

    assert width(drawn) > 1.2 * width(central)
