"""The README's quick start and command table match the code, so they cannot drift."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_command_table_is_current() -> None:
    readme_commands = _script("readme_commands")
    assert readme_commands.readme_with_table(README) == README, (
        "README command table is stale: run `python scripts/readme_commands.py --write`"
    )


def test_quick_start_is_two_commands_and_ci_runs_the_readme_test_command() -> None:
    block = re.search(r"## Quick start\s+```bash\n(.*?)```", README, re.S)
    assert block is not None
    commands = [line for line in block.group(1).splitlines() if line.strip()]
    assert len(commands) == 2
    install, test = commands
    assert "pip install" in install and "missilewatch report" in install
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert test.strip() in ci


def test_console_script_points_at_the_cli() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"]["missilewatch"] == "missilewatch.cli:main"
