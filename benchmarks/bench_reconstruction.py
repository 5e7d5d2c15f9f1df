"""Benchmark the Bayesian stock reconstruction (NUTS, NumPyro on CPU).

1. The fit of every modelled family on the shipped ledger snapshot and the reviewed
   estimates, 4 chains vectorised: wall time (compile included, then a refit of the same
   shapes, which compiles nothing), R-hat, bulk and tail ESS of the reported stocks,
   divergences, mean leapfrog steps. Targets: <= 60 s, R-hat <= 1.01, bulk ESS >= 400.
2. The cached posterior: a second ``reconstruct`` call against the first (target < 2 s).

The ratio printed is the refit (compiled) against the first fit (compile + sampling) in
the same process. ``--smoke`` fits a short chain (CI proves the path works, not the speed).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from missilewatch.inference import PosteriorCache, SamplerSettings
from missilewatch.reconstruct import DEFAULT_SETTINGS, reconstruct


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    settings = (
        SamplerSettings(chains=2, warmup=30, samples=30, max_tree_depth=4)
        if args.smoke
        else DEFAULT_SETTINGS
    )
    with tempfile.TemporaryDirectory() as folder:
        cache = PosteriorCache(Path(folder))
        started = time.perf_counter()
        first = reconstruct(settings=settings, cache=cache)
        first_seconds = time.perf_counter() - started
        started = time.perf_counter()
        again = reconstruct(settings=settings, cache=cache)
        cached_seconds = time.perf_counter() - started
        started = time.perf_counter()
        if not args.smoke:  # the smoke run proves the path; a refit would only cost time
            reconstruct(settings=settings, cache=cache, use_cache=False)
        refit_seconds = max(time.perf_counter() - started, 1e-9)
    diagnostics = first.diagnostics
    pools = len(first.problem.pools)
    print(
        f"fit: {pools} pools x {first.problem.n_months} months, {len(first.problem.terms)} "
        f"record terms, {settings.chains} chains x ({settings.warmup} warm-up + "
        f"{settings.samples} draws)"
    )
    print(f"first fit (compile + sampling): {first_seconds:.1f} s (target <= 60 s)")
    ratio = first_seconds / refit_seconds
    print(f"refit, compiled: {refit_seconds:.1f} s; ratio first/refit {ratio:.2f}")
    print(f"cached posterior: {cached_seconds:.2f} s (target < 2 s)")
    print(diagnostics.verdict())
    print(
        f"targets (R-hat <= 1.01, bulk ESS >= 400, no divergences): "
        f"{'met' if diagnostics.meets_targets else 'NOT met'}"
    )
    for row in diagnostics.to_rows():
        print(
            f"  {row['quantity']:28s} R-hat {row['rhat']:.3f}  bulk ESS {row['ess_bulk']:.0f}"
            f"  tail ESS {row['ess_tail']:.0f}"
        )
    assert again.from_cache
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
