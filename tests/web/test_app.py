"""The application shell: page, static files, OpenAPI schema, errors and limits."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

import missilewatch
from missilewatch.errors import InputError, ParameterError, UnknownNameError
from missilewatch.web.app import plotly_js_path
from missilewatch.web.errors import status_for
from missilewatch.web.schemas import MAX_BODY_BYTES


def test_health_reports_status_and_version(client: TestClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": missilewatch.__version__}


def test_page_loads_scripts_from_the_server_only(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    sources = re.findall(r'<script[^>]* src="([^"]+)"', response.text)
    assert "/vendor/plotly.min.js" in sources
    # The dashboard must work offline: no script or stylesheet from another host.
    assert all(source.startswith("/") for source in sources)
    assert not re.search(r'<link[^>]+href="https?://', response.text)
    assert "Ukrainian Air Force" in response.text
    assert "piterfm/massive-missile-attacks-on-ukraine" in response.text


def test_plotly_js_is_the_installed_copy(client: TestClient) -> None:
    response = client.get("/vendor/plotly.min.js")
    assert response.status_code == 200
    assert response.content == plotly_js_path().read_bytes()
    assert client.get("/static/dashboard.js").status_code == 200


def test_openapi_schema_lists_the_endpoints(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    expected = {
        "/api/health",
        "/api/meta",
        "/api/stats",
        "/api/releases",
        "/api/estimates",
        "/api/stockpile",
        "/api/defense",
        "/api/raid",
        "/api/raid/threats",
        "/api/scenarios",
        "/api/scenario-runs",
        "/api/figures/launches",
        "/api/figures/intercept-rates",
        "/api/figures/stockpile",
        "/api/figures/defense",
    }
    assert expected <= set(schema["paths"])


def test_unknown_route_is_json_404(client: TestClient) -> None:
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"error": "Not Found", "field": None}


def test_oversized_body_is_refused_with_the_limit(client: TestClient) -> None:
    body = b"{" + b" " * (MAX_BODY_BYTES + 1) + b"}"
    response = client.post(
        "/api/scenario-runs", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert f"{MAX_BODY_BYTES:,}" in response.json()["error"]


@pytest.mark.parametrize(
    ("error", "status"),
    [(UnknownNameError("x"), 422), (ParameterError("x"), 422), (InputError("x"), 400)],
)
def test_missilewatch_errors_map_to_4xx(error: Exception, status: int) -> None:
    assert status_for(error) == status  # type: ignore[arg-type]


def test_estimates_match_the_public_api(client: TestClient) -> None:
    from missilewatch import estimates

    frame = estimates.load().to_frame()
    rows = client.get("/api/estimates").json()["rows"]
    assert [row["id"] for row in rows] == list(frame["id"])
    stocks = client.get("/api/estimates", params={"quantity": "stock"}).json()["rows"]
    assert stocks and all(row["quantity"] == "stock" for row in stocks)
    assert len(stocks) == int((frame["quantity"] == "stock").sum())
    first = frame.iloc[0]
    assert rows[0]["central"] == pytest.approx(float(first["central"]))
    assert rows[0]["source"] == first["source"]


def test_page_sections_are_not_nested_in_forms(client: TestClient) -> None:
    """Each form closes before the next section opens: the charts are not inside one."""
    page = client.get("/").text
    for form in re.findall(r"<form\b.*?</form>", page, flags=re.DOTALL):
        assert "<section" not in form
        assert 'class="chart"' not in form


def test_page_has_every_section(client: TestClient) -> None:
    page = client.get("/").text
    for section in ("launches", "intercepts", "scenario", "stockpile", "defense", "raid"):
        assert f'<section id="{section}">' in page
    # The ids the page script fills in.
    for element in (
        'id="raid-form"',
        'id="raid-text"',
        'id="raid-threats"',
        'id="raid-error"',
        'id="raid-leakers"',
        'id="chart-saturation"',
    ):
        assert element in page
    assert "/api/raid" in set(client.get("/openapi.json").json()["paths"])
