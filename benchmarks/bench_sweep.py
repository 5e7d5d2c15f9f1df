"""Sweep benchmark: time per point in process against a process pool of two workers.

A grid of 16 points (production factor x shots per ballistic target) over the baseline
scenario, 500 paths per point, on the shipped ledger snapshot (a temporary data
directory, so the user's store is not read), recording the ballistic stock at the end
of 2026, the interceptor depletion month and the ballistic leakers. It measures

* in process: :func:`missilewatch.sweep` with no executor (the baseline);
* a pool of 2 worker processes (spawned), once cold (starting the workers is part of
  the time) and then warm (the same pool again: workers have imported the engines and
  read the estimates and the air-defense setup).

Warm figures are the best of ``--repeat`` runs (the machine may be shared; its load
average is printed). Every frame must equal the in-process one (each point's stream
comes from the root seed).

    python benchmarks/bench_sweep.py            # 16 points x 500 paths
    python benchmarks/bench_sweep.py --smoke    # 4 points x 50 paths, a quick check
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
import warnings
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path

import pandas as pd

SWEEP = """
description = "Benchmark grid: production factor x shots per ballistic target."
[run]
until = "2027-12"
paths = {paths}
seed = 0
[design]
kind = "grid"
[[parameter]]
name = "production.factor"
range = [0.5, 1.5]
steps = {steps}
[[parameter]]
name = "defense.shots_per_target"
values = {shots}
[[output]]
metric = "stock"
name = "ballistic"
month = "2026-12"
[[output]]
metric = "depletion_month"
[[output]]
metric = "leakers"
"""


def timed(path: Path, executor: Executor | None) -> tuple[float, pd.DataFrame]:
    from missilewatch import sweep

    with warnings.catch_warnings():
        # The stock-flow engine's note on the shipped estimates is not the subject here.
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        frame = sweep(path, executor=executor)
    return time.perf_counter() - start, frame


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny run to prove it works")
    parser.add_argument("--repeat", type=int, default=2, help="timed runs, best kept")
    arguments = parser.parse_args(argv)
    repeat = 1 if arguments.smoke else max(1, arguments.repeat)
    paths, steps, shots = (50, 2, "[1, 3]") if arguments.smoke else (500, 4, "[1, 2, 3, 4]")
    with tempfile.TemporaryDirectory() as folder:
        os.environ["MISSILEWATCH_HOME"] = str(Path(folder) / "home")
        path = Path(folder) / "bench.toml"
        path.write_text(SWEEP.format(paths=paths, steps=steps, shots=shots), encoding="utf-8")

        load = os.getloadavg()[0]
        timed(path, None)  # warm-up: imports, estimates and defense setup built once
        runs = [timed(path, None) for _ in range(repeat)]
        in_process, reference = min(runs, key=lambda run: run[0])
        points = int(reference["point"].nunique())
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
            cold, pooled_cold = timed(path, pool)
            pooled = [timed(path, pool) for _ in range(repeat)]
        warm = min(seconds for seconds, _ in pooled)

    for frame in [pooled_cold, *(frame for _, frame in pooled)]:
        pd.testing.assert_frame_equal(frame, reference, check_exact=True)
    print(
        f"sweep: {points} points x {paths:,} paths, {os.cpu_count()} cores, "
        f"load average {load:.1f} at the start; best of {repeat}"
    )
    print(f"in process: {in_process:.2f} s ({in_process / points:.3f} s/point)")
    print(f"pool of 2, cold: {cold:.2f} s ({cold / points:.3f} s/point, workers start)")
    print(f"pool of 2, warm: {warm:.2f} s ({warm / points:.3f} s/point)")
    print(f"ratio (in process / pool of 2, warm): {in_process / warm:.2f}x; frames identical")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
