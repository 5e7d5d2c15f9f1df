"""The launch ledger: Ukrainian Air Force reports, weapon taxonomy, store and statistics.

Public API (see docs/architecture.md, "Ledger public API", and docs/ledger.md):
:func:`attacks` (one row per report or family share), :func:`attack_windows` (one row
per attack window), :func:`stats`, :func:`monthly_launches`, :mod:`taxonomy` (``load``),
:func:`ingest`, :func:`update`, :func:`releases`, :func:`history`, :func:`revisions`,
:func:`check`, :func:`drop_release`, :func:`rename_release`.
"""

from __future__ import annotations

from missilewatch.ledger import taxonomy
from missilewatch.ledger.quality import check
from missilewatch.ledger.query import attacks, monthly_launches, stats
from missilewatch.ledger.releases import history, ingest, releases, revisions, update
from missilewatch.ledger.store import DropResult, IngestResult, drop_release, rename_release
from missilewatch.ledger.windows import attack_windows

__all__ = [
    "DropResult",
    "IngestResult",
    "attack_windows",
    "attacks",
    "check",
    "drop_release",
    "history",
    "ingest",
    "monthly_launches",
    "releases",
    "rename_release",
    "revisions",
    "stats",
    "taxonomy",
    "update",
]
