"""The launch ledger: Ukrainian Air Force reports, weapon taxonomy, store and statistics.

Public API (see docs/architecture.md, "Ledger public API", and docs/ledger.md):
:func:`attacks`, :func:`stats`, :func:`monthly_launches`, :mod:`taxonomy` (``load``),
:func:`ingest`, :func:`update`, :func:`releases`, :func:`check`, :func:`source_info`.
"""

from __future__ import annotations

from missilewatch.ledger import taxonomy
from missilewatch.ledger.query import attacks, monthly_launches, stats

__all__ = ["attacks", "monthly_launches", "stats", "taxonomy"]
