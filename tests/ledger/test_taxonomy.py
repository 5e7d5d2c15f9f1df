"""The weapon taxonomy maps every model string of both shared releases."""

from __future__ import annotations

import csv
from fractions import Fraction
from pathlib import Path

import pytest

from missilewatch.errors import InputError, UnknownNameError
from missilewatch.ledger import taxonomy
from missilewatch.ledger.taxonomy import WEAPON_CLASSES


def _models(path: Path) -> set[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["model"] for row in csv.DictReader(handle)}


@pytest.mark.parametrize("release", ["release_old", "release_new"])
def test_every_model_of_both_releases_maps(release: str, request: pytest.FixtureRequest) -> None:
    folder: Path = request.getfixturevalue(release)
    tax = taxonomy.load()
    models = _models(folder / "missile_attacks_daily.csv") | _models(
        folder / "missiles_and_uavs.csv"
    )
    assert len(models) > 60
    unmapped = sorted(m for m in models if not tax.is_known(m))
    assert unmapped == []
    for model in models:
        weights = tax.model_families(model)
        assert weights and abs(sum(weights.values()) - 1.0) < 1e-12
        assert all(tax.families[f].weapon_class in WEAPON_CLASSES for f in weights)


def test_classes_follow_the_taxonomy_not_the_reference_file() -> None:
    tax = taxonomy.load()
    # The reference lists this combination as a cruise missile.
    weights = tax.model_families("X-47 Kinzhal and Iskander-M/KN-23")
    assert {tax.families[f].weapon_class for f in weights} == {"aeroballistic", "ballistic"}
    assert weights["Kinzhal"] == pytest.approx(0.5)
    assert weights["KN-23"] == pytest.approx(0.5 / 3, abs=1e-4)
    assert tax.families["S-300/S-400"].weapon_class == "sam-ground"
    assert tax.model_families("C-300/C-400 and Iskander-M") == {
        "S-300/S-400": 0.5,
        "Iskander-M": 0.5,
    }


def test_cyrillic_names_and_whitespace_are_matched() -> None:
    tax = taxonomy.load()
    assert tax.model_families("Молнія") == {"loitering munitions": 1.0}
    assert tax.model_families("  shahed-136/131 ") == {"Shahed/Geran": 1.0}
    assert tax.model_families("Orlan-10  and  ZALA") == {"reconnaissance UAVs": 1.0}


def test_combination_weights_are_exact_fractions() -> None:
    tax = taxonomy.load()
    fractions = tax.model_fractions("X-101/X-555 and Kalibr and Iskander-K and X-59")
    assert fractions is not None
    assert sum(fractions.values(), Fraction(0)) == 1
    assert set(fractions.values()) == {Fraction(1, 4)}


def test_unknown_model_is_named() -> None:
    with pytest.raises(UnknownNameError, match="Tornado-S"):
        taxonomy.load().model_families("Tornado-S")


def test_user_file_extends_and_overrides(tmp_path: Path) -> None:
    user = tmp_path / "mine.toml"
    user.write_text(
        """
[[family]]
name = "Tornado-S"
class = "other"
aliases = ["Торнадо-С"]

[[model]]
name = "Iskander-M/KN-23"
families = { "Iskander-M" = 1, "KN-23" = 1 }
""",
        encoding="utf-8",
    )
    tax = taxonomy.load(user)
    assert tax.model_families("Торнадо-С") == {"Tornado-S": 1.0}
    assert tax.model_families("Iskander-M/KN-23") == {"Iskander-M": 0.5, "KN-23": 0.5}
    assert "Kalibr" in tax.families  # the default stays


def test_bad_user_file_names_file_and_field(tmp_path: Path) -> None:
    user = tmp_path / "bad.toml"
    user.write_text('[[family]]\nname = "X"\nclass = "laser"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.toml: family #1 \(X\): field 'class'"):
        taxonomy.load(user)


def test_iskander_kn23_weights_are_exact_thirds() -> None:
    fractions = taxonomy.load().model_fractions("Iskander-M/KN-23")
    assert fractions == {"Iskander-M": Fraction(2, 3), "KN-23": Fraction(1, 3)}
    assert "CNN" in taxonomy.load().models["Iskander-M/KN-23"].source


def test_fraction_weight_must_be_valid(tmp_path: Path) -> None:
    user = tmp_path / "bad.toml"
    user.write_text(
        '[[model]]\nname = "Iskander-M/KN-23"\nfamilies = { "Iskander-M" = "two thirds" }\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"model #1 \(Iskander-M/KN-23\): weight of 'Iskander-M'"):
        taxonomy.load(user)
