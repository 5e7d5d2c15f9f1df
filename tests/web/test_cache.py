"""The in-process result cache: one computation per key, even under concurrency."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from missilewatch.web.cache import ResultCache


def test_concurrent_requests_for_one_key_compute_once() -> None:
    cache = ResultCache()
    calls = 0
    started = threading.Event()
    release = threading.Event()

    def slow() -> int:
        nonlocal calls
        calls += 1
        started.set()
        release.wait(timeout=5)
        return 42

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(cache.get_or_compute, "key", slow) for _ in range(8)]
        assert started.wait(timeout=5)
        release.set()
        results = [future.result(timeout=5) for future in futures]
    assert results == [42] * 8
    assert calls == 1
    assert cache.misses == 1 and cache.hits == 7


def test_errors_are_not_cached() -> None:
    cache = ResultCache()

    def failing() -> int:
        raise ValueError("boom")

    with pytest.raises(ValueError):
        cache.get_or_compute("key", failing)
    assert cache.get_or_compute("key", lambda: 7) == 7


def test_oldest_entries_are_dropped_beyond_the_bound() -> None:
    cache = ResultCache(max_entries=2)
    for key in ("a", "b", "c"):
        cache.get_or_compute(key, lambda key=key: key.upper())
    assert len(cache) == 2
    recomputed = cache.get_or_compute("a", lambda: "again")
    assert recomputed == "again"
