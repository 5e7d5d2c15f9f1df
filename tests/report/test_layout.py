"""The report as a reader sees it, in Debian's headless Chromium at laptop and phone
width: nothing wider than the screen, no chart text cut off, hover gives the median
with its band, and every chart offers its data. Screenshots go to test-artifacts/."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from missilewatch.report import ReportResult
from missilewatch.web.testing import CHROMIUM, CHROMIUM_ARGS, LAYOUT_PROBLEMS, LAYOUT_WIDTHS

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS)
        )
        try:
            yield chromium
        finally:
            chromium.close()


def _open(browser: Any, report: ReportResult, width: int) -> tuple[Any, list[str]]:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(report.output.resolve().as_uri())
    # Every chart drawn: plotly marks a finished plot with its main SVG.
    page.wait_for_function(
        "() => document.querySelectorAll('.plot .js-plotly-plot').length > 0 && "
        "Array.from(document.querySelectorAll('.plot .js-plotly-plot'))"
        ".every((plot) => plot.querySelector('.main-svg'))",
        timeout=30_000,
    )
    return page, errors


@pytest.mark.parametrize("width", LAYOUT_WIDTHS)
def test_report_fits_the_screen_and_cuts_no_chart_text(
    browser: Any, built_report: ReportResult, width: int
) -> None:
    page, errors = _open(browser, built_report, width)
    try:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"report-{width}.png"))
        page.locator("#headline-strip").screenshot(
            path=str(ARTIFACTS / f"report-strip-{width}.png")
        )
        page.locator("figure.block").first.screenshot(
            path=str(ARTIFACTS / f"report-chart-{width}.png")
        )
        problems = page.evaluate(LAYOUT_PROBLEMS)
        assert problems["scroll_width"] <= width, problems
        assert problems["too_wide"] == [], problems["too_wide"]
        assert problems["clipped"] == [], problems["clipped"]
        # Every chart's footer is page text, and it is all there: the source line and
        # the note on what the chart rests on.
        footers = page.eval_on_selector_all(
            "figure.block figcaption",
            "(captions) => captions.map((c) => c.querySelectorAll('.footer-line').length)",
        )
        assert footers and all(count >= 2 for count in footers)
        # The widest table breaks between words, never inside one: no cell is narrower
        # than its longest word.
        squeezed = page.evaluate(
            """() => Array.from(document.querySelectorAll('#assumptions td'))
                .filter((cell) => cell.getBoundingClientRect().width > 0 &&
                    cell.scrollWidth > cell.clientWidth + 1).length"""
        )
        assert squeezed == 0
        assert not errors, errors
    finally:
        page.context.close()


def test_headline_strip_numbers_carry_ranges(browser: Any, built_report: ReportResult) -> None:
    page, errors = _open(browser, built_report, 1366)
    try:
        items = page.eval_on_selector_all(
            "#headline-strip li",
            """(items) => items.map((item) => ({
                value: item.querySelector('.value').textContent.trim(),
                range: item.querySelector('.range').textContent.trim(),
                basis: item.querySelector('.basis').textContent.trim()}))""",
        )
        assert 4 <= len(items) <= 6
        for item in items:
            assert item["value"] and item["range"], item
        model = [item for item in items if item["basis"].startswith("model")]
        assert model and all("90%" in item["range"] for item in model)
        assert "assumptions" in model[0]["basis"]
        assert not errors, errors
    finally:
        page.context.close()


def test_hover_on_a_fan_chart_gives_median_and_band(
    browser: Any, built_report: ReportResult
) -> None:
    page, errors = _open(browser, built_report, 1366)
    try:
        chart = page.locator("#chart-stockpile-ballistic .nsewdrag").first
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.5)
        hover = page.locator("#chart-stockpile-ballistic .hoverlayer")
        page.wait_for_function(
            "() => document.querySelector('#chart-stockpile-ballistic .hoverlayer')"
            ".textContent.includes('median')",
            timeout=10_000,
        )
        text = hover.text_content() or ""
        assert "median" in text and "90%:" in text
        page.locator("#chart-stockpile-ballistic").screenshot(
            path=str(ARTIFACTS / "report-hover.png")
        )
        assert not errors, errors
    finally:
        page.context.close()


def test_every_chart_offers_its_data_as_csv(built_report: ReportResult) -> None:
    import re

    text = built_report.output.read_text(encoding="utf-8")
    figures = re.findall(r'<figure class="block" id="chart-([^"]+)">', text)
    links = re.findall(r'download="([^"]+)\.csv" href="data:text/csv;charset=utf-8,([^"]+)"', text)
    assert figures and [name for name, _ in links] == figures
    launches = unquote(dict(links)["launches-by-month-missiles"])
    assert "Ukrainian Air Force" in launches.splitlines()[1]
    assert launches.splitlines()[3].startswith("month,series,value,low,high,partial")
