"""Several processes on one store: readers wait for a writer, writers for readers, nothing
is lost, and a store held too long is one line naming the holder.

Bounded in time: every process has a timeout, the waits are seconds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.ledger.helpers import run_cli

from missilewatch.ledger import ingest, releases

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "read")
print("held", flush=True)
time.sleep(float(sys.argv[3]))
con.close()
"""


def _hold(db: Path, mode: str, seconds: float) -> subprocess.Popen[str]:
    """Another process holding the store for ``seconds`` (returns once it holds it)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db), mode, str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    return holder


def _cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "missilewatch", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "200"},
    )


@pytest.fixture
def db(tmp_path: Path, release_old: Path) -> Path:
    store = tmp_path / "store.duckdb"
    ingest(release_old, store)
    return store


def test_a_reader_waits_for_a_writer(db: Path) -> None:
    holder = _hold(db, "write", 1.5)
    try:
        started = time.monotonic()
        code, out, err = run_cli(["stats", "-p", "year", "--db", str(db), "-f", "csv"])
        waited = time.monotonic() - started
    finally:
        holder.wait(timeout=30)
    assert code == 0, err
    assert out.startswith("period,")
    assert waited >= 1.0  # it waited for the lock rather than failing


def test_a_writer_waits_for_a_reader(db: Path, release_new: Path) -> None:
    holder = _hold(db, "read", 1.5)
    try:
        code, _out, err = run_cli(["ingest", str(release_new), "--db", str(db)])
    finally:
        holder.wait(timeout=30)
    assert code == 0, err
    assert list(releases(db)["name"]) == ["2026-02-08", "2026-04-05"]


def test_a_store_held_too_long_names_its_holder(db: Path, release_new: Path) -> None:
    holder = _hold(db, "write", 20)
    try:
        code, _out, err = run_cli(["ingest", str(release_new), "--db", str(db), "--wait", "0.5"])
        lines = err.strip().splitlines()
        assert code == 2 and len(lines) == 1, err
        assert f"process {holder.pid}" in lines[0] and "--wait" in lines[0]
        # Readers too; the wait comes from the environment for every command.
        os.environ["MISSILEWATCH_WAIT"] = "0.3"
        try:
            code, _out, err = run_cli(["releases", "--db", str(db)])
        finally:
            del os.environ["MISSILEWATCH_WAIT"]
        assert code == 2 and "held by process" in err
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert list(releases(db)["name"]) == ["2026-02-08"]


def test_a_computed_run_is_kept_when_the_store_stays_busy(db: Path) -> None:
    from missilewatch.scenarios.store import list_runs

    holder = _hold(db, "read", 60)
    try:
        done = _cli(
            "run",
            "baseline",
            "--paths",
            "200",
            "--until",
            "2026-08",
            "--db",
            str(db),
            "--wait",
            "0.5",
        )
    finally:
        holder.kill()
        holder.wait(timeout=30)
    code, err = done.returncode, done.stderr
    err = " ".join(err.split())
    assert code == 2, err
    assert "the run was kept in" in err
    kept = Path(err.split("the run was kept in ")[1].split(" ")[0])
    assert kept.parent == db.parent and kept.is_file()
    runs = list_runs(kept)
    assert list(runs["scenario"]) == ["baseline"] and list(runs["paths"]) == [200]


def test_writers_and_readers_in_parallel_never_fail(db: Path, shared_data: Path) -> None:
    """Two reader processes loop over stats, releases and runs while releases are
    ingested and dropped: every command succeeds (within the documented wait)."""
    reader_script = f"""
import subprocess, sys, time
failures = 0
deadline = time.monotonic() + 6
n = 0
while time.monotonic() < deadline:
    for args in (["stats", "-p", "year", "-f", "csv"], ["releases", "-f", "csv"],
                 ["runs", "-f", "csv"]):
        done = subprocess.run([sys.executable, "-m", "missilewatch", *args, "--db", {str(db)!r}],
                              capture_output=True, text=True, timeout=60)
        n += 1
        if done.returncode != 0 or "Traceback" in done.stderr:
            failures += 1
            print("FAIL", args, done.stderr.strip()[:300], flush=True)
print("done", n, failures, flush=True)
"""
    readers = [
        subprocess.Popen([sys.executable, "-c", reader_script], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    writes = 0
    try:
        for _cycle in range(2):
            for args in (
                ("ingest", str(shared_data / "2026-04-05")),
                ("releases", "--drop", "2026-04-05"),
            ):
                done = _cli(*args, "--db", str(db))
                assert done.returncode == 0, done.stderr
                assert "Traceback" not in done.stderr
                writes += 1
    finally:
        outputs = [reader.communicate(timeout=120)[0] for reader in readers]
    assert writes >= 2
    for output in outputs:
        last = output.strip().splitlines()[-1]
        assert last.startswith("done"), output
        _done, count, failures = last.split()
        assert int(count) > 0 and int(failures) == 0, output
