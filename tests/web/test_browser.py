"""The dashboard in real headless Chromium against ``missilewatch serve`` in a subprocess.

Waits are on conditions (a chart's redraw counter, a visible message), never on time.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

#: Sum of all bar heights of the chart in ``#id`` (what the reader sees stacked).
BAR_TOTAL = """(id) => document.getElementById(id).data
    .filter((trace) => trace.type === "bar")
    .reduce((total, trace) => total + Array.from(trace.y).reduce((a, b) => a + b, 0), 0)"""
TRACE_NAMES = "(id) => document.getElementById(id).data.map((trace) => trace.name)"
REVISION = "(id) => Number(document.getElementById(id).dataset.revision)"


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server.url + "/")
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def wait_for_redraw(page: Any, chart_id: str, after: int) -> None:
    page.wait_for_function(
        f"() => Number(document.getElementById('{chart_id}').dataset.revision) > {after}",
        timeout=20_000,
    )


def test_filter_redraws_the_launch_chart(page: Any, artifacts: Path) -> None:
    wait_for_redraw(page, "chart-launches", 0)
    all_missiles = page.evaluate(BAR_TOTAL, "chart-launches")
    classes = set(page.evaluate(TRACE_NAMES, "chart-launches"))
    assert all_missiles > 0 and {"cruise", "ballistic"} <= classes
    page.screenshot(path=str(artifacts / "dashboard-loaded.png"), full_page=False)

    revision = page.evaluate(REVISION, "chart-launches")
    page.select_option("#filter-class", "ballistic")
    wait_for_redraw(page, "chart-launches", revision)
    ballistic = page.evaluate(BAR_TOTAL, "chart-launches")
    assert page.evaluate(TRACE_NAMES, "chart-launches") == ["ballistic"]
    assert 0 < ballistic < all_missiles

    # Only ballistic families are offered once the class is chosen.
    offered = page.eval_on_selector_all(
        "#filter-family option:not([hidden])", "(options) => options.map((o) => o.value)"
    )
    assert "Iskander-M" in offered and "Kalibr" not in offered

    revision = page.evaluate(REVISION, "chart-launches")
    page.fill("#filter-start", "2025-01-01")
    page.dispatch_event("#filter-start", "change")
    wait_for_redraw(page, "chart-launches", revision)
    since_2025 = page.evaluate(BAR_TOTAL, "chart-launches")
    assert 0 < since_2025 < ballistic
    page.screenshot(path=str(artifacts / "dashboard-filtered.png"), full_page=False)


def test_bad_filter_shows_the_error_in_the_page(page: Any, artifacts: Path) -> None:
    wait_for_redraw(page, "chart-launches", 0)
    page.fill("#filter-start", "2025-06-01")
    page.fill("#filter-end", "2025-01-01")
    page.dispatch_event("#filter-end", "change")
    message = page.locator("#filter-error")
    message.wait_for(state="visible", timeout=20_000)
    assert "after end" in message.inner_text()
    page.screenshot(path=str(artifacts / "dashboard-filter-error.png"))


STOCKPILE_MEDIANS = """() => document.getElementById("chart-stockpile").data
    .filter((trace) => (trace.name || "").includes("median"))
    .map((trace) => ({name: trace.name, y: Array.from(trace.y)}))"""


def test_scenario_form_redraws_the_stockpile_chart(page: Any, artifacts: Path) -> None:
    wait_for_redraw(page, "chart-stockpile", 0)
    baseline = page.evaluate(STOCKPILE_MEDIANS)
    assert [trace["name"] for trace in baseline] == ["median"]

    revision = page.evaluate(REVISION, "chart-stockpile")
    page.fill("#scenario-form input[name=ceasefire_months]", "6")
    page.fill("#scenario-form input[name=paths]", "500")
    page.click("#scenario-run")
    wait_for_redraw(page, "chart-stockpile", revision)
    compared = {trace["name"]: trace["y"] for trace in page.evaluate(STOCKPILE_MEDIANS)}
    assert set(compared) == {"baseline median", "scenario median"}
    # Six months without launches leave more missiles in stock at the end of the forecast.
    assert compared["scenario median"][-1] > compared["baseline median"][-1]
    assert "6 months" in page.locator("#scenario-status").inner_text()
    assert page.locator("#scenario-error").is_hidden()
    page.locator("#stockpile").screenshot(path=str(artifacts / "dashboard-scenario.png"))


def test_scenario_form_shows_a_bad_value(page: Any, artifacts: Path) -> None:
    page.fill("#scenario-form input[name=paths]", "5000000")
    page.click("#scenario-run")
    message = page.locator("#scenario-error")
    message.wait_for(state="visible", timeout=20_000)
    assert "200,000" in message.inner_text()
    assert page.get_attribute("#scenario-form input[name=paths]", "aria-invalid") == "true"
    page.locator("#scenario").screenshot(path=str(artifacts / "dashboard-scenario-error.png"))


SATURATION_MEAN = """() => {
    const trace = document.getElementById("chart-saturation").data
        .find((t) => t.name === "leakers, mean");
    return trace ? {x: Array.from(trace.x), y: Array.from(trace.y)} : null;
}"""


def test_raid_form_draws_leakers_and_the_saturation_curve(page: Any, artifacts: Path) -> None:
    # The families the model engages are offered as suggestions once listed.
    page.wait_for_function(
        "() => document.querySelectorAll('#raid-threats option').length > 0", timeout=20_000
    )
    assert "Iskander-M" in page.locator("#raid-known").inner_text()
    page.fill("#raid-text", "Iskander-M=30, Kh-101/Kh-555=40, Shahed/Geran=200")
    page.fill("#raid-form input[name=paths]", "500")
    page.fill("#raid-form input[name=seed]", "3")
    page.click("#raid-run")
    wait_for_redraw(page, "chart-saturation", 0)

    wait_for_redraw(page, "chart-saturation-share", 0)
    curve = page.evaluate(SATURATION_MEAN)
    assert curve is not None
    shares = page.evaluate(
        """() => document.getElementById("chart-saturation-share").data
            .map((trace) => ({name: trace.name, y: Array.from(trace.y)}))"""
    )
    ballistic = next(t["y"] for t in shares if t["name"].startswith("ballistic"))
    # Ballistic-capable interceptors run out first: the ballistic share rises with size.
    assert ballistic[-1] > ballistic[0]
    assert all(0 <= share <= 1 for share in ballistic)
    # The raid as entered (270) is one point of the curve; larger raids leak more.
    assert 270 in curve["x"]
    assert curve["x"] == sorted(curve["x"])
    assert curve["y"][-1] > curve["y"][0]
    assert all(0 <= leaked <= size for size, leaked in zip(curve["x"], curve["y"], strict=True))

    rows = page.eval_on_selector_all(
        "#raid-leakers tbody tr",
        "(rows) => rows.map((row) => Array.from(row.cells, (cell) => cell.textContent))",
    )
    assert [row[0] for row in rows] == [
        "Iskander-M",
        "Kh-101/Kh-555",
        "Shahed/Geran",
        "whole raid",
    ]
    assert rows[-1][2] == "270"
    assert "–" in rows[0][5]  # the 5-95% range
    systems = page.eval_on_selector_all(
        "#raid-interceptors tbody tr", "(rows) => rows.map((row) => row.cells[1].textContent)"
    )
    assert "Patriot" in systems
    assert "270 launched" in page.locator("#raid-status").inner_text()
    assert page.locator("#raid-error").is_hidden()
    page.locator("#raid").screenshot(path=str(artifacts / "dashboard-raid.png"))


@pytest.mark.parametrize(
    ("raid", "needle"),
    [("Tomahawk=5", "unknown threat 'Tomahawk'"), ("Iskander-M=0", "no missiles")],
)
def test_raid_form_shows_a_bad_raid(page: Any, artifacts: Path, raid: str, needle: str) -> None:
    page.fill("#raid-text", raid)
    page.click("#raid-run")
    message = page.locator("#raid-error")
    message.wait_for(state="visible", timeout=20_000)
    assert needle in message.inner_text()
    assert page.get_attribute("#raid-text", "aria-invalid") == "true"
    # Nothing was drawn for a refused raid.
    assert page.evaluate(REVISION, "chart-saturation") == 0
    if raid.startswith("Tomahawk"):
        page.locator("#raid").screenshot(path=str(artifacts / "dashboard-raid-error.png"))
