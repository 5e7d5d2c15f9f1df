"""Raid engagements: invariants, agreement with the plain-Python model, saturation."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.defense.helpers import small_defense

from missilewatch.api import defense as api
from missilewatch.defense import (
    Defense,
    Spread,
    ThreatExposure,
    parse_raid,
    simulate_raid,
    simulate_raid_reference,
)
from missilewatch.errors import InputError, ParameterError, UnknownNameError

FAMILIES = ("Iskander-M", "KN-23", "Kinzhal", "Kh-101/Kh-555", "Kalibr", "Shahed/Geran")

raids = st.dictionaries(
    st.sampled_from(FAMILIES), st.integers(0, 300), min_size=1, max_size=6
).filter(lambda raid: sum(raid.values()) > 0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    raid=raids,
    seed=st.integers(0, 2**32 - 1),
    low=st.integers(0, 40),
    extra=st.integers(0, 60),
    channels=st.integers(0, 40),
)
def test_raid_invariants(
    raid: dict[str, int], seed: int, low: int, extra: int, channels: int
) -> None:
    defense = small_defense(
        patriot_stock=Spread(low, low + extra / 2, low + extra), patriot_channels=channels
    )
    draws = simulate_raid(raid, defense, paths=300, seed=seed)
    for family, count in raid.items():
        launched = draws.launched[family]
        assert (launched == count).all()
        # Every missile is either intercepted or leaks; none are engaged twice.
        assert (draws.intercepted[family] + draws.leakers[family] == launched).all()
        assert (draws.intercepted[family] <= draws.engaged[family]).all()
        assert (draws.engaged[family] <= launched).all()
        assert (draws.leakers[family] >= 0).all()
    for name in defense.tracked_names:
        # Never more interceptors fired than on hand; the stock left is never negative.
        assert (draws.spent[name] <= draws.stock[name]).all()
        assert (draws.stock[name] - draws.spent[name] >= 0).all()
    # Targets engaged never exceed the channels: PAC-3 MSE fires two per ballistic target,
    # one per cruise target, so its shots are at most twice its channels.
    assert (draws.spent["PAC-3 MSE"] <= 2 * draws.channels["PAC-3 MSE"]).all()
    assert (draws.spent["IRIS-T SLM"] <= draws.channels["IRIS-T SLM"]).all()


@settings(max_examples=15, deadline=None)
@given(raid=raids, seed=st.integers(0, 2**32 - 1))
def test_same_seed_same_result(raid: dict[str, int], seed: int) -> None:
    defense = small_defense()
    first = simulate_raid(raid, defense, paths=200, seed=seed)
    second = simulate_raid(raid, defense, paths=200, seed=seed)
    for family in raid:
        assert np.array_equal(first.leakers[family], second.leakers[family])
    for name in defense.tracked_names:
        assert np.array_equal(first.spent[name], second.spent[name])


def test_channels_cap_engagements_per_raid() -> None:
    defense = small_defense(patriot_stock=Spread.exact(1000), patriot_channels=6)
    draws = simulate_raid(
        {"Iskander-M": 200}, small_defense_all_engaged(defense), paths=500, seed=3
    )
    # 6 channels and two shots per target: at most 12 PAC-3 MSE fired in one raid.
    assert draws.spent["PAC-3 MSE"].max() == 12


def small_defense_all_engaged(defense: Defense) -> Defense:
    """The same defense with almost every Iskander-M coming within reach."""
    threats = dict(defense.threats)
    threats["Iskander-M"] = ThreatExposure("Iskander-M", "ballistic", 0.99, 200.0)
    return replace(defense, threats=threats)


def test_vectorized_raid_agrees_with_plain_python_model() -> None:
    defense = small_defense(patriot_stock=Spread(10, 20, 40), patriot_channels=10)
    raid = {
        "Iskander-M": 30,
        "KN-23": 6,
        "Kinzhal": 8,
        "Kh-101/Kh-555": 40,
        "Kalibr": 12,
        "Shahed/Geran": 60,
    }
    fast = simulate_raid(raid, defense, paths=40_000, seed=11)
    slow = simulate_raid_reference(raid, defense, paths=4_000, seed=11)
    for family in raid:
        slow_leakers = np.array(slow[f"leakers:{family}"])
        standard_error = np.hypot(
            fast.leakers[family].std() / np.sqrt(40_000), slow_leakers.std() / np.sqrt(4_000)
        )
        assert abs(fast.leakers[family].mean() - slow_leakers.mean()) < 4 * standard_error + 1e-9
    for name in defense.tracked_names:
        slow_spent = np.array(slow[name])
        standard_error = np.hypot(
            fast.spent[name].std() / np.sqrt(40_000), slow_spent.std() / np.sqrt(4_000)
        )
        assert abs(fast.spent[name].mean() - slow_spent.mean()) < 4 * standard_error + 1e-9


def test_more_stock_means_fewer_ballistic_leakers() -> None:
    raid = {"Iskander-M": 40}
    scarce = simulate_raid(raid, small_defense(patriot_stock=Spread.exact(4)), paths=20_000, seed=5)
    ample = simulate_raid(
        raid, small_defense(patriot_stock=Spread.exact(200)), paths=20_000, seed=5
    )
    assert ample.leakers["Iskander-M"].mean() < scarce.leakers["Iskander-M"].mean() - 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("Iskander-M", "not NAME=COUNT"),
        ("Iskander-M=forty", "not a whole number"),
        ("Iskander-M=-3", "not a whole number"),
        ("Iskander-M=2.5", "not a whole number"),
        ("Iskander-M=0,Kinzhal=0", "no missiles"),
        ("Kinzhal=2,Kinzhal=3", "given twice"),
        ("=4", "not NAME=COUNT"),
    ],
)
def test_malformed_raids_are_rejected_in_one_line(text: str, message: str) -> None:
    with pytest.raises((InputError, ParameterError), match=message) as error:
        parse_raid(text)
    assert "\n" not in str(error.value)


def test_parse_raid_reads_names_with_slashes_and_spaces() -> None:
    assert parse_raid(" Kh-101/Kh-555 = 60 , Shahed/Geran=500") == {
        "Kh-101/Kh-555": 60,
        "Shahed/Geran": 500,
    }


def test_unknown_threat_lists_known_ones() -> None:
    with pytest.raises(UnknownNameError, match=r"unknown threat 'Tomahawk'.*Iskander-M"):
        simulate_raid({"Tomahawk": 3}, small_defense(), paths=10, seed=0)


def test_negative_stock_override_is_rejected() -> None:
    with pytest.raises(ParameterError, match="must not be negative"):
        simulate_raid(
            {"Iskander-M": 3}, small_defense(), paths=10, seed=0, stock_override={"PAC-3 MSE": -1}
        )
    with pytest.raises(UnknownNameError, match="PAC-3 MSE"):
        simulate_raid(
            {"Iskander-M": 3}, small_defense(), paths=10, seed=0, stock_override={"S-300": 5}
        )


def test_real_raid_saturates_ballistic_defense(real_setup: api.DefenseSetup) -> None:
    """With the shipped estimates and the ledger calibration, a larger ballistic raid
    leaks a larger share: interceptors and channels run out."""
    result = api.raid("Iskander-M=40,Kinzhal=10", paths=20_000, seed=1, defense=real_setup)
    leakers = result.leakers.set_index("threat")
    assert leakers.loc["all", "launched"] == 50
    assert 0 < leakers.loc["Iskander-M", "mean"] < 40
    curve = result.saturation
    assert list(curve["scale"]) == sorted(curve["scale"])
    ballistic_share = curve["ballistic_leak_share"].to_numpy()
    assert ballistic_share[-1] > ballistic_share[0] + 0.05
    assert (np.diff(ballistic_share) > -0.01).all()
    spent = result.interceptors.set_index("interceptor")
    assert spent.loc["PAC-3 MSE", "mean"] > 0
    assert spent["assumption"].all()
    assert "Iskander-M" in result.calibrated_on["Iskander-M"]


def test_real_raid_respects_a_given_stock(real_setup: api.DefenseSetup) -> None:
    empty = {name: 0.0 for name in real_setup.defense.tracked_names}
    result = api.raid(
        {"Iskander-M": 20, "Kh-101/Kh-555": 30},
        paths=5_000,
        seed=2,
        defense=real_setup,
        stock=empty,
        saturation=False,
    )
    assert (result.interceptors["mean"] == 0).all()
    leakers = result.leakers.set_index("threat")
    # No ballistic-capable interceptor left: every Iskander-M leaks.
    assert leakers.loc["Iskander-M", "mean"] == 20
    # Cruise missiles still meet the untracked layer (mobile fire groups, guns, ...).
    assert leakers.loc["Kh-101/Kh-555", "mean"] < 30
