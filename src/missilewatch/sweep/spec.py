"""Sweep files: TOML validated by pydantic at the edge, frozen into plain data.

A sweep file names a base scenario (a shipped scenario name or a scenario file), the
parameters to vary (each with a list of ``values`` or a ``range = [low, high]``), the
design that turns them into points (``grid``, ``random``, ``latin-hypercube`` or
``sobol``) and the outputs to record for every point.

Every problem is reported as one line naming the file and the field, e.g.
``my-sweep.toml: parameter 2 (production.factor): range: must be > 0 (got 0)``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, field_validator

from missilewatch.defense.params import BALLISTIC_CLASSES, THREAT_CLASSES
from missilewatch.errors import InputError, ParameterError, UnknownNameError, validation_reason
from missilewatch.limits import MAX_PATHS, MAX_SCENARIO_FACTOR
from missilewatch.paths import package_data, read_shipped_or_file

#: Largest number of points one sweep may have (the grid's product, or n for a sample).
MAX_POINTS: Final = 10_000
#: Largest number of Monte Carlo paths per point.
MAX_POINT_PATHS: Final = MAX_PATHS
#: Default Monte Carlo paths per point: a sweep spends its effort across points.
DEFAULT_POINT_PATHS: Final = 1_000
#: Largest number of shots a doctrine may fire at one target.
MAX_SHOTS_PER_TARGET: Final = 8

DESIGNS: Final = ("grid", "random", "latin-hypercube", "sobol")
METRICS: Final = ("stock", "interceptor_stock", "depletion_month", "p_depletion_before", "leakers")
#: Threat group summed over the ballistic and aeroballistic families (as in the campaign).
BALLISTIC_GROUP: Final = "ballistic-capable"

_MONTH_TEXT = re.compile(r"^\d{4}-\d{2}$")
_UNION_TAGS = frozenset({"int", "str", "date", "float", "none", "tuple"})


@dataclass(frozen=True, slots=True)
class ParameterKind:
    """A parameter a sweep may vary: where it acts and the values it accepts.

    Attributes:
        pattern: the name, with ``<TYPE>`` or ``<CLASS>`` where a name is filled in.
        integer: whole numbers only (months, shots); a range then samples integers.
        minimum: smallest allowed value.
        minimum_exclusive: True if the minimum itself is not allowed (factors > 0).
        maximum: largest allowed value.
        description: what the parameter changes.
    """

    pattern: str
    integer: bool
    minimum: float
    minimum_exclusive: bool
    maximum: float
    description: str

    def check(self, value: float) -> str | None:
        """Why ``value`` is not allowed, or None."""
        if not math.isfinite(value):
            return f"must be a finite number (got {value})"
        if self.integer and value != int(value):
            return f"must be a whole number (got {value})"
        if self.minimum_exclusive and value <= self.minimum:
            return f"must be > {self.minimum:g} (got {value:g})"
        if not self.minimum_exclusive and value < self.minimum:
            return f"must be >= {self.minimum:g} (got {value:g})"
        if value > self.maximum:
            return f"must be <= {self.maximum:g} (got {value:g})"
        return None


#: Every parameter a sweep may vary. Scenario fields keep their scenario-file names
#: (docs/scenarios.md); ``defense.*`` changes the air-defense doctrine.
PARAMETERS: Final[tuple[ParameterKind, ...]] = (
    ParameterKind(
        "production.factor",
        False,
        0,
        True,
        MAX_SCENARIO_FACTOR,
        "Multiplies missile production once reached.",
    ),
    ParameterKind("production.start", True, 0, False, 600, "First month of the production change."),
    ParameterKind(
        "production.ramp_months", True, 0, False, 600, "Months to reach the full production factor."
    ),
    ParameterKind(
        "escalation.strike_frequency_factor",
        False,
        0,
        True,
        MAX_SCENARIO_FACTOR,
        "Multiplies the expected attacks per month.",
    ),
    ParameterKind(
        "escalation.salvo_size_factor",
        False,
        0,
        True,
        MAX_SCENARIO_FACTOR,
        "Multiplies the expected missiles per attack.",
    ),
    ParameterKind("escalation.start", True, 0, False, 600, "First month the escalation applies."),
    ParameterKind(
        "ceasefire.months",
        True,
        0,
        False,
        600,
        "Months without launches (0 = no ceasefire); production goes on.",
    ),
    ParameterKind("ceasefire.start", True, 0, False, 600, "First month without launches."),
    ParameterKind("imports.stop", True, 0, False, 600, "First month with no missile imports."),
    ParameterKind(
        "interceptors.extra_per_month.<TYPE>",
        False,
        0,
        False,
        10_000,
        "Extra interceptors of a counted type delivered to Ukraine per month.",
    ),
    ParameterKind(
        "interceptors.start", True, 0, False, 600, "First month of the extra deliveries."
    ),
    ParameterKind(
        "defense.shots_per_target",
        True,
        1,
        False,
        MAX_SHOTS_PER_TARGET,
        "Interceptors fired at each engaged ballistic or aeroballistic target, every counted type.",
    ),
    ParameterKind(
        "defense.shots_per_target.<CLASS>",
        True,
        1,
        False,
        MAX_SHOTS_PER_TARGET,
        "Interceptors fired at each engaged target of one threat class, every counted type.",
    ),
)

_EXTRA_PREFIX = "interceptors.extra_per_month."
_SHOTS_PREFIX = "defense.shots_per_target."


def parameter_kind(name: str) -> ParameterKind:
    """The kind of a parameter name; raises UnknownNameError listing the known names."""
    by_pattern = {kind.pattern: kind for kind in PARAMETERS}
    if name in by_pattern:
        return by_pattern[name]
    if name.startswith(_EXTRA_PREFIX) and name.removeprefix(_EXTRA_PREFIX).strip():
        return by_pattern["interceptors.extra_per_month.<TYPE>"]
    if name.startswith(_SHOTS_PREFIX):
        threat_class = name.removeprefix(_SHOTS_PREFIX)
        if threat_class not in THREAT_CLASSES:
            raise UnknownNameError(
                f"unknown threat class {threat_class!r} (known: {', '.join(THREAT_CLASSES)})"
            )
        return by_pattern["defense.shots_per_target.<CLASS>"]
    raise UnknownNameError(
        f"unknown parameter {name!r} (known: {', '.join(kind.pattern for kind in PARAMETERS)})"
    )


def shots_classes(name: str) -> tuple[str, ...]:
    """Threat classes a ``defense.shots_per_target`` parameter sets (empty: not one)."""
    if name == "defense.shots_per_target":
        return tuple(sorted(BALLISTIC_CLASSES))
    if name.startswith(_SHOTS_PREFIX):
        return (name.removeprefix(_SHOTS_PREFIX),)
    return ()


def extra_interceptor_type(name: str) -> str | None:
    """The interceptor type of an ``interceptors.extra_per_month.<TYPE>`` parameter."""
    return name.removeprefix(_EXTRA_PREFIX) if name.startswith(_EXTRA_PREFIX) else None


# --- the file ------------------------------------------------------------------------------


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RunSection(_Section):
    """How every point is run; the command line may override each field."""

    until: str | dt.date | None = Field(
        default=None, description="Last forecast month (default: the base scenario's)."
    )
    paths: int = Field(
        default=DEFAULT_POINT_PATHS,
        gt=0,
        le=MAX_POINT_PATHS,
        description="Monte Carlo paths per point.",
    )
    seed: int = Field(
        default=0, ge=0, description="Root seed; every point's stream derives from it."
    )
    common_random_numbers: bool = Field(
        default=False,
        description=(
            "true: every point uses the same stream, so points differ by their parameters, "
            "not by Monte Carlo noise; false: each point its own stream."
        ),
    )

    @field_validator("until")
    @classmethod
    def _until_is_month(cls, value: str | dt.date | None) -> str | dt.date | None:
        if isinstance(value, str) and not _MONTH_TEXT.match(value.strip()):
            raise ValueError(f"must be a month like 2027-12 (got {value!r})")
        return value


class DesignSection(_Section):
    """How the parameters become points."""

    kind: Literal["grid", "random", "latin-hypercube", "sobol"] = Field(
        default="grid",
        description=(
            "grid (every combination), random (independent draws), latin-hypercube "
            "(stratified draws) or sobol (Saltelli design for Sobol indices; needs SALib)."
        ),
    )
    points: int | None = Field(
        default=None,
        gt=0,
        le=MAX_POINTS,
        description=(
            "Points to draw (random, latin-hypercube); for sobol the base sample size, a "
            "power of 2, giving points x (parameters + 2) runs. Not used by grid."
        ),
    )


class ParameterSection(_Section):
    """One parameter to vary: a list of values, or a range."""

    name: str = Field(description="A parameter name (see the table of parameters).")
    values: list[float] | None = Field(default=None, min_length=1, description="The values to use.")
    range: tuple[float, float] | None = Field(
        default=None, description="[low, high]: grids space `steps` values; samples draw in it."
    )
    steps: int | None = Field(
        default=None,
        ge=2,
        le=MAX_POINTS,
        description="Evenly spaced values over the range, ends included (grid only).",
    )


class OutputSection(_Section):
    """One result recorded at every point."""

    metric: Literal[
        "stock", "interceptor_stock", "depletion_month", "p_depletion_before", "leakers"
    ] = Field(description="What to record (see the table of outputs).")
    name: str | None = Field(
        default=None,
        description=(
            "Family or class (stock), interceptor type (interceptor_stock), threat family "
            "or ballistic-capable (leakers)."
        ),
    )
    month: StrictInt | str | dt.date | None = Field(
        default=None,
        description="Month offset from the forecast start or a month like 2026-12.",
    )

    @field_validator("month")
    @classmethod
    def _month(cls, value: int | str | dt.date | None) -> int | str | dt.date | None:
        if isinstance(value, bool):
            raise ValueError("must be a month offset or a month like 2026-12, not true/false")
        if isinstance(value, int) and value < 0:
            raise ValueError(f"must be >= 0 months after the forecast start (got {value})")
        if isinstance(value, str) and not _MONTH_TEXT.match(value.strip()):
            raise ValueError(f"must be a month like 2026-12 or an offset in months (got {value!r})")
        return value


class SweepSpec(_Section):
    """One sweep file."""

    description: str = Field(description="One or two plain sentences: what the sweep asks.")
    scenario: str = Field(
        default="baseline",
        description="Base scenario: a shipped scenario name, or a scenario file (relative "
        "paths are read from the sweep file's folder).",
    )
    run: RunSection = Field(default_factory=RunSection, description="Run settings.")
    design: DesignSection = Field(default_factory=DesignSection, description="The design.")
    parameter: list[ParameterSection] = Field(
        min_length=1, description="The parameters to vary ([[parameter]] tables)."
    )
    output: list[OutputSection] = Field(
        min_length=1, description="The results to record ([[output]] tables)."
    )


@dataclass(frozen=True, slots=True)
class Parameter:
    """A checked parameter: either ``values`` or a ``(low, high)`` range."""

    name: str
    kind: ParameterKind
    values: tuple[float, ...] | None
    low: float | None
    high: float | None
    steps: int | None


@dataclass(frozen=True, slots=True)
class Sweep:
    """A validated sweep file together with the exact text it came from."""

    spec: SweepSpec
    parameters: tuple[Parameter, ...]
    text: str
    source: str  # file path, or "shipped:<name>"
    folder: Path | None  # where relative scenario paths are read from

    @property
    def parameter_names(self) -> list[str]:
        return [parameter.name for parameter in self.parameters]


def sweep_fields(model: type[BaseModel] = SweepSpec, prefix: str = "") -> dict[str, str]:
    """Every field of the sweep schema as dotted name -> description (for the docs)."""
    fields: dict[str, str] = {}
    for name, info in model.model_fields.items():
        dotted = f"{prefix}{name}"
        fields[dotted] = info.description or ""
        nested = _section_type(info.annotation)
        if nested is not None:
            fields.update(sweep_fields(nested, prefix=f"{dotted}."))
    return fields


def _section_type(annotation: object) -> type[BaseModel] | None:
    candidates = getattr(annotation, "__args__", None) or (annotation,)
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, _Section):
            return candidate
    return None


def parse_sweep(text: str, source: str, folder: Path | None = None) -> Sweep:
    """Validate sweep TOML text; ``source`` names it in error messages."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{source}: not valid TOML: {error}") from None
    try:
        spec = SweepSpec.model_validate(raw)
    except ValidationError as error:
        raise InputError(f"{source}: {describe_errors(error, raw)}") from None
    parameters = tuple(
        _check_parameter(section, index, spec.design.kind, source)
        for index, section in enumerate(spec.parameter, start=1)
    )
    names = [parameter.name for parameter in parameters]
    for name in names:
        if names.count(name) > 1:
            raise InputError(f"{source}: parameter {name!r} is given more than once")
    _check_design(spec, parameters, source)
    return Sweep(spec=spec, parameters=parameters, text=text, source=source, folder=folder)


def shipped_dir() -> Path:
    return package_data("sweep", "data")


def shipped_names() -> list[str]:
    """Names of the example sweeps shipped with the package."""
    return sorted(path.stem for path in shipped_dir().glob("*.toml"))


def load_sweep(name_or_path: str | Path) -> Sweep:
    """A shipped example sweep by name, or a sweep file by path."""
    text, source, folder = read_shipped_or_file(name_or_path, "sweep", shipped_dir())
    return parse_sweep(text, source, folder)


def _check_parameter(section: ParameterSection, index: int, design: str, source: str) -> Parameter:
    where = f"{source}: parameter {index} ({section.name})"
    try:
        kind = parameter_kind(section.name)
    except UnknownNameError as error:
        raise UnknownNameError(f"{where}: name: {error}") from None
    if (section.values is None) == (section.range is None):
        raise InputError(f"{where}: give either values = [...] or range = [low, high]")
    if section.values is not None:
        if section.steps is not None:
            raise InputError(f"{where}: steps: only with a range")
        for value in section.values:
            problem = kind.check(value)
            if problem:
                raise ParameterError(f"{where}: values: {problem}")
        values = tuple(float(v) for v in section.values)
        if len(set(values)) != len(values):
            raise InputError(f"{where}: values: a value is listed twice")
        return Parameter(section.name, kind, values, None, None, None)
    assert section.range is not None
    low, high = section.range
    for value in (low, high):
        problem = kind.check(value)
        if problem:
            raise ParameterError(f"{where}: range: {problem}")
    if not low < high:
        raise ParameterError(f"{where}: range: needs low < high (got [{low:g}, {high:g}])")
    if design == "grid" and section.steps is None:
        raise InputError(f"{where}: steps: a grid needs steps = N with a range (or give values)")
    if design != "grid" and section.steps is not None:
        raise InputError(f"{where}: steps: only for a grid design (this one is {design})")
    return Parameter(section.name, kind, None, float(low), float(high), section.steps)


def grid_size(parameters: Sequence[Parameter]) -> int:
    """Number of grid points (distinct values per parameter, multiplied)."""
    size = 1
    for parameter in parameters:
        size *= len(grid_values(parameter))
        if size > MAX_POINTS:
            return size
    return size


def grid_values(parameter: Parameter) -> tuple[float, ...]:
    """The grid values of a parameter: its list, or ``steps`` values over the range."""
    if parameter.values is not None:
        return parameter.values
    assert parameter.low is not None and parameter.high is not None
    assert parameter.steps is not None
    step = (parameter.high - parameter.low) / (parameter.steps - 1)
    spaced = [parameter.low + step * i for i in range(parameter.steps)]
    if parameter.kind.integer:
        # Whole-number parameters keep each distinct rounded value once.
        return tuple(sorted({float(round(value)) for value in spaced}))
    return tuple(spaced)


def total_points(spec: SweepSpec, parameters: Sequence[Parameter]) -> int:
    """How many points the design makes."""
    if spec.design.kind == "grid":
        return grid_size(parameters)
    assert spec.design.points is not None
    if spec.design.kind == "sobol":
        return spec.design.points * (len(parameters) + 2)
    return spec.design.points


def _check_design(spec: SweepSpec, parameters: Sequence[Parameter], source: str) -> None:
    kind = spec.design.kind
    if kind == "grid":
        if spec.design.points is not None:
            raise InputError(f"{source}: design.points: a grid has one point per combination")
        size = grid_size(parameters)
        if size > MAX_POINTS:
            raise ParameterError(
                f"{source}: design: the grid has more than {MAX_POINTS:,} points "
                f"({' x '.join(str(len(grid_values(p))) for p in parameters)})"
            )
        return
    if spec.design.points is None:
        raise InputError(f"{source}: design.points: a {kind} design needs points = N")
    if kind == "sobol":
        base = spec.design.points
        if base & (base - 1):
            raise ParameterError(
                f"{source}: design.points: a sobol design needs a power of 2 (got {base})"
            )
        runs = base * (len(parameters) + 2)
        if runs > MAX_POINTS:
            raise ParameterError(
                f"{source}: design.points: {base} x ({len(parameters)} parameters + 2) = "
                f"{runs:,} points, more than {MAX_POINTS:,}"
            )


def describe_errors(error: ValidationError, raw: Mapping[str, Any]) -> str:
    """All field errors on one line, each naming its field (tables counted from 1)."""
    parts: dict[str, str] = {}
    for detail in error.errors():
        location = _location(detail["loc"], raw)
        message = validation_reason(detail)
        # A union field reports one error per alternative; keep the first.
        parts.setdefault(location, f"{location}: {message}")
    return "; ".join(parts.values())


def _location(loc: tuple[int | str, ...], raw: Mapping[str, Any]) -> str:
    """``parameter 2 (production.factor): range`` from pydantic's location tuple."""
    table = ""
    fields: list[str] = []
    position = 0
    while position < len(loc):
        part = loc[position]
        following = loc[position + 1] if position + 1 < len(loc) else None
        if position == 0 and part in ("parameter", "output") and isinstance(following, int):
            entry = _entry(raw, str(part), following)
            label = None
            if isinstance(entry, dict):
                label = entry.get("name") or entry.get("metric")
            table = f"{part} {following + 1}" + (f" ({label})" if label else "")
            position += 2
            continue
        # pydantic adds the tried alternative of a union (int | str | date) to the location.
        if not (part in _UNION_TAGS or str(part).startswith(("function-", "literal["))):
            fields.append(f"[{part}]" if isinstance(part, int) else str(part))
        position += 1
    dotted = ".".join(fields).replace(".[", "[")
    if table and dotted:
        return f"{table}: {dotted}"
    return table or dotted


def _entry(raw: Mapping[str, Any], table: str, index: int) -> object:
    items = raw.get(table)
    if isinstance(items, list) and 0 <= index < len(items):
        return items[index]
    return None
