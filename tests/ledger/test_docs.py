"""docs/ledger.md names every ledger command, option, quality flag and weapon family."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from missilewatch.cli import app
from missilewatch.ledger import taxonomy
from missilewatch.ledger.quality import FLAGS
from missilewatch.ledger.releases import UPSTREAM_ENV, UPSTREAM_URL

DOC = (Path(__file__).resolve().parents[2] / "docs" / "ledger.md").read_text(encoding="utf-8")
LEDGER_COMMANDS = ("stats", "ingest", "update", "releases", "check", "history")


def test_every_command_and_option_is_documented() -> None:
    command = typer.main.get_command(app)
    for name in LEDGER_COMMANDS:
        assert f"missilewatch {name}" in DOC
        sub = command.commands[name]  # type: ignore[attr-defined]
        for param in sub.params:
            for option in param.opts:
                if option.startswith("--") and option != "--help":
                    assert option in DOC, f"{name} {option}"


def test_flags_families_and_upstream_are_documented() -> None:
    for flag in FLAGS:
        assert f"`{flag}`" in DOC
    for family in taxonomy.load().families:
        stem = re.split(r"[ (]", family)[0]
        assert stem in DOC, family
    assert UPSTREAM_URL in DOC and UPSTREAM_ENV in DOC
