"""Charts for the dashboard: the report's chart builders, sent to the browser as JSON.

The report and the dashboard draw the same :class:`missilewatch.report.charts.Chart`
objects, so a figure reads the same in both. The browser redraws a payload with
``Plotly.react(div, payload.data, payload.layout)``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from missilewatch.report.charts import Chart

FigurePayload = dict[str, Any]


def chart_payload(chart: Chart, subtitle: str | None = None) -> FigurePayload:
    """The plotly figure of ``chart`` as JSON-ready ``{"data": [...], "layout": {...}}``.

    ``subtitle`` states the filters in force under the title, so a screenshot of a
    filtered chart says what it shows.
    """
    figure = chart.plotly()
    if subtitle:
        figure.update_layout(title_text=f"{chart.title}<br><sup>{subtitle}</sup>")
    # plotly's own encoder handles numpy arrays and timestamps.
    payload: FigurePayload = json.loads(figure.to_json())
    payload["layout"]["meta"] = {"key": chart.key, "empty": chart.is_empty}
    if chart.is_empty:
        payload["layout"].setdefault("annotations", []).append(
            {
                "text": "Nothing reported for this selection",
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
                "font": {"size": 14, "color": "#555555"},
            }
        )
    return payload
