"""Forgiving names: case, aliases and "did you mean" in the resolver, the CLI, the Python
API and the web API; aliases checked against the model strings of the real releases."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from tests.ledger.helpers import run_cli

from missilewatch import names
from missilewatch.errors import UnknownNameError
from missilewatch.ledger import taxonomy


@pytest.mark.parametrize(
    ("typed", "family"),
    [
        ("iskander", "Iskander-M"),
        ("Iskander-m", "Iskander-M"),
        ("ISKANDER-K", "Iskander-K"),
        ("9M723", "Iskander-M"),
        ("Kh101", "Kh-101/Kh-555"),
        ("kh-101", "Kh-101/Kh-555"),
        ("X-101", "Kh-101/Kh-555"),
        ("Kalibr/3M-14", "Kalibr"),
        ("3m14", "Kalibr"),
        ("kalibr", "Kalibr"),
        ("Geran", "Shahed/Geran"),
        ("shahed", "Shahed/Geran"),
        ("Shahed-136", "Shahed/Geran"),
        ("kinzhal", "Kinzhal"),
        ("  KN-23 ", "KN-23"),
    ],
)
def test_family_resolves_case_spacing_punctuation_and_aliases(typed: str, family: str) -> None:
    assert names.resolve_family(typed) == family


def test_unknown_family_suggests_the_closest_and_lists_every_family() -> None:
    with pytest.raises(UnknownNameError) as raised:
        names.resolve_family("Iskandr")
    message = str(raised.value)
    assert "unknown family 'Iskandr': did you mean 'Iskander-M' or 'Iskander-K'?" in message
    assert "\n" not in message
    for family in taxonomy.load().families:
        assert family in message
    with pytest.raises(UnknownNameError, match=r"unknown family 'Tomahawk' \(known:"):
        names.resolve_family("Tomahawk")


def test_known_family_outside_a_command_names_what_it_covers() -> None:
    expected = r"'GBU' \(guided bombs\) is not engaged by the model \(Kalibr\)"
    with pytest.raises(UnknownNameError, match=expected):
        names.resolve_family("GBU", ["Kalibr"], covered_by="engaged by the model")


def test_class_scenario_and_interceptor_names_are_forgiving() -> None:
    assert names.resolve_class("Ballistic") == "ballistic"
    assert names.resolve_class("anti ship") == "anti-ship"
    with pytest.raises(UnknownNameError, match="did you mean 'ballistic'"):
        names.resolve_class("balistic")
    assert names.resolve_scenario("Ceasefire-6M") == "ceasefire-6m"
    with pytest.raises(UnknownNameError, match="did you mean 'ceasefire-6m'"):
        names.resolve_scenario("ceasfire-6m")
    known = ["PAC-3 MSE", "PAC-2 GEM-T", "Aster 30"]
    assert names.resolve_interceptor("pac-3 mse", known) == "PAC-3 MSE"
    assert names.resolve_interceptor("aster30", known) == "Aster 30"
    with pytest.raises(UnknownNameError, match="did you mean 'PAC-3 MSE'"):
        names.resolve_interceptor("PAC3", known)


def test_two_names_matching_equally_are_ambiguous_not_guessed() -> None:
    with pytest.raises(UnknownNameError, match="ambiguous: it could be 'A-1', 'A1'"):
        names.resolve_name("a 1", ["A-1", "A1"], kind="thing")


# ---- the taxonomy's aliases against the real model strings ---------------------------------


def _real_model_strings(shared_data: Path) -> set[str]:
    models: set[str] = set()
    for release in sorted(shared_data.iterdir()):
        daily = release / "missile_attacks_daily.csv"
        if daily.is_file():
            with daily.open(encoding="utf-8", newline="") as handle:
                models.update(row["model"] for row in csv.DictReader(handle))
    return models


def _spellings() -> Iterator[tuple[str, str]]:
    for family in taxonomy.load().families.values():
        yield family.name, family.name
        for alias in family.aliases:
            yield alias, family.name


def test_no_spelling_of_one_family_matches_another_family() -> None:
    owners: dict[str, set[str]] = {}
    for spelling, family in _spellings():
        owners.setdefault(names.compact_key(spelling), set()).add(family)
    shared = {key: families for key, families in owners.items() if len(families) > 1}
    assert shared == {}


def test_aliases_leave_every_real_model_string_unambiguous(shared_data: Path) -> None:
    shipped = taxonomy.load()
    models = _real_model_strings(shared_data)
    assert len(models) > 50  # the three releases were read
    spellings = list(_spellings())
    for model in models:
        fractions = shipped.model_fractions(model)
        assert fractions is not None, model
        for part in [model, *model.split(" and ")]:
            loose = {f for s, f in spellings if names.loose_key(s) == names.loose_key(part)}
            compact = {f for s, f in spellings if names.compact_key(s) == names.compact_key(part)}
            assert len(loose) <= 1 and len(compact) <= 1, (part, loose, compact)
            # Loosening the match never points a real string at a different family.
            if loose:
                assert compact == loose, part


# ---- every edge: CLI, Python API, web API --------------------------------------------------


def test_cli_stats_accepts_aliases_and_class_case() -> None:
    code, out, err = run_cli(["stats", "--family", "Kh101", "--class", "Cruise", "-f", "csv"])
    assert code == 0, err
    typed = pd.read_csv(io.StringIO(out))
    code, out, err = run_cli(
        ["stats", "--family", "Kh-101/Kh-555", "--class", "cruise", "-f", "csv"]
    )
    assert code == 0, err
    pd.testing.assert_frame_equal(typed, pd.read_csv(io.StringIO(out)))
    assert typed["launched"].sum() > 0


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["stats", "--family", "Iskandr"], "did you mean 'Iskander-M' or 'Iskander-K'?"),
        (["stats", "--class", "balistic"], "did you mean 'ballistic'?"),
        (["run", "ceasfire-6m"], "did you mean 'ceasefire-6m'?"),
        (["intercepts", "--family", "Kalibrr"], "did you mean 'Kalibr'?"),
        (
            ["raid", "--raid", "Iskander-M=4", "--stock", "PAC3=4", "--paths", "10"],
            "did you mean 'PAC-3 MSE'?",
        ),
    ],
)
def test_cli_refuses_with_a_suggestion_on_one_line(args: list[str], needle: str) -> None:
    code, _out, err = run_cli(args)
    assert code == 2
    assert needle in err
    assert err.count("\n") <= 1 + len(err) // 80  # one line, wrapped at most by the terminal
    assert "Traceback" not in err


def test_cli_raid_resolves_names_to_the_families() -> None:
    code, out, err = run_cli(
        ["raid", "--raid", "iskander=8,Kh101=4", "--paths", "200", "-f", "csv", "--no-progress"]
    )
    assert code == 0, err
    frame = pd.read_csv(io.StringIO(out))
    assert list(frame["threat"]) == ["Iskander-M", "Kh-101/Kh-555", "all"]
    code, _out, err = run_cli(["raid", "--raid", "Iskander=4,9M723=4", "--no-progress"])
    assert code == 2 and "both denote 'Iskander-M'" in err


def test_python_api_accepts_the_same_names() -> None:
    from missilewatch.views.defense import intercept_calibration

    typed = intercept_calibration(families=["kalibr", "Iskander-m"], period="year")
    exact = intercept_calibration(families=["Kalibr", "Iskander-M"], period="year")
    pd.testing.assert_frame_equal(typed, exact)
    assert set(typed["family"]) == {"Kalibr", "Iskander-M"}


@pytest.fixture(scope="module")
def web_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    import os

    from fastapi.testclient import TestClient

    from missilewatch.web import create_app

    previous = os.environ.get("MISSILEWATCH_HOME")
    os.environ["MISSILEWATCH_HOME"] = str(tmp_path_factory.mktemp("names-web"))
    try:
        with TestClient(create_app(), base_url="http://127.0.0.1") as client:
            yield client
    finally:
        if previous is None:
            os.environ.pop("MISSILEWATCH_HOME", None)
        else:
            os.environ["MISSILEWATCH_HOME"] = previous


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_web_api_accepts_the_same_names(web_client: object) -> None:
    from fastapi.testclient import TestClient

    assert isinstance(web_client, TestClient)
    typed = web_client.get("/api/stats", params={"family": "iskander", "weapon_class": "Ballistic"})
    exact = web_client.get(
        "/api/stats", params={"family": "Iskander-M", "weapon_class": "ballistic"}
    )
    assert typed.status_code == 200, typed.text
    assert typed.json()["rows"] == exact.json()["rows"]
    refused = web_client.get("/api/stats", params={"family": "Iskandr"})
    assert refused.status_code == 422
    assert "did you mean 'Iskander-M'" in refused.json()["error"]
    raid = web_client.post("/api/raid", json={"raid": {"kh101": 5}, "paths": 200})
    assert raid.status_code == 200, raid.text
    assert [row["threat"] for row in raid.json()["leakers"]] == ["Kh-101/Kh-555", "all"]
