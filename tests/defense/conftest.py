"""Fixtures for the air-defense tests: the real ledger and the defense built from it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from missilewatch.defense import calibration
from missilewatch.views import defense as api


@pytest.fixture(scope="module")
def old_release_db(release_old: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A store holding only the 2026-02-08 release, ingested from the shared files."""
    from missilewatch.ledger.parse import read_release
    from missilewatch.ledger.store import ingest_release

    db = tmp_path_factory.mktemp("defense-store") / "ledger.duckdb"
    ingest_release(read_release(release_old), db=db)
    yield db


@pytest.fixture(scope="session")
def snapshot_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store path holding no release: the ledger then reads its shipped snapshot.

    Session fixtures are built before the per-test data directory exists, so they name
    this path instead of relying on the default store.
    """
    return tmp_path_factory.mktemp("defense-empty") / "empty.duckdb"


@pytest.fixture(scope="session")
def ledger_attacks(snapshot_db: Path) -> pd.DataFrame:
    """Per-attack counts by family from the shipped snapshot of the 2026-04-05 release."""
    from missilewatch import ledger

    return calibration.per_attack(ledger.attacks(snapshot_db, allocated=True), by="family")


@pytest.fixture(scope="session")
def real_setup(snapshot_db: Path) -> api.DefenseSetup:
    """The defense built from the shipped estimates and the shipped ledger snapshot."""
    setup, _ = api.load_setup(db=snapshot_db)
    return setup
