"""Chart builders shared by the HTML report, the PNG/SVG images and the dashboard.

Each builder takes a documented DataFrame (the output of a public API function) and
returns a :class:`Chart`: a small description of what is drawn (bars, bands, lines,
title, units, source line). ``chart.plotly()`` renders it as a plotly figure (HTML,
dashboard), ``chart.matplotlib()`` as a matplotlib figure (PNG/SVG, no browser needed).
Keeping the data preparation in one place means the two renderings cannot disagree.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import plotly.graph_objects as go
    from matplotlib.figure import Figure as MplFigure

#: Credit line for every chart drawn from the ledger.
DATA_SOURCE = (
    "Data: Ukrainian Air Force reports via the 'Massive Missile Attacks on Ukraine' "
    "dataset (P. Ivaniuk, Kaggle)"
)
#: Credit line for charts that also rest on the model and the sourced estimates.
MODEL_SOURCE = (
    f"{DATA_SOURCE}; model: missilewatch Monte Carlo over sourced estimates "
    "(see the assumptions table)"
)

#: Weapon classes in display order (most relevant to the balance first).
CLASS_ORDER = (
    "cruise",
    "ballistic",
    "aeroballistic",
    "anti-ship",
    "sam-ground",
    "attack-uav",
    "other-uav",
    "guided-bomb",
    "other",
    "unknown",
    "mixed",
)
MISSILE_CLASSES = (
    "cruise",
    "ballistic",
    "aeroballistic",
    "anti-ship",
    "sam-ground",
    "guided-bomb",
    "other",
    "unknown",
    "mixed",
)
DRONE_CLASSES = ("attack-uav", "other-uav")
# Muted, colour-blind-friendly tones (after Paul Tol's "muted" scheme): sober, no alarm red.
CLASS_COLOURS: Mapping[str, str] = {
    "cruise": "#332288",
    "ballistic": "#882255",
    "aeroballistic": "#AA4499",
    "anti-ship": "#117733",
    "sam-ground": "#999933",
    "attack-uav": "#88CCEE",
    "other-uav": "#44AA99",
    "guided-bomb": "#DDCC77",
    "other": "#777777",
    "unknown": "#BBBBBB",
    "mixed": "#555555",
}
SERIES_COLOURS = ("#332288", "#CC6677", "#117733", "#DDCC77", "#88CCEE", "#AA4499", "#44AA99")
FAN_COLOUR = "#332288"
_FONT = "Helvetica, Arial, sans-serif"


@dataclass(frozen=True)
class Bars:
    """One series of bars; several Bars in a chart are stacked."""

    x: Sequence[object]
    y: Sequence[float]
    label: str
    colour: str


@dataclass(frozen=True)
class Band:
    """A shaded interval between ``low`` and ``high`` (e.g. the 5th-95th percentile)."""

    x: Sequence[object]
    low: Sequence[float]
    high: Sequence[float]
    label: str
    colour: str
    opacity: float = 0.2


@dataclass(frozen=True)
class Line:
    """A line; ``low``/``high`` (optional) give each point's interval, shown on hover
    and, with ``error_bars``, drawn as error bars."""

    x: Sequence[object]
    y: Sequence[float]
    label: str
    colour: str
    dash: bool = False
    markers: bool = False
    low: Sequence[float] | None = None
    high: Sequence[float] | None = None
    error_bars: bool = False


Layer = Bars | Band | Line


@dataclass(frozen=True)
class Marker:
    """A vertical line at ``x`` with a short label (e.g. "forecast starts")."""

    x: object
    label: str
    #: Optional text to the left of the line (e.g. "reconstruction" before "forecast").
    label_before: str = ""


@dataclass(frozen=True)
class Chart:
    """What one chart shows, independent of the drawing library."""

    key: str  # short file-name-safe identifier, e.g. "launches-by-month"
    title: str
    y_label: str
    source: str
    layers: tuple[Layer, ...]
    x_label: str = ""
    markers: tuple[Marker, ...] = ()
    note: str = ""
    y_percent: bool = False
    y_from_zero: bool = True
    extra: Mapping[str, object] = field(default_factory=dict)
    #: First x of a period the data covers only in part (the last month or quarter of
    #: the reports): drawn hatched or dotted and labelled with ``partial_label``.
    partial_from: object | None = None
    partial_label: str = ""

    @property
    def is_empty(self) -> bool:
        return not any(len(layer.x) for layer in self.layers)

    @property
    def footer(self) -> tuple[str, ...]:
        """The lines printed under the chart: its source, then its note."""
        return tuple(text for text in (self.source, self.note) if text)

    def plotly(self, *, title: bool = True, footer: bool = True) -> go.Figure:
        """The chart as a plotly figure (interactive HTML, dashboard).

        ``title`` / ``footer`` False leave the title and the source lines out of the
        figure, for pages that set them as text around it (text wraps; a figure's
        annotations do not).
        """
        return _to_plotly(self, title=title, footer=footer)

    def to_frame(self) -> pd.DataFrame:
        """What the chart draws, one row per point and series (for a CSV download):
        ``x``, ``series``, ``value``, ``low``, ``high`` and ``partial``."""
        rows: list[dict[str, object]] = []
        for layer in self.layers:
            if isinstance(layer, Band):
                for x, low, high in zip(layer.x, layer.low, layer.high, strict=True):
                    rows.append({"x": x, "series": layer.label, "low": low, "high": high})
                continue
            lows = layer.low if isinstance(layer, Line) and layer.low is not None else None
            highs = layer.high if isinstance(layer, Line) and layer.high is not None else None
            for index, (x, y) in enumerate(zip(layer.x, layer.y, strict=True)):
                rows.append(
                    {
                        "x": x,
                        "series": layer.label,
                        "value": y,
                        "low": lows[index] if lows is not None else None,
                        "high": highs[index] if highs is not None else None,
                    }
                )
        frame = pd.DataFrame(rows, columns=["x", "series", "value", "low", "high"])
        frame["partial"] = [self._is_partial(x) for x in frame["x"]]
        name = self.x_label or ("month" if self._dated() else "x")
        return frame.rename(columns={"x": name})

    def to_csv(self) -> str:
        """:meth:`to_frame` as CSV text, preceded by comment lines naming the chart and
        its source."""
        frame = self.to_frame()
        for column in frame.columns:
            if frame[column].map(lambda value: isinstance(value, pd.Timestamp)).any():
                frame[column] = [
                    value.strftime("%Y-%m-%d") if isinstance(value, pd.Timestamp) else value
                    for value in frame[column]
                ]
        header = "".join(f"# {text}\n" for text in (self.title, *self.footer))
        return header + frame.to_csv(index=False, float_format="%.6g")

    def _dated(self) -> bool:
        return any(len(layer.x) and isinstance(layer.x[0], pd.Timestamp) for layer in self.layers)

    def _is_partial(self, x: object) -> bool:
        if self.partial_from is None:
            return False
        try:
            return bool(x >= self.partial_from)  # type: ignore[operator]
        except TypeError:
            return False

    def matplotlib(self) -> MplFigure:
        """The chart as a matplotlib figure (PNG/SVG), drawn without a display."""
        return _to_matplotlib(self)

    def save(self, directory: Path, formats: Sequence[str] = ("png", "svg")) -> list[Path]:
        """Write the chart as ``<directory>/<key>.<format>`` files; returns their paths."""
        directory.mkdir(parents=True, exist_ok=True)
        figure = self.matplotlib()
        written = []
        for fmt in formats:
            path = directory / f"{self.key}.{fmt}"
            # Fixed metadata keeps SVG/PNG output byte-stable between runs.
            metadata = {"Date": None} if fmt == "svg" else {"Software": None}
            figure.savefig(path, format=fmt, dpi=150, metadata=metadata)
            written.append(path)
        return written


# ---------------------------------------------------------------------------------------
# Builders: documented DataFrame in, Chart out.
# ---------------------------------------------------------------------------------------


def launches_by_month(
    stats: pd.DataFrame,
    *,
    kind: Literal["missiles", "drones", "all"] = "missiles",
    through: object | None = None,
) -> Chart:
    """Monthly launches stacked by weapon class.

    ``stats``: ``missilewatch.stats(period="month", by="class")`` — columns
    ``period_start``, ``weapon_class``, ``launched``. Drones outnumber missiles by more
    than ten to one, so ``kind`` draws missiles and drones as separate charts.
    ``through``: the date of the last report read; when it falls before the end of the
    last month, that month is drawn hatched and labelled "to <date>" instead of reading
    as a collapse.
    """
    classes = {"missiles": MISSILE_CLASSES, "drones": DRONE_CLASSES, "all": None}[kind]
    what = {"missiles": "Missiles", "drones": "Drones", "all": "Missiles and drones"}[kind]
    _require(stats, ["period_start", "weapon_class", "launched"], "launches_by_month")
    table = stats.pivot_table(
        index="period_start", columns="weapon_class", values="launched", aggfunc="sum"
    ).fillna(0)
    wanted = _ordered_classes(table.columns, classes)
    # Largest classes at the bottom of the stack read best.
    totals = table.sum()
    wanted = sorted(wanted, key=lambda name: -float(totals[name]))
    x = list(pd.to_datetime(table.index))
    layers = tuple(
        Bars(x=x, y=[float(v) for v in table[name]], label=name, colour=_class_colour(name))
        for name in wanted
        if table[name].sum() > 0
    )
    partial_from, partial_label = partial_period(x, through, months=1)
    note = (
        "Counts as reported by the Ukrainian Air Force; rows naming several models are "
        "allocated to families."
    )
    if partial_from is not None:
        note += (
            f" {pd.Timestamp(str(partial_from)).strftime('%b %Y')} holds reports "
            f"{partial_label} only (hatched)."
        )
    return Chart(
        key=f"launches-by-month-{kind}",
        title=f"{what} launched at Ukraine per month, by class",
        y_label="launched per month",
        source=DATA_SOURCE,
        layers=layers,
        note=note,
        partial_from=partial_from,
        partial_label=partial_label,
    )


def partial_period(
    starts: Sequence[object], through: object | None, *, months: int
) -> tuple[pd.Timestamp | None, str]:
    """The start of the last period if the reports end (``through``) before its last
    day, and its label ("to 5 Apr"); ``(None, "")`` when every period is complete."""
    if through is None or not len(starts):
        return None, ""
    last_start = max(pd.Timestamp(str(value)) for value in starts)
    last_day = last_start + pd.DateOffset(months=months) - pd.Timedelta(days=1)
    reported_to = pd.Timestamp(str(through)).normalize()
    if reported_to >= last_day or reported_to < last_start:
        return None, ""
    return last_start, f"to {reported_to.day} {reported_to.strftime('%b')}"


#: Normal quantile of the two-sided 90% interval.
_Z90 = 1.6448536269514722


def share_interval(successes: np.ndarray, trials: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """90% Wilson score interval of ``successes / trials`` per element (NaN: no trials).

    Counts each launch as one trial: the interval states how far the share could move
    by chance with this many launches, not errors in the reports themselves.
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        z2 = _Z90**2
        centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        half = _Z90 * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    low = np.where(n > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
    high = np.where(n > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    return low, high


def intercept_rates(
    stats: pd.DataFrame,
    *,
    classes: Sequence[str] = ("cruise", "ballistic", "aeroballistic", "attack-uav"),
    min_launched: int = 10,
    through: object | None = None,
) -> Chart:
    """Share of launched weapons reported destroyed, per period and class, with its 90%
    interval (:func:`share_interval`).

    ``stats``: ``missilewatch.stats(period="quarter", by="class")`` — columns
    ``period_start``, ``weapon_class``, ``launched``, ``destroyed``. Periods with fewer
    than ``min_launched`` launches of a class are left out (the rate says little).
    ``through``: the date of the last report; a quarter it ends in is drawn dotted.
    """
    _require(stats, ["period_start", "weapon_class", "launched", "destroyed"], "intercept_rates")
    layers: list[Layer] = []
    # Every period of the frame on the axis, so a left-out period breaks the line (NaN)
    # instead of being bridged by it.
    periods = pd.DatetimeIndex(sorted(pd.to_datetime(stats["period_start"]).unique()))
    for name in _ordered_classes(list(stats["weapon_class"].unique()), classes):
        rows = stats[(stats["weapon_class"] == name) & (stats["launched"] >= min_launched)]
        if rows.empty:
            continue
        destroyed = rows["destroyed"].clip(upper=rows["launched"]).to_numpy(dtype=float)
        launched = rows["launched"].to_numpy(dtype=float)
        index = pd.to_datetime(rows["period_start"])
        counts = (
            pd.DataFrame({"destroyed": destroyed, "launched": launched}, index=index)
            .groupby(level=0)
            .sum()
        )
        counts = counts.reindex(periods)
        rate = counts["destroyed"] / counts["launched"]
        low, high = share_interval(counts["destroyed"].to_numpy(), counts["launched"].to_numpy())
        layers.append(
            Line(
                x=list(counts.index),
                y=[float(v) for v in rate],
                label=name,
                colour=_class_colour(name),
                markers=True,
                low=[float(v) for v in low],
                high=[float(v) for v in high],
                error_bars=True,
            )
        )
    partial_from, partial_label = partial_period(list(periods), through, months=3)
    note = (
        f"Quarters with fewer than {min_launched} launches of a class are not shown. "
        "Error bars: 90% interval of the share given the number launched (Wilson); "
        "errors in the reports themselves are not included."
    )
    if partial_from is not None:
        quarter = pd.Period(pd.Timestamp(str(partial_from)), freq="Q")
        note += f" {quarter.year} Q{quarter.quarter} holds reports {partial_label} only (dotted)."
    return Chart(
        key="intercept-rates",
        title="Share of launched weapons reported destroyed, per quarter",
        y_label="destroyed / launched",
        source=DATA_SOURCE,
        layers=tuple(layers),
        y_percent=True,
        note=note,
        partial_from=partial_from,
        partial_label=partial_label,
    )


def stockpile_fan(
    stockpile: pd.DataFrame,
    name: str,
    *,
    level: str = "class",
    quantity: str = "stock",
) -> Chart:
    """Fan chart of a stockpile: median, 25-75% and 5-95% bands.

    ``stockpile``: ``missilewatch.stockpile(...)`` — columns ``month`` (Period[M]),
    ``level``, ``name``, ``quantity``, ``p5, p25, p50, p75, p95``, ``observed``,
    ``assumption``.
    """
    rows = _select_quantity(stockpile, name, level, quantity, "stockpile_fan")
    x = _month_starts(rows["month"])
    layers: tuple[Layer, ...] = (
        Band(x, _floats(rows["p5"]), _floats(rows["p95"]), "5-95% range", FAN_COLOUR, 0.15),
        Band(x, _floats(rows["p25"]), _floats(rows["p75"]), "25-75% range", FAN_COLOUR, 0.3),
        Line(
            x,
            _floats(rows["p50"]),
            "median",
            FAN_COLOUR,
            low=_floats(rows["p5"]),
            high=_floats(rows["p95"]),
        ),
    )
    markers = _forecast_marker(rows)
    assumption = "assumption" in rows and bool(rows["assumption"].any())
    # Say what the frame holds: a caller may pass the history or the forecast alone.
    observed = rows["observed"].astype(bool) if "observed" in rows else None
    if observed is None or (observed.any() and not observed.all()):
        span = "reconstructed and forecast"
        note = (
            "Before the marker: reconstruction from reported launches and estimated "
            "production; after it: forecast."
        )
    elif observed.all():
        span, note = (
            "reconstructed",
            "Reconstruction from reported launches and estimated production.",
        )
    else:
        span, note = "forecast", "Forecast from the strike rate fitted to the reported launches."
    return Chart(
        key=f"stockpile-{_slug(name)}",
        title=f"Estimated Russian stock of {_label(name, level)}, {span}",
        y_label="missiles in stock",
        source=MODEL_SOURCE,
        layers=layers,
        markers=markers,
        note=note + (" Depends on figures marked as assumptions." if assumption else ""),
    )


def scenario_comparison(
    runs: Mapping[str, pd.DataFrame],
    name: str,
    *,
    level: str = "class",
    quantity: str = "stock",
    forecast_only: bool = True,
) -> Chart:
    """Median and 5-95% band of one quantity under several scenarios.

    ``runs``: scenario name -> ``stockpile`` frame (columns as for :func:`stockpile_fan`).
    """
    layers: list[Layer] = []
    markers: tuple[Marker, ...] = ()
    for index, (scenario, frame) in enumerate(runs.items()):
        rows = _select_quantity(frame, name, level, quantity, "scenario_comparison")
        if forecast_only and "observed" in rows:
            # Keep the last observed month so the lines join the history.
            future = ~rows["observed"].astype(bool)
            keep = future | future.shift(-1, fill_value=False)
            rows = rows[keep]
        if rows.empty:
            continue
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        x = _month_starts(rows["month"])
        layers.append(
            Band(x, _floats(rows["p5"]), _floats(rows["p95"]), f"{scenario} 5-95%", colour, 0.12)
        )
        layers.append(
            Line(
                x,
                _floats(rows["p50"]),
                f"{scenario} median",
                colour,
                low=_floats(rows["p5"]),
                high=_floats(rows["p95"]),
            )
        )
    return Chart(
        key=f"scenarios-{quantity}-{_slug(name)}",
        title=f"{_capitalised(_label(name, level))} in stock under each scenario",
        y_label="missiles in stock",
        source=MODEL_SOURCE,
        layers=tuple(layers),
        markers=markers,
        note="Lines: median of the Monte Carlo paths; shaded: 5-95% range. All scenarios "
        "share the same random numbers, so differences come from the scenario.",
    )


def interceptor_stock(
    monthly: pd.DataFrame,
    *,
    names: Sequence[str] | None = None,
    type_column: str = "name",
    quantity_column: str = "quantity",
) -> Chart:
    """Ukrainian interceptor stock per type at month end: median and 5-95% band.

    ``monthly``: ``defense_campaign(...).monthly`` — columns ``month`` (Period[M]),
    ``level`` (``interceptor`` rows are used when present), ``name`` (interceptor
    type), ``quantity`` (``stock`` rows are used), ``p5, p50, p95``. ``names``: the
    types to draw (default: all).
    """
    _require(
        monthly, ["month", type_column, quantity_column, "p5", "p50", "p95"], "interceptor_stock"
    )
    rows = monthly[monthly[quantity_column] == "stock"]
    if "level" in rows:
        rows = rows[rows["level"] == "interceptor"]
    if names is not None:
        rows = rows[rows[type_column].isin(list(names))]
    layers: list[Layer] = []
    for index, (name, group) in enumerate(rows.groupby(type_column, sort=True)):
        group = group.sort_values("month")
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        x = _month_starts(group["month"])
        layers.append(
            Band(x, _floats(group["p5"]), _floats(group["p95"]), f"{name} 5-95%", colour, 0.15)
        )
        layers.append(
            Line(
                x,
                _floats(group["p50"]),
                f"{name} median",
                colour,
                low=_floats(group["p5"]),
                high=_floats(group["p95"]),
            )
        )
    assumption = "assumption" in rows and bool(rows["assumption"].any())
    return Chart(
        key="interceptor-stock",
        title="Estimated Ukrainian interceptor stock at month end, by type",
        y_label="interceptors in stock",
        source=MODEL_SOURCE,
        layers=tuple(layers),
        note="Stocks, deliveries, firing doctrine and kill probabilities are public estimates"
        + (" and assumptions" if assumption else "")
        + "; see the assumptions table.",
    )


def depletion_distribution(depletion: pd.DataFrame) -> Chart:
    """Probability that ballistic-capable interceptors first run short in each month.

    ``depletion``: ``defense_campaign(...).depletion`` — columns ``month`` (Period[M];
    NaT for "not before the end of the forecast") and ``probability`` (share of paths).
    """
    _require(depletion, ["month", "probability"], "depletion_distribution")
    within = depletion[depletion["month"].notna()].sort_values("month")
    never = float(depletion.loc[depletion["month"].isna(), "probability"].sum())
    last = within["month"].max() if not within.empty else None
    layers: tuple[Layer, ...] = (
        Bars(
            x=_month_starts(within["month"]),
            y=_floats(within["probability"]),
            label="share of paths running short that month",
            colour=SERIES_COLOURS[1],
        ),
    )
    return Chart(
        key="depletion-date",
        title="When ballistic-capable interceptors run short: month of depletion",
        y_label="share of simulated paths",
        source=MODEL_SOURCE,
        layers=layers,
        y_percent=True,
        note=(
            "Depletion: the first month the stock can no longer meet the firing doctrine. "
            # Only a frame that still holds the "not before" row can say how often.
            + (
                f"In {never:.0%} of paths this does not happen by {last}."
                if last is not None and depletion["month"].isna().any()
                else ""
            )
        ),
    )


# ---------------------------------------------------------------------------------------
# Renderers
# ---------------------------------------------------------------------------------------


#: Characters per footer line in a figure that carries its own footer (10 px text in a
#: figure about 700 px wide).
_FOOTER_WIDTH = 110
#: Pixel heights used to place the footer below the axis and legend.
_FOOTER_LINE_PX = 14
_AXIS_PX = 45


def _value_format(chart: Chart) -> str:
    return ".0%" if chart.y_percent else ",.0f"


def _hover(chart: Chart, label: str, interval: bool) -> str:
    value = _value_format(chart)
    text = f"{label}: %{{y:{value}}}"
    if interval:
        text += f" (90%: %{{customdata[0]:{value}}}\u2013%{{customdata[1]:{value}}})"
    return text + "<extra></extra>"


def _split_partial(chart: Chart, layer: Line) -> tuple[list[float], list[float]] | None:
    """The line's values without its partial points, and the dotted piece joining the
    last complete point to them (None when the line has no partial point)."""
    flags = [chart._is_partial(x) for x in layer.x]
    if not any(flags):
        return None
    first = flags.index(True)
    solid = [float("nan") if flag else float(y) for y, flag in zip(layer.y, flags, strict=True)]
    dotted = [
        float(y) if flag or index == first - 1 else float("nan")
        for index, (y, flag) in enumerate(zip(layer.y, flags, strict=True))
    ]
    return solid, dotted


def _to_plotly(chart: Chart, *, title: bool = True, footer: bool = True) -> go.Figure:
    import plotly.graph_objects as go

    figure = go.Figure()
    partial_flags: list[bool] = []
    stack_tops: dict[object, float] = {}
    for layer in chart.layers:
        if isinstance(layer, Bars):
            partial_flags = [chart._is_partial(x) for x in layer.x]
            marker: dict[str, object] = {"color": layer.colour}
            if any(partial_flags):
                marker["pattern"] = {
                    "shape": ["/" if flag else "" for flag in partial_flags],
                    "fgcolor": "#ffffff",
                    "size": 6,
                    "solidity": 0.45,
                }
            for x, y in zip(layer.x, layer.y, strict=True):
                stack_tops[x] = stack_tops.get(x, 0.0) + float(y)
            figure.add_trace(
                go.Bar(
                    x=list(layer.x),
                    y=list(layer.y),
                    name=layer.label,
                    marker=marker,
                    hovertemplate=_hover(chart, layer.label, False),
                )
            )
        elif isinstance(layer, Band):
            # Two traces: the upper edge (invisible) then the lower edge filled up to it.
            figure.add_trace(
                go.Scatter(
                    x=list(layer.x),
                    y=list(layer.high),
                    mode="lines",
                    line={"width": 0},
                    showlegend=False,
                    hoverinfo="skip",
                    legendgroup=layer.label,
                )
            )
            figure.add_trace(
                go.Scatter(
                    x=list(layer.x),
                    y=list(layer.low),
                    mode="lines",
                    line={"width": 0},
                    fill="tonexty",
                    fillcolor=_rgba(layer.colour, layer.opacity),
                    name=layer.label,
                    legendgroup=layer.label,
                    hoverinfo="skip",
                )
            )
        else:
            interval = layer.low is not None and layer.high is not None
            extra: dict[str, object] = {}
            if interval:
                assert layer.low is not None and layer.high is not None
                extra["customdata"] = [
                    [float(low), float(high)]
                    for low, high in zip(layer.low, layer.high, strict=True)
                ]
                if layer.error_bars:
                    extra["error_y"] = {
                        "type": "data",
                        "symmetric": False,
                        "array": [
                            float(high) - float(y)
                            for y, high in zip(layer.y, layer.high, strict=True)
                        ],
                        "arrayminus": [
                            float(y) - float(low) for y, low in zip(layer.y, layer.low, strict=True)
                        ],
                        "color": layer.colour,
                        "thickness": 1,
                        "width": 3,
                    }
            split = _split_partial(chart, layer)
            style = {
                "color": layer.colour,
                "width": 2,
                "dash": "dash" if layer.dash else "solid",
            }
            mode = "lines+markers" if layer.markers else "lines"
            figure.add_trace(
                go.Scatter(
                    x=list(layer.x),
                    y=split[0] if split else list(layer.y),
                    mode=mode,
                    name=layer.label,
                    legendgroup=layer.label,
                    line=style,
                    hovertemplate=_hover(chart, layer.label, interval),
                    **extra,
                )
            )
            if split:
                figure.add_trace(
                    go.Scatter(
                        x=list(layer.x),
                        y=split[1],
                        mode=mode,
                        name=f"{layer.label} ({chart.partial_label})",
                        legendgroup=layer.label,
                        showlegend=False,
                        line={**style, "dash": "dot"},
                        marker={"symbol": "circle-open", "size": 8},
                        hovertemplate=_hover(
                            chart, f"{layer.label} ({chart.partial_label})", interval
                        ),
                        **extra,
                    )
                )
    annotations: list[dict[str, object]] = []
    if chart.partial_from is not None and chart.partial_label:
        top = max((value for x, value in stack_tops.items() if chart._is_partial(x)), default=None)
        annotations.append(
            {
                "x": _plotly_x(chart.partial_from),
                "y": top if top is not None else 1,
                "yref": "y" if top is not None else "paper",
                "text": chart.partial_label,
                "showarrow": False,
                "yanchor": "bottom",
                "font": {"size": 11, "color": "#555555"},
            }
        )
    for marker_line in chart.markers:
        figure.add_vline(
            x=_plotly_x(marker_line.x), line={"color": "#666666", "width": 1, "dash": "dot"}
        )
        annotations.append(
            {
                "x": _plotly_x(marker_line.x),
                "y": 1,
                "yref": "paper",
                "text": marker_line.label,
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "top",
                "font": {"size": 11, "color": "#555555"},
            }
        )
        if marker_line.label_before:
            annotations.append(
                {
                    "x": _plotly_x(marker_line.x),
                    "y": 1,
                    "yref": "paper",
                    "text": marker_line.label_before,
                    "showarrow": False,
                    "xanchor": "right",
                    "yanchor": "top",
                    "font": {"size": 11, "color": "#555555"},
                }
            )
    bottom = _AXIS_PX if chart.x_label else 30
    if footer and chart.footer:
        lines = [
            wrapped for text in chart.footer for wrapped in textwrap.wrap(text, width=_FOOTER_WIDTH)
        ]
        # Placed in pixels below the plot area (yshift), with the bottom margin made
        # tall enough for every line: nothing of it is cut off.
        annotations.append(
            {
                "name": "footer",
                "text": "<br>".join(lines),
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": 0,
                "yshift": -bottom,
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "top",
                "align": "left",
                "font": {"size": 10, "color": "#666666"},
            }
        )
        bottom += _FOOTER_LINE_PX * len(lines) + 10
    layout: dict[str, object] = {
        "barmode": "stack",
        "template": "simple_white",
        "font": {"family": _FONT, "size": 13, "color": "#222222"},
        "margin": {"l": 60, "r": 16, "t": 70 if title else 10, "b": bottom},
        # The legend sits above the plot, where a narrow screen wraps it into rows
        # without covering the data or the footer.
        "legend": {
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": 1.02,
            "yanchor": "bottom",
        },
        "hovermode": "x unified",
        "annotations": annotations,
    }
    if title:
        layout["title"] = {
            "text": chart.title,
            "x": 0.0,
            "xanchor": "left",
            "y": 0.98,
            "yref": "container",
            "yanchor": "top",
            "automargin": True,
        }
    figure.update_layout(**layout)
    figure.update_yaxes(
        title_text=chart.y_label,
        tickformat=".0%" if chart.y_percent else ",d",
        rangemode="tozero" if chart.y_from_zero else "normal",
        gridcolor="#eeeeee",
        showgrid=True,
    )
    figure.update_xaxes(title_text=chart.x_label)
    return figure


def _to_matplotlib(chart: Chart) -> MplFigure:
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    figure = Figure(figsize=(9, 5), layout="constrained")
    axes = figure.add_subplot()
    bottoms: dict[object, float] = {}
    for layer in chart.layers:
        if isinstance(layer, Bars):
            x = list(layer.x)
            base = [bottoms.get(key, 0.0) for key in x]
            partial = [chart._is_partial(key) for key in x]
            bars = axes.bar(
                _array(x),
                list(layer.y),
                bottom=base,
                width=_bar_width(x),
                align="edge",
                label=layer.label,
                color=layer.colour,
                linewidth=0,
            )
            for patch, flag in zip(bars.patches, partial, strict=True):
                if flag:
                    # Hatched and paler: a month the reports cover only in part.
                    patch.set_alpha(0.55)
                    patch.set_hatch("////")
                    patch.set_edgecolor("#ffffff")
            for key, value, below in zip(x, layer.y, base, strict=True):
                bottoms[key] = below + float(value)
        elif isinstance(layer, Band):
            axes.fill_between(
                _array(layer.x),
                list(layer.low),
                list(layer.high),
                color=layer.colour,
                alpha=layer.opacity,
                linewidth=0,
                label=layer.label,
            )
        else:
            split = _split_partial(chart, layer)
            axes.plot(
                _array(layer.x),
                split[0] if split else list(layer.y),
                color=layer.colour,
                linewidth=1.8,
                linestyle="--" if layer.dash else "-",
                marker="o" if layer.markers else None,
                markersize=3,
                label=layer.label,
            )
            if split:
                axes.plot(
                    _array(layer.x),
                    split[1],
                    color=layer.colour,
                    linewidth=1.4,
                    linestyle=":",
                    marker="o" if layer.markers else None,
                    markerfacecolor="white",
                    markersize=4,
                )
            if layer.error_bars and layer.low is not None and layer.high is not None:
                y = np.asarray(layer.y, dtype=float)
                axes.errorbar(
                    _array(layer.x),
                    y,
                    yerr=[y - np.asarray(layer.low, float), np.asarray(layer.high, float) - y],
                    fmt="none",
                    ecolor=layer.colour,
                    elinewidth=0.8,
                    capsize=2,
                )
    if chart.partial_from is not None and chart.partial_label:
        top = max((v for k, v in bottoms.items() if chart._is_partial(k)), default=None)
        axes.annotate(
            chart.partial_label,
            xy=(_array([chart.partial_from])[0], top if top is not None else 1),
            xycoords=("data", "data" if top is not None else "axes fraction"),
            xytext=(0, 3),
            textcoords="offset points",
            fontsize=7,
            color="#555555",
        )
    for marker in chart.markers:
        axes.axvline(_array([marker.x])[0], color="#666666", linewidth=0.8, linestyle=":")
        axes.annotate(
            marker.label,
            xy=(marker.x, 1),
            xycoords=("data", "axes fraction"),
            xytext=(3, -3),
            textcoords="offset points",
            va="top",
            fontsize=8,
            color="#555555",
        )
        if marker.label_before:
            axes.annotate(
                marker.label_before,
                xy=(marker.x, 1),
                xycoords=("data", "axes fraction"),
                xytext=(-3, -3),
                textcoords="offset points",
                ha="right",
                va="top",
                fontsize=8,
                color="#555555",
            )
    axes.set_title(chart.title, loc="left", fontsize=12)
    axes.set_ylabel(chart.y_label)
    if chart.x_label:
        axes.set_xlabel(chart.x_label)
    if chart.y_percent:
        axes.yaxis.set_major_formatter(PercentFormatter(1.0))
    else:
        axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:,.0f}"))
    if chart.y_from_zero:
        axes.set_ylim(bottom=0)
    axes.grid(axis="y", color="#eeeeee")
    axes.spines[["top", "right"]].set_visible(False)
    if chart.layers:
        columns = min(4, len(chart.layers))
        axes.legend(fontsize=8, frameon=False, ncols=columns, loc="upper left")
        # Headroom above the data for the legend's rows, so it never hides a bar or band.
        rows = -(-len(chart.layers) // columns)
        low, high = axes.get_ylim()
        axes.set_ylim(low, high + (high - low) * (0.06 + 0.07 * rows))
    footer = "\n".join(
        textwrap.fill(text, width=150) for text in (chart.source, chart.note) if text
    )
    # supxlabel is placed by the constrained layout, so the credit never overlaps the axes.
    figure.supxlabel(footer, x=0.01, ha="left", fontsize=7, color="#666666")
    return figure


# ---------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------


def _require(frame: pd.DataFrame, columns: Sequence[str], builder: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        from missilewatch.errors import InputError

        raise InputError(f"{builder}: frame lacks column(s) {', '.join(missing)}")


def _select_quantity(
    frame: pd.DataFrame, name: str, level: str, quantity: str, builder: str
) -> pd.DataFrame:
    _require(
        frame, ["month", "level", "name", "quantity", "p5", "p25", "p50", "p75", "p95"], builder
    )
    rows = frame[
        (frame["level"] == level) & (frame["name"] == name) & (frame["quantity"] == quantity)
    ]
    return rows.sort_values("month")


def _forecast_marker(rows: pd.DataFrame) -> tuple[Marker, ...]:
    if "observed" not in rows or rows.empty:
        return ()
    future = rows[~rows["observed"].astype(bool)]
    if future.empty or len(future) == len(rows):
        return ()
    first = future["month"].iloc[0]
    label = f"forecast from {pd.Period(str(first), freq='M').strftime('%b %Y')}"
    return (
        Marker(
            x=_month_starts(future["month"].iloc[:1])[0],
            label=f"{label} \u2192",
            label_before="\u2190 reconstruction",
        ),
    )


def _month_starts(months: pd.Series) -> list[pd.Timestamp]:
    if isinstance(months.dtype, pd.PeriodDtype):
        return list(months.dt.to_timestamp())
    return list(pd.to_datetime(months.astype(str)))


def _floats(values: pd.Series) -> list[float]:
    return [float(value) for value in np.asarray(values, dtype=float)]


def _ordered_classes(present: Sequence[str] | pd.Index, wanted: Sequence[str] | None) -> list[str]:
    names = [str(name) for name in present]
    if wanted is not None:
        names = [name for name in names if name in wanted]
    rank = {name: index for index, name in enumerate(CLASS_ORDER)}
    return sorted(names, key=lambda name: (rank.get(name, len(rank)), name))


def _class_colour(name: str) -> str:
    return CLASS_COLOURS.get(name, "#777777")


def _label(name: str, level: str) -> str:
    """What a stock is made of, as a noun phrase: "cruise missiles", "Iskander-M missiles"."""
    if level != "class":
        return f"{name} missiles"
    return {
        "sam-ground": "S-300/S-400 missiles used against ground targets",
        "attack-uav": "attack drones",
        "other-uav": "other drones",
        "other": "other missiles",
    }.get(name, f"{name} missiles")


def _capitalised(text: str) -> str:
    # str.capitalize would lower-case the rest ("S-300/s-400").
    return text[:1].upper() + text[1:]


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")


def _rgba(colour: str, opacity: float) -> str:
    red, green, blue = (int(colour[index : index + 2], 16) for index in (1, 3, 5))
    return f"rgba({red},{green},{blue},{opacity})"


def _plotly_x(value: object) -> object:
    # plotly's add_vline cannot take a pandas Timestamp on a date axis: use ISO text.
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return value


def _array(values: Sequence[object]) -> Any:
    # Timestamps become datetime64 so matplotlib's date axis handles them.
    if values and isinstance(values[0], pd.Timestamp):
        return np.array(values, dtype="datetime64[ns]")
    return np.asarray(list(values))


def _bar_width(x: Sequence[object]) -> float:
    # Bars on a date axis are measured in days; leave a small gap between months.
    if x and isinstance(x[0], pd.Timestamp):
        return 25.0
    return 0.8


ChartKind = Literal["plotly", "matplotlib"]
