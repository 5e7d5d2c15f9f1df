"""Sourced external figures: production, stocks, imports, interceptors, doctrine.

``load(user_file)`` reads every shipped ``estimates/data/*.toml`` and the user's file
(which overrides records with the same ``id``) into a frozen :class:`EstimateSet`.
See ``docs/estimates.md`` for the file format.
"""

from __future__ import annotations

from missilewatch.estimates.loader import (
    EARLIEST_DATE,
    LATEST_DATE,
    WEAPON_CLASSES,
    EstimatesError,
    known_families,
    load,
    shipped_files,
)
from missilewatch.estimates.records import (
    DEFENSE_QUANTITIES,
    FRAME_COLUMNS,
    QUANTITIES,
    RUSSIAN_QUANTITIES,
    Estimate,
    EstimateSet,
    Source,
    Unit,
    parse_unit,
)

__all__ = [
    "DEFENSE_QUANTITIES",
    "EARLIEST_DATE",
    "FRAME_COLUMNS",
    "LATEST_DATE",
    "QUANTITIES",
    "RUSSIAN_QUANTITIES",
    "WEAPON_CLASSES",
    "Estimate",
    "EstimateSet",
    "EstimatesError",
    "Source",
    "Unit",
    "known_families",
    "load",
    "parse_unit",
    "shipped_files",
]
