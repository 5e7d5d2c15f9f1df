"""Ledger benchmark: ingest throughput and a month x family statistics query.

Synthesizes a CSV in the schema of ``missile_attacks_daily.csv`` (rows resampled from
the shipped snapshot, with new timestamps and sources so every report is distinct) in a
temporary folder, then measures

* ingest: parse + store into a fresh DuckDB file (rows per second; target >= 200,000);
* query: ``missilewatch.stats(period="month", by="family")`` on that store
  (median of several runs; target < 200 ms).

Baselines in the same process, to read the figures against: ``pandas.read_csv`` of the
same file as text (reading alone, no checks or storing), and a pandas groupby of the
allocated records held in memory.

    python benchmarks/bench_ledger.py            # 1,000,000 rows
    python benchmarks/bench_ledger.py --smoke    # ~20,000 rows, a quick check
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from missilewatch.ledger.parse import (
    DAILY_FILE,
    SOURCE_COLUMNS,
    _key_sql,
    raw_field,
    read_release,
)
from missilewatch.ledger.query import attacks, stats
from missilewatch.ledger.snapshot import load_snapshot
from missilewatch.ledger.store import ingest_release

INGEST_TARGET_ROWS_PER_SECOND = 200_000
QUERY_TARGET_SECONDS = 0.200


def synthesize(rows: int, folder: Path, seed: int = 0) -> Path:
    """Write a daily CSV of ``rows`` reports resampled from the shipped snapshot."""
    snapshot, _info = load_snapshot()
    raw = snapshot.column("raw").combine_chunks()
    rng = np.random.default_rng(seed)
    picks = pa.array(rng.integers(0, len(raw), size=rows))
    columns = {name: raw.field(name).take(picks) for name in SOURCE_COLUMNS}
    start_s = int(pd.Timestamp("2022-09-28").timestamp())
    span_s = int(pd.Timestamp("2026-04-05").timestamp()) - start_s
    starts = start_s + rng.integers(0, span_s // 60, size=rows) * 60
    ends = starts + rng.integers(1, 16 * 60, size=rows) * 60
    start_ts = pa.array(starts * 1_000_000, pa.timestamp("us"))
    end_ts = pa.array(ends * 1_000_000, pa.timestamp("us"))
    date_only = pa.array(rng.random(rows) < 0.4)  # upstream mixes both forms
    columns["time_start"] = pc.if_else(
        date_only, pc.strftime(start_ts, "%Y-%m-%d"), pc.strftime(start_ts, "%Y-%m-%d %H:%M")
    )
    columns["time_end"] = pc.if_else(
        date_only, pc.strftime(end_ts, "%Y-%m-%d"), pc.strftime(end_ts, "%Y-%m-%d %H:%M")
    )
    columns["source"] = pc.binary_join_element_wise(
        "synthetic/posts/", pa.array(np.arange(rows).astype(str)), ""
    )
    table = pa.table(columns)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / DAILY_FILE
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="needed"))
    return path


def _timed(function: object, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        begin = time.perf_counter()
        function()  # type: ignore[operator]
        times.append(time.perf_counter() - begin)
    return times


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Ledger ingest and query benchmark.")
    parser.add_argument("--smoke", action="store_true", help="~20,000 rows, a quick check")
    parser.add_argument("--rows", type=int, default=None, help="rows to synthesize")
    parser.add_argument("--repeat", type=int, default=None, help="ingest runs (default 3)")
    args = parser.parse_args(argv)
    args.repeat = args.repeat or (1 if args.smoke else 3)
    rows = args.rows or (20_000 if args.smoke else 1_000_000)

    with tempfile.TemporaryDirectory(prefix="mw-bench-ledger-") as tmp:
        folder = Path(tmp)
        begin = time.perf_counter()
        csv_path = synthesize(rows, folder / "release")
        size_mb = csv_path.stat().st_size / 1e6
        elapsed = time.perf_counter() - begin
        print(f"synthesized {rows:,} rows ({size_mb:,.0f} MB) in {elapsed:.1f} s")

        runs: list[tuple[float, float]] = []
        for attempt in range(args.repeat):
            db = folder / f"bench-{attempt}.duckdb"
            begin = time.perf_counter()
            release = read_release(csv_path.parent)
            parsed_at = time.perf_counter()
            result = ingest_release(release, db)
            runs.append((parsed_at - begin, time.perf_counter() - parsed_at))
            assert result.added == rows, result
            del release
        totals = sorted(parse_s + store_s for parse_s, store_s in runs)
        ingest_s = statistics.median(totals)
        best_parse, best_store = min(runs, key=sum)
        ingest_rate = rows / ingest_s
        print(
            f"ingest: median {ingest_s:.2f} s of {len(runs)} runs = {ingest_rate:,.0f} rows/s "
            f"(best {rows / totals[0]:,.0f} rows/s: {best_parse:.2f} s parse + "
            f"{best_store:.2f} s store; target >= {INGEST_TARGET_ROWS_PER_SECOND:,})"
        )
        # Not timed: every stored report's id matches the raw row it was computed from.
        check = duckdb.connect(str(db), read_only=True)
        key = f"substr(md5({_key_sql(raw_field(''))}), 1, 16)"
        bad = check.execute(f"SELECT count(*) FROM reports WHERE {key} <> report_id").fetchall()
        check.close()
        assert bad == [(0,)], f"{bad[0][0]} stored reports do not match their raw row"
        baseline_s = min(_timed(lambda: pd.read_csv(csv_path, dtype=str), 1))
        print(
            f"baseline pandas.read_csv as text: {baseline_s:.2f} s = {rows / baseline_s:,.0f} "
            f"rows/s; ingest / baseline time ratio {ingest_s / baseline_s:.2f}"
        )

        query = lambda: stats(db, period="month", by="family")  # noqa: E731
        frame = query()
        times = _timed(query, 3 if args.smoke else 7)
        query_s = statistics.median(times)
        print(
            f"query stats(period='month', by='family'): median {query_s * 1000:.0f} ms over "
            f"{len(times)} runs, {len(frame):,} rows out "
            f"(target < {QUERY_TARGET_SECONDS * 1000:.0f} ms)"
        )
        records = attacks(db)
        grouped = lambda: (  # noqa: E731
            records.assign(month=records["date"].dt.to_period("M"))
            .groupby(["month", "family"], observed=True)[["launched", "destroyed"]]
            .sum()
        )
        pandas_s = statistics.median(_timed(grouped, 3))
        print(
            f"baseline pandas groupby on {len(records):,} in-memory records: "
            f"{pandas_s * 1000:.0f} ms; query / baseline ratio {query_s / pandas_s:.2f}"
        )
    if args.smoke:
        return 0
    met = ingest_rate >= INGEST_TARGET_ROWS_PER_SECOND and query_s < QUERY_TARGET_SECONDS
    print("targets met" if met else "targets NOT met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
