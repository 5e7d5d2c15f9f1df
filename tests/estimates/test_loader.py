"""Loading, validating and overriding estimates files."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from missilewatch.cli import app
from missilewatch.errors import InputError
from missilewatch.estimates import (
    QUANTITIES,
    EstimatesError,
    known_families,
    load,
    parse_unit,
)

GOOD_RECORD = """
[[estimate]]
id = "{id}"
quantity = "production_rate"
subject = "Iskander-M"
bound = "range"
low = 600
central = 700
high = 800
unit = "missiles/year"
as_of = "2024-12-31"
note = "test record"
[estimate.source]
publication = "Test publication"
date = "2025-06-01"
url = "https://example.org/a"
"""


def write(tmp_path: Path, text: str, name: str = "user.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_files_load_and_every_record_is_sourced_or_an_assumption() -> None:
    estimates = load()
    assert len(estimates) >= 40
    for record in estimates:
        assert record.assumption or record.source is not None, record.id
        assert record.low <= record.central <= record.high, record.id
        assert record.quantity in QUANTITIES
        if not record.assumption:
            assert record.source is not None
            assert record.source.url.startswith("http")


def test_shipped_subjects_are_known_families_or_classes() -> None:
    families = known_families()
    for record in load().select(quantity="production_rate"):
        for subject in record.subjects:
            assert subject in families or subject.islower(), record.id


def test_public_figures_are_present_with_sources() -> None:
    estimates = load()
    iskander = estimates.select("production_rate", "Iskander-M", exact=True)
    centrals = {r.as_of.year: r.central for r in iskander if not r.assumption}
    assert centrals[2023] == 250
    assert centrals[2024] == 700
    kh101 = {r.as_of.year: r.central for r in estimates.select("production_rate", "Kh-101/Kh-555")}
    assert kh101[2021] == 56
    assert kh101[2023] == 420
    hur = estimates.get("hur-cruise-ballistic-production-2025")
    assert hur.central == 2900
    assert hur.per_month()[1] == pytest.approx(2900 / 12)
    assert hur.source is not None and hur.source.date.isoformat() == "2025-11-27"
    stocks = {r.id: r for r in estimates.select("stock")}
    assert stocks["reznikov-kalibr-stock-2022-11"].low == 229
    assert stocks["gur-iskander-m-stock-2025-06"].central == 600


def test_user_file_overrides_same_id_and_adds_new(tmp_path: Path) -> None:
    shipped = load().get("iskander-m-production-2024")
    text = GOOD_RECORD.format(id="iskander-m-production-2024").replace("low = 600", "low = 650")
    text += GOOD_RECORD.format(id="my-new-record")
    user = write(tmp_path, text)
    merged = load(user)
    overridden = merged.get("iskander-m-production-2024")
    assert overridden.low == 650 and shipped.low != 650
    assert overridden.origin == str(user)
    assert merged.get("my-new-record").central == 700
    assert len(merged) == len(load()) + 1


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        (("low = 600", "low = 900"), "low", "above high"),
        (("low = 600", "low = -5"), "low", "must not be negative"),
        (('quantity = "production_rate"', 'quantity = "production"'), "quantity", "unknown"),
        (('subject = "Iskander-M"', 'subject = "Iskander-X"'), "subject", "Iskander-X"),
        (('as_of = "2024-12-31"', 'as_of = "2124-12-31"'), "as_of", "outside"),
        (('unit = "missiles/year"', 'unit = "bananas"'), "unit", "unknown unit"),
        (('unit = "missiles/year"', 'unit = "missiles"'), "unit", "needs a rate"),
        (('note = "test record"', 'note = "x"\ncolour = "red"'), "colour", "unknown field"),
        (('as_of = "2024-12-31"', 'as_of = "2024-13-31"'), "as_of", ""),
    ],
)
def test_each_bad_field_gives_one_line_naming_file_record_and_field(
    tmp_path: Path, change: tuple[str, str], field: str, fragment: str
) -> None:
    text = GOOD_RECORD.format(id="bad-record").replace(*change)
    user = write(tmp_path, text)
    with pytest.raises(EstimatesError) as caught:
        load(user)
    problems = caught.value.problems
    assert len(problems) == 1, problems
    line = problems[0]
    assert "\n" not in line
    assert str(user) in line
    assert "'bad-record'" in line
    assert f"'{field}'" in line
    assert fragment in line


def test_missing_source_without_assumption_is_an_error(tmp_path: Path) -> None:
    text = GOOD_RECORD.format(id="no-source").split("[estimate.source]")[0]
    with pytest.raises(EstimatesError, match=r"'no-source'.*field 'source'"):
        load(write(tmp_path, text))
    assumed = text.replace('note = "test record"', 'note = "ours"\nassumption = true')
    record = load(write(tmp_path, assumed, "ok.toml")).get("no-source")
    assert record.assumption and record.source is None


def test_several_bad_fields_give_one_line_each(tmp_path: Path) -> None:
    text = (
        GOOD_RECORD.format(id="two-problems")
        .replace("low = 600", "low = 900")
        .replace('subject = "Iskander-M"', 'subject = "Nonexistent"')
    )
    with pytest.raises(EstimatesError) as caught:
        load(write(tmp_path, text))
    assert len(caught.value.problems) == 2
    assert str(caught.value).count("\n") == 1


def test_duplicate_id_within_a_file_and_bad_toml(tmp_path: Path) -> None:
    text = GOOD_RECORD.format(id="twice") + GOOD_RECORD.format(id="twice")
    with pytest.raises(EstimatesError, match="duplicate id"):
        load(write(tmp_path, text))
    with pytest.raises(InputError, match="not valid TOML"):
        load(write(tmp_path, "[[estimate]\nid=", "broken.toml"))
    with pytest.raises(InputError, match="not found"):
        load(tmp_path / "missing.toml")


def test_units_are_normalised() -> None:
    assert parse_unit("Missiles per yr").text == "missiles/year"
    assert parse_unit("missiles / month").months_per_period == 1.0
    assert parse_unit("drones/day").text == "drones/day"
    assert parse_unit("%").value_factor == pytest.approx(0.01)
    assert parse_unit("years").value_factor == 12.0
    with pytest.raises(ValueError, match="unknown unit"):
        parse_unit("furlongs")


def test_percent_is_stored_as_probability(tmp_path: Path) -> None:
    text = """
[[estimate]]
id = "pk"
quantity = "kill_probability"
subject = "PAC-3 MSE vs ballistic"
bound = "range"
low = 50
high = 90
unit = "%"
as_of = "2025-01-01"
assumption = true
"""
    record = load(write(tmp_path, text)).get("pk")
    assert (record.low, record.central, record.high) == pytest.approx((0.5, 0.7, 0.9))
    assert record.unit == "probability"
    with pytest.raises(EstimatesError, match="cannot exceed 1"):
        load(write(tmp_path, text.replace("high = 90", "high = 190"), "p2.toml"))


def test_cli_lists_estimates_with_assumptions_marked(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["estimates", "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("id,quantity,subject,bound,low,central,high")
    assert len(lines) - 1 == len(load())
    table = runner.invoke(app, ["estimates", "--quantity", "initial_stock"], env={"COLUMNS": "200"})
    assert table.exit_code == 0
    assert "ASSUMPTION" in table.output


def test_cli_reports_bad_user_file_in_one_line_per_field(tmp_path: Path) -> None:
    user = write(tmp_path, GOOD_RECORD.format(id="bad").replace("low = 600", "low = 900"))
    result = CliRunner().invoke(app, ["estimates", "--estimates", str(user)])
    assert result.exit_code != 0
    assert isinstance(result.exception, EstimatesError)


def test_every_shipped_record_states_its_bound() -> None:
    from missilewatch.estimates.records import BOUNDS

    for record in load():
        assert record.bound in BOUNDS, record.id


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (('bound = "range"\n', ""), "field 'bound': missing"),
        (('bound = "range"', 'bound = "roughly"'), "unknown bound 'roughly'"),
        (('bound = "range"', 'bound = "range"\nrelative_error = 0.3'), "'relative_error'"),
        (('bound = "range"', 'bound = "suspended"'), "'suspended' record states a zero"),
    ],
)
def test_bad_bound_is_one_line_naming_file_id_and_field(
    tmp_path: Path, edit: tuple[str, str], expected: str
) -> None:
    text = GOOD_RECORD.format(id="bad-bound").replace(*edit)
    path = write(tmp_path, text)
    with pytest.raises(EstimatesError) as caught:
        load(path)
    (line,) = caught.value.problems
    assert str(path) in line and "'bad-bound'" in line and expected in line


def test_approx_relative_error_is_kept_and_defaults() -> None:
    from missilewatch.estimates.records import DEFAULT_RELATIVE_ERROR

    record = next(r for r in load() if r.bound == "approx")
    assert record.error == (record.relative_error or DEFAULT_RELATIVE_ERROR)
