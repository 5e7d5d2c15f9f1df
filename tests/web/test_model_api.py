"""Model endpoints: raid, stockpile, defense and scenario runs, and their limits."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from missilewatch.web.schemas import MAX_PATHS, MAX_RAID_SIZE

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _engines(client: TestClient) -> dict[str, bool]:
    engines: dict[str, bool] = client.get("/api/health").json()["engines"]
    return engines


def _require(client: TestClient, engine: str) -> None:
    if not _engines(client)[engine]:
        pytest.skip(f"the {engine} engine is not installed")


def _assert_refused(response: Any, status: int, field: str | None, *needles: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "field"}
    assert body["field"] == field
    for needle in needles:
        assert needle in body["error"]


RAID = {"Iskander-M": 20, "Kh-101/Kh-555": 30}


def test_raid_matches_the_python_api(client: TestClient) -> None:
    _require(client, "raid")
    from missilewatch.api.defense import raid

    response = client.post("/api/raid", json={"raid": RAID, "paths": 500, "seed": 3})
    assert response.status_code == 200
    body = response.json()
    expected = raid(RAID, paths=500, seed=3)
    served = {row["threat"]: row for row in body["leakers"]}
    assert set(served) == {*RAID, "all"}
    for row in expected.leakers.itertuples():
        assert served[row.threat]["launched"] == row.launched
        assert served[row.threat]["mean"] == pytest.approx(row.mean)
        assert served[row.threat]["p95"] == pytest.approx(row.p95)
    assert {row["interceptor"] for row in body["interceptors"]} == set(
        expected.interceptors["interceptor"]
    )
    assert body["saturation"], "the saturation curve is part of the answer"


@pytest.mark.parametrize(
    ("body", "status", "field", "needle"),
    [
        ({"raid": {"Iskander-M": -1}}, 422, "raid", "negative"),
        ({"raid": {"Iskander-M": 0}}, 422, "raid", "no missiles"),
        ({"raid": {"Iskander-M": MAX_RAID_SIZE + 1}}, 422, "raid", f"{MAX_RAID_SIZE:,}"),
        ({"raid": RAID, "paths": MAX_PATHS + 1}, 422, "paths", f"{MAX_PATHS:,}"),
        ({"raid": {"Iskander-M": "many"}}, 422, "raid.Iskander-M", "integer"),
        ({"raid": {"Tomahawk": 5}}, 404, None, "Tomahawk"),
    ],
)
def test_bad_raids_are_refused(
    client: TestClient, body: dict[str, Any], status: int, field: str | None, needle: str
) -> None:
    _require(client, "raid")
    _assert_refused(client.post("/api/raid", json=body), status, field, needle)


def test_malformed_json_is_a_4xx(client: TestClient) -> None:
    _require(client, "raid")
    response = client.post(
        "/api/raid", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert "error" in response.json()
