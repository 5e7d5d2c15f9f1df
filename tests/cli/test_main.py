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
