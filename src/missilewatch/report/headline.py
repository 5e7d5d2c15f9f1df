"""The headline strip: the few numbers a reader needs first, each with its range.

Shared by the report and the dashboard, so both show the same numbers in the same
words. Every function reads documented frames (``ledger.stats`` by month and class, a
``stockpile`` frame, a ``defense_depletion`` frame) and returns plain values; a number
the frames cannot support is left out rather than guessed.

Rounding follows the range: a model figure whose 90% range spans 700 is given to the
nearest 50, not to the missile ("about 1,250 (90%: 900-1,600)"). Reported counts are
given as reported, with the spread of the months before them as context.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from missilewatch.report.charts import DRONE_CLASSES, MISSILE_CLASSES, share_interval

#: Said of every model figure in the strip.
MODEL_BASIS = "model, given the figures marked as assumptions"


@dataclass(frozen=True)
class Headline:
    """One number of the strip: what it is, its value, its range and what it rests on."""

    key: str
    label: str
    value: str
    range: str
    basis: str
    #: Where the report or dashboard shows the chart behind the number.
    anchor: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def last_report_date(db: Path | None = None) -> dt.date | None:
    """The date the last report read covers to (the end of its attack window; releases
    are named by it), the one date the report, the dashboard and the charts' partial
    periods all use."""
    from missilewatch.scenarios.runs import data_provenance

    value = data_provenance(db)["data_last_date"]
    return None if value is None else pd.Timestamp(str(value)).date()


def last_report_text(last_date: object) -> str:
    """The date of the last report read, written the same way everywhere: "5 Apr 2026"."""
    day = pd.Timestamp(str(last_date))
    return f"{day.day} {day.strftime('%b %Y')}"


def rounding_step(low: float, high: float) -> float:
    """The step a figure with this 90% range is rounded to: half a unit of the range's
    leading digit's place below it (range 700 -> 50, range 70 -> 5), at least 1."""
    width = abs(float(high) - float(low))
    if not math.isfinite(width) or width < 10:
        return 1.0
    return max(1.0, 5.0 * 10.0 ** (math.floor(math.log10(width)) - 1))


def rounded(value: float, step: float) -> str:
    return f"{round(float(value) / step) * step:,.0f}"


def count_with_range(middle: float, low: float, high: float) -> tuple[str, str]:
    """ "about 1,250" and "90%: 900-1,600", rounded to what the range supports."""
    step = rounding_step(low, high)
    return f"about {rounded(middle, step)}", f"90%: {rounded(low, step)}\u2013{rounded(high, step)}"


def _month(value: object) -> pd.Period:
    return pd.Period(str(value)[:7], freq="M")


def _month_name(month: pd.Period) -> str:
    return month.strftime("%b %Y")


def complete_months(monthly: pd.DataFrame, last_date: object) -> pd.DataFrame:
    """The rows of a monthly stats frame whose month the reports cover to its last day."""
    starts = pd.to_datetime(monthly["period_start"])
    last = pd.Timestamp(str(last_date)).normalize()
    month_ends = starts + pd.offsets.MonthEnd(0)
    return monthly[(month_ends <= last).to_numpy()]


def launches_last_month(monthly: pd.DataFrame, last_date: object) -> Headline | None:
    """Missiles launched in the last complete month, with the range of the 12 before."""
    whole = complete_months(monthly, last_date)
    missiles = whole[whole["weapon_class"].isin(MISSILE_CLASSES)]
    if missiles.empty:
        return None
    per_month = missiles.groupby(pd.to_datetime(missiles["period_start"]))["launched"].sum()
    last = per_month.index.max()
    before = per_month[(per_month.index < last)].tail(12)
    spread = (
        f"12 months before: {before.min():,.0f}\u2013{before.max():,.0f} a month"
        if len(before)
        else ""
    )
    return Headline(
        key="launches-last-month",
        label=f"Missiles launched at Ukraine in {last.strftime('%b %Y')}",
        value=f"{per_month[last]:,.0f}",
        range=spread,
        basis="as reported by the Ukrainian Air Force",
        anchor="#launches",
    )


def intercept_rate(
    monthly: pd.DataFrame, last_date: object, weapon_class: str = "ballistic"
) -> Headline | None:
    """Share of a class reported destroyed over the last 12 complete months, with its 90%
    interval given the number launched."""
    whole = complete_months(monthly, last_date)
    rows = whole[whole["weapon_class"] == weapon_class]
    if rows.empty:
        return None
    starts = pd.to_datetime(rows["period_start"])
    last = starts.max()
    recent = rows[starts > last - pd.DateOffset(months=12)]
    launched = float(recent["launched"].sum())
    destroyed = float(recent["destroyed"].clip(upper=recent["launched"]).sum())
    if launched <= 0:
        return None
    low, high = share_interval(np.array([destroyed]), np.array([launched]))
    first = last - pd.DateOffset(months=11)
    return Headline(
        key=f"intercept-rate-{weapon_class}",
        label=(
            f"{weapon_class.capitalize()} missiles reported destroyed, "
            f"{first.strftime('%b %Y')} to {last.strftime('%b %Y')}"
        ),
        value=f"{destroyed / launched:.0%}",
        range=f"90%: {low[0]:.0%}\u2013{high[0]:.0%} ({launched:,.0f} launched)",
        basis="as reported; the interval is chance alone",
        anchor="#intercepts",
    )


def history_end(stockpile: pd.DataFrame) -> pd.Period | None:
    """The last reconstructed (observed) month of a stockpile frame."""
    if "observed" not in stockpile:
        return None
    observed = stockpile.loc[stockpile["observed"].astype(bool), "month"]
    return None if observed.empty else _month(observed.max())


def stock_now(stockpile: pd.DataFrame, weapon_class: str) -> Headline | None:
    """A class's estimated stock at the end of the last reconstructed month."""
    month = history_end(stockpile)
    if month is None:
        return None
    rows = stockpile[
        (stockpile["level"] == "class")
        & (stockpile["name"] == weapon_class)
        & (stockpile["quantity"] == "stock")
    ]
    rows = rows[[_month(value) == month for value in rows["month"]]]
    if rows.empty:
        return None
    row = rows.iloc[0]
    value, spread = count_with_range(row["p50"], row["p5"], row["p95"])
    return Headline(
        key=f"stock-{weapon_class}",
        label=f"Russian {weapon_class} missiles in stock, end of {_month_name(month)}",
        value=value,
        range=spread,
        basis=MODEL_BASIS,
        anchor="#stockpile",
    )


def depletion_quantile(depletion: pd.DataFrame, quantile: float) -> pd.Period | None:
    """The month by which ``quantile`` of the paths have run short (None: not by the end
    of the forecast)."""
    within = depletion[depletion["month"].notna()].copy()
    within["month"] = pd.Series([_month(value) for value in within["month"]], index=within.index)
    within = within.sort_values("month")
    cumulative = within["probability"].astype(float).cumsum().to_numpy()
    reached = np.flatnonzero(cumulative >= quantile - 1e-9)
    return None if reached.size == 0 else within["month"].iloc[int(reached[0])]


def depletion(depletion: pd.DataFrame, forecast_end: object) -> Headline | None:
    """When the ballistic-capable interceptors first run short: median month and range."""
    if depletion.empty:
        return None
    end = _month(forecast_end)
    marks = [depletion_quantile(depletion, q) for q in (0.05, 0.5, 0.95)]

    def name(month: pd.Period | None) -> str:
        return f"after {_month_name(end)}" if month is None else _month_name(month)

    never = float(depletion.loc[depletion["month"].isna(), "probability"].sum())
    value = name(marks[1]) if marks[1] is not None else f"not by {_month_name(end)}"
    spread = f"90%: {name(marks[0])} to {name(marks[2])}"
    if never > 0:
        spread += f"; {_share(never)} of paths not by {_month_name(end)}"
    return Headline(
        key="interceptor-depletion",
        label="Ukraine's ballistic-capable interceptors first run short",
        value=value,
        range=spread,
        basis=MODEL_BASIS,
        anchor="#air-defense",
    )


def _share(probability: float) -> str:
    if probability >= 0.995:
        return ">99%"
    if probability < 0.005:
        return "<1%"
    return f"{probability:.0%}"


def headline_strip(
    monthly: pd.DataFrame,
    last_date: object,
    *,
    stockpile: pd.DataFrame | None = None,
    depletion_frame: pd.DataFrame | None = None,
    forecast_end: object | None = None,
    stock_classes: Sequence[str] = ("ballistic", "cruise"),
) -> list[Headline]:
    """The strip's numbers in reading order; those the frames cannot give are left out."""
    items: list[Headline | None] = [
        launches_last_month(monthly, last_date),
        intercept_rate(monthly, last_date, "ballistic"),
    ]
    if stockpile is not None:
        items += [stock_now(stockpile, name) for name in stock_classes]
    if depletion_frame is not None and forecast_end is not None:
        items.append(depletion(depletion_frame, forecast_end))
    return [item for item in items if item is not None]


def _signed_with_range(middle: float, low: float, high: float) -> str:
    step = rounding_step(low, high)

    def signed(value: float) -> str:
        text = rounded(value, step)
        return text if text.startswith("-") or text == "0" else f"+{text}"

    return f"{signed(middle)} (90%: {signed(low)} to {signed(high)})"


def _figures(finding: object) -> dict[str, float]:
    return dict(getattr(finding, "figures", {}) or {})


def twelve_months(monthly: pd.DataFrame, last_date: object) -> str:
    """Reported launches over the last 12 complete months, missiles and drones."""
    whole = complete_months(monthly, last_date)
    if whole.empty:
        return ""
    starts = pd.to_datetime(whole["period_start"])
    recent = whole[starts > starts.max() - pd.DateOffset(months=12)]
    missiles = float(recent.loc[recent["weapon_class"].isin(MISSILE_CLASSES), "launched"].sum())
    drones = float(recent.loc[recent["weapon_class"].isin(DRONE_CLASSES), "launched"].sum())
    return (
        f"Reported: {missiles:,.0f} missiles ({missiles / 12:,.0f} a month) and "
        f"{drones:,.0f} drones ({drones / 12:,.0f} a month)."
    )


def short_answers(
    findings: Sequence[object],
    headlines: Sequence[Headline],
    classes: Sequence[str] = ("ballistic", "cruise"),
    *,
    monthly: pd.DataFrame | None = None,
    last_date: object | None = None,
) -> dict[str, str]:
    """One short sentence per finding (by ``finding.key``) with its numbers and ranges;
    the finding's full answer stays available as its details. ``monthly`` and
    ``last_date`` (a monthly stats frame by class and the last report's date) give the
    launch counts."""
    by_key = {item.key: item for item in headlines}
    answers: dict[str, str] = {}
    for finding in findings:
        key = str(getattr(finding, "key", ""))
        figures = _figures(finding)

        def per_class(prefix: str, figures: dict[str, float] = figures) -> list[str]:
            parts = []
            for name in classes:
                values = [figures.get(f"{name}:{prefix}_p{q}") for q in (50, 5, 95)]
                if all(value is not None and math.isfinite(value) for value in values):
                    middle, low, high = (float(value) for value in values)  # type: ignore[arg-type]
                    parts.append((name, middle, low, high))
            return [f"{name} {_signed_with_range(m, lo, hi)}" for name, m, lo, hi in parts]

        if key == "production-vs-launches":
            parts = per_class("difference")
            if parts:
                answers[key] = (
                    "Production minus launches, per month over the last 12 months: "
                    + "; ".join(parts)
                    + f" ({MODEL_BASIS})."
                )
        elif key == "stockpile-now":
            parts = []
            for name in classes:
                item = by_key.get(f"stock-{name}")
                if item is not None:
                    parts.append(f"{name} {item.value} ({item.range})")
            change = per_class("change_12m")
            if parts:
                answers[key] = (
                    "In stock now: "
                    + "; ".join(parts)
                    + (". Change over 12 months: " + "; ".join(change) if change else "")
                    + f" ({MODEL_BASIS})."
                )
        elif key == "ceasefire":
            parts = per_class("gain")
            if parts:
                answers[key] = (
                    "More in stock at the ceasefire's end than without it: "
                    + "; ".join(parts)
                    + f" ({MODEL_BASIS})."
                )
        elif key == "interceptor-depletion":
            item = by_key.get("interceptor-depletion")
            if item is not None:
                answers[key] = f"First short {item.value} ({item.range}; {MODEL_BASIS})."
        elif key == "recent-launches" and monthly is not None and last_date is not None:
            sentence = twelve_months(monthly, last_date)
            if sentence:
                answers[key] = sentence
    return answers


def chart_leads(
    headlines: Sequence[Headline], answers: dict[str, str], chart_keys: Sequence[str]
) -> dict[str, str]:
    """The one-sentence finding set beside each chart (by chart key), where there is one."""
    by_key = {item.key: item for item in headlines}
    leads: dict[str, str] = {}

    def said(item: Headline | None) -> str:
        if item is None:
            return ""
        return f"{item.label}: {item.value} ({item.range}; {item.basis})."

    for key in chart_keys:
        if key == "launches-by-month-missiles":
            leads[key] = said(by_key.get("launches-last-month"))
        elif key == "intercept-rates":
            leads[key] = said(by_key.get("intercept-rate-ballistic"))
        elif key.startswith("stockpile-"):
            leads[key] = said(by_key.get(f"stock-{key.removeprefix('stockpile-')}"))
        elif key.startswith("scenarios-stock-"):
            leads[key] = answers.get("ceasefire", "") if key.endswith("ballistic") else ""
        elif key in ("depletion-date", "interceptor-stock"):
            leads[key] = said(by_key.get("interceptor-depletion"))
    return {key: text for key, text in leads.items() if text}
