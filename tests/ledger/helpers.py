"""Helpers for ledger tests: small edited copies of the real releases, store contents."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import duckdb

from missilewatch.ledger.store import TABLES

Row = dict[str, str]


def read_rows(release: Path) -> tuple[list[str], list[Row]]:
    with (release / "missile_attacks_daily.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_release(
    target: Path,
    release: Path,
    *,
    keep: Callable[[int, Row], bool] | None = None,
    edit: Callable[[int, Row], None] | None = None,
    header: list[str] | None = None,
) -> Path:
    """Write an edited copy of a real release's daily CSV into ``target/``."""
    fields, rows = read_rows(release)
    target.mkdir(parents=True, exist_ok=True)
    path = target / "missile_attacks_daily.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header or fields)
        for index, row in enumerate(rows):
            if keep is not None and not keep(index, row):
                continue
            if edit is not None:
                edit(index, row)
            writer.writerow([row[f] for f in fields])
    return target


def store_contents(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, sorted, for before/after comparisons ({} if no store)."""
    if not db.exists():
        return {}
    con = duckdb.connect(str(db), read_only=True)
    try:
        present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        contents: dict[str, list[tuple[object, ...]]] = {}
        for table in TABLES:
            if table in present:
                rows = con.execute(f"SELECT * FROM {table}").fetchall()
                contents[table] = sorted(rows, key=repr)
        return contents
    finally:
        con.close()


def run_cli(args: list[str]) -> tuple[int, str, str]:
    """Run the console-script entry point in process: (exit code, stdout, stderr)."""
    import contextlib
    import io
    import sys

    from missilewatch.cli import main

    out, err = io.StringIO(), io.StringIO()
    argv = sys.argv
    sys.argv = ["missilewatch", *args]
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main()
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    finally:
        sys.argv = argv
    return code, out.getvalue(), err.getvalue()
