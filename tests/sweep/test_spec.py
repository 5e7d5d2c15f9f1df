"""Sweep files: the shipped example loads; bad files fail with one line naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.sweep.conftest import write_sweep

from missilewatch.errors import InputError, MissilewatchError, ParameterError, UnknownNameError
from missilewatch.scenarios import spec_fields
from missilewatch.sweep import MAX_POINTS, PARAMETERS, load_sweep, shipped_names
from missilewatch.sweep.spec import grid_values, parameter_kind, total_points

OUTPUT = '\n[[output]]\nmetric = "depletion_month"\n'


def test_the_shipped_example_loads_with_its_parameters() -> None:
    assert "interceptor-balance" in shipped_names()
    sweep_file = load_sweep("interceptor-balance")
    assert sweep_file.spec.design.kind == "latin-hypercube"
    assert total_points(sweep_file.spec, sweep_file.parameters) == sweep_file.spec.design.points
    assert "defense.shots_per_target" in sweep_file.parameter_names


def test_scenario_parameters_are_fields_of_the_scenario_schema() -> None:
    # The sweep's scenario parameters keep the scenario file's names; a renamed field
    # there must not leave a sweep parameter that silently goes nowhere.
    fields = set(spec_fields())
    for kind in PARAMETERS:
        if kind.pattern.startswith("defense."):
            continue
        stem = kind.pattern.replace(".<TYPE>", "")
        assert stem in fields, kind.pattern


def test_grid_values_of_a_range_include_both_ends_and_round_whole_numbers(
    tmp_path: Path,
) -> None:
    body = (
        '[design]\nkind = "grid"\n'
        '[[parameter]]\nname = "production.factor"\nrange = [0.5, 1.5]\nsteps = 5\n'
        '[[parameter]]\nname = "ceasefire.months"\nrange = [0, 3]\nsteps = 7\n' + OUTPUT
    )
    sweep_file = load_sweep(write_sweep(tmp_path, body))
    factor, months = sweep_file.parameters
    assert grid_values(factor) == pytest.approx((0.5, 0.75, 1.0, 1.25, 1.5))
    # Seven steps over 0..3 months round to the four whole months, each once.
    assert grid_values(months) == (0.0, 1.0, 2.0, 3.0)
    assert total_points(sweep_file.spec, sweep_file.parameters) == 20


@pytest.mark.parametrize(
    ("body", "error", "names"),
    [
        # a factor of zero or below is refused
        (
            '[[parameter]]\nname = "production.factor"\nvalues = [1.0, 0.0]\n',
            ParameterError,
            ["parameter 1 (production.factor)", "values", "> 0"],
        ),
        (
            '[[parameter]]\nname = "escalation.salvo_size_factor"\nrange = [-1, 2]\nsteps = 3\n',
            ParameterError,
            ["parameter 1 (escalation.salvo_size_factor)", "range", "> 0"],
        ),
        # a parameter the model does not know
        (
            '[[parameter]]\nname = "production.speed"\nvalues = [1]\n',
            UnknownNameError,
            ["parameter 1 (production.speed)", "name", "production.factor"],
        ),
        (
            '[[parameter]]\nname = "defense.shots_per_target.drones"\nvalues = [1]\n',
            UnknownNameError,
            ["parameter 1", "drones", "ballistic"],
        ),
        # whole-number parameters take whole numbers
        (
            '[[parameter]]\nname = "ceasefire.months"\nvalues = [1.5]\n',
            ParameterError,
            ["ceasefire.months", "whole number"],
        ),
        (
            '[[parameter]]\nname = "defense.shots_per_target"\nvalues = [0, 2]\n',
            ParameterError,
            ["defense.shots_per_target", ">= 1"],
        ),
        # a grid range needs steps; values and range exclude each other
        (
            '[[parameter]]\nname = "production.factor"\nrange = [0.5, 1.5]\n',
            InputError,
            ["parameter 1 (production.factor)", "steps"],
        ),
        (
            '[[parameter]]\nname = "production.factor"\nrange = [1.5, 0.5]\nsteps = 3\n',
            ParameterError,
            ["range", "low < high"],
        ),
        (
            '[[parameter]]\nname = "production.factor"\nvalues = [1]\nrange = [1, 2]\n',
            InputError,
            ["parameter 1 (production.factor)", "either"],
        ),
        # structural errors from the schema name their table and field
        (
            '[[parameter]]\nname = "production.factor"\nvalues = [1]\nspeed = 2\n',
            InputError,
            ["parameter 1 (production.factor): speed", "unknown field"],
        ),
        (
            '[run]\npaths = 0\n[[parameter]]\nname = "production.factor"\nvalues = [1]\n',
            InputError,
            ["run.paths", "greater than 0"],
        ),
        (
            '[[parameter]]\nname = "production.factor"\nvalues = [1]\n'
            '[[output]]\nmetric = "morale"\n',
            InputError,
            ["output 1 (morale): metric"],
        ),
        (
            '[[parameter]]\nname = "production.factor"\nvalues = [1]\n'
            '[[output]]\nmetric = "stock"\nmonth = "June"\n',
            InputError,
            ["output 1 (stock): month", "2026-12"],
        ),
        # the number of points is bounded
        (
            '[[parameter]]\nname = "production.factor"\nrange = [0.5, 1.5]\nsteps = 101\n'
            '[[parameter]]\nname = "escalation.salvo_size_factor"\nrange = [0.5, 1.5]\n'
            "steps = 101\n",
            ParameterError,
            ["design", f"{MAX_POINTS:,}", "101 x 101"],
        ),
        (
            '[design]\nkind = "random"\npoints = 20000\n'
            '[[parameter]]\nname = "production.factor"\nrange = [0.5, 1.5]\n',
            InputError,
            ["design.points", "less than or equal"],
        ),
        (
            '[design]\nkind = "sobol"\npoints = 100\n'
            '[[parameter]]\nname = "production.factor"\nrange = [0.5, 1.5]\n',
            ParameterError,
            ["design.points", "power of 2"],
        ),
        (
            '[design]\nkind = "random"\n'
            '[[parameter]]\nname = "production.factor"\nrange = [0.5, 1.5]\n',
            InputError,
            ["design.points", "needs points"],
        ),
        (
            '[[parameter]]\nname = "production.factor"\nvalues = [1]\n'
            '[[parameter]]\nname = "production.factor"\nvalues = [2]\n',
            InputError,
            ["production.factor", "more than once"],
        ),
    ],
)
def test_a_bad_sweep_file_fails_with_one_line_naming_file_and_field(
    tmp_path: Path, body: str, error: type[MissilewatchError], names: list[str]
) -> None:
    path = write_sweep(tmp_path, body + OUTPUT)
    with pytest.raises(error) as raised:
        load_sweep(path)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    for name in names:
        assert name in message, message


def test_a_file_that_is_not_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("description = \n", encoding="utf-8")
    with pytest.raises(InputError, match=r"broken\.toml: not valid TOML"):
        load_sweep(path)


def test_an_unknown_name_lists_the_shipped_examples() -> None:
    with pytest.raises(UnknownNameError, match="interceptor-balance"):
        load_sweep("no-such-sweep")


def test_interceptor_parameters_take_the_type_after_the_prefix() -> None:
    kind = parameter_kind("interceptors.extra_per_month.PAC-3 MSE")
    assert kind.pattern == "interceptors.extra_per_month.<TYPE>"
    assert kind.check(-1) is not None and kind.check(0) is None
