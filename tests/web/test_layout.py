"""The dashboard as a reader sees it, in Debian's headless Chromium at laptop and phone
width: nothing wider than the screen, no chart text cut off, the headline strip with
its ranges, filters kept in the address. Screenshots go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from missilewatch.web.testing import LAYOUT_PROBLEMS, LAYOUT_WIDTHS

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

DRAWN = """() => ["chart-launches", "chart-intercepts", "chart-stockpile", "chart-defense"]
    .every((id) => Number(document.getElementById(id).dataset.revision) > 0)
    && document.querySelectorAll("#headline-strip li:not(.pending)").length > 0"""


def _open(browser: Any, url: str, width: int) -> tuple[Any, list[str]]:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.wait_for_function(DRAWN, timeout=120_000)
    return page, errors


@pytest.mark.parametrize("width", LAYOUT_WIDTHS)
def test_dashboard_fits_the_screen_and_cuts_no_chart_text(
    browser: Any, live_server: Any, artifacts: Path, width: int
) -> None:
    page, errors = _open(browser, live_server.url + "/", width)
    try:
        page.screenshot(path=str(artifacts / f"dashboard-{width}.png"))
        page.locator("#headline-strip").screenshot(
            path=str(artifacts / f"dashboard-strip-{width}.png")
        )
        problems = page.evaluate(LAYOUT_PROBLEMS)
        assert problems["scroll_width"] <= width, problems
        assert problems["too_wide"] == [], problems["too_wide"]
        assert problems["clipped"] == [], problems["clipped"]
        # Each drawn chart has its source lines as page text and a CSV of its numbers.
        footers = page.eval_on_selector_all(
            ".chart-footer",
            """(footers) => footers.map((f) => ({
                lines: f.querySelectorAll('.footer-line').length,
                csv: (f.querySelector('a.download') || {}).download || ''}))""",
        )
        assert len(footers) >= 4
        assert all(item["lines"] >= 2 and item["csv"].endswith(".csv") for item in footers)
        assert not errors, errors
    finally:
        page.context.close()


def test_headline_strip_matches_the_api_and_carries_ranges(browser: Any, live_server: Any) -> None:
    import json
    import urllib.request

    with urllib.request.urlopen(live_server.url + "/api/headline", timeout=120) as response:
        body = json.loads(response.read())
    page, errors = _open(browser, live_server.url + "/", 1366)
    try:
        shown = page.eval_on_selector_all(
            "#headline-strip li",
            "(items) => items.map((item) => item.querySelector('.value').textContent)",
        )
        assert shown == [item["value"] for item in body["headlines"]]
        assert 4 <= len(shown) <= 6
        for item in body["headlines"]:
            assert item["range"], item
            if item["basis"].startswith("model"):
                assert item["range"].startswith("90%:")
        # One last-report date, written as in the report.
        assert body["last_report"] in page.locator("#last-report").inner_text()
        assert not errors, errors
    finally:
        page.context.close()


def test_filters_live_in_the_address(browser: Any, live_server: Any, artifacts: Path) -> None:
    page, errors = _open(
        browser, live_server.url + "/?weapon_class=ballistic&start=2025-01-01", 1366
    )
    try:
        # A shared address restores the view: the filters and the charts they select.
        assert page.input_value("#filter-class") == "ballistic"
        assert page.input_value("#filter-start") == "2025-01-01"
        names = page.evaluate(
            "() => document.getElementById('chart-launches').data.map((trace) => trace.name)"
        )
        assert names == ["ballistic"]
        revision = page.evaluate(
            "() => Number(document.getElementById('chart-launches').dataset.revision)"
        )
        page.select_option("#filter-class", "cruise")
        page.wait_for_function(
            "(before) => Number(document.getElementById('chart-launches').dataset.revision)"
            " > before",
            arg=revision,
            timeout=20_000,
        )
        assert "weapon_class=cruise" in page.url and "start=2025-01-01" in page.url
        page.reload()
        page.wait_for_function(DRAWN, timeout=120_000)
        assert page.input_value("#filter-class") == "cruise"
        # The month the reports end in is drawn hatched and labelled, not as a collapse.
        labels = page.evaluate(
            """() => (document.getElementById('chart-launches').layout.annotations || [])
                .map((note) => note.text)"""
        )
        assert any(str(label).startswith("to ") for label in labels)
        page.locator("#launches").screenshot(path=str(artifacts / "dashboard-filtered-url.png"))
        assert not errors, errors
    finally:
        page.context.close()
