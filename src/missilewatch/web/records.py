"""DataFrames to JSON-ready records: months as labels, dates as ISO text, NaN as null."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``frame`` as dicts that ``json.dumps`` accepts unchanged.

    ``Period`` columns become their label (``2025-06``), datetimes an ISO date (or date
    and time when any value has a time of day), missing numbers ``None``.
    """
    converted = frame.copy()
    for column in converted.columns:
        series = converted[column]
        if isinstance(series.dtype, pd.PeriodDtype):
            converted[column] = series.astype(str)
        elif pd.api.types.is_datetime64_any_dtype(series):
            has_time = bool((series.dropna() != series.dropna().dt.normalize()).any())
            fmt = "%Y-%m-%dT%H:%M:%S" if has_time else "%Y-%m-%d"
            converted[column] = series.dt.strftime(fmt)
        elif series.dtype == object:
            converted[column] = series.map(_plain_value)
    records: list[dict[str, Any]] = json.loads(converted.to_json(orient="records"))
    return records


def _plain_value(value: Any) -> Any:
    if isinstance(value, pd.Period):
        return str(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "isoformat"):  # datetime.date
        return value.isoformat()
    if isinstance(value, frozenset | set | tuple):
        return sorted(str(item) for item in value)
    return value
