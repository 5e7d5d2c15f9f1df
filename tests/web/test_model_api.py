"""Model endpoints: raid, stockpile, defense and scenario runs, and their limits."""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

import missilewatch
from missilewatch.errors import MissilewatchWarning
from missilewatch.web.schemas import MAX_PATHS, MAX_RAID_SIZE

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _assert_refused(response: Any, status: int, field: str | None, *needles: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "field"}
    assert body["field"] == field
    for needle in needles:
        assert needle in body["error"]


RAID = {"Iskander-M": 20, "Kh-101/Kh-555": 30}


def test_raid_matches_the_python_api(client: TestClient) -> None:
    from missilewatch.views.defense import raid

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
        ({"raid": {"Tomahawk": 5}}, 422, "raid", "Tomahawk"),
        ({"raid": "Tomahawk=5"}, 422, "raid", "unknown threat 'Tomahawk'"),
        ({"raid": "Foo=3"}, 422, "raid", "unknown threat 'Foo'"),
        ({"raid": "Iskander-M=0, Kinzhal=0"}, 422, "raid", "no missiles"),
        ({"raid": "Iskander-M"}, 422, "raid", "not NAME=COUNT"),
        ({"raid": "Iskander-M=forty"}, 422, "raid", "not a whole number"),
        ({"raid": "Kinzhal=2, Kinzhal=3"}, 422, "raid", "given twice"),
        ({"raid": RAID, "paths": 10}, 422, "paths", "100"),
        ({"raid": f"Shahed/Geran={MAX_RAID_SIZE + 1}"}, 422, "raid", f"{MAX_RAID_SIZE:,}"),
    ],
)
def test_bad_raids_are_refused(
    client: TestClient, body: dict[str, Any], status: int, field: str | None, needle: str
) -> None:
    _assert_refused(client.post("/api/raid", json=body), status, field, needle)


def test_raid_as_text_gives_the_same_answer(client: TestClient) -> None:
    as_object = client.post("/api/raid", json={"raid": RAID, "paths": 400, "seed": 5}).json()
    as_text = client.post(
        "/api/raid", json={"raid": "Iskander-M=20, Kh-101/Kh-555=30", "paths": 400, "seed": 5}
    ).json()
    assert as_text["request"]["raid"] == RAID
    assert as_text["leakers"] == as_object["leakers"]


def test_raid_saturation_chart_carries_the_curve(client: TestClient) -> None:
    body = client.post("/api/raid", json={"raid": RAID, "paths": 400, "seed": 2}).json()
    curve = body["saturation"]
    figure = body["figures"]["saturation"]
    traces = {trace.get("name"): trace for trace in figure["data"]}
    mean = traces["leakers, mean"]
    assert list(mean["x"]) == [row["missiles"] for row in curve]
    assert list(mean["y"]) == pytest.approx([row["leakers_mean"] for row in curve])
    # The dashed reference is the raid itself: leakers never exceed it.
    assert all(y <= x for x, y in zip(mean["x"], mean["y"], strict=True))
    # Larger raids of the same mix leak more missiles.
    assert mean["y"][-1] > mean["y"][0]
    assert sum(RAID.values()) in mean["x"]
    # The subtitle states the raid and the run, so a screenshot says what it shows.
    title = figure["layout"]["title"]["text"]
    assert "20 Iskander-M, 30 Kh-101/Kh-555; 400 paths, seed 2" in title
    assert figure["layout"]["meta"]["key"] == "raid-saturation"


def test_raid_share_chart_shows_the_ballistic_part(client: TestClient) -> None:
    body = client.post("/api/raid", json={"raid": RAID, "paths": 400, "seed": 2}).json()
    figure = body["figures"]["saturation-share"]
    traces = {trace.get("name"): trace for trace in figure["data"]}
    ballistic = traces["ballistic and aeroballistic missiles"]
    curve = body["saturation"]
    assert list(ballistic["y"]) == pytest.approx([row["ballistic_leak_share"] for row in curve])
    assert list(traces["whole raid"]["y"]) == pytest.approx([row["leak_share"] for row in curve])
    assert figure["layout"]["yaxis"]["tickformat"] == ".0%"
    # A raid of drones only has no ballistic line to draw.
    drones = client.post("/api/raid", json={"raid": "Shahed/Geran=100", "paths": 200}).json()
    names = {trace.get("name") for trace in drones["figures"]["saturation-share"]["data"]}
    assert "ballistic and aeroballistic missiles" not in names


def test_raid_interceptors_name_their_fire_system(client: TestClient) -> None:
    body = client.post("/api/raid", json={"raid": {"Iskander-M": 60}, "paths": 400}).json()
    systems = {row["interceptor"]: row["fire_system"] for row in body["interceptors"]}
    assert systems["PAC-3 MSE"] == systems["PAC-2 GEM-T"] == "Patriot"
    assert systems["Aster 30"] == "SAMP/T"


def test_raid_threats_are_the_engaged_families(client: TestClient) -> None:
    rows = client.get("/api/raid/threats").json()["threats"]
    by_name = {row["threat"]: row for row in rows}
    assert {"Iskander-M", "Kinzhal", "Kh-101/Kh-555", "Shahed/Geran"} <= set(by_name)
    assert by_name["Iskander-M"]["weapon_class"] == "ballistic"
    # Guided bombs are not engaged by the model, so they are not offered.
    assert all(row["weapon_class"] != "guided-bomb" for row in rows)
    assert "Iskander-M" in by_name["Iskander-M"]["calibrated_on"]


def test_malformed_json_is_a_4xx(client: TestClient) -> None:
    response = client.post(
        "/api/raid", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert "error" in response.json()


# ---- stockpile, defense campaign and scenario runs -------------------------------------

QUICK = {"paths": 300, "seed": 1, "until": "2027-06"}


def _quietly(compute: Any) -> tuple[Any, list[str]]:
    """Run a model call as the server does: its MissilewatchWarnings collected."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MissilewatchWarning)
        value = compute()
    messages = [str(w.message) for w in caught if issubclass(w.category, MissilewatchWarning)]
    return value, list(dict.fromkeys(messages))


def test_stockpile_matches_the_python_api(client: TestClient) -> None:
    response = client.get("/api/stockpile", params={**QUICK, "weapon_class": "ballistic"})
    assert response.status_code == 200
    body = response.json()
    expected, messages = _quietly(lambda: missilewatch.stockpile(weapon_class="ballistic", **QUICK))
    served = pd.DataFrame(body["rows"])
    assert len(served) == len(expected)
    assert list(served["month"]) == [str(month) for month in expected["month"]]
    assert served["p50"].tolist() == pytest.approx(expected["p50"].tolist())
    assert served["p95"].tolist() == pytest.approx(expected["p95"].tolist())
    # Model warnings (e.g. a stock clamped at zero) reach the reader instead of vanishing.
    assert body["warnings"] == messages


def _final_stock(body: dict[str, Any], name: str) -> float:
    rows = [row for row in body["stock"] if row["name"] == name and row["quantity"] == "stock"]
    return float(max(rows, key=lambda row: row["month"])["p50"])


def test_ceasefire_leaves_a_larger_stockpile(client: TestClient) -> None:
    baseline = client.post("/api/scenario-runs", json=QUICK)
    ceasefire = client.post("/api/scenario-runs", json={**QUICK, "ceasefire_months": 6})
    assert baseline.status_code == ceasefire.status_code == 200
    base_body, cease_body = baseline.json(), ceasefire.json()
    assert cease_body["adjustments"]["ceasefire_months"] == 6
    assert "6 months" in cease_body["description"]
    # No launches for six months while production goes on: more missiles in stock.
    assert _final_stock(cease_body, "ballistic") > _final_stock(base_body, "ballistic")
    names = [trace.get("name") for trace in cease_body["figures"]["stockpile"]["data"]]
    assert any(name and name.startswith("scenario") for name in names)
    assert any(name and name.startswith("baseline") for name in names)


def test_extra_interceptors_delay_depletion(client: TestClient) -> None:
    baseline = client.post("/api/scenario-runs", json=QUICK).json()
    more = client.post(
        "/api/scenario-runs",
        json={**QUICK, "extra_interceptors_per_month": 40, "interceptor": "PAC-3 MSE"},
    ).json()

    def depleted_share(body: dict[str, Any]) -> float:
        rows = {row["metric"]: row for row in body["defense_summary"]}
        return float(rows["depleted_within_horizon"]["mean"])

    assert depleted_share(more) <= depleted_share(baseline)
    assert {"defense", "depletion"} <= set(more["figures"])


def test_defense_depletion_distribution_sums_to_one(client: TestClient) -> None:
    response = client.get("/api/defense", params=QUICK)
    assert response.status_code == 200
    body = response.json()
    assert sum(row["probability"] for row in body["depletion"]) == pytest.approx(1.0)
    assert {row["level"] for row in body["monthly"]} == {"interceptor", "threat"}


@pytest.mark.parametrize(
    ("body", "status", "field", "needle"),
    [
        ({"paths": MAX_PATHS + 1}, 422, "paths", f"{MAX_PATHS:,}"),
        ({"until": "2040-01"}, 422, "until", "2035-12"),
        ({"until": "soon"}, 422, "until", "month"),
        ({"ceasefire_months": -2}, 422, "ceasefire_months", "greater than or equal"),
        ({"escalation_factor": 0}, 422, "escalation_factor", "greater than 0"),
        ({"extra_interceptors_per_month": 5}, 422, "interceptor", "interceptor type"),
        (
            {"extra_interceptors_per_month": 5, "interceptor": "S-400"},
            422,
            "interceptor",
            "PAC-3 MSE",
        ),
        ({"scenario": "no-such-scenario"}, 422, "scenario", "ceasefire-6m"),
        ({"unknown_knob": 1}, 422, "unknown_knob", "unknown field"),
    ],
)
def test_bad_scenario_values_are_refused(
    client: TestClient, body: dict[str, Any], status: int, field: str | None, needle: str
) -> None:
    _assert_refused(client.post("/api/scenario-runs", json=body), status, field, needle)


def test_stockpile_paths_limit_is_named(client: TestClient) -> None:
    response = client.get("/api/stockpile", params={"paths": 1_000_000})
    _assert_refused(response, 422, "paths", f"{MAX_PATHS:,}")
