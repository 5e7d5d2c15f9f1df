"""Benchmark ``missilewatch validate``.

1. ``validate(quick=True)`` on the shipped snapshot (32 published figures recounted, the
   30-cut forecast backtest with 1,000 paths): wall and CPU time against the 10 s budget.
2. The CRPS of the backtest's cells by the sorted-sample identity
   (``model.skill.crps_samples``) against the pairwise definition E|X-y| - E|X-X'|/2 on
   the same cells, in the same process: the ratio.

``--smoke`` runs small sizes (CI).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from missilewatch.model.skill import crps_samples


def _pairwise(samples: np.ndarray, observed: np.ndarray) -> np.ndarray:
    out = np.empty(len(observed))
    for i, (draws, y) in enumerate(zip(samples, observed, strict=True)):
        out[i] = np.abs(draws - y).mean() - 0.5 * np.abs(draws[:, None] - draws[None, :]).mean()
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    cells, draws = (60, 200) if args.smoke else (630, 1_000)
    rng = np.random.default_rng(0)
    samples = rng.poisson(80, size=(cells, draws)).astype(float)
    observed = rng.poisson(80, size=cells).astype(float)
    start = time.perf_counter()
    fast = crps_samples(samples, observed)
    sorted_time = time.perf_counter() - start
    start = time.perf_counter()
    slow = _pairwise(samples, observed)
    pairwise_time = time.perf_counter() - start
    assert np.allclose(fast, slow)
    print(
        f"CRPS of {cells} cells x {draws} draws: sorted {sorted_time * 1e3:.1f} ms, "
        f"pairwise {pairwise_time * 1e3:.1f} ms, ratio {pairwise_time / sorted_time:.0f}x"
    )
    if args.smoke:
        return 0
    from missilewatch.validate import validate

    wall, cpu = time.perf_counter(), time.process_time()
    report = validate(quick=True)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"validate --quick: {wall:.2f} s wall, {cpu:.2f} s CPU (budget 10 s); "
        f"{report.section('published').summary}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
