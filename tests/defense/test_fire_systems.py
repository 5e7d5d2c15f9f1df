"""Fire systems built from the estimates: one pool of channels per system."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from missilewatch.errors import InputError
from missilewatch.views import defense as api

#: A user file that fixes the Patriot batteries and their channels, replacing the
#: shipped records with the same ids.
FEW_PATRIOT_CHANNELS = """
[[estimate]]
id = "patriot-batteries-ukraine"
quantity = "fire_units"
subject = "Patriot"
bound = "approx"
value = 1
unit = "batteries"
as_of = "2025-11-18"
assumption = true

[[estimate]]
id = "patriot-engagements-per-battery"
quantity = "engagements_per_unit"
subject = "Patriot"
bound = "approx"
value = 3
unit = "engagements"
as_of = "2026-01-01"
assumption = true
"""


def test_shipped_systems_group_the_patriot_missiles(real_setup: api.DefenseSetup) -> None:
    defense = real_setup.defense
    assert defense.system_members("Patriot") == ("PAC-2 GEM-T", "PAC-3 MSE")
    assert defense.system_of("Aster 30") == "SAMP/T"
    assert defense.system_of("AIM-120 AMRAAM") == "NASAMS"
    # The sourced Patriot and SAMP/T counts are in force, and their records are named.
    assert defense.fire_systems["Patriot"].fire_units.central == 6
    assert defense.fire_systems["SAMP/T"].fire_units.central == 2
    assert "patriot-batteries-ukraine" in real_setup.record_ids["PAC-2 GEM-T"]
    frame = api.defense_frame(real_setup).set_index(["interceptor", "threat_class"])
    channels = frame["channels_central"]
    assert channels[("PAC-3 MSE", "ballistic")] == channels[("PAC-2 GEM-T", "ballistic")] == 36
    # Doctrine ranges of the estimates reach the model (2 / 2 / 3 shots per ballistic target).
    row = frame.loc[("PAC-3 MSE", "ballistic")]
    assert (row["shots_per_target_low"], row["shots_per_target_high"]) == (2, 3)
    assert row["kill_probability_low"] < row["kill_probability_central"]


def test_a_user_file_sets_the_patriot_channels_for_both_missiles(
    tmp_path: Path, snapshot_db: Path
) -> None:
    user = tmp_path / "few-channels.toml"
    user.write_text(FEW_PATRIOT_CHANNELS, encoding="utf-8")
    setup, _ = api.load_setup(user, snapshot_db)
    result = api.raid(
        {"Iskander-M": 200, "Kinzhal": 40},
        paths=2_000,
        seed=6,
        defense=setup,
        stock={"PAC-3 MSE": 400, "PAC-2 GEM-T": 400},
        saturation=False,
    )
    draws = result.draws
    assert (draws.channels["Patriot"] == 3).all()
    patriot = draws.targets["PAC-3 MSE"] + draws.targets["PAC-2 GEM-T"]
    assert patriot.max() == 3
    # With ample stock, the three channels go to PAC-3 MSE first: GEM-T is never fired.
    assert (draws.targets["PAC-2 GEM-T"] == 0).all()


def test_a_type_in_two_systems_is_refused(tmp_path: Path) -> None:
    layers = tmp_path / "layers.toml"
    layers.write_text(
        'untracked = []\n[order]\nballistic = ["PAC-3 MSE"]\n'
        '[systems]\nPatriot = ["PAC-3 MSE"]\nOther = ["PAC-3 MSE"]\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"systems.Other': 'PAC-3 MSE' is already fired by"):
        api.load_layers(layers)


def test_records_about_the_missile_types_still_describe_the_system(
    tmp_path: Path, snapshot_db: Path
) -> None:
    """A user file written before fire systems ("PAC-3 MSE + PAC-2 GEM-T") still works."""
    user = tmp_path / "old-subject.toml"
    user.write_text(
        FEW_PATRIOT_CHANNELS.replace('subject = "Patriot"', 'subject = "PAC-3 MSE + PAC-2 GEM-T"'),
        encoding="utf-8",
    )
    setup, _ = api.load_setup(user, snapshot_db)
    patriot = setup.defense.fire_systems["Patriot"]
    assert (patriot.fire_units.central, patriot.engagements_per_unit.central) == (1, 3)


def test_drawn_doctrine_keeps_the_ledger_rate_on_the_shipped_defense(
    real_setup: api.DefenseSetup, ledger_attacks: pd.DataFrame
) -> None:
    """Small Iskander-M raids against ample stock: the share intercepted matches the
    ledger's rate over the calibration window, although shots per target and kill
    probabilities are drawn per path."""
    assert real_setup.calibrated_on["Iskander-M"].startswith("Iskander-M, ")
    window = real_setup.calibrated_on["Iskander-M"].split(", ")[1]
    first, last = (pd.Timestamp(day) for day in window.split(".."))
    rows = ledger_attacks[
        (ledger_attacks["group"] == "Iskander-M")
        & (ledger_attacks["date"] > first)
        & (ledger_attacks["date"] <= last)
    ]
    ledger_rate = rows["destroyed"].sum() / rows["launched"].sum()
    ample = {name: 10_000.0 for name in real_setup.defense.tracked_names}
    paths, missiles = 40_000, 4
    result = api.raid(
        {"Iskander-M": missiles},
        paths=paths,
        seed=9,
        defense=real_setup,
        stock=ample,
        saturation=False,
    )
    intercepted = result.draws.intercepted["Iskander-M"] / missiles
    error = intercepted.std() / np.sqrt(paths)
    assert abs(intercepted.mean() - ledger_rate) < 4 * error + 0.005
