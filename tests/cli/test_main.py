"""The console entry point prints user errors and warnings as one plain line."""

from __future__ import annotations

import subprocess
import sys


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from missilewatch.cli import main; main()", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_error_text_keeps_square_brackets_and_is_one_line() -> None:
    result = run("stockpile", "--family", "[[made-up]]", "--paths", "10")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert "'[[made-up]]'" in lines[0]
    assert "Traceback" not in result.stderr


def test_version_and_unknown_command() -> None:
    version = run("--version")
    assert version.returncode == 0 and version.stdout.startswith("missilewatch ")
    unknown = run("no-such-command")
    assert unknown.returncode == 2
    assert "No such command" in unknown.stderr


def test_stockpile_check_refuses_bad_records_in_one_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Bad input reaches the reconstruction's check as one line naming file, id and field."""
    cases = {
        "subject": ('subject = "Banderol"\nbound = "approx"\nvalue = 10', "field 'subject'"),
        "bound": ('subject = "Iskander-M"\nbound = "roughly"\nvalue = 10', "field 'bound'"),
        "negative": ('subject = "Iskander-M"\nbound = "approx"\nvalue = -5', "negative"),
        "order": ('subject = "Iskander-M"\nbound = "range"\nlow = 50\nhigh = 10', "low"),
    }
    for name, (body, expected) in cases.items():
        path = tmp_path / f"{name}.toml"
        path.write_text(
            f'[[estimate]]\nid = "bad-{name}"\nquantity = "stock"\n{body}\n'
            'unit = "missiles"\nas_of = "2025-06-01"\nassumption = true\nnote = "test"\n',
            encoding="utf-8",
        )
        result = run("stockpile", "--check", "--estimates", str(path), "--no-progress")
        assert result.returncode == 2, (name, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in result.stderr, (name, result.stderr)
        assert str(path) in lines[0] and f"bad-{name}" in lines[0], lines[0]
        assert expected in lines[0], lines[0]
