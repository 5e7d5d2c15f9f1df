"""SIGKILL of ``ingest`` and ``run`` at many points: the store is as before or as after,
never mixed, and running the command again completes.

The kill points are spread over each command's run time (measured once here), from its
start-up to its last write, so that they fall in parsing, in the transaction and after.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from missilewatch.ledger import ingest

POINTS = 6


def _start(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "missilewatch", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "MISSILEWATCH_WAIT": "30"},
    )


def _timed(*args: str) -> float:
    started = time.monotonic()
    process = _start(*args)
    assert process.wait(timeout=300) == 0
    return time.monotonic() - started


def _kill_after(seconds: float, *args: str) -> bool:
    """Run the command, SIGKILL it after ``seconds``; True if it was still running."""
    process = _start(*args)
    try:
        process.wait(timeout=seconds)
        return False
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        return True


def _ledger_state(db: Path) -> tuple[tuple[str, ...], int, int]:
    """(release names, current reports, allocated shares) of a store; empty if none."""
    if not db.exists() or db.stat().st_size == 0:
        return (), 0, 0
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = {
            row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        }
        if "releases" not in tables:
            return (), 0, 0
        names = tuple(
            str(r[0]) for r in con.execute("SELECT name FROM releases ORDER BY 1").fetchall()
        )
        reports = con.execute(
            "SELECT count(*) FROM reports WHERE vanished_release IS NULL"
        ).fetchone()
        shares = con.execute("SELECT count(*) FROM allocations").fetchone()
        return names, int(reports[0]) if reports else 0, int(shares[0]) if shares else 0
    finally:
        con.close()


@pytest.mark.parametrize("first", [True, False], ids=["first-ingest", "second-ingest"])
def test_killed_ingest_leaves_before_or_after(
    tmp_path: Path, shared_data: Path, first: bool
) -> None:
    old, new = shared_data / "2026-02-08", shared_data / "2026-04-05"
    reference = tmp_path / "reference.duckdb"
    if not first:
        ingest(old, reference)
    before = _ledger_state(reference)
    duration = _timed("ingest", str(new), "--db", str(reference))
    after = _ledger_state(reference)
    assert after != before
    killed = 0
    # The second ingest (a transaction over stored reports) is where mixing could happen;
    # the first is tried at half as many points.
    points = POINTS if not first else POINTS // 2
    for point in range(points):
        db = tmp_path / f"store-{point}.duckdb"
        if not first:
            ingest(old, db)
        if _kill_after(duration * (point + 0.5) / points, "ingest", str(new), "--db", str(db)):
            killed += 1
        state = _ledger_state(db)
        assert state in (before, after), f"kill point {point}: {state}"
        rerun = subprocess.run(
            [sys.executable, "-m", "missilewatch", "ingest", str(new), "--db", str(db)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert rerun.returncode == 0, rerun.stderr
        assert _ledger_state(db) == after
    assert killed >= points // 2  # most points fall while the command runs (load varies)


def _runs_state(db: Path) -> tuple[int, int]:
    """(stored runs, runs whose result frames are all there)."""
    if not db.exists():
        return 0, 0
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = {
            row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        }
        if "scenario_runs" not in tables:
            return 0, 0
        runs = con.execute("SELECT count(*) FROM scenario_runs").fetchone()
        complete = con.execute(
            "SELECT count(*) FROM scenario_runs r WHERE EXISTS "
            "(SELECT 1 FROM scenario_results s WHERE s.run_id = r.run_id)"
        ).fetchone()
        return int(runs[0]) if runs else 0, int(complete[0]) if complete else 0
    finally:
        con.close()


def test_killed_run_leaves_no_half_run(tmp_path: Path, release_old: Path) -> None:
    args = ("run", "baseline", "--paths", "200", "--until", "2026-08")
    reference = tmp_path / "reference.duckdb"
    ingest(release_old, reference)
    duration = _timed(*args, "--db", str(reference))
    assert _runs_state(reference) == (1, 1)
    killed = 0
    for point in range(POINTS):
        db = tmp_path / f"store-{point}.duckdb"
        ingest(release_old, db)
        if _kill_after(duration * (point + 0.5) / POINTS, *args, "--db", str(db)):
            killed += 1
        runs, complete = _runs_state(db)
        assert runs == complete and runs in (0, 1), f"kill point {point}: {runs} {complete}"
        rerun = subprocess.run(
            [sys.executable, "-m", "missilewatch", *args, "--db", str(db)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert rerun.returncode == 0, rerun.stderr
        assert _runs_state(db) == (runs + 1, runs + 1)
    assert killed >= POINTS // 2
