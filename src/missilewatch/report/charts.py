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
    x: Sequence[object]
    y: Sequence[float]
    label: str
    colour: str
    dash: bool = False
    markers: bool = False


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

    @property
    def is_empty(self) -> bool:
        return not any(len(layer.x) for layer in self.layers)

    def plotly(self) -> go.Figure:
        """The chart as a plotly figure (interactive HTML, dashboard)."""
        return _to_plotly(self)

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
    stats: pd.DataFrame, *, kind: Literal["missiles", "drones", "all"] = "missiles"
) -> Chart:
    """Monthly launches stacked by weapon class.

    ``stats``: ``missilewatch.stats(period="month", by="class")`` — columns
    ``period_start``, ``weapon_class``, ``launched``. Drones outnumber missiles by more
    than ten to one, so ``kind`` draws missiles and drones as separate charts.
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
    return Chart(
        key=f"launches-by-month-{kind}",
        title=f"{what} launched at Ukraine per month, by class",
        y_label="launched per month",
        source=DATA_SOURCE,
        layers=layers,
        note="Counts as reported by the Ukrainian Air Force; rows naming several models are "
        "allocated to families.",
    )


def intercept_rates(
    stats: pd.DataFrame,
    *,
    classes: Sequence[str] = ("cruise", "ballistic", "aeroballistic", "attack-uav"),
    min_launched: int = 10,
) -> Chart:
    """Share of launched weapons reported destroyed, per period and class.

    ``stats``: ``missilewatch.stats(period="quarter", by="class")`` — columns
    ``period_start``, ``weapon_class``, ``launched``, ``destroyed``. Periods with fewer
    than ``min_launched`` launches of a class are left out (the rate says little).
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
        rate = (rows["destroyed"].clip(upper=rows["launched"]) / rows["launched"]).to_numpy()
        by_period = (
            pd.Series(rate, index=pd.to_datetime(rows["period_start"])).groupby(level=0).sum()
        )
        series = by_period.reindex(periods)
        layers.append(
            Line(
                x=list(series.index),
                y=[float(v) for v in series],
                label=name,
                colour=_class_colour(name),
                markers=True,
            )
        )
    return Chart(
        key="intercept-rates",
        title="Share of launched weapons reported destroyed, per quarter",
        y_label="destroyed / launched",
        source=DATA_SOURCE,
        layers=tuple(layers),
        y_percent=True,
        note=f"Quarters with fewer than {min_launched} launches of a class are not shown.",
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
        Line(x, _floats(rows["p50"]), "median", FAN_COLOUR),
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
        layers.append(Line(x, _floats(rows["p50"]), f"{scenario} median", colour))
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
        layers.append(Line(x, _floats(group["p50"]), f"{name} median", colour))
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


def _to_plotly(chart: Chart) -> go.Figure:
    import plotly.graph_objects as go

    figure = go.Figure()
    for layer in chart.layers:
        if isinstance(layer, Bars):
            figure.add_trace(
                go.Bar(
                    x=list(layer.x), y=list(layer.y), name=layer.label, marker_color=layer.colour
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
            figure.add_trace(
                go.Scatter(
                    x=list(layer.x),
                    y=list(layer.y),
                    mode="lines+markers" if layer.markers else "lines",
                    name=layer.label,
                    line={
                        "color": layer.colour,
                        "width": 2,
                        "dash": "dash" if layer.dash else "solid",
                    },
                )
            )
    for marker in chart.markers:
        figure.add_vline(
            x=_plotly_x(marker.x), line={"color": "#666666", "width": 1, "dash": "dot"}
        )
        figure.add_annotation(
            x=_plotly_x(marker.x),
            y=1,
            yref="paper",
            text=marker.label,
            showarrow=False,
            xanchor="left",
            yanchor="top",
            font={"size": 11, "color": "#555555"},
        )
        if marker.label_before:
            figure.add_annotation(
                x=_plotly_x(marker.x),
                y=1,
                yref="paper",
                text=marker.label_before,
                showarrow=False,
                xanchor="right",
                yanchor="top",
                font={"size": 11, "color": "#555555"},
            )
    source = chart.source + (f"<br>{chart.note}" if chart.note else "")
    figure.update_layout(
        title={"text": chart.title, "x": 0.0, "xanchor": "left"},
        barmode="stack",
        template="simple_white",
        font={"family": _FONT, "size": 13, "color": "#222222"},
        margin={"l": 70, "r": 20, "t": 60, "b": 110},
        legend={"orientation": "h", "y": -0.12, "x": 0},
        hovermode="x unified",
        annotations=[
            *figure.layout.annotations,
            {
                "text": source,
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": -0.3,
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "top",
                "align": "left",
                "font": {"size": 10, "color": "#666666"},
            },
        ],
    )
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
            axes.bar(
                _array(x),
                list(layer.y),
                bottom=base,
                width=_bar_width(x),
                align="edge",
                label=layer.label,
                color=layer.colour,
                linewidth=0,
            )
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
            axes.plot(
                _array(layer.x),
                list(layer.y),
                color=layer.colour,
                linewidth=1.8,
                linestyle="--" if layer.dash else "-",
                marker="o" if layer.markers else None,
                markersize=3,
                label=layer.label,
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
