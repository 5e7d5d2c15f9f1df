"""The dashboard's cached access to the public Python API.

Results are deterministic for their inputs (filters, seed, paths, estimates file,
data store), so they are memoised in a :class:`ResultCache` keyed by those inputs and
by the modification times of the store and the estimates file.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from missilewatch import ledger
from missilewatch.baseline import Baseline, load_baseline
from missilewatch.errors import MissilewatchWarning
from missilewatch.paths import default_db_path
from missilewatch.web.cache import ResultCache

T = TypeVar("T")


# Model runs are CPU-bound NumPy work: one at a time keeps memory bounded on a small
# machine, and it keeps ``warnings.catch_warnings`` (process-wide state) from being
# entered by two threads at once.
_MODEL_LOCK = threading.Lock()


def run_model(compute: Callable[[], T]) -> tuple[T, tuple[str, ...]]:
    """Run a model computation, returning its result and the MissilewatchWarnings it
    raised (e.g. a stock clamped at zero), which the API and the page then show."""
    with _MODEL_LOCK, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MissilewatchWarning)
        value = compute()
    messages = (str(w.message) for w in caught if issubclass(w.category, MissilewatchWarning))
    return value, tuple(dict.fromkeys(messages))


def _file_token(path: Path | None) -> tuple[str, float] | None:
    """Identify a file's current content cheaply: its path and modification time."""
    if path is None:
        return None
    try:
        return (str(path), path.stat().st_mtime)
    except OSError:
        return (str(path), -1.0)


class Engines:
    """Cached calls into the public API for one store and one estimates file."""

    def __init__(
        self,
        db: Path | None = None,
        estimates_file: Path | None = None,
        cache: ResultCache | None = None,
    ) -> None:
        self.db = db
        self.estimates_file = estimates_file
        self.cache = cache if cache is not None else ResultCache()

    def data_token(self) -> Hashable:
        """Changes whenever the store or the estimates file changes on disk."""
        return (_file_token(self.db or default_db_path()), _file_token(self.estimates_file))

    def cached(self, kind: str, params: Hashable, compute: Callable[[], T]) -> T:
        return self.cache.get_or_compute((kind, params, self.data_token()), compute)

    def baseline(self) -> Baseline:
        """The engines' inputs, read once per version of the store and the estimates file."""
        return self.cached("baseline", (), lambda: load_baseline(self.db, self.estimates_file))

    # ---- ledger -----------------------------------------------------------------------

    def stats(
        self,
        *,
        period: str = "month",
        by: str = "class",
        start: str | None = None,
        end: str | None = None,
        mode: str = "allocated",
        weapon_class: str | None = None,
        family: str | None = None,
    ) -> pd.DataFrame:
        params = (period, by, start, end, mode, weapon_class, family)

        def compute() -> pd.DataFrame:
            frame: pd.DataFrame = ledger.stats(
                self.db,
                period=period,
                by=by,
                start=start,
                end=end,
                mode=mode,
                weapon_class=weapon_class,
                family=family,
            )
            return frame

        return self.cached("stats", params, compute)

    def families(self) -> pd.DataFrame:
        """Families present in the ledger with their class, first and last month."""

        def compute() -> pd.DataFrame:
            monthly: pd.DataFrame = ledger.monthly_launches(self.db, by="family")
            reported = monthly[monthly["launched"] > 0]
            grouped = (
                reported.groupby(["family", "weapon_class"], as_index=False)
                .agg(launched=("launched", "sum"))
                .sort_values(["weapon_class", "launched"], ascending=[True, False])
            )
            return grouped.reset_index(drop=True)

        return self.cached("families", (), compute)

    def month_range(self) -> tuple[pd.Period, pd.Period]:
        """First and last month with a report."""

        def compute() -> tuple[pd.Period, pd.Period]:
            monthly: pd.DataFrame = ledger.monthly_launches(self.db, by="family")
            months = monthly["month"]
            return (months.min(), months.max())

        return self.cached("month_range", (), compute)

    def call(self, kind: str, params: Hashable, compute: Callable[[], Any]) -> Any:
        """Cache an arbitrary deterministic engine call under ``(kind, params)``."""
        return self.cached(kind, params, compute)
