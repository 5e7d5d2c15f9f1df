"""Raid engagements: invariants, agreement with the plain-Python model, saturation."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.defense.helpers import small_defense

from missilewatch.defense import (
    Defense,
    Spread,
    ThreatExposure,
    parse_raid,
    simulate_raid,
    simulate_raid_reference,
)
from missilewatch.errors import InputError, ParameterError, UnknownNameError
from missilewatch.views import defense as api

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
    gem_t=st.one_of(st.none(), st.integers(0, 60)),
    uncertain=st.booleans(),
)
def test_raid_invariants(
    raid: dict[str, int],
    seed: int,
    low: int,
    extra: int,
    channels: int,
    gem_t: int | None,
    uncertain: bool,
) -> None:
    defense = small_defense(
        patriot_stock=Spread(low, low + extra / 2, low + extra),
        patriot_channels=channels,
        gem_t_stock=None if gem_t is None else Spread(gem_t / 2, gem_t, 2 * gem_t),
        uncertain_doctrine=uncertain,
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
        # At least one and at most three shots per engaged target (doctrine 1..3).
        assert (draws.targets[name] <= draws.spent[name]).all()
        assert (draws.spent[name] <= 3 * draws.targets[name]).all()
    # The types of one fire system share its channels: PAC-3 MSE and PAC-2 GEM-T
    # together never engage more targets than the Patriot channels.
    patriot_targets = sum(draws.targets[name] for name in defense.system_members("Patriot"))
    assert (patriot_targets <= draws.channels["Patriot"]).all()
    assert (draws.targets["IRIS-T SLM"] <= draws.channels["IRIS-T SLM"]).all()


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
    assert draws.targets["PAC-3 MSE"].max() == 6


def test_patriot_missile_types_share_the_battery_channels() -> None:
    """A raid larger than the channels: PAC-3 MSE and PAC-2 GEM-T together engage
    exactly the Patriot channels, not twice as many (one channel per target)."""
    defense = small_defense_all_engaged(
        small_defense(
            patriot_stock=Spread.exact(8), gem_t_stock=Spread.exact(1000), patriot_channels=10
        )
    )
    draws = simulate_raid({"Iskander-M": 300}, defense, paths=2_000, seed=4)
    pac3, pac2 = draws.targets["PAC-3 MSE"], draws.targets["PAC-2 GEM-T"]
    assert (draws.channels["Patriot"] == 10).all()
    # PAC-3 MSE (8 in stock, two shots) takes four targets; GEM-T only the six channels left.
    assert (pac3 == 4).all()
    assert (pac2 == 6).all()
    assert (pac3 + pac2 == draws.channels["Patriot"]).all()
    assert (draws.spent["PAC-2 GEM-T"] == 12).all()


def test_doctrine_uncertainty_widens_interceptor_use_and_keeps_the_ledger_rate() -> None:
    """Shots per target and kill probabilities drawn per path: interceptors used per
    target vary between paths, while the unsaturated intercept rate stays at the one
    the engaged share was calibrated to (the central doctrine's)."""
    raid = {"Iskander-M": 30}
    ample = Spread.exact(10_000)
    uncertain = small_defense(patriot_stock=ample, patriot_channels=400, uncertain_doctrine=True)
    fixed = replace(
        uncertain,
        interceptors={
            **uncertain.interceptors,
            "PAC-3 MSE": replace(
                uncertain.interceptors["PAC-3 MSE"],
                engagements={
                    threat_class: replace(
                        engagement,
                        kill_probability=engagement.kill.central,
                        shots_per_target=engagement.central_shots,
                    )
                    for threat_class, engagement in uncertain.interceptors[
                        "PAC-3 MSE"
                    ].engagements.items()
                },
            ),
        },
    )
    paths = 40_000
    drawn = simulate_raid(raid, uncertain, paths=paths, seed=8)
    central = simulate_raid(raid, fixed, paths=paths, seed=8)
    engaged = drawn.targets["PAC-3 MSE"] > 0
    per_target = drawn.spent["PAC-3 MSE"][engaged] / drawn.targets["PAC-3 MSE"][engaged]
    assert set(np.unique(per_target)) == {2.0, 3.0}
    assert (central.spent["PAC-3 MSE"] == 2 * central.targets["PAC-3 MSE"]).all()
    # Same expected intercepts (within 4 standard errors), more interceptors spent.
    a, b = drawn.intercepted["Iskander-M"], central.intercepted["Iskander-M"]
    error = np.hypot(a.std(), b.std()) / np.sqrt(paths)
    assert abs(a.mean() - b.mean()) < 4 * error
    assert drawn.spent["PAC-3 MSE"].mean() > central.spent["PAC-3 MSE"].mean()


def small_defense_all_engaged(defense: Defense) -> Defense:
    """The same defense with almost every Iskander-M coming within reach."""
    threats = dict(defense.threats)
    threats["Iskander-M"] = ThreatExposure("Iskander-M", "ballistic", 0.99, 200.0)
    return replace(defense, threats=threats)


@pytest.mark.parametrize("uncertain", [False, True])
def test_vectorized_raid_agrees_with_plain_python_model(uncertain: bool) -> None:
    defense = small_defense(
        patriot_stock=Spread(10, 20, 40),
        patriot_channels=10,
        gem_t_stock=Spread(5, 10, 20),
        uncertain_doctrine=uncertain,
    )
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
    # The shipped Patriot batteries fire both missile types from one pool of channels.
    assert spent.loc["PAC-3 MSE", "fire_system"] == spent.loc["PAC-2 GEM-T", "fire_system"]
    draws = result.draws
    patriot = draws.targets["PAC-3 MSE"] + draws.targets["PAC-2 GEM-T"]
    assert (patriot <= draws.channels["Patriot"]).all()
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


def test_saturation_curve_uses_common_random_numbers(real_setup: api.DefenseSetup) -> None:
    """Every raid size meets the same per-path draws: the point at x1 is the raid itself,
    and the ballistic share not intercepted dips by less than half a point as the raid
    grows, even with few paths (independent streams per size made it wiggle by about 2
    points here)."""
    result = api.raid(
        "Iskander-M=30, Kh-101/Kh-555=40, Shahed/Geran=200", paths=500, seed=3, defense=real_setup
    )
    curve = result.saturation.set_index("scale")
    whole = result.leakers.set_index("threat").loc["all"]
    assert curve.loc[1.0, "missiles"] == whole["launched"]
    assert curve.loc[1.0, "leakers_mean"] == pytest.approx(whole["mean"])
    assert curve.loc[1.0, "leakers_p95"] == pytest.approx(whole["p95"])
    assert (np.diff(curve["ballistic_leak_share"].to_numpy()) > -0.005).all()
