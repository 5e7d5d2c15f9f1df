"""Provenance and statistics over a store holding both real releases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from missilewatch import ledger
from missilewatch.web import create_app

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    db = tmp_path_factory.mktemp("store") / "ledger.duckdb"
    ledger.ingest(shared_data / "2026-02-08", db)
    ledger.ingest(shared_data / "2026-04-05", db)
    return db


@pytest.fixture(scope="module")
def store_client(store: Path) -> Iterator[TestClient]:
    with TestClient(create_app(db=store), base_url="http://127.0.0.1") as client:
        yield client


def test_releases_list_both_ingests_with_their_changes(store_client: TestClient) -> None:
    body = store_client.get("/api/releases").json()
    assert body["source"] == "store"
    assert [row["name"] for row in body["releases"]] == ["2026-02-08", "2026-04-05"]
    newer = body["releases"][1]
    # The documented difference between the two releases.
    assert (newer["added"], newer["revised"], newer["vanished"]) == (207, 3, 0)
    assert body["file_hash"] == newer["file_hash"]
    assert body["last_date"] >= "2026-04-01"


def test_stats_read_the_chosen_store(store_client: TestClient, store: Path) -> None:
    rows = store_client.get("/api/stats", params={"period": "year"}).json()["rows"]
    expected = ledger.stats(store, period="year")
    assert sum(row["launched"] for row in rows) == int(expected["launched"].sum())


def test_page_shows_the_provenance(store_client: TestClient) -> None:
    page = store_client.get("/").text
    assert "2026-02-08" in page and "2026-04-05" in page
    assert "the local store" in page
