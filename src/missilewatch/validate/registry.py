"""The registry of published figures (``data/published.toml``), read and validated.

Each ``[[figure]]`` is a number someone published from the Air Force reports, with its
definition in the tool's terms so the tool can recount it: the period, the weapon
classes or families (directly or through a named ``[selections.NAME]``), the measure
(launched or destroyed), the counting rule (:mod:`missilewatch.ledger.rules`) and the
tolerance with its reason. Problems are collected and raised together, one line each,
naming the file, the figure id and the field.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from missilewatch.errors import InputError, validation_reason
from missilewatch.ledger.rules import COUNTING_RULES
from missilewatch.paths import package_data

#: The source's own word for how exact its figure is.
BOUNDS: Final = ("exact", "about", "nearly", "more than", "at least")
MEASURES: Final = ("launched", "destroyed")


class RegistryError(InputError):
    """One or more invalid figures; ``problems`` holds one line per bad field."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True, slots=True)
class PublishedFigure:
    """One published figure and its definition in the tool's terms."""

    id: str
    publisher: str
    published: date
    address: str
    title: str
    statement: str
    value: float
    bound: str
    measure: str
    start: date
    end: date
    classes: tuple[str, ...]
    families: tuple[str, ...]
    selection: str | None
    rule: str
    tolerance: float
    tolerance_floor: float
    tolerance_reason: str
    note: str

    @property
    def what(self) -> str:
        """The counted weapons in words: the selection name or the classes / families."""
        if self.selection:
            return self.selection
        return ", ".join(self.families or self.classes)

    def allowed_difference(self) -> float:
        """The largest |tool - published| that counts as reproduced."""
        return max(self.tolerance * abs(self.value), self.tolerance_floor)


class _Selection(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    description: str = Field(min_length=1)
    classes: list[str] = Field(default_factory=list)
    families: list[str] = Field(default_factory=list)


class _Figure(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    publisher: str = Field(min_length=1)
    published: date
    address: str = Field(pattern=r"^https?://\S+/\S+$")
    title: str = Field(min_length=1)
    statement: str = Field(min_length=1)
    value: float = Field(gt=0)
    bound: Literal["exact", "about", "nearly", "more than", "at least"] = "exact"
    measure: Literal["launched", "destroyed"] = "launched"
    start: date
    end: date
    select: str | None = None
    classes: list[str] = Field(default_factory=list)
    families: list[str] = Field(default_factory=list)
    rule: str
    tolerance: float = Field(ge=0, lt=1)
    tolerance_floor: float = Field(default=0.0, ge=0)
    tolerance_reason: str = Field(min_length=1)
    note: str = ""


def registry_path() -> Path:
    """The shipped registry file."""
    return package_data("validate", "data", "published.toml")


def _known_names() -> tuple[frozenset[str], frozenset[str]]:
    from missilewatch.ledger import taxonomy
    from missilewatch.ledger.taxonomy import WEAPON_CLASSES

    return frozenset(WEAPON_CLASSES), frozenset(taxonomy.load().families)


def load_registry(path: Path | None = None) -> list[PublishedFigure]:
    """Read and check the registry (default: the shipped one).

    Raises:
        RegistryError: one line per bad field, naming file, figure id and field.
        InputError: the file is missing or not TOML.
    """
    path = Path(path) if path is not None else registry_path()
    if not path.is_file():
        raise InputError(f"{path}: published-figures file not found")
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{path}: not valid TOML ({error})") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    classes, families = _known_names()
    problems: list[str] = []
    unknown_keys = set(document) - {"selections", "figure"}
    problems += [f"{path}: field {key!r}: unknown field" for key in sorted(unknown_keys)]
    selections: dict[str, _Selection] = {}
    for name, raw in dict(document.get("selections", {})).items():
        try:
            selections[name] = _Selection.model_validate(raw)
        except ValidationError as error:
            for detail in error.errors():
                field = ".".join(str(p) for p in detail["loc"])
                problems.append(
                    f"{path}: selection {name!r}: field {field!r}: {validation_reason(detail)}"
                )
    for name, chosen in selections.items():
        problems += _name_problems(
            path, f"selection {name!r}", chosen.classes, chosen.families, classes, families
        )
    figures: list[PublishedFigure] = []
    seen: set[str] = set()
    for index, raw in enumerate(document.get("figure", [])):
        label = (
            f"figure {raw.get('id', f'#{index + 1}')!r}"
            if isinstance(raw, dict)
            else (f"figure #{index + 1}")
        )
        try:
            model = _Figure.model_validate(raw)
        except ValidationError as error:
            for detail in error.errors():
                field = ".".join(str(p) for p in detail["loc"])
                problems.append(f"{path}: {label}: field {field!r}: {validation_reason(detail)}")
            continue
        figure_problems = _figure_problems(path, label, model, selections, classes, families)
        if model.id in seen:
            figure_problems.append(f"{path}: {label}: field 'id': defined twice")
        seen.add(model.id)
        problems += figure_problems
        if figure_problems:
            continue
        chosen_classes, chosen_families = model.classes, model.families
        if model.select is not None:
            chosen_classes = selections[model.select].classes
            chosen_families = selections[model.select].families
        figures.append(
            PublishedFigure(
                id=model.id,
                publisher=model.publisher,
                published=model.published,
                address=model.address,
                title=model.title,
                statement=model.statement,
                value=model.value,
                bound=model.bound,
                measure=model.measure,
                start=model.start,
                end=model.end,
                classes=tuple(chosen_classes),
                families=tuple(chosen_families),
                selection=model.select,
                rule=model.rule,
                tolerance=model.tolerance,
                tolerance_floor=model.tolerance_floor,
                tolerance_reason=model.tolerance_reason,
                note=model.note,
            )
        )
    if problems:
        raise RegistryError(problems)
    return figures


def _name_problems(
    path: Path,
    label: str,
    chosen_classes: list[str],
    chosen_families: list[str],
    classes: frozenset[str],
    families: frozenset[str],
) -> list[str]:
    problems = [
        f"{path}: {label}: field 'classes': unknown weapon class {name!r}"
        for name in chosen_classes
        if name not in classes
    ]
    problems += [
        f"{path}: {label}: field 'families': unknown family {name!r}"
        for name in chosen_families
        if name not in families
    ]
    if chosen_classes and chosen_families:
        problems.append(f"{path}: {label}: field 'classes': give classes or families, not both")
    return problems


def _figure_problems(
    path: Path,
    label: str,
    model: _Figure,
    selections: dict[str, _Selection],
    classes: frozenset[str],
    families: frozenset[str],
) -> list[str]:
    problems: list[str] = []
    if model.end < model.start:
        problems.append(f"{path}: {label}: field 'end': {model.end} is before start {model.start}")
    if model.published < model.end:
        problems.append(
            f"{path}: {label}: field 'published': {model.published} is before the period ends "
            f"({model.end})"
        )
    if model.rule not in COUNTING_RULES:
        problems.append(
            f"{path}: {label}: field 'rule': unknown counting rule {model.rule!r} "
            f"(known: {', '.join(COUNTING_RULES)})"
        )
    given = [bool(model.select), bool(model.classes), bool(model.families)]
    if sum(given) != 1:
        problems.append(
            f"{path}: {label}: field 'select': give exactly one of select, classes, families"
        )
    if model.select is not None and model.select not in selections:
        problems.append(
            f"{path}: {label}: field 'select': unknown selection {model.select!r} "
            f"(defined: {', '.join(sorted(selections)) or 'none'})"
        )
    problems += _name_problems(path, label, model.classes, model.families, classes, families)
    return problems
