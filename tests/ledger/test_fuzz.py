"""Hostile files by the thousand: generated malformed release CSVs, scenario files and
estimates files each end in a clear error (one line, a :class:`MissilewatchError`) or a
parsed result, never another exception, a hang or a changed store.

Per run: 600 CSVs, 250 scenario files, 250 estimates files (1,100 in all), in-process and
small, so the whole module takes seconds.
"""

from __future__ import annotations

import string
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.ledger.helpers import store_contents

from missilewatch.errors import MissilewatchError
from missilewatch.ledger.parse import SOURCE_COLUMNS, ParsedRelease, read_release_bytes
from missilewatch.ledger.store import ingest_release

# Warnings (a new column, an unknown model) are expected on such files; errors are tested.
pytestmark = pytest.mark.filterwarnings("ignore::missilewatch.errors.MissilewatchWarning")

FAKE = Path("fuzzed/missile_attacks_daily.csv")
GOOD_ROW = {
    "time_start": "2025-06-01 19:00",
    "time_end": "2025-06-02 08:00",
    "model": "Shahed-136/131",
    "launched": "93.0",
    "destroyed": "76.0",
    "not_reach_goal": "0.0",
    "target": "Ukraine",
    "source": "kpszsu/posts/x",
}
CELL_NOISE = st.one_of(
    st.sampled_from(
        [
            "",
            "-3",
            "1e309",
            "NaN",
            "9" * 30,
            "2099-01-01",
            "2002-05-01 10:00",
            "2024-02-30",
            "25:99",
            '"',
            '"unclosed',
            "=cmd|' /C calc'!A0",
            "<script>x</script>",
            "\x00",
            "\t",
            "hidden",
            "１２",
        ]
    ),
    st.text(string.printable, max_size=12),
    st.text(max_size=6),
)


@st.composite
def malformed_csv(draw: st.DrawFn) -> bytes:
    columns = list(SOURCE_COLUMNS)
    if draw(st.booleans()):
        columns.append(draw(st.sampled_from(["status_data", "new_column", "model", "launched"])))
    if draw(st.integers(0, 4)) == 0 and len(columns) > 1:
        columns.pop(draw(st.integers(0, len(columns) - 1)))
    rows = []
    for _ in range(draw(st.integers(0, 5))):
        row = [GOOD_ROW.get(c, "") for c in columns]
        for _ in range(draw(st.integers(0, 3))):
            row[draw(st.integers(0, len(row) - 1))] = draw(CELL_NOISE)
        if draw(st.integers(0, 6)) == 0 and row:
            row = row[: draw(st.integers(0, len(row) - 1))]  # a truncated line
        rows.append(",".join(f'"{v}"' if "," in v else v for v in row))
    text = "\n".join([",".join(columns), *rows])
    data = text.encode("utf-8", errors="surrogatepass")
    if draw(st.integers(0, 8)) == 0:
        data = b"\xef\xbb\xbf" + data
    if draw(st.integers(0, 8)) == 0:
        cut = draw(st.integers(0, max(len(data) - 1, 0)))
        data = data[:cut] + draw(st.binary(max_size=8)) + data[cut:]
    return data


@settings(
    max_examples=600,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(malformed_csv())
def test_generated_csvs_end_in_a_clear_error_or_a_release(data: bytes) -> None:
    try:
        release = read_release_bytes(FAKE, data)
    except MissilewatchError as error:
        message = str(error)
        assert message and "\n" not in message.strip()
        assert "fuzzed" in message  # names the file
        return
    assert isinstance(release, ParsedRelease) and release.reports.num_rows > 0


@settings(max_examples=15, deadline=None, derandomize=True)
@given(malformed_csv())
def test_a_refused_csv_never_changes_the_store(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "store.duckdb"
        good = (
            ",".join(SOURCE_COLUMNS) + "\n" + ",".join(GOOD_ROW.get(c, "") for c in SOURCE_COLUMNS)
        )
        ingest_release(read_release_bytes(FAKE, good.encode()), db)
        before = store_contents(db)
        try:
            ingest_release(read_release_bytes(FAKE, data), db, allow_vanish=True)
        except MissilewatchError:
            assert store_contents(db) == before


TOML_PIECES = st.sampled_from(
    [
        'name = "x"\n',
        'description = "d"\n',
        "[ceasefire]\nmonths = 6\nstart = 0\n",
        "[ceasefire]\nmonths = -1\n",
        "[escalation]\nfactor = 1e308\n",
        "[production]\nfactor = 0\n",
        "[[estimate]]\n",
        'id = "a"\n',
        'quantity = "production_rate"\n',
        'subject = "Iskander-M"\n',
        'bound = "about"\n',
        "central = 10\n",
        "low = 20\nhigh = 5\n",
        'unit = "missiles/year"\n',
        'as_of = "2099-13-01"\n',
        "[estimate.source]\n",
        'url = "javascript:alert(1)"\n',
        "x = " + "[" * 300 + "]" * 300 + "\n",
        "y = {" + "a = {" * 200 + "}" * 201 + "\n",
        "= = =\n",
        '"\\u0000" = 1\n',
        "paths = 99999999999999999999\n",
        "seed = 18446744073709551616\n",
    ]
)


@st.composite
def toml_text(draw: st.DrawFn) -> str:
    pieces = draw(st.lists(TOML_PIECES, max_size=8))
    if draw(st.booleans()):
        pieces.append(draw(st.text(max_size=20)))
    return "".join(pieces)


@settings(max_examples=250, deadline=None, derandomize=True)
@given(toml_text())
def test_generated_scenario_files_end_in_a_clear_error_or_a_scenario(text: str) -> None:
    from missilewatch.scenarios import load_scenario

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzzed.toml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            load_scenario(path)
        except MissilewatchError as error:
            assert str(error).strip() and "fuzzed.toml" in str(error)


@settings(max_examples=250, deadline=None, derandomize=True)
@given(toml_text())
def test_generated_estimates_files_end_in_a_clear_error_or_estimates(text: str) -> None:
    from missilewatch.estimates import load

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzzed.toml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            load(path)
        except MissilewatchError as error:
            assert str(error).strip() and "fuzzed.toml" in str(error)
