"""Forgiving names: one resolver for the family, class, scenario and interceptor names
users type on the command line, in Python and in web requests.

A typed name resolves, in this order, to

1. a known name spelled exactly;
2. a known name or alias equal up to case and spacing (``iskander-m``, ``KALIBR``);
3. a known name or alias equal up to case, spaces and punctuation (``Kh101`` for
   ``Kh-101``, ``3M14`` for ``3M-14``), when exactly one name matches.

Aliases of weapon families live in the taxonomy file (``ledger/taxonomy.toml``), next to
the model strings of the reports, so a new spelling is added as data. A name that does
not resolve raises :class:`~missilewatch.errors.UnknownNameError` with the closest names
("did you mean ...?", by :mod:`difflib`) and the known names, on one line.

Family names resolve against the taxonomy's families in every command (one list
everywhere); a command that covers only some of them (the stock-flow model, the air
defense) then says that the family is known but not covered, and which ones are.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from missilewatch.errors import UnknownNameError

if TYPE_CHECKING:
    from missilewatch.ledger.taxonomy import Taxonomy

_WHITESPACE = re.compile(r"\s+")
_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")

#: How many "did you mean" suggestions an error names at most.
MAX_SUGGESTIONS = 3

#: difflib similarity (0-1) a known name needs to be suggested.
SUGGESTION_CUTOFF = 0.6

#: Suggestions are kept only within this similarity of the closest one.
SUGGESTION_SPREAD = 0.1


def loose_key(text: str) -> str:
    """The key of step 2: whitespace collapsed, stripped, case-folded."""
    return _WHITESPACE.sub(" ", text).strip().casefold()


def compact_key(text: str) -> str:
    """The key of step 3: case-folded letters and digits only (``Kh-101`` -> ``kh101``)."""
    return _NOT_ALPHANUMERIC.sub("", text.casefold())


def _matches(
    value: str, spellings: Sequence[tuple[str, str]], keyer: Callable[[str], str]
) -> list[str]:
    """Canonical names whose spelling has the same key as ``value``, in list order."""
    wanted = keyer(value)
    if not wanted:
        return []
    found = [canonical for spelling, canonical in spellings if keyer(spelling) == wanted]
    return list(dict.fromkeys(found))


def suggestions(value: str, spellings: Sequence[tuple[str, str]]) -> list[str]:
    """Up to :data:`MAX_SUGGESTIONS` canonical names closest to ``value``, closest first."""
    by_key: dict[str, str] = {}
    for spelling, canonical in spellings:
        by_key.setdefault(loose_key(spelling), canonical)
        by_key.setdefault(compact_key(spelling), canonical)
    candidates = difflib.get_close_matches(
        loose_key(value), list(by_key), n=4 * MAX_SUGGESTIONS, cutoff=SUGGESTION_CUTOFF
    )
    candidates += difflib.get_close_matches(
        compact_key(value), list(by_key), n=4 * MAX_SUGGESTIONS, cutoff=SUGGESTION_CUTOFF
    )
    scores = {
        key: max(
            difflib.SequenceMatcher(None, loose_key(value), key).ratio(),
            difflib.SequenceMatcher(None, compact_key(value), key).ratio(),
        )
        for key in candidates
    }
    if not scores:
        return []
    # Only names about as close as the closest: "Banderol" is no help for "iskander".
    best = max(scores.values())
    ranked = sorted(
        (key for key in scores if scores[key] >= best - SUGGESTION_SPREAD),
        key=lambda key: -scores[key],
    )
    return list(dict.fromkeys(by_key[key] for key in ranked))[:MAX_SUGGESTIONS]


def _quoted_list(names: Iterable[str]) -> str:
    return ", ".join(repr(name) for name in names)


def resolve_name(
    value: str,
    names: Iterable[str],
    *,
    kind: str,
    aliases: Mapping[str, str] | None = None,
    field: str | None = None,
    hint: str = "",
) -> str:
    """The known name ``value`` denotes (see the module docstring for the steps).

    Args:
        value: the name as typed.
        names: the known (canonical) names, in the order an error lists them.
        kind: what a name is, for messages ("family", "weapon class", "scenario").
        aliases: other spelling -> canonical name; aliases of names not in ``names``
            are ignored.
        field: the option or field the name came from, prefixed to messages.
        hint: words appended to the error, e.g. "or a path to a scenario file".

    Raises:
        UnknownNameError: no known name matches, or several match equally (ambiguous).
    """
    known = list(dict.fromkeys(names))
    if value in known:
        return value
    spellings = [(name, name) for name in known]
    spellings += [(alias, target) for alias, target in (aliases or {}).items() if target in known]
    prefix = f"{field}: " if field else ""
    text = str(value)
    for keyer in (loose_key, compact_key):
        found = _matches(text, spellings, keyer)
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise UnknownNameError(
                f"{prefix}{kind} {text!r} is ambiguous: it could be {_quoted_list(found)}; "
                "give the full name"
            )
    raise unknown_name(text, known, kind=kind, aliases=aliases, field=field, hint=hint)


def unknown_name(
    value: str,
    names: Iterable[str],
    *,
    kind: str,
    aliases: Mapping[str, str] | None = None,
    field: str | None = None,
    hint: str = "",
) -> UnknownNameError:
    """The one-line error for a name that is not known: closest names, then all of them.

    For code that needs the exact name (a file's keys): a spelling that
    :func:`resolve_name` would accept is offered as the suggestion.
    """
    known = list(dict.fromkeys(names))
    spellings = [(name, name) for name in known]
    spellings += [(alias, target) for alias, target in (aliases or {}).items() if target in known]
    exact = _matches(value, spellings, loose_key) or _matches(value, spellings, compact_key)
    close = exact or suggestions(value, spellings)
    guess = f": did you mean {' or '.join(map(repr, close))}?" if close else ""
    prefix = f"{field}: " if field else ""
    return UnknownNameError(
        f"{prefix}unknown {kind} {value!r}{guess} (known: {', '.join(known)}){hint}"
    )


def resolve_names(
    values: str | Iterable[str] | None,
    names: Iterable[str],
    *,
    kind: str,
    aliases: Mapping[str, str] | None = None,
    field: str | None = None,
) -> list[str] | None:
    """:func:`resolve_name` for each of ``values`` (a string is one name); None stays None."""
    if values is None:
        return None
    items = [values] if isinstance(values, str) else list(values)
    known = list(names)
    return [resolve_name(v, known, kind=kind, aliases=aliases, field=field) for v in items]


# ---- weapon families and classes ---------------------------------------------------------


@lru_cache(maxsize=1)
def _shipped_taxonomy() -> Taxonomy:
    from missilewatch.ledger import taxonomy

    return taxonomy.load()


def family_names(taxonomy: Taxonomy | None = None) -> list[str]:
    """Every weapon family of the taxonomy, in the file's order: the list every command
    names when a family is not known."""
    return list((taxonomy or _shipped_taxonomy()).families)


def family_aliases(taxonomy: Taxonomy | None = None) -> dict[str, str]:
    """Alias -> family, from the taxonomy file."""
    chosen = taxonomy or _shipped_taxonomy()
    return {alias: family.name for family in chosen.families.values() for alias in family.aliases}


def resolve_family(
    value: str,
    available: Iterable[str] | None = None,
    *,
    field: str | None = "family",
    kind: str = "family",
    covered_by: str = "covered here",
    taxonomy: Taxonomy | None = None,
) -> str:
    """The family ``value`` denotes, checked against ``available`` when given.

    The name resolves against every family of the taxonomy (and ``available``, which may
    hold families of a user's taxonomy); a family that resolves but is not in
    ``available`` is refused with ``covered_by`` ("modelled by the stock-flow model") and
    the available families.
    """
    choices = None if available is None else list(dict.fromkeys(available))
    universe = family_names(taxonomy) + [
        n for n in choices or [] if n not in family_names(taxonomy)
    ]
    family = resolve_name(value, universe, kind=kind, aliases=family_aliases(taxonomy), field=field)
    if choices is not None and family not in choices:
        prefix = f"{field}: " if field else ""
        shown = f"{family!r}" if family == value else f"{value!r} ({family})"
        raise UnknownNameError(
            f"{prefix}{kind} {shown} is not {covered_by} ({', '.join(choices) or 'none'})"
        )
    return family


def resolve_families(
    values: str | Iterable[str] | None,
    available: Iterable[str] | None = None,
    **options: object,
) -> list[str] | None:
    """:func:`resolve_family` for each of ``values``; None stays None."""
    if values is None:
        return None
    items = [values] if isinstance(values, str) else list(values)
    choices = None if available is None else list(available)
    return [resolve_family(item, choices, **options) for item in items]  # type: ignore[arg-type]


def class_names() -> list[str]:
    from missilewatch.ledger.taxonomy import WEAPON_CLASSES

    return list(WEAPON_CLASSES)


def resolve_class(
    value: str,
    available: Iterable[str] | None = None,
    *,
    field: str | None = "class",
    covered_by: str = "covered here",
    extra: Sequence[str] = (),
) -> str:
    """The weapon class ``value`` denotes (``Ballistic``, ``anti ship``), checked against
    ``available`` when given; ``extra`` adds names beyond the taxonomy's classes."""
    choices = None if available is None else list(dict.fromkeys(available))
    universe = class_names() + [n for n in (*extra, *(choices or [])) if n not in class_names()]
    weapon_class = resolve_name(value, universe, kind="weapon class", field=field)
    if choices is not None and weapon_class not in choices:
        prefix = f"{field}: " if field else ""
        raise UnknownNameError(
            f"{prefix}weapon class {weapon_class!r} is not {covered_by} "
            f"({', '.join(choices) or 'none'})"
        )
    return weapon_class


def resolve_classes(
    values: str | Iterable[str] | None,
    available: Iterable[str] | None = None,
    **options: object,
) -> list[str] | None:
    """:func:`resolve_class` for each of ``values``; None stays None."""
    if values is None:
        return None
    items = [values] if isinstance(values, str) else list(values)
    choices = None if available is None else list(available)
    return [resolve_class(item, choices, **options) for item in items]  # type: ignore[arg-type]


def resolve_family_or_class(
    value: str,
    families: Iterable[str],
    classes: Iterable[str],
    *,
    field: str | None = None,
) -> str:
    """A family or a weapon class name (classes first: no family is named like a class)."""
    class_list = list(classes)
    family_list = list(families)
    try:
        return resolve_name(value, class_list, kind="weapon class", field=field)
    except UnknownNameError:
        pass
    spellings = family_list + class_list
    aliases = {a: f for a, f in family_aliases().items() if f in family_list}
    return resolve_name(value, spellings, kind="family or class", aliases=aliases, field=field)


# ---- interceptor types and scenarios -----------------------------------------------------


def resolve_interceptor(
    value: str, known: Iterable[str], *, field: str | None = None, kind: str = "interceptor"
) -> str:
    """An interceptor type (``pac-3 mse``, ``Aster30``) among ``known``."""
    return resolve_name(value, known, kind=kind, field=field)


def resolve_scenario(value: str, *, field: str | None = None) -> str:
    """A shipped scenario name (``Ceasefire-6M``; ``ceasfire-6m`` is refused with a
    suggestion)."""
    from missilewatch.scenarios.spec import shipped_names

    return resolve_name(
        value,
        shipped_names(),
        kind="shipped scenario",
        field=field,
        hint="; or give a path to a scenario file",
    )
