"""The scenario commands: listing, and bad files refused with one line and exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from missilewatch.scenarios import shipped_names


def _missilewatch(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "MISSILEWATCH_HOME": str(home), "COLUMNS": "200"}
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
