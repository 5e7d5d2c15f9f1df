"""Latency of the dashboard under load: 20 concurrent clients on loopback.

Starts ``missilewatch serve`` on a free port, computes each URL once (the first visit
fills the in-process cache), then lets 20 threads, each with its own HTTP connection,
request the main page and the statistics endpoints until a request count or a time
limit is reached. Prints p50 / p95 / max latency per group and the ratio of the loaded
p95 to a one-client baseline measured in the same run. Target: p95 < 200 ms.

    python benchmarks/bench_web.py            # 20 clients, 4,000 requests, <= 60 s
    python benchmarks/bench_web.py --smoke    # a few requests, proves it works
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx
import numpy as np

from missilewatch.web.testing import start_server

TARGET_P95_MS = 200.0

#: group -> URLs (paths) the dashboard serves for that view.
URL_GROUPS: dict[str, tuple[str, ...]] = {
    "main page": ("/",),
    "stats endpoints": (
        "/api/stats",
        "/api/stats?period=quarter&by=family",
        "/api/stats?weapon_class=ballistic&start=2024-01-01",
        "/api/figures/launches",
        "/api/figures/intercept-rates",
        "/api/figures/launches?weapon_class=cruise",
    ),
}


def run_load(
    base_url: str, clients: int, total_requests: int, time_limit: float
) -> dict[str, list[float]]:
    """Latencies in milliseconds per group; each client cycles through all URLs."""
    plan = [(group, url) for group, urls in URL_GROUPS.items() for url in urls]
    latencies: dict[str, list[float]] = defaultdict(list)
    failures: list[str] = []
    lock = threading.Lock()
    counter = iter(range(total_requests))
    deadline = time.monotonic() + time_limit

    def client_loop(offset: int) -> None:
        with httpx.Client(base_url=base_url, timeout=30) as http:
            position = offset
            while time.monotonic() < deadline:
                with lock:
                    if next(counter, None) is None:
                        return
                group, url = plan[position % len(plan)]
                position += 1
                began = time.perf_counter()
                response = http.get(url)
                elapsed = (time.perf_counter() - began) * 1000
                with lock:
                    if response.status_code != 200:
                        failures.append(f"{url}: {response.status_code}")
                    latencies[group].append(elapsed)

    threads = [threading.Thread(target=client_loop, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, e.g. {failures[0]}")
    return latencies


def summarise(latencies: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    summary = {}
    for group, values in latencies.items():
        array = np.asarray(values)
        summary[group] = {
            "n": float(array.size),
            "p50": float(np.percentile(array, 50)),
            "p95": float(np.percentile(array, 95)),
            "max": float(array.max()),
        }
    return summary


def print_summary(title: str, summary: dict[str, dict[str, float]]) -> None:
    print(title)
    for group, figures in summary.items():
        print(
            f"  {group:<16} n={int(figures['n']):>5}  p50 {figures['p50']:7.1f} ms  "
            f"p95 {figures['p95']:7.1f} ms  max {figures['max']:7.1f} ms"
        )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a few requests only")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=4_000, help="total requests (bound)")
    parser.add_argument("--seconds", type=float, default=60.0, help="time limit (bound)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.clients, args.requests, args.seconds = 4, 2 * sum(map(len, URL_GROUPS.values())), 30

    with tempfile.TemporaryDirectory(prefix="mw-bench-web-") as home:
        server = start_server(Path(home))
        base_url = server.url
        try:
            # First visit of each URL fills the cache; its time is shown, not counted.
            with httpx.Client(base_url=base_url, timeout=120) as http:
                for urls in URL_GROUPS.values():
                    for url in urls:
                        began = time.perf_counter()
                        status = http.get(url).status_code
                        cold = (time.perf_counter() - began) * 1000
                        print(f"first request {url}: {status} in {cold:.0f} ms")
                        if status != 200:
                            raise SystemExit(f"{url} answered {status}")
            baseline_requests = min(args.requests, 200)
            baseline = summarise(run_load(base_url, 1, baseline_requests, args.seconds))
            print_summary("1 client (baseline):", baseline)
            began = time.monotonic()
            loaded = summarise(run_load(base_url, args.clients, args.requests, args.seconds))
            wall = time.monotonic() - began
            total = sum(int(figures["n"]) for figures in loaded.values())
            print_summary(
                f"{args.clients} concurrent clients ({total} requests in {wall:.1f} s, "
                f"{total / wall:.0f} requests/s):",
                loaded,
            )
            for group, figures in loaded.items():
                ratio = figures["p95"] / max(baseline[group]["p95"], 1e-9)
                verdict = "meets" if figures["p95"] < TARGET_P95_MS else "MISSES"
                print(
                    f"  {group}: p95 {figures['p95']:.1f} ms {verdict} the "
                    f"{TARGET_P95_MS:.0f} ms target; {ratio:.1f}x the 1-client p95"
                )
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
