"""The scenario commands: listing, and bad files refused with one line and exit code 2."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from missilewatch.scenarios import shipped_names


def _missilewatch(*args: str, home: Path, columns: int = 200) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "MISSILEWATCH_HOME": str(home), "COLUMNS": str(columns)}
    return subprocess.run(
        [sys.executable, "-c", "from missilewatch.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def test_scenarios_lists_every_shipped_scenario(isolated_home: Path) -> None:
    result = _missilewatch("scenarios", "--format", "csv", home=isolated_home)
    assert result.returncode == 0, result.stderr
    listed = [line.split(",")[0] for line in result.stdout.splitlines()[1:]]
    assert listed == shipped_names()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("[escalation]\nsalvo_size_factor = 0\n", "escalation.salvo_size_factor"),
        ("[ceasefire]\nmonths = 6\nstart = -1\n", "ceasefire.start"),
        ("[interceptors.extra_per_month]\n'Patriot PAC-9' = 10\n", "interceptors.extra_per_month"),
        ("speed = 3\n", "speed"),
    ],
)
def test_bad_scenario_file_exits_2_with_one_line(
    tmp_path: Path, isolated_home: Path, body: str, field: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\ndescription = "Broken on purpose."\n' + body, encoding="utf-8")
    result = _missilewatch("run", str(path), "--paths", "10", home=isolated_home)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert str(path) in lines[0] and field in lines[0]
    assert "Traceback" not in result.stderr


def test_unknown_scenario_name_exits_2(isolated_home: Path) -> None:
    result = _missilewatch("run", "no-such-scenario", home=isolated_home)
    assert result.returncode == 2
    assert "no-such-scenario" in result.stderr


def _fits_80_columns(text: str) -> None:
    assert max(len(line) for line in text.splitlines()) <= 80, text
    assert "…" not in text, text  # no cell cut short


def test_compare_and_runs_fit_80_columns_with_calendar_depletion_months(
    isolated_home: Path,
) -> None:
    result = _missilewatch(
        "run", "baseline", "ceasefire-6m", "--paths", "60", "--until", "2027-06",
        home=isolated_home, columns=80,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    _fits_80_columns(result.stdout)
    # Each stored run names its class with the fewest effective paths: few of 60 here.
    fewest = re.findall(r"│ ([a-z-]+) ([\d,]+) +│", result.stdout)
    assert len(fewest) == 2, result.stdout
    assert all(0 < int(count.replace(",", "")) <= 60 for _, count in fewest)
    shown = _missilewatch("compare", "baseline", "ceasefire-6m", home=isolated_home, columns=80)
    assert shown.returncode == 0, shown.stderr
    _fits_80_columns(shown.stdout)
    # Medians with their ranges, class and month in full.
    assert re.search(r"ballistic\s+│ \d{4}-\d{2} │ [\d,.k]+ \([\d,.k]+-[\d,.k]+\)", shown.stdout)
    depletion = [line for line in shown.stdout.splitlines() if line.startswith(" all ")]
    assert len(depletion) == 1, shown.stdout
    assert re.search(r"(\d{4}-\d{2}|>2027-06) \((\d{4}-\d{2}|>2027-06) to ", depletion[0])
    # Files keep every column, the depletion month as an offset from the forecast start.
    full = _missilewatch("compare", "baseline", "ceasefire-6m", "-f", "csv", home=isolated_home)
    frame = pd.read_csv(io.StringIO(full.stdout))
    assert list(frame.columns) == [
        "metric", "name", "month", "unit", "a_p5", "a_p50", "a_p95",
        "b_p5", "b_p50", "b_p95", "difference_p50",
    ]  # fmt: skip
    row = frame[frame["metric"] == "depletion_month"].iloc[0]
    start = pd.Period(row["month"], freq="M")
    if row["a_p50"] != float("inf"):
        assert str(start + int(row["a_p50"])) in depletion[0].split("│")[1]
    listed = _missilewatch("runs", home=isolated_home, columns=80)
    assert listed.returncode == 0, listed.stderr
    _fits_80_columns(listed.stdout)
    assert "ceasefire-6m" in listed.stdout and "2027-06" in listed.stdout


@pytest.mark.parametrize(
    ("body", "args", "field", "words"),
    [
        (
            '[run]\nuntil = "2027-06"\n[ceasefire]\nstart = "2027-09"\nmonths = 3\n',
            (),
            "ceasefire.start",
            "2027-09 is after the last forecast month 2027-06 (run.until)",
        ),
        (
            '[ceasefire]\nstart = "2027-09"\nmonths = 3\n',
            ("--until", "2027-08"),
            "ceasefire.start",
            "after the last forecast month 2027-08 (--until)",
        ),
        ('[run]\nuntil = "2026-06"\n[imports]\nstop = 40\n', (), "imports.stop", "is after"),
        (
            '[run]\nuntil = "2026-06"\n[escalation]\nsalvo_size_factor = 2\nstart = "2029-01"\n',
            (),
            "escalation.start",
            "is after",
        ),
        ('[run]\nuntil = "2020-01"\n', (), "run.until", "2020-01 is before the forecast start"),
    ],
)
def test_months_outside_the_forecast_name_the_file_and_field(
    tmp_path: Path,
    isolated_home: Path,
    body: str,
    args: tuple[str, ...],
    field: str,
    words: str,
) -> None:
    path = tmp_path / "late.toml"
    path.write_text('name = "late"\ndescription = "Out of range."\n' + body, encoding="utf-8")
    result = _missilewatch("run", str(path), "--paths", "10", *args, home=isolated_home)
    assert result.returncode == 2, result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert f"{path}: {field}: " in lines[0] and words in lines[0], lines[0]


def test_until_from_the_command_line_is_named_as_such(isolated_home: Path) -> None:
    result = _missilewatch("run", "baseline", "--until", "2020-01", home=isolated_home)
    assert result.returncode == 2
    line = result.stderr.strip()
    assert "\n" not in line
    assert line.startswith("error: --until: 2020-01 is before the forecast start 20"), line
    assert "baseline" not in line and "run.until" not in line
