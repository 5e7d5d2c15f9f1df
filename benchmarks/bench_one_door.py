"""One-door benchmark: the report, a sweep and the dashboard's scenario run, new against old.

Measures on the shipped ledger snapshot (a temporary data directory):

* ``missilewatch report`` with default settings (two scenarios at the report's paths);
* a production-factor sweep at 500 paths per point, in process (points per second);
* the dashboard's scenario run (``POST /api/scenario-runs``) at 2,000 paths, first
  (uncached) request, on a warm app (the baseline already read).

Each is timed in a fresh subprocess. With ``--previous SRC`` (the ``src`` folder of an
earlier version, e.g. ``git archive <commit> src | tar -x -C /tmp/old``) the same
measurement runs on that code too and the ratio old / new is printed. The machine's load
average is printed: on a shared machine the figures move with it.

    python benchmarks/bench_one_door.py --previous /tmp/old/src
    python benchmarks/bench_one_door.py --smoke      # tiny sizes, this tree only
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"

REPORT = """
import sys, time, warnings
from pathlib import Path
warnings.simplefilter("ignore")
start = time.perf_counter()
from missilewatch.report import build_report
kwargs = {} if sys.argv[1] == "default" else {"paths": int(sys.argv[1])}
build_report(output=Path(sys.argv[2]) / "report.html", show_progress=False, **kwargs)
print(time.perf_counter() - start)
"""

SWEEP = """
import sys, time, warnings
from pathlib import Path
warnings.simplefilter("ignore")
import missilewatch
points, paths = int(sys.argv[1]), int(sys.argv[2])
values = ", ".join(str(0.5 + i / max(points - 1, 1)) for i in range(points))
body = f'''
description = "Benchmark: production factor."
[run]
until = "2027-12"
paths = {paths}
seed = 0
[[parameter]]
name = "production.factor"
values = [{values}]
[[output]]
metric = "stock"
name = "ballistic"
month = "2026-12"
'''
path = Path(sys.argv[3]) / "sweep.toml"
path.write_text(body, encoding="utf-8")
start = time.perf_counter()
frame = missilewatch.sweep(path)
seconds = time.perf_counter() - start
assert frame["point"].nunique() == points
print(points / seconds)
"""

DASHBOARD = """
import sys, time, warnings
from pathlib import Path
warnings.simplefilter("ignore")
from fastapi.testclient import TestClient
from missilewatch.web.app import create_app
paths = int(sys.argv[1])
# The Host check answers only the bind address.
app = create_app(db=Path(sys.argv[2]) / "none.duckdb")
with TestClient(app, base_url="http://127.0.0.1") as client:
    warm = client.get("/api/raid/threats")  # reads the inputs once
    assert warm.status_code == 200, warm.text
    body = {"ceasefire_months": 6, "paths": paths, "seed": 0, "until": "2027-12"}
    start = time.perf_counter()
    response = client.post("/api/scenario-runs", json=body)
    seconds = time.perf_counter() - start
    assert response.status_code == 200, response.text
print(seconds)
"""


def measure(code: str, src: Path, *args: str) -> float:
    with tempfile.TemporaryDirectory() as folder:
        environment = {
            **os.environ,
            "PYTHONPATH": str(src),
            "MISSILEWATCH_HOME": str(Path(folder) / "home"),
        }
        result = subprocess.run(
            [sys.executable, "-c", code, *args, folder],
            check=True,
            capture_output=True,
            text=True,
            env=environment,
        )
    return float(result.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes to prove it works")
    parser.add_argument("--previous", type=Path, help="src folder of the code to compare with")
    arguments = parser.parse_args(argv)
    smoke = arguments.smoke
    report_paths = "200" if smoke else "default"
    sweep_points, sweep_paths = ("3", "50") if smoke else ("20", "500")
    dashboard_paths = "200" if smoke else "2000"
    print(
        f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores"
    )
    cases = [
        (f"report ({'200 paths' if smoke else 'defaults'})", "s", REPORT, (report_paths,)),
        (
            f"sweep, {sweep_points} points x {sweep_paths} paths",
            "points/s",
            SWEEP,
            (sweep_points, sweep_paths),
        ),
        (f"dashboard scenario run, {dashboard_paths} paths", "s", DASHBOARD, (dashboard_paths,)),
    ]
    for label, unit, code, args in cases:
        new = measure(code, SRC, *args)
        line = f"{label}: {new:.2f} {unit}"
        if arguments.previous is not None:
            old = measure(code, arguments.previous, *args)
            # Ratio as "times better": seconds old / new, points per second new / old.
            ratio = old / new if unit == "s" else new / old
            line += f" (previous code {old:.2f} {unit}; x{ratio:.1f})"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
