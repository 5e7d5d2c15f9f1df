"""The weapon taxonomy: reported model strings -> weighted families -> weapon classes.

The data lives in ``taxonomy.toml`` next to this module; a user file with the same
layout extends it. Resolution of a model string (also described in that file):

1. an exact ``[[model]]`` entry (weights per family);
2. otherwise a family name or alias (weight 1);
3. otherwise the string is split on `` and `` and each component resolved by 1-2,
   each component carrying an equal share.

Matching ignores case and repeated or surrounding whitespace.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from missilewatch.errors import InputError, UnknownNameError
from missilewatch.paths import package_data

#: The weapon classes, in display order.
WEAPON_CLASSES: tuple[str, ...] = (
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
)

#: Decimal weights are turned into exact fractions with this largest denominator, so that
#: the allocation can work in integers and conserve totals exactly.
WEIGHT_DENOMINATOR_LIMIT = 10_000

_WHITESPACE = re.compile(r"\s+")
_COMBO_SEPARATOR = re.compile(r"\s+and\s+", re.IGNORECASE)


def normalize_name(text: str) -> str:
    """The matching key of a name: whitespace collapsed, stripped, case-folded."""
    return _WHITESPACE.sub(" ", text).strip().casefold()


def default_taxonomy_path() -> Path:
    """The taxonomy file shipped in the package."""
    return package_data("ledger", "taxonomy.toml")


@dataclass(frozen=True)
class Family:
    """A weapon family (e.g. ``Kalibr``) with its class and the names that denote it."""

    name: str
    weapon_class: str
    aliases: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class ModelEntry:
    """An explicit mapping of one reported model string to weighted families."""

    name: str
    families: dict[str, Fraction]
    note: str = ""
    source: str = ""


@dataclass(frozen=True)
class Taxonomy:
    """Families, explicit model entries, and the lookup of reported model strings."""

    families: dict[str, Family]
    models: dict[str, ModelEntry] = field(default_factory=dict)
    #: sha256 of the files it was built from, recorded with each ingest.
    digest: str = ""

    def __post_init__(self) -> None:
        lookup: dict[str, str] = {}
        for family in self.families.values():
            for name in (family.name, *family.aliases):
                lookup[normalize_name(name)] = family.name
        object.__setattr__(self, "_alias_lookup", lookup)
        object.__setattr__(
            self, "_model_lookup", {normalize_name(k): v for k, v in self.models.items()}
        )

    def family_class(self, family: str) -> str:
        """The weapon class of a family (``unknown`` for a name not in the taxonomy)."""
        known = self.families.get(family)
        return known.weapon_class if known else "unknown"

    def _resolve_single(self, key: str) -> dict[str, Fraction] | None:
        model_lookup: dict[str, ModelEntry] = self._model_lookup  # type: ignore[attr-defined]
        alias_lookup: dict[str, str] = self._alias_lookup  # type: ignore[attr-defined]
        entry = model_lookup.get(key)
        if entry is not None:
            return _exact_weights(entry.families)
        family = alias_lookup.get(key)
        if family is not None:
            return {family: Fraction(1)}
        return None

    def model_fractions(self, model: str) -> dict[str, Fraction] | None:
        """Exact family shares of a model string (summing to 1), or None if unknown."""
        key = normalize_name(model)
        if not key:
            return None
        single = self._resolve_single(key)
        if single is not None:
            return single
        components = [part for part in _COMBO_SEPARATOR.split(key) if part]
        if len(components) < 2:
            return None
        combined: dict[str, Fraction] = {}
        share = Fraction(1, len(components))
        for component in components:
            resolved = self._resolve_single(component)
            if resolved is None:
                return None
            for family, weight in resolved.items():
                combined[family] = combined.get(family, Fraction(0)) + share * weight
        return combined

    def model_families(self, model: str) -> dict[str, float]:
        """Family -> weight (summing to 1) for a reported model string.

        Raises :class:`UnknownNameError` when the model does not map.
        """
        fractions = self.model_fractions(model)
        if fractions is None:
            raise UnknownNameError(
                f"weapon model {model!r} is not in the taxonomy; map it in a taxonomy file "
                "passed with --taxonomy (see docs/ledger.md)"
            )
        return {family: float(weight) for family, weight in fractions.items()}

    def is_known(self, model: str) -> bool:
        return self.model_fractions(model) is not None


def _exact_weights(weights: dict[str, Fraction]) -> dict[str, Fraction]:
    """Weights scaled to exact fractions summing to exactly 1."""
    total = sum(weights.values(), Fraction(0))
    return {family: weight / total for family, weight in weights.items()}


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as error:
        raise InputError(f"{path}: taxonomy file not found") from error
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{path}: not valid TOML: {error}") from error
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text (byte {error.start})") from error


def _weight(value: object) -> Fraction | None:
    """A weight from TOML: a number, or a fraction written as a string ("2/3")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Fraction(value).limit_denominator(WEIGHT_DENOMINATOR_LIMIT)
    if isinstance(value, str):
        try:
            return Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            return None
    return None


def _parse_families(path: Path, data: dict[str, Any]) -> dict[str, Family]:
    families: dict[str, Family] = {}
    for index, item in enumerate(data.get("family", []), start=1):
        where = f"{path}: family #{index}"
        if not isinstance(item, dict):
            raise InputError(f"{where}: expected a table")
        name = item.get("name")
        weapon_class = item.get("class")
        if not isinstance(name, str) or not name.strip():
            raise InputError(f"{where}: field 'name' must be a non-empty string")
        if weapon_class not in WEAPON_CLASSES:
            raise InputError(
                f"{where} ({name}): field 'class' is {weapon_class!r}; "
                f"expected one of {', '.join(WEAPON_CLASSES)}"
            )
        aliases = item.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise InputError(f"{where} ({name}): field 'aliases' must be a list of strings")
        families[name] = Family(
            name=name,
            weapon_class=weapon_class,
            aliases=tuple(aliases),
            note=str(item.get("note", "")),
        )
    return families


def _parse_models(path: Path, data: dict[str, Any]) -> dict[str, ModelEntry]:
    models: dict[str, ModelEntry] = {}
    for index, item in enumerate(data.get("model", []), start=1):
        where = f"{path}: model #{index}"
        if not isinstance(item, dict):
            raise InputError(f"{where}: expected a table")
        name = item.get("name")
        weights = item.get("families")
        if not isinstance(name, str) or not name.strip():
            raise InputError(f"{where}: field 'name' must be a non-empty string")
        if not isinstance(weights, dict) or not weights:
            raise InputError(f"{where} ({name}): field 'families' must be a table family = weight")
        parsed: dict[str, Fraction] = {}
        for family, weight in weights.items():
            value = _weight(weight)
            if value is None or value <= 0:
                raise InputError(
                    f"{where} ({name}): weight of {family!r} must be a positive number "
                    'or a fraction such as "2/3"'
                )
            parsed[str(family)] = value
        models[name] = ModelEntry(
            name=name,
            families=parsed,
            note=str(item.get("note", "")),
            source=str(item.get("source", "")),
        )
    return models


def load(user_file: Path | None = None) -> Taxonomy:
    """The shipped taxonomy, extended (and overridden by name) by ``user_file``.

    Read once per content: the files' sizes and modification times key a small memo,
    so the ledger, the estimates and the engines share one parse (an edited file is
    read again).
    """
    paths = [default_taxonomy_path()]
    if user_file is not None:
        paths.append(Path(user_file))
    key = tuple((str(path), *_file_state(path)) for path in paths)
    cached = _LOADED.get(key)
    if cached is None:
        cached = _read(paths)
        if len(_LOADED) >= 8:
            _LOADED.clear()
        _LOADED[key] = cached
    return cached


_LOADED: dict[tuple[tuple[object, ...], ...], Taxonomy] = {}


def _file_state(path: Path) -> tuple[int, int]:
    try:
        status = path.stat()
    except OSError:
        return (-1, -1)  # _read_toml names the file in one line
    return (status.st_mtime_ns, status.st_size)


def _read(paths: list[Path]) -> Taxonomy:
    families: dict[str, Family] = {}
    models: dict[str, ModelEntry] = {}
    digest = hashlib.sha256()
    for path in paths:
        data = _read_toml(path)
        digest.update(path.read_bytes())
        families.update(_parse_families(path, data))
        models.update(_parse_models(path, data))
    for model in models.values():
        for family in model.families:
            if family not in families:
                raise InputError(
                    f"{paths[-1]}: model {model.name!r} refers to family {family!r}, "
                    "which no [[family]] defines"
                )
    return Taxonomy(families=families, models=models, digest=digest.hexdigest())
