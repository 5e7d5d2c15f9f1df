"""``/api/stats`` and the launch charts serve the numbers of ``missilewatch.stats``."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

import missilewatch
from missilewatch.report.charts import DRONE_CLASSES, MISSILE_CLASSES

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _rows_as_frame(rows: list[dict[str, Any]], group: str) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    return frame.sort_values(["period", group]).reset_index(drop=True)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"period": "quarter", "by": "family"},
        {"period": "year", "weapon_class": "ballistic", "by": "family"},
        {"period": "week", "start": "2025-01-01", "end": "2025-03-31"},
        {"period": "month", "family": "Iskander-M", "mode": "reported"},
    ],
)
def test_stats_match_the_python_api(client: TestClient, params: dict[str, str]) -> None:
    response = client.get("/api/stats", params=params)
    assert response.status_code == 200
    body = response.json()
    group = "family" if params.get("by") == "family" else "weapon_class"
    served = _rows_as_frame(body["rows"], group)
    expected = missilewatch.stats(**params).sort_values(["period", group]).reset_index(drop=True)
    assert len(served) == len(expected) > 0
    assert list(served["period"]) == list(expected["period"])
    assert list(served[group]) == list(expected[group])
    for column in ("reports", "launched", "destroyed", "not_reach_goal"):
        assert list(served[column]) == [int(value) for value in expected[column]], column
    for got, want in zip(served["intercept_rate"], expected["intercept_rate"], strict=True):
        if pd.isna(want):
            assert got is None or math.isnan(got)
        else:
            assert got == pytest.approx(float(want))
    assert served["period_start"].iloc[0] == expected["period_start"].iloc[0].strftime("%Y-%m-%d")


def test_filters_narrow_the_totals(client: TestClient) -> None:
    everything = client.get("/api/stats", params={"period": "year"}).json()["rows"]
    ballistic = client.get(
        "/api/stats", params={"period": "year", "weapon_class": "ballistic"}
    ).json()["rows"]
    total = sum(row["launched"] for row in everything)
    ballistic_total = sum(row["launched"] for row in ballistic)
    assert 0 < ballistic_total < total
    assert {row["weapon_class"] for row in ballistic} == {"ballistic"}


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"weapon_class": "laser"}, 422, "weapon_class"),
        ({"period": "decade"}, 422, "period"),
        ({"start": "yesterday"}, 422, "start"),
        ({"start": "2025-06-01", "end": "2025-01-01"}, 422, "end"),
        ({"family": "No-Such-Missile"}, 422, "family"),
        ({"unexpected": "1"}, 422, "unexpected"),
    ],
)
def test_bad_filters_are_4xx_json(
    client: TestClient, params: dict[str, str], status: int, field: str
) -> None:
    response = client.get("/api/stats", params=params)
    assert response.status_code == status
    body = response.json()
    assert body["field"] == field
    assert isinstance(body["error"], str) and body["error"]
    assert "Traceback" not in response.text


def test_meta_offers_classes_and_families_from_the_ledger(client: TestClient) -> None:
    meta = client.get("/api/meta").json()
    monthly = missilewatch.monthly_launches(by="family")
    reported = monthly[monthly["launched"] > 0]
    assert {row["family"] for row in meta["families"]} == set(reported["family"])
    assert set(meta["classes"]) == set(reported["weapon_class"])
    assert meta["first_month"] == str(monthly["month"].min())
    assert meta["last_month"] == str(monthly["month"].max())


def _bar_total(figure: dict[str, Any]) -> int:
    return int(sum(sum(trace["y"]) for trace in figure["data"] if trace["type"] == "bar"))


@pytest.mark.parametrize(
    ("kind", "classes"), [("missiles", MISSILE_CLASSES), ("drones", DRONE_CLASSES)]
)
def test_launch_charts_split_missiles_and_drones(
    client: TestClient, kind: str, classes: tuple[str, ...]
) -> None:
    figure = client.get("/api/figures/launches", params={"kind": kind}).json()
    stats = missilewatch.stats(period="month")
    expected = stats[stats["weapon_class"].isin(classes)]
    assert _bar_total(figure) == int(expected["launched"].sum()) > 0
    assert {trace["name"] for trace in figure["data"]} <= set(classes)


def test_launch_chart_shows_the_filtered_totals(client: TestClient) -> None:
    cruise = client.get(
        "/api/figures/launches", params={"weapon_class": "cruise", "start": "2024-01-01"}
    ).json()
    expected = missilewatch.stats(period="month", weapon_class="cruise", start="2024-01-01")
    assert _bar_total(cruise) == int(expected["launched"].sum())
    assert [trace["name"] for trace in cruise["data"]] == ["cruise"]
    assert "class cruise" in cruise["layout"]["title"]["text"]


def test_intercept_chart_rates_are_destroyed_over_launched(client: TestClient) -> None:
    figure = client.get("/api/figures/intercept-rates", params={"weapon_class": "ballistic"}).json()
    expected = missilewatch.stats(period="quarter", weapon_class="ballistic")
    expected = expected[expected["launched"] >= 10]
    # One line, and a dotted piece to the quarter the reports end in (its own trace).
    (trace,) = [trace for trace in figure["data"] if trace["name"] == "ballistic"]
    partial = [trace for trace in figure["data"] if trace["name"].startswith("ballistic (to ")]
    assert len(figure["data"]) == 1 + len(partial) <= 2
    # Quarters with too few launches are gaps (null) in the line, not points.
    drawn = [rate for rate in trace["y"] if rate is not None]
    if partial and partial[0]["y"][-1] is not None:
        assert trace["y"][-1] is None
        drawn.append(partial[0]["y"][-1])
    want = (expected["destroyed"].clip(upper=expected["launched"]) / expected["launched"]).tolist()
    assert drawn == pytest.approx(want)


def test_repeated_requests_are_served_from_the_cache(client: TestClient) -> None:
    params = {"period": "quarter", "weapon_class": "cruise"}
    first = client.get("/api/stats", params=params).json()
    engines = client.app.state.engines  # type: ignore[attr-defined]
    hits_before = engines.cache.hits
    second = client.get("/api/stats", params=params).json()
    assert second == first
    assert engines.cache.hits > hits_before
