"""The rules every part of missilewatch shares, each declared once.

Percentiles, rounding, caps on run sizes and scenario factors, and the rule that
decides whether the ledger's last month is complete: the engines, the frames, the CLI,
the web API and the sweep files all read them from here, so they cannot disagree.
"""

from __future__ import annotations

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
