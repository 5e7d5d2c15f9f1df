"""The dashboard under heavy load: 100 clients for 30 s on loopback.

Starts ``missilewatch serve`` on a free port, visits each URL once (filling the cache),
measures a one-client baseline, then lets 100 threads, each with its own connection,
request the page and the JSON endpoints for 30 s. Prints errors, p50 / p95 / max, the
ratio of the loaded p95 to the baseline p95, and the server's resident memory before and
after. Then 10 clients ask the model endpoints for new seeds (work that cannot be cached)
for 15 s and the answers are counted by status: an overloaded server should answer 429
with Retry-After, never let a request time out silently.

Targets (issue 10): 0 errors, p95 under 300 ms, RSS growth under 100 MB.

    python benchmarks/bench_load.py           # 100 clients, 30 s; 10 model clients, 15 s
    python benchmarks/bench_load.py --smoke   # 5 clients, 2 s, proves it works
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import numpy as np

from missilewatch.web.testing import start_server

TARGET_P95_MS = 300.0
TARGET_RSS_GROWTH_MB = 100.0

PAGE_AND_JSON = (
    "/",
    "/api/health",
    "/api/stats",
    "/api/stats?period=quarter&by=family",
    "/api/figures/launches",
    "/api/figures/intercept-rates",
)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def hammer(
    base_url: str, urls: tuple[str, ...], clients: int, seconds: float, timeout: float
) -> tuple[list[float], Counter[str]]:
    """Latencies (ms) of successful requests and a count of outcomes."""
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def loop(offset: int) -> None:
        with httpx.Client(base_url=base_url, timeout=timeout) as http:
            for position in itertools.count(offset):
                if time.monotonic() >= deadline:
                    return
                url = urls[position % len(urls)]
                started = time.perf_counter()
                try:
                    status = str(http.get(url).status_code)
                except httpx.TimeoutException:
                    status = "timeout"
                except httpx.HTTPError as error:
                    status = type(error).__name__
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    outcomes[status] += 1
                    if status == "200":
                        latencies.append(elapsed)

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, outcomes


def percentiles(values: list[float]) -> str:
    if not values:
        return "no successful request"
    p50, p95 = np.percentile(values, [50, 95])
    return f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {max(values):.0f} ms ({len(values):,} ok)"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="5 clients for 2 s")
    args = parser.parse_args(argv)
    clients, seconds = (5, 2.0) if args.smoke else (100, 30.0)
    model_clients, model_seconds = 10, 15.0
    with tempfile.TemporaryDirectory(prefix="missilewatch-bench-load-") as home:
        server = start_server(Path(home), timeout=180)
        try:
            with httpx.Client(base_url=server.url, timeout=120) as http:
                for url in PAGE_AND_JSON:
                    http.get(url).raise_for_status()
            baseline, _ = hammer(server.url, PAGE_AND_JSON, 1, 1.0 if args.smoke else 5.0, 30)
            rss_before = rss_mb(server.process.pid)
            loaded, outcomes = hammer(server.url, PAGE_AND_JSON, clients, seconds, 30)
            rss_after = rss_mb(server.process.pid)
            errors = sum(n for status, n in outcomes.items() if status != "200")
            p95 = float(np.percentile(loaded, 95)) if loaded else float("inf")
            base_p95 = float(np.percentile(baseline, 95)) if baseline else float("nan")
            print(f"one client:  {percentiles(baseline)}")
            print(f"{clients} clients, {seconds:.0f} s: {percentiles(loaded)}; errors {errors}")
            print(f"ratio loaded p95 / one-client p95: {p95 / base_p95:.1f}x")
            print(
                f"server RSS {rss_before:.0f} MB -> {rss_after:.0f} MB "
                f"(growth {rss_after - rss_before:+.0f} MB, target < {TARGET_RSS_GROWTH_MB:.0f})"
            )
            verdict = "met" if p95 < TARGET_P95_MS else "NOT met"
            print(f"target p95 < {TARGET_P95_MS:.0f} ms: {verdict}")
            if args.smoke:
                return 0 if errors == 0 else 1  # model work is minutes on a busy machine
            seeds = itertools.count(1000)
            model_urls = tuple(
                f"/api/stockpile?paths=2000&until=2027-12&seed={next(seeds)}" for _ in range(400)
            )
            _model_latencies, model_outcomes = hammer(
                server.url, model_urls, model_clients, model_seconds, 60
            )
            print(
                f"model endpoints, {model_clients} clients, {model_seconds:.0f} s, new seeds: "
                + ", ".join(f"{status}: {n}" for status, n in sorted(model_outcomes.items()))
            )
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
