"""Charts and the one-file HTML report.

``charts``: builders shared with the dashboard (plotly) and the image export
(matplotlib). ``build_report``: the self-contained HTML report.
"""

from __future__ import annotations

from missilewatch.report.document import REQUIRED_SCENARIOS, ReportResult, build_report

__all__ = ["REQUIRED_SCENARIOS", "ReportResult", "build_report"]
