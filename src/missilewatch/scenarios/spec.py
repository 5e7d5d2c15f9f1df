"""Scenario files: TOML validated by pydantic at the edge, frozen into ``Adjustments``.

A scenario is a named set of changes over the baseline forecast. Months in a scenario
are given either as an offset from the forecast's first month (``0`` = the first
forecast month) or as a calendar month (``"2026-06"`` or a TOML date); calendar months
are turned into offsets when the forecast start is known (:meth:`ScenarioSpec.freeze`).

Every problem is reported as one line naming the file and the field, e.g.
``escalation.toml: escalation.salvo_size_factor: must be > 0 (got -1)``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any

import pandas as pd
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    ValidationError,
    field_validator,
)

from missilewatch.errors import InputError, ParameterError, UnknownNameError, validation_reason
from missilewatch.ledger.taxonomy import WEAPON_CLASSES
from missilewatch.limits import MAX_PATHS, MAX_SCENARIO_FACTOR
from missilewatch.model.adjustments import Adjustments
from missilewatch.names import family_aliases, family_names, resolve_family_or_class, unknown_name
from missilewatch.paths import package_data, read_shipped_or_file

#: Default number of paths when neither the file nor the caller gives one.
DEFAULT_PATHS = 40_000
#: Default last forecast month.
DEFAULT_UNTIL = "2027-12"

_MONTH_TEXT = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
_UNION_TAGS = frozenset({"int", "str", "date"})
_SCENARIO_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def _check_month_ref(value: int | str | dt.date) -> int | str | dt.date:
    if isinstance(value, bool):
        raise ValueError("must be a month offset or a month like 2026-06, not true/false")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"must be >= 0 months after the forecast start (got {value})")
        return value
    if isinstance(value, str):
        if not _MONTH_TEXT.match(value.strip()):
            raise ValueError(f"must be a month like 2026-06 or an offset in months (got {value!r})")
        try:
            pd.Period(value.strip()[:7], freq="M")
        except ValueError as error:
            raise ValueError(f"is not a valid month ({value!r})") from error
        return value.strip()
    return value


#: A month: an offset (>= 0) from the forecast start, or a calendar month.
MonthRef = Annotated[StrictInt | str | dt.date, AfterValidator(_check_month_ref)]


def month_of(value: int | str | dt.date, forecast_start: pd.Period) -> pd.Period:
    """The calendar month a month reference denotes, given the forecast start."""
    if isinstance(value, int):
        return forecast_start + value
    if isinstance(value, dt.date):
        return pd.Period(year=value.year, month=value.month, freq="M")
    return pd.Period(value[:7], freq="M")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RunSettings(_Section):
    """How the scenario is run; the command line may override each field.

    The forecast starts in the month after the last month in the launch ledger; months
    elsewhere in the file count from there.
    """

    until: str | dt.date = Field(default=DEFAULT_UNTIL, description="Last forecast month.")
    paths: int = Field(default=DEFAULT_PATHS, gt=0, le=MAX_PATHS, description="Monte Carlo paths.")
    seed: int = Field(default=0, ge=0, description="Root seed; same seed, same numbers.")

    @field_validator("until")
    @classmethod
    def _until_is_month(cls, value: str | dt.date) -> str | dt.date:
        checked = _check_month_ref(value)
        assert not isinstance(checked, int)
        return checked


class Ceasefire(_Section):
    """No launches for some months; production and imports go on."""

    start: MonthRef = Field(default=0, description="First month without launches.")
    months: int = Field(gt=0, le=600, description="How many months without launches.")


class Escalation(_Section):
    """More attacks per month and/or more missiles per attack."""

    strike_frequency_factor: float = Field(
        default=1.0,
        gt=0,
        le=MAX_SCENARIO_FACTOR,
        description="Multiplies the expected attacks per month.",
    )
    salvo_size_factor: float = Field(
        default=1.0,
        gt=0,
        le=MAX_SCENARIO_FACTOR,
        description="Multiplies the expected missiles per attack.",
    )
    start: MonthRef = Field(default=0, description="First month the factors apply.")


class Production(_Section):
    """A production ramp (factor > 1) or cut (factor < 1)."""

    factor: float = Field(
        gt=0, le=MAX_SCENARIO_FACTOR, description="Multiplies production once fully reached."
    )
    start: MonthRef = Field(default=0, description="First month of the change.")
    ramp_months: int = Field(
        default=0, ge=0, le=600, description="Months to reach the full factor (0 = a step)."
    )


class Imports(_Section):
    """Imports (e.g. KN-23 deliveries from North Korea) stop."""

    stop: MonthRef = Field(default=0, description="First month with no imports.")


class Interceptors(_Section):
    """Extra interceptor deliveries to Ukraine, per type and month."""

    extra_per_month: dict[str, float] = Field(
        default_factory=dict,
        description="Interceptor type -> extra interceptors delivered per month (>= 0).",
    )
    start: MonthRef = Field(default=0, description="First month of the extra deliveries.")

    @field_validator("extra_per_month")
    @classmethod
    def _non_negative(cls, value: dict[str, float]) -> dict[str, float]:
        for name, amount in value.items():
            if amount < 0:
                raise ValueError(f"{name!r} must be >= 0 per month (got {amount})")
        return value


class ScenarioSpec(_Section):
    """One scenario file. Sections left out mean "as in the baseline"."""

    name: str = Field(description="Short name, lower case with dashes, e.g. ceasefire-6m.")
    description: str = Field(description="One or two plain sentences: what changes and why.")
    applies_to: list[str] = Field(
        default_factory=list,
        description=(
            "Families or classes the escalation and production changes apply to (empty = all)."
        ),
    )
    run: RunSettings = Field(default_factory=RunSettings, description="Run settings.")
    ceasefire: Ceasefire | None = None
    escalation: Escalation | None = None
    production: Production | None = None
    imports: Imports | None = None
    interceptors: Interceptors | None = None

    @field_validator("applies_to")
    @classmethod
    def _known_spelling(cls, value: list[str]) -> list[str]:
        # "iskander" or "Ballistic" in a file mean what they mean on the command line; a
        # name no taxonomy knows stays as written and check_names() refuses it.
        resolved = []
        for name in value:
            try:
                resolved.append(resolve_family_or_class(name, family_names(), WEAPON_CLASSES))
            except UnknownNameError:
                resolved.append(name)
        return resolved

    @field_validator("name")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SCENARIO_NAME.match(value):
            raise ValueError(f"must be lower case letters, digits and dashes (got {value!r})")
        return value

    def until_month(self) -> pd.Period:
        return month_of(self.run.until, pd.Period("2000-01", freq="M"))

    def freeze(self, forecast_start: pd.Period, *, source: str = "scenario") -> Adjustments:
        """The plain frozen adjustments the engines read, with months as offsets.

        Raises ParameterError naming ``source`` and the field if a month lies before the
        forecast start.
        """

        def offset(field_name: str, value: int | str | dt.date) -> int:
            if isinstance(value, int):
                return value
            months = (month_of(value, forecast_start) - forecast_start).n
            if months < 0:
                raise ParameterError(
                    f"{source}: {field_name}: {value} is before the forecast start {forecast_start}"
                )
            return months

        changes: dict[str, Any] = {"families": frozenset(self.applies_to)}
        if self.ceasefire is not None:
            changes["ceasefire_start"] = offset("ceasefire.start", self.ceasefire.start)
            changes["ceasefire_months"] = self.ceasefire.months
        if self.escalation is not None:
            changes["strike_frequency_factor"] = self.escalation.strike_frequency_factor
            changes["salvo_size_factor"] = self.escalation.salvo_size_factor
            changes["escalation_start"] = offset("escalation.start", self.escalation.start)
        if self.production is not None:
            changes["production_factor"] = self.production.factor
            changes["production_change_start"] = offset("production.start", self.production.start)
            changes["production_ramp_months"] = self.production.ramp_months
        if self.imports is not None:
            changes["imports_stop"] = offset("imports.stop", self.imports.stop)
        if self.interceptors is not None:
            changes["extra_interceptors_per_month"] = MappingProxyType(
                dict(self.interceptors.extra_per_month)
            )
            changes["extra_interceptors_start"] = offset(
                "interceptors.start", self.interceptors.start
            )
        return Adjustments(**changes)


@dataclass(frozen=True, slots=True)
class Scenario:
    """A validated scenario together with the exact text it came from."""

    spec: ScenarioSpec
    text: str
    source: str  # file path, or "shipped:<name>"

    @property
    def name(self) -> str:
        return self.spec.name

    def adjustments(self, forecast_start: pd.Period) -> Adjustments:
        """The frozen adjustments for a forecast starting in ``forecast_start``."""
        return self.spec.freeze(forecast_start, source=self.source)

    @property
    def text_sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def shipped_dir() -> Path:
    return package_data("scenarios", "data")


def shipped_names() -> list[str]:
    """Names of the scenarios shipped with the package, baseline first."""
    names = sorted(path.stem for path in shipped_dir().glob("*.toml"))
    return sorted(names, key=lambda name: (name != "baseline", name))


def parse_scenario(text: str, source: str) -> Scenario:
    """Validate scenario TOML text; ``source`` names it in error messages."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{source}: not valid TOML: {error}") from None
    try:
        spec = ScenarioSpec.model_validate(raw)
    except ValidationError as error:
        raise InputError(f"{source}: {_describe(error)}") from None
    return Scenario(spec=spec, text=text, source=source)


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A shipped scenario by name, or a scenario file by path."""
    text, source, _folder = read_shipped_or_file(name_or_path, "scenario", shipped_dir())
    return parse_scenario(text, source)


def check_names(
    scenario: Scenario,
    *,
    interceptor_types: Iterable[str] | None = None,
    families_and_classes: Iterable[str] | None = None,
) -> None:
    """Check names a scenario refers to against what the model knows.

    Each set is checked only when given, so the scenario can be validated before the
    estimates or the taxonomy are loaded.
    """
    spec = scenario.spec
    if interceptor_types is not None and spec.interceptors is not None:
        known = set(interceptor_types)
        for name in spec.interceptors.extra_per_month:
            if name not in known:
                raise unknown_name(
                    name,
                    sorted(known),
                    kind="interceptor",
                    field=f"{scenario.source}: interceptors.extra_per_month",
                )
    if families_and_classes is not None:
        known = set(families_and_classes)
        for name in spec.applies_to:
            if name not in known:
                raise unknown_name(
                    name,
                    sorted(known),
                    kind="family or class",
                    aliases=family_aliases(),
                    field=f"{scenario.source}: applies_to",
                )


def _describe(error: ValidationError) -> str:
    """All field errors of a validation error on one line, each naming its field."""
    parts = []
    for detail in error.errors():
        location = ".".join(str(part) for part in detail["loc"] if not _is_union_tag(part))
        message = validation_reason(detail)
        parts.append(f"{location}: {message}")
    # A union field reports one error per alternative; keep the first of each field.
    unique: dict[str, str] = {}
    for part in parts:
        unique.setdefault(part.split(":", 1)[0], part)
    return "; ".join(unique.values())


def _is_union_tag(part: object) -> bool:
    # pydantic adds the tried alternative of a union (int | str | date) to the location.
    return part in _UNION_TAGS


def spec_fields(model: type[BaseModel] = ScenarioSpec, prefix: str = "") -> dict[str, str]:
    """Every field of the scenario schema as dotted name -> description (for docs)."""
    fields: dict[str, str] = {}
    for name, info in model.model_fields.items():
        dotted = f"{prefix}{name}"
        annotation = info.annotation
        nested = _section_type(annotation)
        if nested is not None:
            fields[dotted] = nested.__doc__.splitlines()[0] if nested.__doc__ else ""
            fields.update(spec_fields(nested, prefix=f"{dotted}."))
        else:
            fields[dotted] = info.description or ""
    return fields


def _section_type(annotation: object) -> type[BaseModel] | None:
    candidates: Iterable[object] = getattr(annotation, "__args__", None) or (annotation,)
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, _Section):
            return candidate
    return None


def describe_adjustments(adjustments: Adjustments) -> Mapping[str, object]:
    """Adjustments as a plain JSON-able mapping (stored with each run)."""
    return {
        "ceasefire_start": adjustments.ceasefire_start,
        "ceasefire_months": adjustments.ceasefire_months,
        "strike_frequency_factor": adjustments.strike_frequency_factor,
        "salvo_size_factor": adjustments.salvo_size_factor,
        "escalation_start": adjustments.escalation_start,
        "production_factor": adjustments.production_factor,
        "production_change_start": adjustments.production_change_start,
        "production_ramp_months": adjustments.production_ramp_months,
        "imports_stop": adjustments.imports_stop,
        "extra_interceptors_per_month": dict(adjustments.extra_interceptors_per_month),
        "extra_interceptors_start": adjustments.extra_interceptors_start,
        "families": sorted(adjustments.families),
    }
