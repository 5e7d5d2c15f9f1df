"""Scenario files: every shipped one validates; broken ones give one line naming file and field."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from missilewatch.errors import InputError, ParameterError, UnknownNameError
from missilewatch.scenarios import check_names, load_scenario, parse_scenario, shipped_names

FORECAST_START = pd.Period("2026-05", freq="M")
HEADER = 'name = "broken"\ndescription = "A broken scenario for the tests."\n'


def test_the_four_required_scenarios_are_shipped() -> None:
    assert {"baseline", "ceasefire-6m", "escalation", "more-interceptors"} <= set(shipped_names())
    assert shipped_names()[0] == "baseline"


@pytest.mark.parametrize("name", shipped_names())
def test_each_shipped_scenario_validates_and_freezes(name: str) -> None:
    scenario = load_scenario(name)
    assert scenario.name == name
    assert scenario.spec.description.strip()
    adjustments = scenario.adjustments(FORECAST_START)
    assert adjustments.strike_frequency_factor > 0


def test_baseline_freezes_to_no_change() -> None:
    from missilewatch.model.adjustments import BASELINE

    assert load_scenario("baseline").adjustments(FORECAST_START) == BASELINE


def test_ceasefire_freezes_to_six_months_without_launches() -> None:
    adjustments = load_scenario("ceasefire-6m").adjustments(FORECAST_START)
    in_ceasefire = [month for month in range(24) if adjustments.in_ceasefire(month)]
    assert in_ceasefire == [0, 1, 2, 3, 4, 5]
    assert adjustments.production_multiplier(3) == 1.0


def test_calendar_month_becomes_offset_from_forecast_start(tmp_path: Path) -> None:
    text = HEADER + '[ceasefire]\nstart = "2026-08"\nmonths = 3\n'
    adjustments = parse_scenario(text, "cf.toml").adjustments(FORECAST_START)
    assert adjustments.ceasefire_start == 3
    # A TOML date works the same way.
    text = HEADER + "[ceasefire]\nstart = 2026-08-15\nmonths = 3\n"
    assert parse_scenario(text, "cf.toml").adjustments(FORECAST_START).ceasefire_start == 3


def test_month_before_forecast_start_is_refused() -> None:
    text = HEADER + '[escalation]\nstrike_frequency_factor = 2\nstart = "2025-01"\n'
    scenario = parse_scenario(text, "early.toml")
    with pytest.raises(ParameterError, match=r"^early\.toml: escalation\.start: .*before"):
        scenario.adjustments(FORECAST_START)


def test_scenario_file_is_loaded_by_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(HEADER + "[production]\nfactor = 1.2\nramp_months = 4\n", encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.source == str(path)
    assert scenario.adjustments(FORECAST_START).production_multiplier(1) == pytest.approx(1.1)


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ("[ceasefire\nmonths = 6\n", None, "not valid TOML"),
        ("colour = 'red'\n", "colour", "unknown field"),
        ("[ceasefire]\nmonths = 6\nlenght = 3\n", r"ceasefire\.lenght", "unknown field"),
        ("[ceasefire]\nmonths = -6\n", r"ceasefire\.months", "greater than 0"),
        ("[ceasefire]\nmonths = 6\nstart = -2\n", r"ceasefire\.start", ">= 0"),
        (
            "[escalation]\nstrike_frequency_factor = 0\n",
            r"escalation\.strike_frequency_factor",
            "greater than 0",
        ),
        (
            "[escalation]\nsalvo_size_factor = -1.5\n",
            r"escalation\.salvo_size_factor",
            "greater than 0",
        ),
        ("[production]\nfactor = 0\n", r"production\.factor", "greater than 0"),
        ("[run]\npaths = 10000000\n", r"run\.paths", "less than or equal to 200000"),
        ('[imports]\nstop = "2026-13"\n', r"imports\.stop", "not a valid month"),
        (
            "[interceptors.extra_per_month]\n'PAC-3 MSE' = -4\n",
            r"interceptors\.extra_per_month",
            ">= 0",
        ),
    ],
)
def test_broken_file_gives_one_line_naming_file_and_field(
    tmp_path: Path, body: str, field: str | None, reason: str
) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(HEADER + body, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    if field is not None:
        assert re.search(rf": {field}: ", message), message
    assert reason in message


def test_missing_name_and_description_are_both_named() -> None:
    with pytest.raises(InputError, match=r"name: missing.*description: missing"):
        parse_scenario("[ceasefire]\nmonths = 2\n", "empty.toml")


def test_unknown_interceptor_is_named() -> None:
    scenario = parse_scenario(
        HEADER + "[interceptors.extra_per_month]\n'Patriot PAC-9' = 10\n", "int.toml"
    )
    with pytest.raises(
        UnknownNameError, match=r"^int\.toml: interceptors\.extra_per_month: .*PAC-9"
    ):
        check_names(scenario, interceptor_types=["PAC-3 MSE", "PAC-2 GEM-T"])
    check_names(load_scenario("more-interceptors"), interceptor_types=["PAC-3 MSE"])


def test_unknown_scenario_name_lists_the_shipped_ones() -> None:
    with pytest.raises(UnknownNameError, match="ceasefire-6m"):
        load_scenario("ceasefire-60m")


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nothere\.toml: scenario file not found"):
        load_scenario(tmp_path / "nothere.toml")
