"""One small report per test session, shared by the report tests.

Building the report runs the baseline and the ceasefire through both engines; doing
it once keeps the report tests quick. The store (``report_folder / "store.duckdb"``)
holds the runs behind the report, so tests can recompute its figures from them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from missilewatch.report import ReportResult, build_report

# Small path counts keep the suite fast; the report's structure does not depend on them.
REPORT_TEST_PATHS = 200


@pytest.fixture(scope="session")
def report_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("report")


@pytest.fixture(scope="session")
def built_report(report_folder: Path) -> ReportResult:
    # An explicit store path: session fixtures run before the per-test isolated home.
    return build_report(
        output=report_folder / "report.html",
        images=report_folder / "images",
        paths=REPORT_TEST_PATHS,
        db=report_folder / "store.duckdb",
        show_progress=False,
    )
