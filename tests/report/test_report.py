"""The HTML report: one self-contained file with findings, charts, assumptions, provenance."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pandas as pd
import pytest

import missilewatch
from missilewatch import estimates
from missilewatch.report import ReportResult


@pytest.fixture(scope="module")
def built(built_report: ReportResult) -> tuple[ReportResult, str]:
    return built_report, built_report.output.read_text(encoding="utf-8")


def test_report_is_one_self_contained_file(built: tuple[ReportResult, str]) -> None:
    _, text = built
    assert text.startswith("<!DOCTYPE html>")
    # No script or stylesheet is fetched from anywhere: plotly.js is inlined.
    assert not re.search(r"<script[^>]+src\s*=", text, flags=re.IGNORECASE)
    assert not re.search(r"<link[^>]+href\s*=\s*[\"']?https?:", text, flags=re.IGNORECASE)
    assert not re.search(r"<iframe|<img[^>]+src\s*=\s*[\"']?https?:", text, flags=re.IGNORECASE)
    assert "Plotly.newPlot" in text
    # The inlined library is big; a report without it would be a few hundred kB.
    assert len(text) > 3_000_000


def test_key_findings_come_first_with_numbers(built: tuple[ReportResult, str]) -> None:
    result, text = built
    findings_at = text.index('id="key-findings"')
    assert findings_at < text.index('id="launches"')
    section = text[findings_at : text.index("</section>", findings_at)]
    assert re.search(r"\d[\d,]*", section)
    assert "last 12 complete months" in section
    assert result.findings and all(finding.answer for finding in result.findings)


def test_recent_launch_finding_matches_the_ledger(built: tuple[ReportResult, str]) -> None:
    from missilewatch import ledger
    from missilewatch.report import findings

    result, _ = built
    answer = next(f.answer for f in result.findings if f.key == "recent-launches")
    monthly = ledger.stats(period="month", by="class")
    whole = findings.complete_periods(monthly, missilewatch.load_baseline().calendar.history_end)
    recent = whole[whole["period_start"] > whole["period_start"].max() - pd.DateOffset(months=12)]
    ballistic = int(recent.loc[recent["weapon_class"] == "ballistic", "launched"].sum())
    assert f"ballistic {ballistic:,} " in answer


def test_assumptions_table_lists_every_estimate_and_marks_assumptions(
    built: tuple[ReportResult, str],
) -> None:
    _, text = built
    section = text[text.index('id="assumptions"') : text.index('id="provenance"')]
    frame = estimates.load().to_frame()
    for record_id in frame["id"]:
        assert re.search(rf"<td[^>]*>{re.escape(record_id)}[ <]", section), record_id
    marked = section.count('<tr class="assumption">')
    assert marked == int(frame["assumption"].sum())
    assert marked > 0


def test_provenance_names_release_and_dates(built: tuple[ReportResult, str]) -> None:
    _, text = built
    section = text[text.index('id="provenance"') :]
    assert "Massive Missile Attacks on Ukraine" in section
    assert "2022-09-28" in section
    assert "2026-04-05" in section
    from missilewatch.ledger.snapshot import load_snapshot

    assert load_snapshot()[1].file_hash in section


def test_images_are_written_as_png_and_svg(built: tuple[ReportResult, str]) -> None:
    result, _ = built
    pngs = [path for path in result.images if path.suffix == ".png"]
    svgs = [path for path in result.images if path.suffix == ".svg"]
    assert pngs and len(pngs) == len(svgs)
    assert {path.stem for path in pngs} == {path.stem for path in svgs}
    assert "launches-by-month-missiles" in {path.stem for path in pngs}
    for path in pngs:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for path in svgs:
        root = ElementTree.parse(path).getroot()
        assert root.tag.endswith("svg")


def test_report_command_writes_the_file(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from missilewatch.cli import app

    output = tmp_path / "out" / "report.html"
    result = CliRunner().invoke(
        app,
        [
            "report",
            "-o",
            str(output),
            # Fewer paths and a short forecast: this checks the command, not the numbers.
            "--paths",
            "50",
            "--until",
            "2026-12",
            "--db",
            str(tmp_path / "s.duckdb"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert output.is_file()
    assert 'id="key-findings"' in output.read_text(encoding="utf-8")
    # The engine's note about Kh-101/Kh-555 launches is one plain line, not a traceback
    # of Python's warning machinery.
    notes = [line for line in result.output.splitlines() if "Kh-101/Kh-555" in line]
    assert len(notes) == 1 and notes[0].startswith("warning: Kh-101/Kh-555: ")
    assert "MissilewatchWarning" not in result.output
