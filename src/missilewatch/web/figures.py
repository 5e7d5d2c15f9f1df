"""Charts for the dashboard: the report's chart builders, sent to the browser as JSON.

The report and the dashboard draw the same :class:`missilewatch.report.charts.Chart`
objects, so a figure reads the same in both. The raid's saturation curve is drawn only
here (:func:`saturation_chart`), with the same building blocks. The browser redraws a payload with
``Plotly.react(div, payload.data, payload.layout)``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pandas as pd

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
    # The page sets the title and the footer as text around the chart (text wraps on a
    # narrow screen; the figure's own annotations would be cut off), and offers ``csv``,
    # the drawn numbers, as a download. The figure itself stays complete for API users.
    payload["layout"]["meta"] = {
        "key": chart.key,
        "empty": chart.is_empty,
        "title": chart.title,
        "subtitle": subtitle or "",
        "footer": list(chart.footer),
    }
    payload["csv"] = chart.to_csv()
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


def _saturation_rows(
    saturation: pd.DataFrame, chart: str, columns: tuple[str, ...]
) -> tuple[pd.DataFrame, list[int]]:
    """The saturation curve's rows by raid size and the sizes, after checking that the
    frame has ``missiles`` and ``columns``."""
    missing = [column for column in ("missiles", *columns) if column not in saturation.columns]
    if missing:
        raise ValueError(f"{chart}: the frame lacks column(s) {', '.join(missing)}")
    rows = saturation.sort_values("missiles")
    return rows, [int(value) for value in rows["missiles"]]


def saturation_chart(saturation: pd.DataFrame, *, raid_size: int) -> Chart:
    """Leakers as the raid grows: the raid's mix scaled from a quarter to eight times.

    ``saturation``: ``missilewatch.views.defense.raid(...).saturation`` — columns
    ``missiles``, ``leakers_mean``, ``leakers_p5``, ``leakers_p95``. ``raid_size``: the
    missiles and drones of the raid as entered (marked on the curve). The dashed line
    is the raid itself: the distance below it is what the defense stopped.
    """
    from missilewatch.report.charts import (
        MODEL_SOURCE,
        SERIES_COLOURS,
        Band,
        Chart,
        Line,
        Marker,
    )

    rows, x = _saturation_rows(
        saturation, "saturation_chart", ("leakers_mean", "leakers_p5", "leakers_p95")
    )

    def floats(column: str) -> list[float]:
        return [float(value) for value in rows[column]]

    colour = SERIES_COLOURS[0]
    return Chart(
        key="raid-saturation",
        title="Leakers as the raid grows (same mix of threats)",
        y_label="missiles and drones not intercepted",
        x_label="missiles and drones in the raid",
        source=MODEL_SOURCE,
        layers=(
            Band(x, floats("leakers_p5"), floats("leakers_p95"), "leakers 5-95%", colour, 0.2),
            Line(x, floats("leakers_mean"), "leakers, mean", colour, markers=True),
            Line(x, [float(value) for value in x], "launched", "#777777", dash=True),
        ),
        markers=(Marker(raid_size, "raid as entered"),) if raid_size in x else (),
        note=(
            "Interceptor stocks, channels, firing doctrine and kill probabilities are "
            "public estimates and assumptions, drawn per path over their ranges."
        ),
    )


def saturation_share_chart(saturation: pd.DataFrame, *, raid_size: int) -> Chart:
    """Share not intercepted as the raid grows: the whole raid and its ballistic part.

    Drones often make up most of a raid and are met by layers without a counted stock,
    so the total hides where saturation starts; the ballistic-capable interceptors run
    out first, which the ballistic share shows. ``saturation``: as for
    :func:`saturation_chart`, with ``leak_share`` and ``ballistic_leak_share`` (NaN
    without ballistic or aeroballistic missiles in the raid).
    """
    from missilewatch.report.charts import MODEL_SOURCE, SERIES_COLOURS, Chart, Line, Marker

    rows, x = _saturation_rows(
        saturation, "saturation_share_chart", ("leak_share", "ballistic_leak_share")
    )
    layers = [
        Line(
            x, [float(v) for v in rows["leak_share"]], "whole raid", SERIES_COLOURS[0], markers=True
        )
    ]
    ballistic = rows["ballistic_leak_share"]
    if ballistic.notna().any():
        layers.append(
            Line(
                x,
                [float(v) for v in ballistic],
                "ballistic and aeroballistic missiles",
                SERIES_COLOURS[1],
                markers=True,
            )
        )
    return Chart(
        key="raid-saturation-share",
        title="Share not intercepted as the raid grows (mean over paths)",
        y_label="share not intercepted",
        x_label="missiles and drones in the raid",
        source=MODEL_SOURCE,
        layers=tuple(layers),
        markers=(Marker(raid_size, "raid as entered"),) if raid_size in x else (),
        y_percent=True,
        note="Mean leakers divided by the number launched, at each raid size.",
    )
