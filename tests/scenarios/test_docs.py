"""docs/scenarios.md lists every field of the scenario schema, so the two cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

from missilewatch.scenarios import shipped_names, spec_fields

DOC = Path(__file__).resolve().parents[2] / "docs" / "scenarios.md"


def test_every_scenario_field_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_.]+)` \|", text, flags=re.MULTILINE))
    fields = set(spec_fields())
    assert fields <= documented, f"undocumented: {sorted(fields - documented)}"
    # A documented row that is not a field (nor a shipped scenario name) is stale.
    stale = documented - fields - set(shipped_names())
    assert not stale, f"documented but not in the schema: {sorted(stale)}"


def test_every_shipped_scenario_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name in shipped_names():
        assert f"| `{name}` |" in text
