"""Read and validate estimates files (TOML) into a frozen :class:`EstimateSet`.

Every ``*.toml`` under the package's ``estimates/data/`` folder is read (in name order),
then the user's file, whose records replace shipped records with the same ``id`` and add
new ones. All problems of a file are collected; each becomes one line naming the file,
the record id and the field, and they are raised together as one :class:`EstimatesError`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from missilewatch.errors import InputError, validation_reason
from missilewatch.estimates.records import (
    APPROX,
    BOUNDS,
    DEFENSE_QUANTITIES,
    POOL_NAMES,
    PROBABILITY,
    QUANTITIES,
    QUANTITY_UNIT_KINDS,
    RANGE,
    RUSSIAN_QUANTITIES,
    SUSPENDED,
    Estimate,
    EstimateSet,
    Source,
    parse_unit,
)
from missilewatch.paths import package_data

#: Dates outside this window are typing mistakes, not estimates.
EARLIEST_DATE: Final = date(1991, 1, 1)
LATEST_DATE: Final = date(2040, 12, 31)

#: Weapon classes (docs/architecture.md, "Weapon classes").
WEAPON_CLASSES: Final = frozenset(
    {
        "cruise",
        "ballistic",
        "aeroballistic",
        "anti-ship",
        "sam-ground",
        "attack-uav",
        "other-uav",
        "guided-bomb",
        "other",
        "unknown",
    }
)


class EstimatesError(InputError):
    """One or more invalid records; ``problems`` holds one line per bad field."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("\n".join(self.problems))


# --- the file format (pydantic, at the edge only) -------------------------------------------


class _SourceModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    publication: str = Field(min_length=1)
    date: date
    url: str = Field(min_length=1, pattern=r"^https?://\S+$")
    seen_at: str | None = Field(default=None, pattern=r"^https?://\S+$")


class _EstimateModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    quantity: str
    subject: str = Field(min_length=1)
    bound: str | None = None
    relative_error: float | None = None
    value: float | None = None
    low: float | None = None
    central: float | None = None
    high: float | None = None
    unit: str
    as_of: date
    valid_from: date | None = None
    valid_to: date | None = None
    note: str = ""
    assumption: bool = False
    source: _SourceModel | None = None


# --- known subjects ------------------------------------------------------------------------


def known_families() -> frozenset[str]:
    """Family names from the ledger's weapon taxonomy."""
    from missilewatch.ledger import taxonomy

    return frozenset(taxonomy.load().families)


# --- loading -------------------------------------------------------------------------------


#: The Russian-side records reviewed for the Bayesian reconstruction: each dated
#: disclosure once, with the source's own bound word, Kh-101 and Kh-555 as separate pools.
#: The reconstruction reads them in place of ``data/russia.toml``, which the
#: importance-sampling engine still reads until it is removed.
RECONSTRUCTION_FILE: Final = "russia.toml"


def shipped_files(*, reconstruction: bool = False) -> list[Path]:
    """The estimates files shipped with the package, in name order.

    With ``reconstruction``, the reviewed Russian-side file replaces ``data/russia.toml``.
    """
    files = sorted(package_data("estimates", "data").glob("*.toml"))
    if reconstruction:
        reviewed = package_data("estimates", "reconstruction", RECONSTRUCTION_FILE)
        files = sorted(
            [path for path in files if path.name != RECONSTRUCTION_FILE] + [reviewed],
            key=lambda path: path.name,
        )
    return files


def load(
    user_file: Path | None = None,
    *,
    families: Iterable[str] | None = None,
    reconstruction: bool = False,
) -> EstimateSet:
    """Load the shipped estimates, then let ``user_file`` override and extend them.

    ``reconstruction`` reads the reviewed Russian-side records (see
    ``RECONSTRUCTION_FILE``) instead of ``data/russia.toml``.

    Args:
        user_file: a TOML file of ``[[estimate]]`` records; same ``id`` replaces.
        families: known family names (default: the ledger's taxonomy); subjects of
            Russian-side quantities must be one of these or a weapon class.

    Raises:
        EstimatesError: one line per bad field, naming file, record id and field.
        InputError: the user file does not exist or is not TOML.
    """
    known = frozenset(families) if families is not None else known_families()
    subjects = known | WEAPON_CLASSES | POOL_NAMES
    files = shipped_files(reconstruction=reconstruction)
    if user_file is not None:
        user_file = Path(user_file)
        if not user_file.is_file():
            raise InputError(f"{user_file}: estimates file not found")
        files.append(user_file)
    merged: dict[str, Estimate] = {}
    problems: list[str] = []
    for index, path in enumerate(files):
        records, file_problems = read_file(path, subjects)
        problems.extend(file_problems)
        is_user_file = user_file is not None and index == len(files) - 1
        for record in records:
            if record.id in merged and not is_user_file:
                problems.append(
                    f"{path}: estimate {record.id!r}: field 'id': also defined in "
                    f"{merged[record.id].origin}"
                )
            merged[record.id] = record
    if problems:
        raise EstimatesError(problems)
    return EstimateSet(records=tuple(merged.values()), files=tuple(str(p) for p in files))


def read_file(path: Path, subjects: frozenset[str]) -> tuple[list[Estimate], list[str]]:
    """Parse one file; return its valid records and one line per problem."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{path}: not valid TOML: {error}") from error
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror}") from error
    unexpected = sorted(set(document) - {"estimate"})
    problems = [
        f"{path}: unknown top-level key {key!r} (expected [[estimate]])" for key in unexpected
    ]
    raw_records = document.get("estimate", [])
    if not isinstance(raw_records, list):
        return [], [*problems, f"{path}: 'estimate' must be an array of tables ([[estimate]])"]
    records: list[Estimate] = []
    seen: set[str] = set()
    for position, raw in enumerate(raw_records, start=1):
        label = str(raw.get("id", f"#{position}")) if isinstance(raw, Mapping) else f"#{position}"
        record, record_problems = _build(raw, path, subjects)
        problems.extend(f"{path}: estimate {label!r}: {p}" for p in record_problems)
        if record is None:
            continue
        if record.id in seen:
            problems.append(f"{path}: estimate {record.id!r}: field 'id': duplicate id in file")
            continue
        seen.add(record.id)
        records.append(record)
    return records, problems


def _build(raw: Any, path: Path, subjects: frozenset[str]) -> tuple[Estimate | None, list[str]]:
    try:
        model = _EstimateModel.model_validate(raw)
    except ValidationError as error:
        return None, [_pydantic_line(item) for item in error.errors()]
    problems = _check(model, subjects)
    if problems:
        return None, problems
    unit = parse_unit(model.unit)
    low, central, high = _range(model)
    source = (
        Source(
            publication=model.source.publication,
            date=model.source.date,
            url=model.source.url,
            seen_at=model.source.seen_at,
        )
        if model.source is not None
        else None
    )
    record = Estimate(
        id=model.id,
        quantity=model.quantity,
        subject=" + ".join(part.strip() for part in model.subject.split("+")),
        low=low * unit.value_factor,
        central=central * unit.value_factor,
        high=high * unit.value_factor,
        unit=unit.text,
        as_of=model.as_of,
        valid_from=model.valid_from,
        valid_to=model.valid_to,
        note=" ".join(model.note.split()),
        assumption=model.assumption,
        source=source,
        origin=str(path),
        months_per_period=unit.months_per_period,
        bound=model.bound or RANGE,
        relative_error=model.relative_error,
    )
    return record, []


def _pydantic_line(item: Mapping[str, Any]) -> str:
    location = ".".join(str(part) for part in item.get("loc", ())) or "record"
    message = validation_reason(item)
    return f"field {location!r}: {message}"


def _range(model: _EstimateModel) -> tuple[float, float, float]:
    if model.value is not None:
        return model.value, model.value, model.value
    if model.low is not None and model.high is not None:
        central = model.central if model.central is not None else (model.low + model.high) / 2
        return model.low, central, model.high
    assert model.central is not None  # guaranteed by _check
    return model.central, model.central, model.central


def _check(model: _EstimateModel, subjects: frozenset[str]) -> list[str]:
    """Semantic checks pydantic's types cannot express; one line per bad field."""
    problems: list[str] = []
    if model.quantity not in QUANTITIES:
        problems.append(
            f"field 'quantity': unknown quantity {model.quantity!r} "
            f"(known: {', '.join(sorted(QUANTITIES))})"
        )
    unit_kind: str | None = None
    try:
        unit = parse_unit(model.unit)
        unit_kind = unit.kind
    except ValueError as error:
        problems.append(f"field 'unit': {error}")
    if unit_kind is not None and model.quantity in QUANTITY_UNIT_KINDS:
        allowed = QUANTITY_UNIT_KINDS[model.quantity]
        if unit_kind not in allowed:
            problems.append(
                f"field 'unit': {model.unit!r} is a {unit_kind}, but {model.quantity} "
                f"needs a {' or '.join(sorted(allowed))}"
            )
    if model.quantity in RUSSIAN_QUANTITIES:
        for part in (p.strip() for p in model.subject.split("+")):
            if part not in subjects:
                problems.append(
                    f"field 'subject': unknown family or class {part!r} "
                    "(families: src/missilewatch/ledger/taxonomy.toml; classes: docs/estimates.md)"
                )
    elif model.quantity in DEFENSE_QUANTITIES and not model.subject.strip():
        problems.append("field 'subject': an interceptor or system type is required")
    problems.extend(_check_bound(model))
    numbers = _check_numbers(model, unit_kind)
    problems.extend(numbers or _check_doctrine(model))
    problems.extend(_check_dates(model))
    if not model.assumption and model.source is None:
        problems.append("field 'source': a record without a source must say assumption = true")
    return problems


def _check_bound(model: _EstimateModel) -> list[str]:
    """The source's bound word is required: it decides what the figure can say."""
    known = ", ".join(BOUNDS)
    if model.bound is None:
        return [f"field 'bound': missing (one of {known}: the source's own word for the figure)"]
    if model.bound not in BOUNDS:
        return [f"field 'bound': unknown bound {model.bound!r} (one of {known})"]
    problems: list[str] = []
    if model.relative_error is not None:
        if model.bound != APPROX:
            problems.append("field 'relative_error': only an 'approx' figure has a relative error")
        elif not 0 < model.relative_error <= 5:
            problems.append(
                f"field 'relative_error': must lie in (0, 5] ({model.relative_error:g})"
            )
    if model.bound == RANGE and model.value is not None:
        problems.append("field 'bound': a 'range' needs low and high, not a single value")
    if model.bound == SUSPENDED and any(
        number not in (None, 0) for number in (model.value, model.low, model.central, model.high)
    ):
        problems.append("field 'value': a 'suspended' record states a zero (value = 0)")
    return problems


def _check_numbers(model: _EstimateModel, unit_kind: str | None) -> list[str]:
    problems: list[str] = []
    given = {
        name: getattr(model, name)
        for name in ("value", "low", "central", "high")
        if getattr(model, name) is not None
    }
    if model.value is not None and len(given) > 1:
        others = ", ".join(name for name in given if name != "value")
        problems.append(
            f"field 'value': give either value or low/central/high, not both ({others})"
        )
        return problems
    if not given:
        problems.append("field 'value': no number given (value, or low/central/high)")
        return problems
    if (model.low is None) != (model.high is None):
        missing = "high" if model.high is None else "low"
        problems.append(f"field {missing!r}: low and high go together")
    for name, number in given.items():
        if number != number or number in (float("inf"), float("-inf")):
            problems.append(f"field {name!r}: must be a finite number")
        elif number < 0:
            problems.append(f"field {name!r}: must not be negative ({number:g})")
    if unit_kind == PROBABILITY:
        factor = parse_unit(model.unit).value_factor
        for name, number in given.items():
            if number * factor > 1:
                problems.append(
                    f"field {name!r}: a probability cannot exceed 1 ({number:g} {model.unit})"
                )
    if model.low is not None and model.high is not None and model.low > model.high:
        problems.append(f"field 'low': low ({model.low:g}) is above high ({model.high:g})")
        return problems  # the central checks would only repeat this
    if model.central is not None and model.low is not None and model.central < model.low:
        problems.append(
            f"field 'central': central ({model.central:g}) is below low ({model.low:g})"
        )
    if model.central is not None and model.high is not None and model.central > model.high:
        problems.append(
            f"field 'central': central ({model.central:g}) is above high ({model.high:g})"
        )
    return problems


def _check_doctrine(model: _EstimateModel) -> list[str]:
    """Doctrine figures with a floor the generic checks do not know.

    A target engaged at all takes at least one interceptor, and a kill probability of
    zero would make every engagement pointless (and the engaged share infinite).
    """
    given = {
        name: getattr(model, name)
        for name in ("value", "low", "central", "high")
        if getattr(model, name) is not None
    }
    problems: list[str] = []
    if model.quantity == "shots_per_target":
        problems += [
            f"field {name!r}: shots per target must be at least 1 ({number:g})"
            for name, number in given.items()
            if number < 1
        ]
    if model.quantity == "kill_probability":
        problems += [
            f"field {name!r}: a kill probability must lie in (0, 1] ({number:g})"
            for name, number in given.items()
            if number <= 0
        ]
    return problems


def _check_dates(model: _EstimateModel) -> list[str]:
    problems: list[str] = []
    named = {
        "as_of": model.as_of,
        "valid_from": model.valid_from,
        "valid_to": model.valid_to,
        "source.date": model.source.date if model.source else None,
    }
    for name, day in named.items():
        if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
            problems.append(
                f"field {name!r}: {day.isoformat()} is outside {EARLIEST_DATE.isoformat()}"
                f"..{LATEST_DATE.isoformat()}"
            )
    if model.valid_from and model.valid_to and model.valid_from > model.valid_to:
        problems.append(
            f"field 'valid_to': {model.valid_to.isoformat()} is before valid_from "
            f"{model.valid_from.isoformat()}"
        )
    return problems
