"""`-o FILE` picks the format from its extension; Excel output; CSV formula neutralising."""

from __future__ import annotations

import csv
import io
import json
import warnings
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from tests.ledger.helpers import run_cli, write_release

from missilewatch.cli.common import csv_safe, csv_safe_text
from missilewatch.errors import MissilewatchWarning

HOSTILE = [
    '=HYPERLINK("http://example.invalid","x")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\tleading tab",
    "\rleading carriage return",
]


def test_output_extension_picks_the_format(tmp_path: Path) -> None:
    code, out, err = run_cli(["stats", "--period", "year", "-f", "csv"])
    assert code == 0, err
    expected = pd.read_csv(io.StringIO(out))
    for suffix, read in (
        (".csv", pd.read_csv),
        (".json", lambda path: pd.DataFrame(json.loads(Path(path).read_text()))),
        (".parquet", pd.read_parquet),
    ):
        target = tmp_path / f"stats{suffix}"
        code, _out, err = run_cli(["stats", "--period", "year", "-o", str(target)])
        assert code == 0, err
        written = read(target)
        assert list(written.columns) == list(expected.columns), suffix
        assert written["launched"].tolist() == expected["launched"].tolist(), suffix


def test_xlsx_output_reads_back_with_the_same_values(tmp_path: Path) -> None:
    from missilewatch import ledger

    target = tmp_path / "x.xlsx"
    code, _out, err = run_cli(["stats", "--period", "quarter", "--by", "family", "-o", str(target)])
    assert code == 0, err
    frame = ledger.stats(period="quarter", by="family")
    sheet = openpyxl.load_workbook(target).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(frame.columns)
    assert len(rows) - 1 == len(frame)
    for written, expected in zip(rows[1:], frame.itertuples(index=False), strict=True):
        assert written[0] == expected.period
        assert written[1] == expected.period_start.to_pydatetime()  # a date, not text
        assert written[2] == expected.family
        assert list(written[3:7]) == [
            expected.reports,
            expected.launched,
            expected.destroyed,
            expected.not_reach_goal,
        ]
        rate = expected.intercept_rate
        assert (written[7] is None) if pd.isna(rate) else written[7] == pytest.approx(rate)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["-f", "json", "-o", "s.csv"], "--format json contradicts --output s.csv"),
        (["-f", "table", "-o", "s.xlsx"], "--format table contradicts --output s.xlsx"),
        (["-o", "s.doc"], "the extension '.doc' names no format"),
        (["-f", "xlsx"], "--format xlsx: needs --output FILE"),
    ],
)
def test_format_and_extension_that_disagree_are_one_line_exit_2(
    tmp_path: Path, args: list[str], needle: str
) -> None:
    args = [str(tmp_path / a) if a.startswith("s.") else a for a in args]
    code, _out, err = run_cli(["stats", "--period", "year", *args])
    assert code == 2
    assert needle in err
    assert len(err.strip().splitlines()) <= 2 and "Traceback" not in err
    assert not list(tmp_path.iterdir())  # nothing written


def test_csv_text_that_would_run_as_a_formula_is_quoted() -> None:
    for text in HOSTILE:
        assert csv_safe_text(text) == "'" + text
    for text in ("-12", "+3.5", "-1e3", "-1,234", "-5%", "plain", "Kh-101/Kh-555", ""):
        assert csv_safe_text(text) == text


def test_csv_safe_keeps_numbers_numbers() -> None:
    frame = pd.DataFrame(
        {
            "name": [*HOSTILE, "-7"],
            "change": [-3, -2, -1, 0, 1, 2, -40],
            "share": [-0.5, 0.1, 0.2, 0.3, 0.4, 0.5, float("nan")],
            "=total": [1, 2, 3, 4, 5, 6, 7],
        }
    )
    safe = csv_safe(frame)
    assert safe["name"].tolist() == ["'" + text for text in HOSTILE] + ["-7"]
    assert safe["change"].tolist() == frame["change"].tolist()
    assert safe["change"].dtype == frame["change"].dtype
    pd.testing.assert_series_equal(safe["share"], frame["share"])
    assert list(safe.columns)[-1] == "'=total"
    text = safe.to_csv(index=False)
    assert ",-3," in text and ",-0.5," in text  # written as plain negative numbers


def test_hostile_model_names_from_the_store_are_neutralised_in_csv_only(
    tmp_path: Path, release_new: Path
) -> None:
    from missilewatch.ledger import ingest

    def rename(index: int, row: dict[str, str]) -> None:
        if index < len(HOSTILE):
            row["model"] = HOSTILE[index].strip() if index < 4 else HOSTILE[index]

    edited = write_release(tmp_path / "edited", release_new, keep=lambda i, _r: i < 60, edit=rename)
    db = tmp_path / "store.duckdb"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissilewatchWarning)
        ingest(edited, db, allow_unknown=True)
    base = ["stats", "--db", str(db), "--by", "family", "--mode", "as-reported", "-p", "year"]
    outputs = {}
    for suffix in (".csv", ".json", ".parquet", ".xlsx"):
        outputs[suffix] = tmp_path / f"out{suffix}"
        code, _out, err = run_cli([*base, "-o", str(outputs[suffix])])
        assert code == 0, err
    with outputs[".csv"].open(encoding="utf-8", newline="") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    stored = set(pd.read_parquet(outputs[".parquet"])["family"])
    hostile_stored = {name for name in stored if name.startswith(("=", "+", "-", "@", "\t", "\r"))}
    assert len(hostile_stored) >= 4  # the ingest kept them (leading whitespace aside)
    for name in hostile_stored:
        assert "'" + name in cells and name not in cells
    # No CSV cell is left that a spreadsheet would run; numbers are untouched.
    for cell in cells:
        assert csv_safe_text(cell) == cell or cell.startswith("'")
    assert any(cell.isdigit() for cell in cells)
    # JSON and Parquet keep the raw values; Excel keeps them as text, not formulas.
    assert hostile_stored <= {row["family"] for row in json.loads(outputs[".json"].read_text())}
    sheet = openpyxl.load_workbook(outputs[".xlsx"]).active
    family_cells = [row[2] for row in sheet.iter_rows(min_row=2)]
    by_value = {cell.value: cell for cell in family_cells}
    for name in hostile_stored:
        assert by_value[name].data_type == "s"
