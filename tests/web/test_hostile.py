"""The dashboard against hostile input: stored script in model names, targets and
estimates text (in real Chromium), path traversal through the scenario field, oversized
and chunked bodies, foreign Host headers, cross-origin writes, /docs offline."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.ledger.helpers import write_release

from missilewatch.errors import MissilewatchWarning
from missilewatch.ledger import ingest
from missilewatch.limits import MAX_BODY_BYTES
from missilewatch.web.testing import LiveServer, running_server

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

#: Each marker sets a flag on ``window`` if its text ever runs as script.
SCRIPT_MODEL = "<script>window.__xss_model = 1</script>Kh-101"
IMG_TARGET = '<img src=x onerror="window.__xss_target = 1">'
SVG_NOTE = '<svg onload="window.__xss_note = 1"></svg> note'
ESTIMATE = f"""
[[estimate]]
id = "hostile-text"
quantity = "production_rate"
subject = "Iskander-M"
bound = "range"
low = 600
central = 700
high = 800
unit = "missiles/year"
as_of = "2024-12-31"
note = {json.dumps(SVG_NOTE)}
[estimate.source]
publication = {json.dumps("<script>window.__xss_source = 1</script>")}
date = "2025-06-01"
url = 'https://example.org/"onmouseover="window.__xss_url=1'
"""


@pytest.fixture(scope="module")
def hostile_server(
    tmp_path_factory: pytest.TempPathFactory, shared_data: Path
) -> Iterator[LiveServer]:
    home = tmp_path_factory.mktemp("hostile-home")

    def edit(index: int, row: dict[str, str]) -> None:
        if index < 3:
            row["model"] = SCRIPT_MODEL
            row["target"] = IMG_TARGET

    release = write_release(home / "release", shared_data / "2026-04-05", edit=edit)
    with pytest.warns(MissilewatchWarning, match="stored as class 'unknown'"):
        ingest(release, home / "missilewatch.duckdb", allow_unknown=True)
    estimates = home / "hostile.toml"
    estimates.write_text(ESTIMATE, encoding="utf-8")
    with running_server(home, "--estimates", str(estimates)) as server:
        yield server


@pytest.mark.browser
def test_stored_script_never_runs(browser: Any, hostile_server: LiveServer) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(hostile_server.url + "/")
    page.wait_for_function(
        "() => Number(document.getElementById('chart-launches').dataset.revision) > 0",
        timeout=30_000,
    )
    html = page.content()
    # The hostile texts reached the page, as text.
    assert "window.__xss_model" in html and "window.__xss_source" in html
    flags = page.evaluate("() => Object.keys(window).filter((key) => key.startsWith('__xss'))")
    context.close()
    assert flags == [] and dialogs == []


def test_the_page_escapes_what_the_store_holds(hostile_server: LiveServer) -> None:
    connection = http.client.HTTPConnection(hostile_server.url.removeprefix("http://"))
    connection.request("GET", "/")
    page = connection.getresponse().read().decode()
    assert "<script>window.__xss" not in page
    assert "<svg onload" not in page


@pytest.mark.parametrize(
    "scenario",
    ["/etc/passwd", "../../../pyproject.toml", "baseline.toml", "shipped/baseline", "~root"],
)
def test_the_scenario_field_takes_only_shipped_names(client: TestClient, scenario: str) -> None:
    response = client.post("/api/scenario-runs", json={"scenario": scenario})
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "scenario" and "not a shipped scenario" in body["error"]
    # Nothing about the file leaks: the answer is the same whether it exists or not.
    assert "No such" not in body["error"] and "root:" not in body["error"]


def test_the_answer_does_not_tell_whether_a_file_exists(client: TestClient) -> None:
    present = client.post("/api/scenario-runs", json={"scenario": "/etc/hosts"}).json()
    absent = client.post("/api/scenario-runs", json={"scenario": "/etc/hostz"}).json()
    assert present["error"].replace("/etc/hosts", "X") == absent["error"].replace("/etc/hostz", "X")


def test_bodies_are_limited_while_they_stream(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(MAX_BODY_BYTES // 1024 * 8):
            yield b" " * 1024

    response = client.post(
        "/api/scenario-runs", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    declared = client.post(
        "/api/scenario-runs",
        content=b" " * (MAX_BODY_BYTES + 1),
        headers={"content-type": "application/json"},
    )
    assert declared.status_code == 413


def test_a_chunked_body_over_the_limit_is_cut_on_a_real_server(live_server: LiveServer) -> None:
    """Chunked, with no length: refused once the limit is passed, long before the end."""
    connection = http.client.HTTPConnection(live_server.url.removeprefix("http://"), timeout=30)
    connection.putrequest("POST", "/api/scenario-runs")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Transfer-Encoding", "chunked")
    connection.endheaders()
    sent = 0
    try:
        for _ in range(4096):  # up to 64 MB, far above the limit
            chunk = b" " * 16384
            connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
        connection.send(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered and closed: what the test wants
    response = connection.getresponse()
    assert response.status == 413
    assert sent < 60 * 1024 * 1024 or response.status == 413


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", "localhost.evil"]
)
def test_foreign_host_headers_are_refused(client: TestClient, host: str) -> None:
    response = client.get("/api/health", headers={"Host": host})
    assert response.status_code == 421
    assert client.get("/", headers={"Host": host}).status_code == 421


def test_local_host_headers_are_answered(client: TestClient) -> None:
    for host in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000", "localhost"):
        assert client.get("/api/health", headers={"Host": host}).status_code == 200, host


def test_cors_stays_closed(client: TestClient) -> None:
    foreign = {"Origin": "http://evil.example"}
    read = client.get("/api/health", headers=foreign)
    assert read.status_code == 200 and "access-control-allow-origin" not in read.headers
    preflight = client.options(
        "/api/scenario-runs",
        headers={**foreign, "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    write = client.post("/api/scenario-runs", json={"scenario": "baseline"}, headers=foreign)
    assert write.status_code == 403


def test_api_docs_work_offline(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn." not in page.text and "unpkg" not in page.text
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert f"/vendor/swagger-ui/{asset}" in page.text
        served = client.get(f"/vendor/swagger-ui/{asset}")
        assert served.status_code == 200 and len(served.content) > 10_000
    assert client.get("/openapi.json").status_code == 200
