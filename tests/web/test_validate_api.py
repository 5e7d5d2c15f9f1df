"""``/api/attacks`` and ``/api/validate`` serve the numbers of the Python API."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

import missilewatch
from missilewatch.validate import published_check

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_attacks_match_the_python_api(client: TestClient) -> None:
    params = {"start": "2025-06-01", "end": "2025-09-30", "weapon_class": "ballistic"}
    response = client.get("/api/attacks", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    expected = missilewatch.attacks(**params)
    assert len(body["windows"]) == len(expected)
    assert sum(row["launched"] for row in body["windows"]) == expected["launched"].sum()
    assert body["zero_intercepts"]["without_intercept"] == 36
    assert sum(row["attacks"] for row in body["distribution"]) == 50
    assert [row["salvo"] for row in body["by_salvo_size"]] == ["1", "2-3", "4-7", "8-15", "16+"]


def test_attacks_refusals_name_the_field(client: TestClient) -> None:
    bad = client.get("/api/attacks", params={"salvo_bins": "5,2"})
    assert bad.status_code == 422
    assert bad.json()["field"] == "salvo_bins"
    unknown = client.get("/api/attacks", params={"family": "Shaheed"})
    assert unknown.status_code == 422
    assert unknown.json()["field"] == "family"


def test_validate_quick_sections(client: TestClient) -> None:
    response = client.get("/api/validate")
    assert response.status_code == 200, response.text
    sections = response.json()["sections"]
    published = sections["published"]
    assert len(published["rows"]) == len(published_check())
    assert "published figures reproduced" in published["summary"]
    assert sections["forecast"]["available"]
    assert not sections["stock-loo"]["available"] or sections["stock-loo"]["rows"]
