"""The engines' inputs, read once: ledger history, estimates, taxonomy, defense layers.

:func:`load_baseline` is the only engine-side code that opens the DuckDB store or a
TOML file. Everything a run needs from the edges is in the frozen, picklable
:class:`Baseline` it returns, together with the one month calendar (which months are
history, which month the forecast starts with), the provenance of the data and a
fingerprint of it. A report builds one baseline, a sweep one per worker process, the
dashboard one per change of the store or the estimates file; :func:`missilewatch.run.simulate`
runs the engines on it.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from missilewatch.defense.setup import Layers, parse_layers
from missilewatch.errors import InputError, MissilewatchError
from missilewatch.estimates import WEAPON_CLASSES, EstimateSet
from missilewatch.ledger.taxonomy import Taxonomy
from missilewatch.limits import COMPLETE_MONTH_DAYS
from missilewatch.paths import package_data

T = TypeVar("T")


# --- the month calendar ----------------------------------------------------------------------


def month_is_complete(month: pd.Period, last_report: date) -> bool:
    """THE rule: a month is history when reports reach within ``COMPLETE_MONTH_DAYS`` of
    its end (a release is cut a day or two before the end of a month more often than
    on its last day); otherwise it is partial and belongs to the forecast."""
    last_day = month.end_time.date()
    return last_report >= last_day - timedelta(days=COMPLETE_MONTH_DAYS)


@dataclass(frozen=True)
class MonthCalendar:
    """Which months are history and where the forecast starts, for every engine.

    Attributes:
        first_month: the ledger's first month.
        last_report: the date of the last report (the ``date`` of its attack window's start).
        history_end: the last complete month (:func:`month_is_complete`).
        partial_month: the trailing month with reports that is not complete, or None.
    """

    first_month: pd.Period
    last_report: date
    history_end: pd.Period
    partial_month: pd.Period | None

    @classmethod
    def from_reports(cls, first_report: date, last_report: date) -> MonthCalendar:
        first = pd.Period(first_report, freq="M")
        last = pd.Period(last_report, freq="M")
        if month_is_complete(last, last_report):
            return cls(first, last_report, last, None)
        return cls(first, last_report, last - 1, last)

    @property
    def first_forecast_month(self) -> pd.Period:
        return self.history_end + 1

    @property
    def history_months(self) -> list[pd.Period]:
        return list(pd.period_range(self.first_month, self.history_end, freq="M"))


# --- provenance -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Provenance:
    """Where the baseline's figures come from (stored with every scenario run)."""

    data_release: str | None
    data_file_sha256: str | None
    data_first_date: date | None
    data_last_date: date | None
    db: str | None
    estimates_file: str | None
    estimates_files: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "data_release": self.data_release,
            "data_file_sha256": self.data_file_sha256,
            "data_first_date": self.data_first_date,
            "data_last_date": self.data_last_date,
        }


def estimates_sha256(estimates: EstimateSet) -> str:
    """SHA-256 of the estimates in use (shipped files plus the user's file), as stored
    with scenario runs."""
    text = estimates.to_frame().to_csv(index=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- the baseline -----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Baseline:
    """Everything the engines read from the edges, read once; frozen and picklable.

    Attributes:
        estimates: the sourced estimates (shipped records plus the user's file).
        taxonomy: the weapon taxonomy (families, classes).
        monthly: allocated launches per month and family (``ledger.monthly_launches``).
        attacks: allocated ledger rows, one per report and family (``ledger.attacks``).
        class_months: allocated statistics per month and class (``ledger.stats``).
        layers: the air defense's layer order and fire systems.
        calendar: the one month calendar.
        provenance: release, file hash and dates of the data, the files read.
        estimates_sha256: hash of the estimates in use.
        fingerprint: hash of the ledger rows and the estimates: equal fingerprints, equal
            inputs (a sweep's workers compare it with the sweep's).
    """

    estimates: EstimateSet
    taxonomy: Taxonomy
    monthly: pd.DataFrame
    attacks: pd.DataFrame
    class_months: pd.DataFrame
    layers: Layers
    calendar: MonthCalendar
    provenance: Provenance
    estimates_sha256: str
    fingerprint: str
    #: Results derived from the baseline alone (the defense built for a date, the
    #: per-attack table), computed once; not pickled.
    _derived: dict[Hashable, Any] = field(default_factory=dict, repr=False)

    def derived(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` once per baseline and ``key`` (it must depend on nothing else)."""
        if key not in self._derived:
            self._derived[key] = compute()
        value: T = self._derived[key]
        return value

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_derived"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)

    @property
    def modelled_families(self) -> list[str]:
        """Families the stock-flow engine covers: those with an ``initial_stock`` record."""
        names = []
        for record in self.estimates.select("initial_stock"):
            if len(record.subjects) == 1 and record.subject not in WEAPON_CLASSES:
                names.append(record.subject)
        return sorted(set(names))

    def family_class(self, family: str) -> str:
        return self.taxonomy.family_class(family)


def load_layers(path: Path | None = None) -> Layers:
    """``layers.toml``: the layer order per threat class, untracked layers, fire systems."""
    source = path or package_data("defense", "data", "layers.toml")
    try:
        data: dict[str, Any] = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise InputError(f"{source}: cannot read the layer order ({error})") from None
    return parse_layers(data, str(source))


def load_baseline(
    db: Path | str | None = None,
    estimates: Path | str | EstimateSet | None = None,
    *,
    layers: Path | None = None,
) -> Baseline:
    """Read the ledger (one reader session), the estimates, the taxonomy and the layers.

    Args:
        db: the DuckDB store (default: the user's; the shipped snapshot when it holds no
            release).
        estimates: the user's estimates file (overrides shipped records with the same
            id), or an already loaded :class:`EstimateSet`.
        layers: another ``layers.toml`` (default: the shipped one).

    Raises:
        MissilewatchError: the ledger holds no reports.
    """
    from missilewatch import estimates as estimates_module
    from missilewatch.ledger import query, taxonomy

    classes = taxonomy.load()
    if isinstance(estimates, EstimateSet):
        estimate_set = estimates
        estimates_file = None
    else:
        estimates_file = Path(estimates) if estimates is not None else None
        estimate_set = estimates_module.load(estimates_file, families=classes.families)
    db_path = Path(db) if db is not None else None
    tables = query.read_tables(db_path)
    if tables.attacks.empty:
        raise MissilewatchError("the ledger holds no reports to model (run: missilewatch update)")
    report_dates = tables.attacks["date"]
    calendar = MonthCalendar.from_reports(
        pd.Timestamp(report_dates.min()).date(), pd.Timestamp(report_dates.max()).date()
    )
    estimates_hash = estimates_sha256(estimate_set)
    rows = pd.util.hash_pandas_object(tables.attacks, index=False).to_numpy().tobytes()
    fingerprint = hashlib.sha256(rows + estimates_hash.encode("ascii")).hexdigest()
    provenance = Provenance(
        data_release=f"{tables.release} ({tables.kind})",
        data_file_sha256=tables.file_hash,
        data_first_date=tables.first_date,
        data_last_date=tables.last_date,
        db=str(db_path) if db_path is not None else None,
        estimates_file=str(estimates_file) if estimates_file is not None else None,
        estimates_files=tuple(estimate_set.files),
    )
    return Baseline(
        estimates=estimate_set,
        taxonomy=classes,
        monthly=tables.monthly,
        attacks=tables.attacks,
        class_months=tables.class_months,
        layers=load_layers(layers),
        calendar=calendar,
        provenance=provenance,
        estimates_sha256=estimates_hash,
        fingerprint=fingerprint,
    )


__all__ = [
    "Baseline",
    "MonthCalendar",
    "Provenance",
    "estimates_sha256",
    "load_baseline",
    "load_layers",
    "month_is_complete",
]
