"""Property tests: the parser's value forms, and exact conservation by the allocation."""

from __future__ import annotations

import csv
import datetime as dt
import io
from fractions import Fraction
from pathlib import Path

import numpy as np
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from missilewatch.ledger.allocation import allocate, largest_remainder
from missilewatch.ledger.parse import SOURCE_COLUMNS, normalize, read_text_table
from missilewatch.ledger.taxonomy import load

TAXONOMY = load()
FAKE_PATH = Path("generated.csv")

timestamps = st.datetimes(
    # The date checks refuse reports before the invasion or after today (plus a day).
    min_value=dt.datetime(2022, 2, 24),
    max_value=dt.datetime(2026, 11, 30),
).map(lambda t: t.replace(second=0, microsecond=0))


@st.composite
def timestamp_text(draw: st.DrawFn) -> tuple[str, dt.datetime]:
    """A timestamp written in one of the forms found upstream, and its value."""
    moment = draw(timestamps)
    form = draw(st.sampled_from(["date", "hh:mm", "h:mm", "hh:mm:ss"]))
    if form == "date":
        text, value = moment.strftime("%Y-%m-%d"), moment.replace(hour=0, minute=0)
    elif form == "h:mm":
        text, value = f"{moment:%Y-%m-%d} {moment.hour}:{moment:%M}", moment
    elif form == "hh:mm:ss":
        text, value = moment.strftime("%Y-%m-%d %H:%M:00"), moment
    else:
        text, value = moment.strftime("%Y-%m-%d %H:%M"), moment
    padding = draw(st.sampled_from(["", " ", "  ", "\t"]))
    return padding.replace("\t", "") + text + padding, value


@st.composite
def count_text(draw: st.DrawFn) -> tuple[str, int, bool]:
    """A count as written upstream ("93.0", "93", empty), its value, and whether missing."""
    if draw(st.booleans()) and draw(st.booleans()):
        return draw(st.sampled_from(["", " "])), 0, True
    value = draw(st.integers(min_value=0, max_value=10**7))
    text = draw(st.sampled_from([f"{value}.0", f"{value}", f" {value}.0 ", f"{value}.00"]))
    return text, value, False


models = st.sampled_from(
    ["Shahed-136/131", "Iskander-M/KN-23", "X-101/X-555 and Kalibr and Iskander-K", "Молнія"]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(
        st.tuples(timestamp_text(), timestamp_text(), models, count_text(), count_text()),
        min_size=1,
        max_size=12,
    )
)
def test_parser_reads_every_upstream_form(
    rows: list[tuple[tuple[str, dt.datetime], tuple[str, dt.datetime], str, tuple, tuple]],
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(SOURCE_COLUMNS)
    for index, (start, end, model, launched, destroyed) in enumerate(rows):
        row = dict.fromkeys(SOURCE_COLUMNS, "")
        row.update(
            time_start=start[0],
            time_end=end[0],
            model=model + " ",
            launched=launched[0],
            destroyed=destroyed[0],
            source=f"post/{index}",
        )
        writer.writerow([row[c] for c in SOURCE_COLUMNS])
    data = buffer.getvalue().encode("utf-8")
    parsed = normalize(FAKE_PATH, read_text_table(FAKE_PATH, data)).to_pylist()
    assert len(parsed) == len(rows)
    for record, (start, end, model, launched, destroyed) in zip(parsed, rows, strict=True):
        assert record["time_start"] == start[1]
        assert record["time_end"] == end[1]
        assert record["date"] == start[1].date()
        assert record["model"] == model
        assert (record["launched"], record["launched_missing"]) == (launched[1], launched[2])
        assert (record["destroyed"], record["destroyed_missing"]) == (destroyed[1], destroyed[2])
        assert record["raw"]["launched"] == launched[0]  # the source text is kept as read
    assert len({r["report_id"] for r in parsed}) == len(parsed)


weights_strategy = st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=6).map(
    lambda parts: [Fraction(p, sum(parts)) for p in parts]
)


@settings(max_examples=200, deadline=None)
@given(
    totals=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=40),
    weights=weights_strategy,
)
def test_largest_remainder_conserves_exactly(totals: list[int], weights: list[Fraction]) -> None:
    split = largest_remainder(np.array(totals, dtype=np.int64), weights)
    assert split.dtype == np.int64
    assert (split >= 0).all()
    assert split.sum(axis=1).tolist() == totals
    exact = np.array([[float(t * w) for w in weights] for t in totals])
    # Each part is its exact share rounded down or up, never further.
    assert (np.abs(split - exact) < 1 + 1e-9).all()


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            models,
            st.integers(min_value=0, max_value=5000),
            st.integers(min_value=0, max_value=5000),
            st.integers(min_value=0, max_value=50),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_allocation_conserves_each_row(rows: list[tuple[str, int, int, int]]) -> None:
    reports = pa.table(
        {
            "report_id": [f"r{i}" for i in range(len(rows))],
            "date": pa.array([dt.date(2025, 1, 1)] * len(rows)),
            "model": [r[0] for r in rows],
            "launched": pa.array([r[1] for r in rows], pa.int64()),
            "destroyed": pa.array([r[2] for r in rows], pa.int64()),
            "not_reach_goal": pa.array([r[3] for r in rows], pa.int64()),
            "launched_details": [""] * len(rows),
        }
    )
    allocations, _families = allocate(reports, TAXONOMY)
    frame = allocations.to_pandas()
    for column in ("launched", "destroyed", "not_reach_goal"):
        assert (frame[column] >= 0).all()
        sums = frame.groupby("report_id")[column].sum()
        expected = {
            f"r{i}": row[("launched", "destroyed", "not_reach_goal").index(column) + 1]
            for i, row in enumerate(rows)
        }
        assert sums.to_dict() == expected
