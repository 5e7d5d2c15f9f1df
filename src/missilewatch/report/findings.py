"""Key findings in plain words, computed from the public API's frames.

Each function returns findings only from figures it was given; when an engine did not
run, its findings are absent rather than guessed.
"""

from __future__ import annotations

import html
import json
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from missilewatch.estimates import DEFENSE_QUANTITIES, EstimateSet
from missilewatch.report.charts import CLASS_ORDER, DRONE_CLASSES, MISSILE_CLASSES

if TYPE_CHECKING:
    from missilewatch.baseline import Baseline
    from missilewatch.scenarios.runs import ScenarioRun


@dataclass(frozen=True)
class Finding:
    """One question of the public debate and its answer with numbers and ranges."""

    key: str
    question: str
    answer: str
    #: Supporting lines (e.g. one per class), shown under the answer.
    details: tuple[str, ...] = ()
    #: The numbers the answer states, by name (e.g. ``ballistic:now_p50``), for checks.
    figures: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Provenance:
    summary: str
    rows: list[tuple[str, str]]


def _count(value: Any) -> str:
    return f"{float(value):,.0f}"


def _range(low: Any, high: Any) -> str:
    return f"{_count(low)}-{_count(high)}"


def complete_periods(
    frame: pd.DataFrame, history_end: pd.Period, months_per_period: int = 1
) -> pd.DataFrame:
    """Rows of a stats frame (``period_start``) for complete periods only: those whose
    last month is at most ``history_end`` (the calendar's last complete month, by the
    one rule of :func:`missilewatch.baseline.month_is_complete`).

    The last period of the ledger is usually partial (reports up to a day in it); mixing
    it with whole periods would understate rates and averages.
    """
    starts = pd.to_datetime(frame["period_start"])
    # A period's last month starts months_per_period - 1 months after the period does.
    last_month_starts = starts + pd.DateOffset(months=months_per_period - 1)
    return frame[(last_month_starts <= history_end.start_time).to_numpy()]


def quarterly_from_monthly(monthly: pd.DataFrame) -> pd.DataFrame:
    """A monthly ``ledger.stats`` frame by class summed into quarters (the same columns;
    counts add up, the intercept rate is recomputed)."""
    starts = pd.to_datetime(monthly["period_start"]).dt.to_period("Q")
    counts = ["reports", "launched", "destroyed", "not_reach_goal"]
    grouped = (
        monthly.assign(quarter=starts)
        .groupby(["quarter", "weapon_class"], sort=True)[counts]
        .sum()
        .reset_index()
    )
    launched = grouped["launched"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(launched > 0, grouped["destroyed"].to_numpy(dtype=float) / launched, np.nan)
    return pd.DataFrame(
        {
            "period": [f"{q.year}-Q{q.quarter}" for q in grouped["quarter"]],
            "period_start": grouped["quarter"].dt.start_time,
            "weapon_class": grouped["weapon_class"],
            **{column: grouped[column].astype("int64") for column in counts},
            "intercept_rate": rate,
        }
    )


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
            f"{_class_label(name)} {_count(now)} ({_count(now / 12)} a month"
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
        if row.metric == "depletion_month":
            # Offsets from the forecast start (row.month) shown as calendar months.
            start = pd.Period(str(row.month), freq="M")

            def month(offset: float, start: pd.Period = start) -> str:
                return "after the forecast" if np.isinf(offset) else str(start + int(offset))

            cells = [
                f"{month(row[f'{side}_p50'])} ({month(row[f'{side}_p5'])} to "
                f"{month(row[f'{side}_p95'])})"
                for side in ("a", "b")
            ]
            difference = float(row.difference_p50)
            change = "" if np.isnan(difference) else f"{difference:+.0f} months"
            body.append(
                "<tr>"
                f"<td>{html.escape(str(row.metric))}</td><td>{html.escape(str(row['name']))}</td>"
                f"<td></td><td class='num'>{html.escape(cells[0])}</td>"
                f"<td class='num'>{html.escape(cells[1])}</td><td class='num'>{change}</td>"
                "</tr>"
            )
            continue
        body.append(
            "<tr>"
            f"<td>{html.escape(str(row.metric))}</td><td>{html.escape(str(row['name']))}</td>"
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


def provenance(
    db: Path | None, runs: Sequence[Any], *, baseline: Baseline | None = None
) -> Provenance:
    """Where the ledger figures come from: release, file hash, dates covered."""
    from missilewatch.scenarios.runs import data_provenance

    info = data_provenance(db, baseline=baseline)
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


# --- stock-flow findings ---------------------------------------------------------------------

#: Quantities of the estimates that the stock-flow engine reads.
STOCK_FLOW_QUANTITIES = (
    "initial_stock",
    "production_rate",
    "import_rate",
    "other_losses_rate",
    "stock",
)
#: Classes named in a finding's opening sentences; every modelled class is in its details.
HEADLINE_CLASSES = ("cruise", "ballistic", "aeroballistic")
#: Below this effective sample size a class's range is flagged as resting on few paths.
FEW_EFFECTIVE_PATHS = 200
#: The range given in the findings: 5th to 95th percentile over the paths.
RANGE_LABEL = "90% range"


def _signed(value: float) -> str:
    rounded = round(float(value))
    return f"+{rounded:,}" if rounded > 0 else f"{rounded:,}"


def _signed_range(low: float, high: float) -> str:
    return f"{_signed(low)} to {_signed(high)}"


def share(probability: float) -> str:
    """A share of Monte Carlo paths as a percentage that claims no false certainty.

    "100%" of a few thousand paths is not certainty: it is given as ">99%" (and "0%"
    as "<1%").
    """
    if probability >= 0.995:
        return ">99%"
    if probability < 0.005:
        return "<1%"
    return f"{probability:.0%}"


def _month_name(month: pd.Period) -> str:
    return month.strftime("%b %Y")


def _likelihood(probability: float) -> str:
    """Plain words for a probability (after the IPCC's calibrated language).

    A share of model paths is not a certainty about the world: the strongest word always
    says what it holds in.
    """
    if probability >= 0.99:
        return "virtually certain in the model, given the figures marked as assumptions"
    if probability >= 0.9:
        return "very likely"
    if probability >= 0.66:
        return "likely"
    if probability > 0.33:
        return "about as likely as not"
    if probability > 0.1:
        return "unlikely"
    if probability > 0.01:
        return "very unlikely"
    return "exceptionally unlikely"


def _interval(values: np.ndarray) -> tuple[float, float, float]:
    """5th, 50th and 95th percentile of per-path values."""
    low, middle, high = np.percentile(np.asarray(values, dtype=float), [5, 50, 95])
    return float(low), float(middle), float(high)


def _class_label(name: str) -> str:
    return {"attack-uav": "attack drones", "sam-ground": "S-300/S-400 (ground use)"}.get(name, name)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Basis:
    """The estimate records a set of figures rests on, and the engine's caveats about it."""

    sourced: frozenset[str]  # record ids
    assumed: frozenset[str]
    publications: tuple[str, ...]
    caveats: tuple[str, ...]

    def sources_line(self) -> str:
        """A detail line naming the publications of the sourced figures."""
        if not self.publications:
            return ""
        return "Sources of the sourced figures: " + "; ".join(self.publications) + "."

    def __or__(self, other: Basis) -> Basis:
        return Basis(
            sourced=self.sourced | other.sourced,
            assumed=self.assumed | other.assumed,
            publications=tuple(dict.fromkeys(self.publications + other.publications)),
            caveats=tuple(dict.fromkeys(self.caveats + other.caveats)),
        )

    def phrase(self) -> str:
        """E.g. "12 sourced figures and 9 figures marked as assumptions"."""
        parts = []
        if self.sourced:
            parts.append(f"{len(self.sourced)} sourced figures")
        if self.assumed:
            parts.append(f"{len(self.assumed)} figures marked as assumptions")
        return " and ".join(parts) if parts else "no external figure"


EMPTY_BASIS = Basis(frozenset(), frozenset(), (), ())


def estimates_table(estimates: Path | EstimateSet | None) -> pd.DataFrame:
    """The estimates as a table: from the set already loaded, or read from the files."""
    if isinstance(estimates, EstimateSet):
        return estimates.to_frame()
    from missilewatch import estimates as estimates_module

    return estimates_module.load(estimates).to_frame()


def class_families(stock: pd.DataFrame) -> dict[str, list[str]]:
    """Modelled families per weapon class (from the stockpile frame and the taxonomy)."""
    from missilewatch.ledger import taxonomy

    classes = taxonomy.load()
    families = sorted(set(stock.loc[stock["level"] == "family", "name"]))
    members: dict[str, list[str]] = {}
    for family in families:
        members.setdefault(classes.family_class(family), []).append(family)
    return members


def class_basis(
    weapon_class: str,
    families: Sequence[str],
    estimates_frame: pd.DataFrame,
    notes: Sequence[str] = (),
) -> Basis:
    """The stock-flow records a class rests on, and the engine notes naming its families.

    A record counts when one of its subjects is a member family or the class itself
    (aggregate figures such as HUR's cruise and ballistic production are calibration
    targets of every class they name).
    """
    wanted = {*families, weapon_class}
    rows = estimates_frame[estimates_frame["quantity"].isin(STOCK_FLOW_QUANTITIES)]
    names = rows["subject"].map(lambda subject: {p.strip() for p in str(subject).split(" + ")})
    used = rows[names.map(lambda subjects: bool(wanted & subjects))]
    assumed = used["assumption"].astype(bool)
    return Basis(
        sourced=frozenset(used.loc[~assumed, "id"]),
        assumed=frozenset(used.loc[assumed, "id"]),
        publications=tuple(dict.fromkeys(str(v) for v in used.loc[~assumed, "source"].dropna())),
        caveats=tuple(
            note for note in notes if any(note.startswith(f"{family}:") for family in families)
        ),
    )


def finding_classes(stock: pd.DataFrame) -> list[str]:
    """Classes with a modelled stock, in display order (missiles first, then drones)."""
    names = set(stock.loc[(stock["level"] == "class") & (stock["quantity"] == "stock"), "name"])
    return [name for name in CLASS_ORDER if name in names]


def _paths_of(
    run: ScenarioRun, name: str, quantity: str, month: pd.Period | None = None
) -> np.ndarray:
    """Per-path values of one class figure from a run's ``class_paths`` frame."""
    frame = _stored(run, "class_paths")
    rows = frame[(frame["name"] == name) & (frame["quantity"] == quantity)]
    if month is not None:
        rows = rows[rows["month"] == month]
    return rows.sort_values("path")["value"].to_numpy(dtype=float)


def _stock_row(stock: pd.DataFrame, name: str, month: pd.Period) -> pd.Series:
    rows = stock[
        (stock["level"] == "class")
        & (stock["name"] == name)
        & (stock["quantity"] == "stock")
        & (stock["month"] == month)
    ]
    return rows.iloc[0]


def _summary_value(summary: pd.DataFrame, name: str, metric: str) -> float:
    rows = summary[
        (summary["level"] == "class") & (summary["name"] == name) & (summary["metric"] == metric)
    ]
    return float(rows["p50"].iloc[0]) if not rows.empty else float("nan")


def _effective_paths(summary: pd.DataFrame, name: str) -> float:
    """A class's effective sample size in a run's summary (NaN: not reported)."""
    return _summary_value(summary, name, "effective_sample_size")


def _thin(effective: float, paths: int) -> str:
    """Words placed next to a class's figures when its range rests on few effective paths."""
    if np.isnan(effective) or effective >= FEW_EFFECTIVE_PATHS:
        return ""
    return f" [range rests on only about {effective:,.0f} effective paths of {paths:,}]"


def _few_paths(summary: pd.DataFrame, classes: Sequence[str], paths: int) -> str:
    """A detail line naming classes whose range rests on few effective paths."""
    thin = []
    for name in classes:
        effective = _summary_value(summary, name, "effective_sample_size")
        if not np.isnan(effective) and effective < FEW_EFFECTIVE_PATHS:
            thin.append(f"{_class_label(name)} about {effective:,.0f}")
    if not thin:
        return ""
    return (
        f"Few of the {paths:,} paths are consistent with every published figure, so some "
        f"ranges rest on few effective paths ({'; '.join(thin)}); a run with more paths "
        "(--paths) steadies them."
    )


def other_outflows(families: Sequence[str], estimates_frame: pd.DataFrame) -> list[str]:
    """Ids of the ``other_losses_rate`` records of these families (outflows besides the
    reported launches: tests, exercises, launches the daily reports do not count)."""
    rows = estimates_frame[
        (estimates_frame["quantity"] == "other_losses_rate")
        & estimates_frame["subject"].isin(list(families))
    ]
    return [str(record_id) for record_id in rows["id"]]


def _same_sources_line(basis: Basis) -> str:
    # The stock rests on the same records as production; their publications are listed
    # once, under the production finding, and in the assumptions table.
    if not basis.publications:
        return ""
    return (
        f"Sources: the {len(basis.publications)} publications listed under the previous "
        "finding; every figure is in the assumptions table."
    )


def _caveat_owner(note: str, members: Mapping[str, Sequence[str]]) -> str:
    """The class of the family an engine note names (notes start with "<family>: ")."""
    family = note.split(":", 1)[0]
    return next((name for name, names in members.items() if family in names), "")


def _caveat_lines(basis: Basis, members: Mapping[str, Sequence[str]]) -> list[str]:
    return [
        f"Caveat ({_class_label(_caveat_owner(note, members))}): {note}." for note in basis.caveats
    ]


def _resting_on(basis: Basis, members: Mapping[str, Sequence[str]]) -> str:
    """The closing words of a finding: the figures it rests on and the engine's caveats."""
    return basis.phrase() + " (see the assumptions table)" + _caveat_phrase(basis, members) + "."


def _caveat_phrase(basis: Basis, members: Mapping[str, Sequence[str]]) -> str:
    if not basis.caveats:
        return ""
    owners = dict.fromkeys(_class_label(_caveat_owner(note, members)) for note in basis.caveats)
    return f"; the engine reports a caveat for {' and '.join(owners)} (below)"


def _history_end(stock: pd.DataFrame) -> pd.Period | None:
    """The last observed month of a stockpile frame (None: no history in it)."""
    observed = stock.loc[stock["observed"].astype(bool), "month"]
    return None if observed.empty else observed.max()


def _stored(run: ScenarioRun, kind: str) -> pd.DataFrame:
    """A result frame the caller checked with :func:`_inputs_ready`."""
    frame = run.frame(kind)
    if frame is None:
        raise KeyError(f"run {run.run_id} ({run.name}) stored no {kind!r} frame")
    return frame


def _inputs_ready(run: ScenarioRun) -> bool:
    return all(run.frame(kind) is not None for kind in ("stockpile", "summary", "class_paths"))


def production_findings(
    baseline: ScenarioRun,
    *,
    notes: Sequence[str] = (),
    estimates: Path | EstimateSet | None = None,
) -> list[Finding]:
    """Did production (plus imports) exceed launches over the last 12 observed months?

    Per class: the probability (share of paths, the run's summary metric
    ``p_production_exceeds_launches_12m``) and the monthly difference: production plus
    imports minus reported launches over the 12 months, divided by 12 (median and 5-95%
    over the paths of ``class_paths``).
    """
    if not _inputs_ready(baseline):
        return []
    stock, summary = _stored(baseline, "stockpile"), _stored(baseline, "summary")
    last = _history_end(stock)
    if last is None:
        return []
    members = class_families(stock)
    estimates_frame = estimates_table(estimates)
    figures: dict[str, float] = {}
    headline, details = [], []
    basis = EMPTY_BASIS
    classes = finding_classes(stock)
    for name in classes:
        supply = _paths_of(baseline, name, "supply_12m", last)
        fired = _paths_of(baseline, name, "launches_12m", last)
        if supply.size == 0:
            continue
        low, middle, high = _interval((supply - fired) / 12)
        probability = _summary_value(summary, name, "p_production_exceeds_launches_12m")
        basis = basis | class_basis(name, members.get(name, []), estimates_frame, notes)
        figures.update(
            {
                f"{name}:difference_p5": low,
                f"{name}:difference_p50": middle,
                f"{name}:difference_p95": high,
                f"{name}:probability": probability,
            }
        )
        effective = _effective_paths(summary, name)
        figures[f"{name}:effective_paths"] = effective
        thin = _thin(effective, baseline.inputs.paths)
        if name in HEADLINE_CLASSES:
            headline.append(
                f"{_class_label(name)} {_signed(middle)} ({_signed_range(low, high)}), "
                f"{share(probability)}{thin}"
            )
        line = (
            f"{_capital(_class_label(name))}: production exceeding launches is "
            f"{_likelihood(probability)} (probability {share(probability)}); "
            f"{_signed(middle)} a month ({RANGE_LABEL} {_signed_range(low, high)}) against "
            f"{_count(float(np.mean(fired)) / 12)} launched a month{thin}."
        )
        outflow_records = other_outflows(members.get(name, []), estimates_frame)
        if outflow_records:
            # Production minus reported launches is not the change of stock when the
            # estimates add other outflows; say how much the stock changed instead.
            stock_change = _paths_of(baseline, name, "stock", last) - _paths_of(
                baseline, name, "stock", last - 12
            )
            change = _interval(stock_change / 12)
            figures[f"{name}:stock_change_per_month_p50"] = change[1]
            line += (
                f" After other outflows ({', '.join(outflow_records)}: tests, exercises, "
                f"launches the daily reports do not count) the stock changed by "
                f"{_signed(change[1])} a month ({_signed_range(change[0], change[2])})."
            )
        details.append(line)
    if not details:
        return []
    details += _caveat_lines(basis, members)
    extra = [_few_paths(summary, classes, baseline.inputs.paths), basis.sources_line()]
    details += [line for line in extra if line]
    first = last - 11
    answer = (
        "Per month, estimated production plus imports minus reported launches (median, "
        f"{RANGE_LABEL}) and the probability that production exceeded launches: "
        + "; ".join(headline or [details[0]])
        + ". Launches are the Ukrainian Air Force's reports; the production and stock "
        "estimates rest on " + _resting_on(basis, members)
    )
    return [
        Finding(
            key="production-vs-launches",
            question=(
                "Did production exceed launches over the last 12 months "
                f"({_month_name(first)} to {_month_name(last)}), and by how much per month?"
            ),
            answer=answer,
            details=tuple(details),
            figures=figures,
        )
    ]


def stockpile_findings(
    baseline: ScenarioRun,
    *,
    notes: Sequence[str] = (),
    estimates: Path | EstimateSet | None = None,
) -> list[Finding]:
    """The stockpile now, its change over the last 12 months and to the forecast end.

    Stock levels are the stockpile frame's percentiles (the numbers the fan charts
    draw); changes are percentiles of the per-path differences in ``class_paths``.
    """
    if not _inputs_ready(baseline):
        return []
    stock, summary = _stored(baseline, "stockpile"), _stored(baseline, "summary")
    last = _history_end(stock)
    if last is None:
        return []
    end = stock["month"].max()
    members = class_families(stock)
    estimates_frame = estimates_table(estimates)
    figures: dict[str, float] = {}
    now_parts, past_parts, ahead_parts, details = [], [], [], []
    basis = EMPTY_BASIS
    classes = finding_classes(stock)
    for name in classes:
        now = _stock_row(stock, name, last)
        at_end = _stock_row(stock, name, end)
        stock_now = _paths_of(baseline, name, "stock", last)
        before = _paths_of(baseline, name, "stock", last - 12)
        stock_end = _paths_of(baseline, name, "stock", end)
        if stock_now.size == 0 or before.size == 0 or stock_end.size == 0:
            continue
        past = _interval(stock_now - before)
        ahead = _interval(stock_end - stock_now)
        unmet = _summary_value(summary, name, "p_unmet_launches_by_end")
        basis = basis | class_basis(name, members.get(name, []), estimates_frame, notes)
        figures.update(
            {
                f"{name}:now_p5": float(now["p5"]),
                f"{name}:now_p50": float(now["p50"]),
                f"{name}:now_p95": float(now["p95"]),
                f"{name}:change_12m_p5": past[0],
                f"{name}:change_12m_p50": past[1],
                f"{name}:change_12m_p95": past[2],
                f"{name}:end_p5": float(at_end["p5"]),
                f"{name}:end_p50": float(at_end["p50"]),
                f"{name}:end_p95": float(at_end["p95"]),
                f"{name}:change_to_end_p5": ahead[0],
                f"{name}:change_to_end_p50": ahead[1],
                f"{name}:change_to_end_p95": ahead[2],
                f"{name}:p_unmet": unmet,
            }
        )
        label = _class_label(name)
        effective = _effective_paths(summary, name)
        figures[f"{name}:effective_paths"] = effective
        thin = _thin(effective, baseline.inputs.paths)
        if name in HEADLINE_CLASSES:
            now_parts.append(
                f"{label} {_count(now['p50'])} ({_range(now['p5'], now['p95'])}){thin}"
            )
            past_parts.append(
                f"{label} {_signed(past[1])} ({_signed_range(past[0], past[2])}){thin}"
            )
            ahead_parts.append(
                f"{label} {_signed(ahead[1])} ({_signed_range(ahead[0], ahead[2])}){thin}"
            )
        line = (
            f"{_capital(label)}: {_count(now['p50'])} ({RANGE_LABEL} "
            f"{_range(now['p5'], now['p95'])}); {_signed(past[1])} over the 12 months before "
            f"({_signed_range(past[0], past[2])}); {_count(at_end['p50'])} by "
            f"{_month_name(end)} ({_range(at_end['p5'], at_end['p95'])}){thin}."
        )
        if not np.isnan(unmet) and unmet >= 0.05:
            line += (
                f" In {share(unmet)} of paths the stock cannot cover every launch the fitted "
                "strike rate plans, so the forecast launches are capped by the stock."
            )
        details.append(line)
    if not details:
        return []
    details += _caveat_lines(basis, members)
    extra = [_few_paths(summary, classes, baseline.inputs.paths), _same_sources_line(basis)]
    details += [line for line in extra if line]
    answer = (
        f"Estimated Russian stock at the end of {_month_name(last)} (median, {RANGE_LABEL}): "
        + ", ".join(now_parts or [details[0]])
        + f". Change over the 12 months before: {', '.join(past_parts)}; projected change "
        f"to {_month_name(end)} at the recent strike rate: {', '.join(ahead_parts)}. "
        "The reconstruction runs from the reported launches and rests on "
        + _resting_on(basis, members)
    )
    return [
        Finding(
            key="stockpile-now",
            question=(
                f"How large is the stockpile now ({_month_name(last)}), and where is it heading?"
            ),
            answer=answer,
            details=tuple(details),
            figures=figures,
        )
    ]


def ceasefire_months(run: ScenarioRun) -> tuple[pd.Period, pd.Period] | None:
    """First and last month without launches in a run (None: the run has no ceasefire).

    A run made here reads its own specification; a run read back from the store, the
    adjustments stored with it.
    """
    origin = pd.Period(run.inputs.forecast_start, freq="M")
    if run.spec is not None:
        adjustments = run.spec.adjustments
        months, offset = adjustments.ceasefire_months, adjustments.ceasefire_start
    else:
        stored = json.loads(run.inputs.adjustments_json)
        months, offset = int(stored.get("ceasefire_months") or 0), stored.get("ceasefire_start")
    if months <= 0 or offset is None:
        return None
    start = origin + int(offset)
    return start, start + months - 1


def ceasefire_findings(baseline: ScenarioRun, ceasefire: ScenarioRun) -> list[Finding]:
    """The stockpile at the end of the ceasefire, and its gain over the baseline.

    The gain is taken path by path: both runs share the seed and the resample slots, so
    a path of the ceasefire run differs from the same baseline path only by the scenario.
    """
    if not (_inputs_ready(baseline) and _inputs_ready(ceasefire)):
        return []
    base_stock, cease_stock = _stored(baseline, "stockpile"), _stored(ceasefire, "stockpile")
    window = ceasefire_months(ceasefire)
    if window is None:
        return []
    start, last = window
    months = (last - start).n + 1
    if last > cease_stock["month"].max() or last > base_stock["month"].max():
        return []
    figures: dict[str, float] = {}
    headline, details = [], []
    for name in finding_classes(cease_stock):
        with_pause = _paths_of(ceasefire, name, "stock", last)
        without = _paths_of(baseline, name, "stock", last)
        if with_pause.size == 0 or with_pause.size != without.size:
            continue
        after = _stock_row(cease_stock, name, last)
        base = _stock_row(base_stock, name, last)
        gain = _interval(with_pause - without)
        figures.update(
            {
                f"{name}:ceasefire_p5": float(after["p5"]),
                f"{name}:ceasefire_p50": float(after["p50"]),
                f"{name}:ceasefire_p95": float(after["p95"]),
                f"{name}:baseline_p50": float(base["p50"]),
                f"{name}:gain_p5": gain[0],
                f"{name}:gain_p50": gain[1],
                f"{name}:gain_p95": gain[2],
            }
        )
        label = _class_label(name)
        # The gain rests on both runs' paths: the fewer effective paths of the two.
        effective = float(
            np.nanmin(
                [_effective_paths(_stored(run, "summary"), name) for run in (ceasefire, baseline)]
                + [np.inf]
            )
        )
        effective = np.nan if np.isinf(effective) else effective
        figures[f"{name}:effective_paths"] = effective
        thin = _thin(effective, ceasefire.inputs.paths)
        if name in HEADLINE_CLASSES:
            headline.append(
                f"{label} {_count(after['p50'])} ({_range(after['p5'], after['p95'])}), "
                f"{_signed(gain[1])} ({_signed_range(gain[0], gain[2])}) over the baseline"
                f"{thin}"
            )
        details.append(
            f"{_capital(label)}: {_count(after['p50'])} ({RANGE_LABEL} "
            f"{_range(after['p5'], after['p95'])}) against {_count(base['p50'])} without the "
            f"ceasefire; gain {_signed(gain[1])} ({_signed_range(gain[0], gain[2])}){thin}."
        )
    if not details:
        return []
    answer = (
        f"With no launches from {_month_name(start)} to {_month_name(last)} while production "
        f"and imports go on, the stock at the end of {_month_name(last)} (median, "
        f"{RANGE_LABEL}) would be: "
        + "; ".join(headline or [details[0]])
        + ". The gain is taken path by path against the baseline with the same random "
        "numbers: it is the launches the baseline expects in those months, as far as the "
        "stock allows; production during a pause is the same estimate as without it."
    )
    return [
        Finding(
            key="ceasefire",
            question=f"How large would the stockpile be after a {months}-month ceasefire?",
            answer=answer,
            details=tuple(details),
            figures=figures,
        )
    ]


def ballistic_interceptors(estimates: Path | EstimateSet | None = None) -> list[str]:
    """Interceptor types the estimates say engage ballistic missiles."""
    frame = estimates_table(estimates)
    names = set()
    for subject in frame["subject"]:
        for part in str(subject).split(" + "):
            kind, _, threat = part.partition(" vs ")
            if threat.strip() == "ballistic":
                names.add(kind.strip())
    return sorted(names)


def depletion_month(depletion: pd.DataFrame, quantile: float) -> pd.Period | None:
    """The month by which ``quantile`` of the paths have run short (None: not by the end)."""
    within = depletion[depletion["month"].notna()].sort_values("month")
    cumulative = within["probability"].astype(float).cumsum().to_numpy()
    reached = np.flatnonzero(cumulative >= quantile - 1e-9)
    return None if reached.size == 0 else within["month"].iloc[int(reached[0])]


def depletion_findings(
    baseline: ScenarioRun, *, estimates: Path | EstimateSet | None = None
) -> list[Finding]:
    """When the ballistic-capable interceptors run short under the baseline, and the
    ballistic missiles expected to get through."""

    depletion = baseline.frame("defense_depletion")
    if depletion is None or depletion.empty:
        return []
    monthly = baseline.frame("defense_monthly")
    summary = baseline.frame("defense_summary")
    start = pd.Period(baseline.inputs.forecast_start, freq="M")
    end = pd.Period(baseline.inputs.until, freq="M")
    never = float(depletion.loc[depletion["month"].isna(), "probability"].sum())
    marks = {
        label: depletion_month(depletion, q)
        for label, q in (("p5", 0.05), ("p50", 0.5), ("p95", 0.95))
    }

    def label(month: pd.Period | None) -> str:
        return f"after {_month_name(end)}" if month is None else _month_name(month)

    def when(month: pd.Period | None) -> str:
        if month is None:
            return f"only after {_month_name(end)}, the end of the forecast"
        return f"in {label(month)}"

    names = ballistic_interceptors(estimates)
    figures: dict[str, float] = {"p_no_depletion": never}
    details: list[str] = []
    for key, month in marks.items():
        figures[f"depletion_{key}_offset"] = np.inf if month is None else float((month - start).n)
    parts = [
        f"The stock of interceptors that can engage ballistic missiles ({', '.join(names)}) "
        f"first falls short of the firing doctrine {when(marks['p50'])} (median month; "
        f"{RANGE_LABEL} {label(marks['p5'])} to {label(marks['p95'])}). Probability that "
        f"this does not happen before the end of {_month_name(end)}: {share(never)}."
    ]
    if monthly is not None:
        threat = monthly[(monthly["level"] == "threat") & (monthly["name"] == "ballistic-capable")]
        leakers = float(threat.loc[threat["quantity"] == "leakers", "mean"].sum())
        launched = float(threat.loc[threat["quantity"] == "launched", "mean"].sum())
        if launched > 0:
            figures["expected_leakers"] = leakers
            figures["expected_launched"] = launched
            parts.append(
                f"Expected ballistic and aeroballistic missiles not intercepted from "
                f"{_month_name(start)} to {_month_name(end)}: {_count(leakers)} of "
                f"{_count(launched)} the fitted strike rate launches ({leakers / launched:.0%}; "
                "sums of monthly means, launches not capped by the Russian stock)."
            )
    if summary is not None and not summary.empty:
        by_metric: dict[str, dict[Hashable, Any]] = {
            str(record["metric"]): record for record in summary.to_dict("records")
        }
        rates = []
        for phase in ("before", "after"):
            row = by_metric.get(f"ballistic_leakers_per_month_{phase}_depletion")
            if row is not None and not np.isnan(float(row["p50"])):
                figures[f"leakers_{phase}_p50"] = float(row["p50"])
                rates.append(
                    f"{_count(row['p50'])} a month {phase} depletion "
                    f"({RANGE_LABEL} {_range(row['p5'], row['p95'])})"
                )
        if rates:
            details.append(
                "Ballistic and aeroballistic missiles not intercepted: " + "; ".join(rates) + "."
            )
    records = estimates_table(estimates)
    defense_records = records[records["quantity"].isin(DEFENSE_QUANTITIES)]
    assumed = int(defense_records["assumption"].astype(bool).sum())
    figures["assumed_records"] = float(assumed)
    parts.append(
        f"Rests on {len(defense_records) - assumed} sourced figures and {assumed} marked as "
        "assumptions (interceptor stocks, deliveries to Ukraine, firing doctrine and kill "
        "probabilities are not published) and on the forecast launches."
    )
    return [
        Finding(
            key="interceptor-depletion",
            question="When do the ballistic interceptors run short under the baseline?",
            answer=" ".join(parts),
            details=tuple(details),
            figures=figures,
        )
    ]
