"""Sourced estimates as frozen data: what the model and the defense engine read.

The TOML files are validated by pydantic in :mod:`missilewatch.estimates.loader`; what
comes out is the plain frozen data below. Every number keeps its source, or is marked
as an assumption, so that results can say which of their inputs are guesses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Final

import pandas as pd

# --- quantities --------------------------------------------------------------------------

#: Quantities on the Russian side (subject: a weapon family, a class, or several joined by " + ").
RUSSIAN_QUANTITIES: Final = frozenset(
    {
        "production_rate",
        "import_rate",
        "stock",
        "initial_stock",
        "other_losses_rate",
        "time_in_stock",
        "pool_stock",
    }
)
#: Ledger families that hold more than one stock pool. The Air Force reports the Kh-101
#: (in production) and the Kh-555 (converted from a finite Soviet-era Kh-55 stock) together,
#: so the ledger's launches of the family are the sum of two pools that the reconstruction
#: keeps apart. A record may name the family (the sum) or one pool.
STOCK_POOLS: Final[dict[str, tuple[str, ...]]] = {"Kh-101/Kh-555": ("Kh-101", "Kh-555")}
#: Every pool name, for the loader's list of known subjects.
POOL_NAMES: Final = frozenset(pool for pools in STOCK_POOLS.values() for pool in pools)
#: Quantities on the Ukrainian side (subject: an interceptor or air-defense system type).
DEFENSE_QUANTITIES: Final = frozenset(
    {
        "interceptor_production",
        "interceptor_share_ukraine",
        "interceptor_deliveries",
        "interceptor_stock",
        "shots_per_target",
        "kill_probability",
        "fire_units",
        "engagements_per_unit",
    }
)
QUANTITIES: Final = RUSSIAN_QUANTITIES | DEFENSE_QUANTITIES

# --- bounds ------------------------------------------------------------------------------
# The word the source used for its figure decides what the figure can say. "Up to 200" is
# a ceiling, "more than 250" a floor, "about 600" a noisy point, "planned" a target; a
# ceiling and a floor must never be differenced as if both were points.

#: A noisy point ("about"); its relative error is stated or ``DEFAULT_RELATIVE_ERROR``.
APPROX: Final = "approx"
#: An upper bound ("up to", "no more than"): the truth is at or below the value.
UP_TO: Final = "up_to"
#: A lower bound ("more than", "at least", "over"): the truth is at or above the value.
AT_LEAST: Final = "at_least"
#: A stated range (low..high), or for assumptions the band chosen and explained in the note.
RANGE: Final = "range"
#: A count given exactly (a document, a contract).
EXACT: Final = "exact"
#: A target or plan: weak evidence about what was actually made.
PLANNED: Final = "planned"
#: A capacity: an upper bound on output, not output.
CAPACITY: Final = "capacity"
#: A stop: the quantity is a real zero from the record's date.
SUSPENDED: Final = "suspended"
BOUNDS: Final = (APPROX, UP_TO, AT_LEAST, RANGE, EXACT, PLANNED, CAPACITY, SUSPENDED)
#: Relative error of an "about" figure when its record states none (one standard deviation).
DEFAULT_RELATIVE_ERROR: Final = 0.2

# --- units -------------------------------------------------------------------------------
# A unit is either a rate ("<items>/<period>"), a count ("<items>"), a duration
# ("months") or a probability. The loader normalises spelling ("missiles per yr" ->
# "missiles/year", "%" -> probability with the values divided by 100, "years" ->
# months with the values multiplied by 12) so the rest of the code sees few units.

RATE: Final = "rate"
COUNT: Final = "count"
DURATION: Final = "duration"
PROBABILITY: Final = "probability"

_ITEMS: Final[dict[str, str]] = {
    "missile": "missiles",
    "missiles": "missiles",
    "drone": "drones",
    "drones": "drones",
    "uav": "drones",
    "uavs": "drones",
    "interceptor": "interceptors",
    "interceptors": "interceptors",
    "shot": "shots",
    "shots": "shots",
    "unit": "units",
    "units": "units",
    "launcher": "launchers",
    "launchers": "launchers",
    "battery": "batteries",
    "batteries": "batteries",
    "engagement": "engagements",
    "engagements": "engagements",
}
#: Period name -> months in one period.
_PERIODS: Final[dict[str, tuple[str, float]]] = {
    "day": ("day", 12.0 / 365.25),
    "d": ("day", 12.0 / 365.25),
    "week": ("week", 12.0 * 7.0 / 365.25),
    "wk": ("week", 12.0 * 7.0 / 365.25),
    "month": ("month", 1.0),
    "mo": ("month", 1.0),
    "mon": ("month", 1.0),
    "quarter": ("quarter", 3.0),
    "q": ("quarter", 3.0),
    "year": ("year", 12.0),
    "yr": ("year", 12.0),
    "y": ("year", 12.0),
    "a": ("year", 12.0),
    "annum": ("year", 12.0),
}
_DURATIONS: Final[dict[str, float]] = {
    "day": 12.0 / 365.25,
    "week": 12.0 * 7.0 / 365.25,
    "month": 1.0,
    "quarter": 3.0,
    "year": 12.0,
}
_RATE_PATTERN: Final = re.compile(r"^\s*([a-z]+)\s*(?:/|per)\s*([a-z]+?)s?\s*$")


@dataclass(frozen=True, slots=True)
class Unit:
    """A normalised unit: its canonical text, kind, and the factor applied to the values."""

    text: str
    kind: str
    #: Multiplies the values as written (e.g. 0.01 for "%", 12 for "years").
    value_factor: float = 1.0
    #: For rates: months in one period (rate per month = value / months_per_period).
    months_per_period: float = 1.0


def parse_unit(raw: str) -> Unit:
    """Normalise a unit string; raise ``ValueError`` with a short reason if unknown."""
    text = raw.strip().lower()
    if text in {"probability", "fraction", "share", "ratio"}:
        return Unit("probability", PROBABILITY)
    if text in {"%", "percent", "per cent"}:
        return Unit("probability", PROBABILITY, value_factor=0.01)
    duration = text.rstrip("s")
    if duration in _DURATIONS:
        return Unit("months", DURATION, value_factor=_DURATIONS[duration])
    if text in _ITEMS:
        return Unit(_ITEMS[text], COUNT)
    match = _RATE_PATTERN.match(text)
    if match:
        item, period = match.group(1), match.group(2)
        if item in _ITEMS and period in _PERIODS:
            period_name, months = _PERIODS[period]
            return Unit(f"{_ITEMS[item]}/{period_name}", RATE, months_per_period=months)
    raise ValueError(
        f"unknown unit {raw!r} (use e.g. 'missiles/year', 'missiles/month', 'missiles', "
        "'months', 'probability' or '%')"
    )


#: Unit kinds each quantity accepts.
QUANTITY_UNIT_KINDS: Final[dict[str, frozenset[str]]] = {
    "production_rate": frozenset({RATE}),
    "import_rate": frozenset({RATE}),
    "other_losses_rate": frozenset({RATE}),
    "stock": frozenset({COUNT}),
    "pool_stock": frozenset({COUNT}),
    "initial_stock": frozenset({COUNT}),
    "time_in_stock": frozenset({DURATION}),
    "interceptor_production": frozenset({RATE}),
    "interceptor_deliveries": frozenset({RATE, COUNT}),
    "interceptor_stock": frozenset({COUNT}),
    "interceptor_share_ukraine": frozenset({PROBABILITY}),
    "kill_probability": frozenset({PROBABILITY}),
    "shots_per_target": frozenset({COUNT}),
    "fire_units": frozenset({COUNT}),
    "engagements_per_unit": frozenset({RATE, COUNT}),
}


# --- records -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Source:
    """Where a figure was published, and where it was read if that was a mirror."""

    publication: str
    date: date
    url: str
    seen_at: str | None = None


@dataclass(frozen=True, slots=True)
class Estimate:
    """One external figure with its range, validity and provenance.

    ``low <= central <= high`` always holds; a single ``value`` in the file gives three
    equal numbers. Values are in ``unit`` after normalisation (``%`` -> probability,
    ``years`` -> months).
    """

    id: str
    quantity: str
    subject: str
    low: float
    central: float
    high: float
    unit: str
    as_of: date
    valid_from: date | None
    valid_to: date | None
    note: str
    assumption: bool
    source: Source | None
    #: The file the record was read from (the last one, if a user file overrode it).
    origin: str
    #: For rates: months in one period of ``unit``.
    months_per_period: float = 1.0
    #: What the source's figure is: one of ``BOUNDS`` (the source's own word, e.g. "up to").
    bound: str = RANGE
    #: For ``approx``: the relative error (one standard deviation) stated in the record.
    relative_error: float | None = None

    @property
    def error(self) -> float:
        """Relative error of an ``approx`` figure: as stated, else the default."""
        return self.relative_error if self.relative_error is not None else DEFAULT_RELATIVE_ERROR

    @property
    def subjects(self) -> tuple[str, ...]:
        """The families or classes the figure covers ("A + B" -> ("A", "B"))."""
        return tuple(part.strip() for part in self.subject.split(" + "))

    def per_month(self) -> tuple[float, float, float]:
        """(low, central, high) as a monthly rate; only for rate units."""
        factor = 1.0 / self.months_per_period
        return (self.low * factor, self.central * factor, self.high * factor)

    def covers(self, day: date) -> bool:
        """True if ``day`` lies inside the validity window (open ends count as covered)."""
        if self.valid_from is not None and day < self.valid_from:
            return False
        return not (self.valid_to is not None and day > self.valid_to)


FRAME_COLUMNS: Final = [
    "id",
    "quantity",
    "subject",
    "bound",
    "low",
    "central",
    "high",
    "unit",
    "as_of",
    "valid_from",
    "valid_to",
    "source",
    "source_date",
    "url",
    "seen_at",
    "note",
    "assumption",
]


@dataclass(frozen=True, slots=True)
class EstimateSet:
    """All estimates in force: the shipped files, overridden and extended by a user file."""

    records: tuple[Estimate, ...]
    #: Files read, in order (shipped files first, the user's file last).
    files: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[Estimate]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def get(self, record_id: str) -> Estimate:
        for record in self.records:
            if record.id == record_id:
                return record
        raise KeyError(record_id)

    def select(
        self,
        quantity: str | None = None,
        subject: str | None = None,
        *,
        exact: bool = False,
    ) -> tuple[Estimate, ...]:
        """Records of a quantity and/or about a subject, ordered by ``as_of``.

        With ``exact=False`` a record about "A + B" is returned for subject "A" too;
        with ``exact=True`` only records whose subject is exactly ``subject``.
        """
        chosen = []
        for record in self.records:
            if quantity is not None and record.quantity != quantity:
                continue
            if subject is not None:
                if exact and record.subject != subject:
                    continue
                if not exact and subject not in record.subjects:
                    continue
            chosen.append(record)
        return tuple(sorted(chosen, key=lambda r: (r.as_of, r.id)))

    def to_frame(self) -> pd.DataFrame:
        """One row per record; columns as in ``FRAME_COLUMNS``; dates as datetime64."""
        rows = [
            {
                "id": r.id,
                "quantity": r.quantity,
                "subject": r.subject,
                "bound": r.bound,
                "low": r.low,
                "central": r.central,
                "high": r.high,
                "unit": r.unit,
                "as_of": r.as_of,
                "valid_from": r.valid_from,
                "valid_to": r.valid_to,
                "source": r.source.publication if r.source else None,
                "source_date": r.source.date if r.source else None,
                "url": r.source.url if r.source else None,
                "seen_at": r.source.seen_at if r.source else None,
                "note": r.note,
                "assumption": r.assumption,
            }
            for r in self.records
        ]
        frame = pd.DataFrame(rows, columns=FRAME_COLUMNS)
        for column in ("as_of", "valid_from", "valid_to", "source_date"):
            frame[column] = pd.to_datetime(frame[column])
        for column in ("low", "central", "high"):
            frame[column] = frame[column].astype("float64")
        frame["assumption"] = frame["assumption"].astype(bool)
        return frame
