"""Scenarios: declarative TOML files of changes over the baseline, run and stored.

``load_scenario("ceasefire-6m")`` or ``load_scenario(path)`` validates a scenario;
``run_scenarios([...])`` runs the stock-flow engine and the air-defense campaign under
each and stores the results with their inputs; ``compare_runs(a, b)`` shows the
differences that matter.
"""

from __future__ import annotations

from missilewatch.scenarios.runs import (
    ScenarioRun,
    compare_runs,
    rerun,
    result_differences,
    run_scenarios,
    stored_run,
)
from missilewatch.scenarios.spec import (
    MAX_PATHS,
    Scenario,
    ScenarioSpec,
    check_names,
    load_scenario,
    parse_scenario,
    shipped_names,
    spec_fields,
)

__all__ = [
    "MAX_PATHS",
    "Scenario",
    "ScenarioRun",
    "ScenarioSpec",
    "check_names",
    "compare_runs",
    "load_scenario",
    "parse_scenario",
    "rerun",
    "result_differences",
    "run_scenarios",
    "shipped_names",
    "spec_fields",
    "stored_run",
]
