"""Compare every shipped scenario's results with those of an earlier version of the code.

    python scripts/same_numbers.py --previous /path/to/old/src [--paths 2000] [--seed 0]

Runs each shipped scenario (not stored) with this tree and, in a subprocess, with the
``src`` folder given by ``--previous`` (e.g. ``git archive <commit> src | tar -x``), on
the shipped snapshot, and prints per result kind whether the numbers are the same.
"""

from __future__ import annotations

import argparse
import os
import pickle
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import pandas as pd

RUN = """
import pickle, sys, warnings
import numpy as np
from missilewatch.scenarios import runs, shipped_names
warnings.simplefilter("ignore")
if sys.argv[4] == "old-streams":
    # The streams as they were before they were named: the strike forecast drew from the
    # stock-flow engine's stream (child 1), the campaign from SeedSequence([seed, 2]).
    from missilewatch.run import RunSpec
    named = RunSpec.seed_sequence
    def old(self, stream):
        if stream == "strikes":
            return named(self, "stockflow")
        if stream == "defense":
            return np.random.SeedSequence([self.seed, 2])
        return named(self, stream)
    RunSpec.seed_sequence = old
out = {}
for name in shipped_names():
    (run,) = runs.run_scenarios([name], paths=int(sys.argv[1]), seed=int(sys.argv[2]), store=False)
    out[name] = dict(run.results)
with open(sys.argv[3], "wb") as handle:
    pickle.dump(out, handle)
"""


def results(
    src: Path, paths: int, seed: int, home: Path, streams: str = "named"
) -> dict[str, dict[str, pd.DataFrame]]:
    with tempfile.NamedTemporaryFile(suffix=".pkl", delete=False) as handle:
        target = Path(handle.name)
    environment = {**os.environ, "PYTHONPATH": str(src), "MISSILEWATCH_HOME": str(home)}
    subprocess.run(
        [sys.executable, "-c", RUN, str(paths), str(seed), str(target), streams],
        check=True,
        env=environment,
    )
    with target.open("rb") as handle:
        loaded: dict[str, dict[str, pd.DataFrame]] = pickle.load(handle)
    target.unlink()
    return loaded


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--previous", type=Path, required=True, help="src folder of the old code")
    parser.add_argument("--paths", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--old-streams",
        action="store_true",
        help="run this tree with the random streams of the earlier code (to show that the "
        "differences come from the stream split only)",
    )
    args = parser.parse_args()
    here = Path(__file__).resolve().parent.parent / "src"
    with tempfile.TemporaryDirectory() as home:
        streams = "old-streams" if args.old_streams else "named"
        new = results(here, args.paths, args.seed, Path(home), streams)
        old = results(args.previous, args.paths, args.seed, Path(home))
    from missilewatch.scenarios.runs import result_differences

    warnings.simplefilter("ignore")
    for name in sorted(new):
        differing = result_differences(old.get(name, {}), new[name])
        same = sorted(set(new[name]) - set(differing))
        print(f"{name}: same {', '.join(same) or '-'}; differ {', '.join(differing) or '-'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
