"""Key findings in plain words, computed from the public API's frames.

Each function returns findings only from figures it was given; when an engine did not
run, its findings are absent rather than guessed.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from missilewatch.report.charts import CLASS_ORDER, DRONE_CLASSES, MISSILE_CLASSES


@dataclass(frozen=True)
class Finding:
    """One question of the public debate and its answer with numbers and ranges."""

    key: str
    question: str
    answer: str


@dataclass(frozen=True)
class Provenance:
    summary: str
    rows: list[tuple[str, str]]


def _count(value: Any) -> str:
    return f"{float(value):,.0f}"


def _range(low: Any, high: Any) -> str:
    return f"{_count(low)}-{_count(high)}"


def complete_periods(
    frame: pd.DataFrame, last_date: object, months_per_period: int = 1
) -> pd.DataFrame:
    """Rows of a stats frame (``period_start``) for complete periods only.

    The last period of the ledger is usually partial (reports up to a day in it); mixing
    it with whole periods would understate rates and averages.
    """
    starts = pd.to_datetime(frame["period_start"])
    last_start = starts.max()
    period_end = last_start + pd.DateOffset(months=months_per_period) - pd.Timedelta(days=1)
    if last_date is not None and pd.Timestamp(str(last_date)) >= period_end:
        return frame
    return frame[starts < last_start]


def recent_launches(monthly: pd.DataFrame) -> Finding:
    """Launches over the last 12 complete months against the 12 before, per class.

    ``monthly``: ``stats(period="month", by="class")`` with complete months only.
    """
    whole = monthly
    starts = pd.to_datetime(whole["period_start"])
    last = starts.max()
    recent = whole[starts > last - pd.DateOffset(months=12)]
    before = whole[
        (starts <= last - pd.DateOffset(months=12)) & (starts > last - pd.DateOffset(months=24))
    ]
    recent_by = recent.groupby("weapon_class")["launched"].sum()
    before_by = before.groupby("weapon_class")["launched"].sum()
    parts = []
    for name in [c for c in CLASS_ORDER if c in recent_by.index and recent_by[c] > 0]:
        if name not in (*MISSILE_CLASSES[:5], *DRONE_CLASSES[:1]):
            continue
        now = float(recent_by[name])
        earlier = float(before_by.get(name, 0))
        change = f"{(now / earlier - 1) * 100:+.0f}% on the 12 months before" if earlier else ""
        parts.append(
            f"{name} {_count(now)} ({_count(now / 12)} a month"
            + (f", {change}" if change else "")
            + ")"
        )
    first = (last - pd.DateOffset(months=11)).strftime("%b %Y")
    period = f"{first} to {last.strftime('%b %Y')}"
    return Finding(
        key="recent-launches",
        question=f"How many were launched over the last 12 complete months ({period})?",
        answer="Reported launches by class: " + "; ".join(parts) + ".",
    )


def stock_classes(stock: pd.DataFrame) -> list[str]:
    """Missile classes with a modelled stock, in display order."""
    names = set(stock.loc[(stock["level"] == "class") & (stock["quantity"] == "stock"), "name"])
    return [name for name in CLASS_ORDER if name in names and name in MISSILE_CLASSES]


def comparison_html(table: pd.DataFrame) -> str:
    """The compare_runs table as an HTML table with readable numbers."""
    if table.empty:
        return ""
    header = (
        "<tr><th>metric</th><th>class / type</th><th>month</th>"
        "<th>baseline median (5-95%)</th><th>scenario median (5-95%)</th>"
        "<th>difference of medians</th></tr>"
    )
    body = []
    for record in table.to_dict("records"):
        row = pd.Series(record)
        body.append(
            "<tr>"
            f"<td>{html.escape(str(row.metric))}</td><td>{html.escape(str(row.name))}</td>"
            f"<td>{html.escape(str(row.month))}</td>"
            f"<td class='num'>{_count(row.a_p50)} ({_range(row.a_p5, row.a_p95)})</td>"
            f"<td class='num'>{_count(row.b_p50)} ({_range(row.b_p5, row.b_p95)})</td>"
            f"<td class='num'>{float(row.difference_p50):+,.0f}</td>"
            "</tr>"
        )
    return (
        f"<table class='comparison'><thead>{header}</thead><tbody>{''.join(body)}</tbody></table>"
    )


def runs_html(runs: Sequence[Any]) -> str:
    if not runs:
        return ""
    body = []
    for run in runs:
        inputs = run.inputs
        body.append(
            "<tr>"
            f"<td class='num'>{run.run_id}</td><td>{html.escape(run.name)}</td>"
            f"<td>{inputs.forecast_start}..{inputs.until}</td>"
            f"<td class='num'>{inputs.paths:,}</td><td class='num'>{inputs.seed}</td>"
            f"<td><code>{inputs.scenario_sha256[:12]}</code></td>"
            f"<td><code>{inputs.estimates_sha256[:12]}</code></td>"
            "</tr>"
        )
    header = (
        "<tr><th>run</th><th>scenario</th><th>forecast</th><th>paths</th><th>seed</th>"
        "<th>scenario SHA-256</th><th>estimates SHA-256</th></tr>"
    )
    return f"<table class='runs'><thead>{header}</thead><tbody>{''.join(body)}</tbody></table>"


def provenance(db: Path | None, runs: Sequence[Any]) -> Provenance:
    """Where the ledger figures come from: release, file hash, dates covered."""
    from missilewatch.scenarios.runs import data_provenance

    info = data_provenance(db)
    release = info.get("data_release") or "unknown release"
    first, last = info.get("data_first_date"), info.get("data_last_date")
    rows = [
        (
            "data",
            "Ukrainian Air Force reports, digitized in the public dataset 'Massive "
            "Missile Attacks on Ukraine' by Petro Ivaniuk (Kaggle: "
            "piterfm/massive-missile-attacks-on-ukraine)",
        ),
        ("release", str(release)),
        ("file SHA-256", str(info.get("data_file_sha256") or "not recorded")),
        ("reports covered", f"{first} to {last}"),
        ("store", str(db) if db is not None else "default store (or the shipped snapshot)"),
    ]
    if runs:
        inputs = runs[0].inputs
        rows.append(("estimates SHA-256", inputs.estimates_sha256))
        rows.append(("forecast", f"{inputs.forecast_start} to {inputs.until}"))
    summary = f"Ukrainian Air Force reports from {first} to {last} (release {release})"
    return Provenance(summary=summary, rows=rows)


def stockpile_findings(baseline: Any) -> list[Finding]:
    return []


def ceasefire_findings(baseline: Any, ceasefire: Any) -> list[Finding]:
    return []


def ballistic_interceptors(estimates: Path | None = None) -> list[str]:
    """Interceptor types the estimates say engage ballistic missiles."""
    from missilewatch import estimates as estimates_module

    frame = estimates_module.load(estimates).to_frame()
    names = set()
    for subject in frame["subject"]:
        for part in str(subject).split(" + "):
            kind, _, threat = part.partition(" vs ")
            if threat.strip() == "ballistic":
                names.add(kind.strip())
    return sorted(names)


def depletion_findings(baseline: Any) -> list[Finding]:
    """When the ballistic-capable interceptors run short under the baseline."""
    summary = baseline.frame("defense_summary")
    if summary is None or summary.empty:
        return []
    by_metric = summary.set_index("metric")
    start = pd.Period(baseline.inputs.forecast_start, freq="M")
    end = pd.Period(baseline.inputs.until, freq="M")
    horizon = (end - start).n + 1
    depleted = float(by_metric.loc["depleted_within_horizon", "mean"])
    offsets = by_metric.loc["depletion_month_offset"]

    def month_label(offset: float) -> str:
        if offset >= horizon:
            return f"after {end}"
        return str(start + int(offset))

    parts = [
        f"In {depleted:.0%} of simulated paths the stock of ballistic-capable interceptors "
        f"(Patriot, SAMP/T) can no longer meet the firing doctrine before {end}."
    ]
    if depleted > 0:
        parts.append(
            f"Median month of depletion: {month_label(offsets['p50'])} "
            f"(90% interval {month_label(offsets['p5'])} to {month_label(offsets['p95'])})."
        )
    for label in ("before", "after"):
        metric = f"ballistic_leakers_per_month_{label}_depletion"
        if metric in by_metric.index and not pd.isna(by_metric.loc[metric, "p50"]):
            row = by_metric.loc[metric]
            parts.append(
                f"Ballistic missiles not intercepted per month {label} depletion: median "
                f"{_count(row['p50'])} (90% interval {_range(row['p5'], row['p95'])})."
            )
    parts.append(
        "Interceptor stocks and deliveries to Ukraine are not published; these figures rest "
        "on public estimates and stated assumptions."
    )
    return [
        Finding(
            key="interceptor-depletion",
            question="When do the ballistic interceptors run short under the baseline?",
            answer=" ".join(parts),
        )
    ]
