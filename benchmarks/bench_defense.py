"""Air-defense benchmark: one million raids of 100 missiles against the shipped defense.

The raid mixes the threat classes (20 Iskander-M, 5 Kinzhal, 25 Kh-101/Kh-555, 50
Shahed/Geran) and meets the defense built from the shipped estimates and the ledger's
intercept calibration (:func:`missilewatch.views.defense.load_setup`): stocks, channels
per fire system, shots per target and kill probabilities drawn per raid. It measures

* vectorized: :func:`missilewatch.defense.simulate_raid` over all raids (target < 5 s);
* baseline: :func:`missilewatch.defense.simulate_raid_reference`, the same model one
  missile at a time in plain Python, on a subset of raids, scaled to the same count.

Both run in this process; the ratio is baseline time / vectorized time.

    python benchmarks/bench_defense.py            # 1,000,000 raids
    python benchmarks/bench_defense.py --smoke    # 20,000 raids, a quick check
"""

from __future__ import annotations

import argparse
import sys
import time

from missilewatch.defense import simulate_raid, simulate_raid_reference
from missilewatch.views.defense import load_setup

RAID = {"Iskander-M": 20, "Kinzhal": 5, "Kh-101/Kh-555": 25, "Shahed/Geran": 50}
TARGET_SECONDS = 5.0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny run to prove it works")
    parser.add_argument("--raids", type=int, default=None, help="raids to simulate")
    arguments = parser.parse_args(argv)
    raids = arguments.raids or (20_000 if arguments.smoke else 1_000_000)
    reference_raids = max(200, min(raids // 50, 5_000)) if not arguments.smoke else 200

    setup, as_of = load_setup()
    defense = setup.defense
    missiles = sum(RAID.values())
    print(f"raid: {RAID} ({missiles} missiles); defense as of {as_of}")

    simulate_raid(RAID, defense, paths=1_000, seed=0)  # warm-up: imports, allocator
    start = time.perf_counter()
    draws = simulate_raid(RAID, defense, paths=raids, seed=1)
    vectorized = time.perf_counter() - start
    mean_leakers = sum(float(v.mean()) for v in draws.leakers.values())

    start = time.perf_counter()
    simulate_raid_reference(RAID, defense, paths=reference_raids, seed=1)
    reference = (time.perf_counter() - start) * raids / reference_raids

    print(
        f"vectorized: {raids:,} raids in {vectorized:.2f} s "
        f"({vectorized / raids * 1e6:.2f} us/raid); mean leakers {mean_leakers:.1f}"
    )
    print(
        f"plain Python: {reference_raids:,} raids timed, {reference:.1f} s "
        f"scaled to {raids:,} raids"
    )
    print(f"ratio (plain Python / vectorized): {reference / vectorized:.0f}x")
    if arguments.smoke:
        return 0
    verdict = "met" if vectorized < TARGET_SECONDS else "MISSED"
    print(f"target < {TARGET_SECONDS:.0f} s for 1,000,000 raids: {verdict}")
    return 0 if vectorized < TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
