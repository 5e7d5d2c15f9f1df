"""How well the tool does: the ledger against published figures, the forecast against
what followed, and (when present) the stock and interceptor reconstructions.

Public API: :func:`validate` (every section), :func:`published_check` (the published
figures table), :func:`load_registry` (the figures), :func:`strike_skill` (the forecast
skill table).
"""

from __future__ import annotations

from missilewatch.validate.published import published_check, published_summary
from missilewatch.validate.registry import PublishedFigure, RegistryError, load_registry
from missilewatch.validate.report import Section, ValidationReport, validate

__all__ = [
    "PublishedFigure",
    "RegistryError",
    "Section",
    "ValidationReport",
    "load_registry",
    "published_check",
    "published_summary",
    "validate",
]
