"""The rules every part of missilewatch shares, each declared once.

Percentiles, rounding, caps on run sizes and scenario factors, and the rule that
decides whether the ledger's last month is complete: the engines, the frames, the CLI,
the web API and the sweep files all read them from here, so they cannot disagree.

Limits that protect the machine and other users of the store (waiting for the store,
archive sizes, request bodies, memory) are declared below the run rules: a request, a
file or a run above one is refused with one line naming the limit, never clamped
silently; environment variables override those that are a matter of the machine.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Final

#: Percentiles of every output frame, and their column names.
PERCENTILES: Final = (5, 25, 50, 75, 95)
PERCENTILE_COLUMNS: Final = tuple(f"p{q}" for q in PERCENTILES)

#: Most Monte Carlo paths of one run (every command, the web API, a sweep point). The
#: air-defense campaign holds (paths x months) arrays per family and interceptor type
#: in memory, so a run far above this does not fit a small machine; a typo like 10**9
#: is refused rather than started.
MAX_PATHS: Final = 200_000

#: Longest forecast: a strike process fitted on the last two years says nothing about
#: launches decades ahead, and an ``until`` of 2099 is more likely a typo than a question.
MAX_FORECAST_MONTHS: Final = 120

#: The ledger's last month counts as history only if reports reach this close (days) to
#: its end; otherwise it is partial and the forecast starts with it. The one rule of the
#: month calendar (:class:`missilewatch.baseline.MonthCalendar`).
COMPLETE_MONTH_DAYS: Final = 2

#: Largest factor a scenario (file, sweep point or dashboard form) may put on production,
#: strike frequency or salvo size.
MAX_SCENARIO_FACTOR: Final = 100.0

#: Decimals kept in output frames: percentiles of missile counts carry no meaning beyond
#: a tenth (and the engine's float32 resample leaves noise in the 7th digit); a
#: probability keeps three.
COUNT_DECIMALS: Final = 1
PROBABILITY_DECIMALS: Final = 3


# --------------------------------------------------------------------------- the store

#: Seconds a command waits for another process to release the store before giving up
#: (``--wait`` overrides it per command, ``MISSILEWATCH_WAIT`` for every command).
STORE_WAIT_ENV = "MISSILEWATCH_WAIT"
DEFAULT_STORE_WAIT_SECONDS = 10.0

# --------------------------------------------------------------------------- releases

#: A report dated more than this many days after today is refused (clocks and time zones
#: put honest reports at most a day ahead).
FUTURE_TOLERANCE_DAYS = 1
#: ``MISSILEWATCH_TODAY`` (YYYY-MM-DD) stands in for the clock in date checks (tests,
#: or reading an archive as of its day).
TODAY_ENV = "MISSILEWATCH_TODAY"
#: The first day of the full-scale invasion: no report in the dataset can be older.
EARLIEST_REPORT_DATE = "2022-02-24"
#: ``update --from`` refuses archives that expand beyond this many bytes in total, whose
#: members expand more than this ratio, or whose CSV lines are longer than this.
MAX_ARCHIVE_EXPANDED_BYTES = 512 * 1024 * 1024
MAX_ARCHIVE_RATIO = 200
MAX_CSV_LINE_BYTES = 1024 * 1024

# --------------------------------------------------------------------------- the dashboard

#: Request bodies above this are refused while they stream in (413).
MAX_BODY_BYTES = 64 * 1024
#: Requests whose Host header names none of these (plus the bind address) are refused
#: (421): a page on another site cannot reach the dashboard through DNS rebinding.
LOCAL_HOSTS: tuple[str, ...] = ("127.0.0.1", "localhost", "::1", "[::1]")

# --------------------------------------------------------------------------- memory

#: Engines refuse work whose estimated working memory exceeds this many bytes before
#: they allocate it (``MISSILEWATCH_MAX_MEMORY_MB`` overrides it).
MEMORY_CAP_ENV = "MISSILEWATCH_MAX_MEMORY_MB"
DEFAULT_MEMORY_CAP_BYTES = 4 * 1024 * 1024 * 1024


def store_wait_seconds() -> float:
    """The wait for the store in effect: ``MISSILEWATCH_WAIT`` or the default."""
    text = os.environ.get(STORE_WAIT_ENV)
    if text:
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if value >= 0:
            return value
        from missilewatch.errors import ParameterError

        raise ParameterError(f"{STORE_WAIT_ENV}={text!r}: expected seconds (a number >= 0)")
    return DEFAULT_STORE_WAIT_SECONDS


def memory_cap_bytes() -> int:
    """The memory cap in effect: ``MISSILEWATCH_MAX_MEMORY_MB`` or the default."""
    text = os.environ.get(MEMORY_CAP_ENV)
    if text:
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if value > 0:
            return int(value * 1024 * 1024)
        from missilewatch.errors import ParameterError

        raise ParameterError(f"{MEMORY_CAP_ENV}={text!r}: expected megabytes (a number > 0)")
    return DEFAULT_MEMORY_CAP_BYTES


def today() -> dt.date:
    """Today for date checks: ``MISSILEWATCH_TODAY`` or the clock (UTC)."""
    text = os.environ.get(TODAY_ENV)
    if text:
        try:
            return dt.date.fromisoformat(text.strip())
        except ValueError:
            from missilewatch.errors import ParameterError

            raise ParameterError(f"{TODAY_ENV}={text!r}: expected a date (YYYY-MM-DD)") from None
    return dt.datetime.now(dt.UTC).date()


def latest_report_date() -> dt.date:
    """The latest date a report may carry: today plus :data:`FUTURE_TOLERANCE_DAYS`."""
    return today() + dt.timedelta(days=FUTURE_TOLERANCE_DAYS)
