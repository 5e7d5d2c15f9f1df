"""Query parameters and request bodies of the JSON API, validated at the edge.

Limits keep one request from occupying the machine: Monte Carlo paths, forecast
horizon, raid size and body size are capped and the refusal names the cap.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Literal

import pandas as pd
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from missilewatch.errors import UnknownNameError
from missilewatch.ledger.taxonomy import WEAPON_CLASSES
from missilewatch.limits import MAX_PATHS, MAX_SCENARIO_FACTOR
from missilewatch.names import resolve_class

#: Paths used when a request does not say (as the shipped scenarios: stable enough
#: percentiles, quick enough for an interactive page).
DEFAULT_PATHS = 2_000
#: Latest forecast month a request may ask for.
MAX_UNTIL = pd.Period("2035-12", freq="M")
DEFAULT_UNTIL = "2027-12"
#: Most missiles and drones in one simulated raid.
MAX_RAID_SIZE = 5_000
#: Largest request body accepted, in bytes.
MAX_BODY_BYTES = 64 * 1024
#: Longest ceasefire and latest start month, in months.
MAX_CEASEFIRE_MONTHS = 60
MAX_EXTRA_INTERCEPTORS_PER_MONTH = 1_000


def _class_as_typed(value: object) -> object:
    """``Ballistic`` or ``anti ship`` as on the command line; an unknown name is refused
    with the closest classes."""
    if not isinstance(value, str):
        return value
    try:
        return resolve_class(value, field=None)
    except UnknownNameError as error:
        raise ValueError(str(error)) from None


if TYPE_CHECKING:
    WeaponClass = str
else:
    # Built from the taxonomy's list, so the API accepts (and its schema lists) exactly
    # the ledger's classes, in any case or spacing.
    WeaponClass = Annotated[Literal[WEAPON_CLASSES], BeforeValidator(_class_as_typed)]


def _check_paths(paths: int) -> int:
    if paths > MAX_PATHS:
        raise ValueError(f"at most {MAX_PATHS:,} paths per request (asked for {paths:,})")
    return paths


def _check_until(until: str) -> str:
    try:
        month = pd.Period(until, freq="M")
    except (ValueError, TypeError) as error:
        raise ValueError(f"{until!r} is not a month such as 2027-12") from error
    if month > MAX_UNTIL:
        raise ValueError(f"the forecast ends at {MAX_UNTIL} at the latest (asked for {month})")
    return str(month)


class StatsQuery(BaseModel):
    """Filters of ``GET /api/stats`` (the same as ``missilewatch.stats``)."""

    model_config = ConfigDict(extra="forbid")

    period: Literal["year", "quarter", "month", "week"] = "month"
    by: Literal["class", "family"] = "class"
    mode: Literal["allocated", "reported"] = "allocated"
    start: date | None = Field(default=None, description="First report date included (YYYY-MM-DD).")
    end: date | None = Field(default=None, description="Last report date included (YYYY-MM-DD).")
    weapon_class: WeaponClass | None = None
    family: str | None = Field(default=None, max_length=100)


class FigureQuery(BaseModel):
    """Filters shared by the chart endpoints."""

    model_config = ConfigDict(extra="forbid")

    start: date | None = None
    end: date | None = None
    weapon_class: WeaponClass | None = None
    family: str | None = Field(default=None, max_length=100)


class LaunchFigureQuery(FigureQuery):
    """Filters of the launches chart; missiles and drones are drawn apart because drones
    outnumber missiles by more than ten to one."""

    kind: Literal["missiles", "drones", "all"] = "missiles"


class SimulationQuery(BaseModel):
    """Monte Carlo settings shared by the stockpile, defense and scenario-run endpoints."""

    model_config = ConfigDict(extra="forbid")

    until: str = Field(default=DEFAULT_UNTIL, description="Last forecast month (YYYY-MM).")
    paths: int = Field(
        default=DEFAULT_PATHS, ge=100, description=f"Monte Carlo paths, at most {MAX_PATHS:,}."
    )
    seed: int = Field(default=0, ge=0, le=2**32 - 1)

    _paths = field_validator("paths")(_check_paths)
    _until = field_validator("until")(_check_until)


class StockpileQuery(SimulationQuery):
    weapon_class: WeaponClass | None = None
    family: str | None = Field(default=None, max_length=100)


class RaidRequest(BaseModel):
    """Body of ``POST /api/raid``: missiles and drones per family.

    ``raid`` is an object such as ``{"Iskander-M": 40, "Kinzhal": 10}`` or the same
    text the command line takes, ``"Iskander-M=40, Kinzhal=10"``.
    """

    model_config = ConfigDict(extra="forbid")

    raid: dict[str, int] = Field(
        ..., description="Family -> number launched in the raid, or 'NAME=COUNT, ...' text."
    )
    paths: int = Field(default=DEFAULT_PATHS, ge=100)
    seed: int = Field(default=0, ge=0, le=2**32 - 1)

    _paths = field_validator("paths")(_check_paths)

    @field_validator("raid", mode="before")
    @classmethod
    def _raid_text(cls, raid: object) -> object:
        """Read the command line's ``NAME=COUNT, ...`` text with the same parser."""
        if not isinstance(raid, str):
            return raid
        from missilewatch.defense.raid import parse_raid
        from missilewatch.errors import MissilewatchError

        try:
            return parse_raid(raid)
        except MissilewatchError as error:
            # The parser's one-line message names the item; "raid: " is the field.
            raise ValueError(str(error).removeprefix("raid: ")) from None

    @field_validator("raid")
    @classmethod
    def _raid_size(cls, raid: dict[str, int]) -> dict[str, int]:
        if any(count < 0 for count in raid.values()):
            raise ValueError("counts must not be negative")
        total = sum(raid.values())
        if total <= 0:
            raise ValueError("the raid has no missiles or drones")
        if total > MAX_RAID_SIZE:
            raise ValueError(
                f"at most {MAX_RAID_SIZE:,} missiles and drones per raid (asked for {total:,})"
            )
        return raid


class ScenarioRequest(SimulationQuery):
    """Body of ``POST /api/scenario-runs``: a few changes over the baseline forecast.

    ``scenario`` starts from a shipped scenario (e.g. ``ceasefire-6m``); the other
    fields change the baseline. Months count from the first forecast month (0 = at once).
    """

    model_config = ConfigDict(extra="forbid")

    scenario: str | None = Field(
        default=None, max_length=100, description="A shipped scenario to run instead."
    )

    @field_validator("scenario")
    @classmethod
    def _shipped_scenario(cls, name: str | None) -> str | None:
        """Only a shipped scenario's name, never a path: the server's files stay closed."""
        if name is None:
            return None
        from missilewatch.errors import UnknownNameError
        from missilewatch.names import resolve_name
        from missilewatch.scenarios import shipped_names

        try:
            return resolve_name(name, shipped_names(), kind="shipped scenario")
        except UnknownNameError as error:
            # A path is never opened: the answer is the same whether a file exists or not.
            raise ValueError(f"not a shipped scenario ({error})") from None

    ceasefire_months: int = Field(
        default=0, ge=0, le=MAX_CEASEFIRE_MONTHS, description="Months without launches."
    )
    ceasefire_start: int = Field(
        default=0, ge=0, le=MAX_CEASEFIRE_MONTHS, description="First month of the ceasefire."
    )
    escalation_factor: float = Field(
        default=1.0,
        gt=0.0,
        le=MAX_SCENARIO_FACTOR,
        description="Multiplies the expected number of attacks per month.",
    )
    salvo_factor: float = Field(
        default=1.0,
        gt=0.0,
        le=MAX_SCENARIO_FACTOR,
        description="Multiplies the missiles per attack.",
    )
    production_factor: float = Field(
        default=1.0, gt=0.0, le=MAX_SCENARIO_FACTOR, description="Multiplies production."
    )
    extra_interceptors_per_month: float = Field(
        default=0.0,
        ge=0.0,
        le=MAX_EXTRA_INTERCEPTORS_PER_MONTH,
        description="Extra interceptors delivered to Ukraine per month.",
    )
    interceptor: str | None = Field(
        default=None, max_length=100, description="Type of the extra interceptors."
    )
    weapon_class: WeaponClass | None = Field(
        default=None, description="Class shown in the stockpile chart."
    )
