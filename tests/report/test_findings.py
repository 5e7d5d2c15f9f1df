"""The four key findings: present, stated with numbers and ranges, and equal to what the
stored runs behind the report say when recomputed here from their frames."""

from __future__ import annotations

import dataclasses
import html
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from missilewatch.ledger import taxonomy
from missilewatch.report import ReportResult, charts, findings
from missilewatch.report.findings import Finding
from missilewatch.scenarios.runs import ScenarioRun, stored_run

FINDING_KEYS = ("production-vs-launches", "stockpile-now", "ceasefire", "interceptor-depletion")
# Recomputed percentiles must agree with the stated ones to rounding noise; the text
# rounds to whole missiles, so a figure appears in it as its rounded value.
TOLERANCE = 1e-6
# The stock-flow frames round counts to 0.1 missile: half of that, plus float noise.
FRAME_ROUNDING = 0.05 + 1e-6


def _finding(result: ReportResult, key: str) -> Finding:
    found = [finding for finding in result.findings if finding.key == key]
    assert len(found) == 1, f"finding {key!r} missing"
    return found[0]


def _text(finding: Finding) -> str:
    return " ".join((finding.answer, *finding.details))


def _whole(value: float) -> str:
    return f"{round(value):,}"


def _signed(value: float) -> str:
    rounded = round(value)
    return f"+{rounded:,}" if rounded > 0 else f"{rounded:,}"


def _quantiles(values: pd.Series) -> tuple[float, float, float]:
    low, middle, high = values.astype(float).quantile([0.05, 0.5, 0.95])
    return float(low), float(middle), float(high)


@pytest.fixture(scope="module")
def runs(built_report: ReportResult, report_folder: Path) -> dict[str, ScenarioRun]:
    db = report_folder / "store.duckdb"
    loaded = [stored_run(run_id, db=db) for run_id in built_report.run_ids]
    return {run.name: run for run in loaded}


def _frame(run: ScenarioRun, kind: str) -> pd.DataFrame:
    frame = run.frame(kind)
    assert frame is not None, f"run {run.run_id} stored no {kind!r} frame"
    return frame


def _class_paths(run: ScenarioRun, name: str, quantity: str, month: pd.Period) -> pd.Series:
    frame = _frame(run, "class_paths")
    rows = frame[(frame["name"] == name) & (frame["quantity"] == quantity)]
    rows = rows[rows["month"] == month].sort_values("path")
    assert not rows.empty, f"no {quantity} paths for {name} in {month}"
    return rows["value"].reset_index(drop=True)


def _last_observed(run: ScenarioRun) -> pd.Period:
    stock = _frame(run, "stockpile")
    return stock.loc[stock["observed"].astype(bool), "month"].max()


def _class_stock(run: ScenarioRun, name: str, month: pd.Period) -> pd.Series:
    stock = _frame(run, "stockpile")
    rows = stock[
        (stock["level"] == "class")
        & (stock["name"] == name)
        & (stock["quantity"] == "stock")
        & (stock["month"] == month)
    ]
    assert len(rows) == 1
    return rows.iloc[0]


def _modelled_classes(run: ScenarioRun) -> list[str]:
    stock = _frame(run, "stockpile")
    return sorted(set(stock.loc[stock["level"] == "class", "name"]))


def test_the_report_opens_with_the_four_findings(built_report: ReportResult) -> None:
    text = built_report.output.read_text(encoding="utf-8")
    opening = text.index('id="key-findings"')
    assert opening < text.index('id="launches"') < text.index('id="stockpile"')
    section = text[opening : text.index("</section>", opening)]
    # The four questions come first, in this order; the observed launch counts follow.
    assert [finding.key for finding in built_report.findings] == [
        *FINDING_KEYS,
        "recent-launches",
    ]
    for key in FINDING_KEYS:
        finding = _finding(built_report, key)
        assert f'id="finding-{key}"' in section
        assert html.escape(finding.question) in section
        # Numbers with a range: a median and its interval in every finding.
        assert "90% range" in finding.answer
        assert len(finding.figures) >= 3


def test_production_finding_agrees_with_the_stored_baseline(
    built_report: ReportResult, runs: dict[str, ScenarioRun]
) -> None:
    baseline = runs["baseline"]
    finding = _finding(built_report, "production-vs-launches")
    last = _last_observed(baseline)
    assert last.strftime("%b %Y") in finding.question
    assert (last - 11).strftime("%b %Y") in finding.question
    summary = _frame(baseline, "summary")
    stock = _frame(baseline, "stockpile")
    for name in _modelled_classes(baseline):
        supply = _class_paths(baseline, name, "supply_12m", last)
        fired = _class_paths(baseline, name, "launches_12m", last)
        # Launches in the history are the ledger's: the same on every path, and equal to
        # the stockpile frame's launches over the 12 months.
        window = stock[
            (stock["level"] == "class")
            & (stock["name"] == name)
            & (stock["quantity"] == "launches")
            & (stock["month"] > last - 12)
            & (stock["month"] <= last)
        ]
        assert len(window) == 12
        assert fired.nunique() == 1
        # The frame rounds to FRAME_ROUNDING; twelve rounded months add up their errors.
        assert fired.iloc[0] == pytest.approx(window["p50"].sum(), abs=12 * FRAME_ROUNDING)
        low, middle, high = _quantiles((supply - fired) / 12)
        figures = finding.figures
        assert figures[f"{name}:difference_p5"] == pytest.approx(low, abs=TOLERANCE)
        assert figures[f"{name}:difference_p50"] == pytest.approx(middle, abs=TOLERANCE)
        assert figures[f"{name}:difference_p95"] == pytest.approx(high, abs=TOLERANCE)
        # The engine's probability and the share of stored paths agree: the same paths.
        stated = summary[
            (summary["level"] == "class")
            & (summary["name"] == name)
            & (summary["metric"] == "p_production_exceeds_launches_12m")
        ]["p50"].iloc[0]
        assert figures[f"{name}:probability"] == pytest.approx(stated)
        assert float((supply > fired).mean()) == pytest.approx(stated)
        assert f"{_signed(middle)} a month (90% range {_signed(low)} to {_signed(high)})" in (
            _text(finding)
        )
        change_key = f"{name}:stock_change_per_month_p50"
        if change_key in finding.figures:
            change = _class_paths(baseline, name, "stock", last) - _class_paths(
                baseline, name, "stock", last - 12
            )
            change_median = _quantiles(change / 12)[1]
            assert finding.figures[change_key] == pytest.approx(change_median, abs=TOLERANCE)
            assert f"the stock changed by {_signed(change_median)} a month" in _text(finding)
    # Iskander-M has an outflow besides the reported launches (other-losses-iskander-m):
    # the ballistic stock grows by less than production minus launches, and the finding
    # says so.
    assert "ballistic:stock_change_per_month_p50" in finding.figures
    assert "other-losses-iskander-m" in _text(finding)
    ballistic = finding.figures["ballistic:difference_p50"]
    ballistic_p = finding.figures["ballistic:probability"]
    assert f"ballistic {_signed(ballistic)} (" in finding.answer
    assert f"{findings.share(ballistic_p)}" in finding.answer
    assert "marked as assumptions" in finding.answer


def test_stockpile_finding_agrees_with_the_stored_baseline(
    built_report: ReportResult, runs: dict[str, ScenarioRun]
) -> None:
    baseline = runs["baseline"]
    finding = _finding(built_report, "stockpile-now")
    last = _last_observed(baseline)
    end = pd.Period(baseline.inputs.until, freq="M")
    for name in _modelled_classes(baseline):
        now = _class_stock(baseline, name, last)
        at_end = _class_stock(baseline, name, end)
        stock_now = _class_paths(baseline, name, "stock", last)
        # The stored paths are the ones the frame's percentiles were taken over.
        assert float(stock_now.quantile(0.5)) == pytest.approx(
            float(now["p50"]), abs=FRAME_ROUNDING
        )
        change = stock_now - _class_paths(baseline, name, "stock", last - 12)
        ahead = _class_paths(baseline, name, "stock", end) - stock_now
        figures = finding.figures
        for label, value in zip(("p5", "p50", "p95"), _quantiles(change), strict=True):
            assert figures[f"{name}:change_12m_{label}"] == pytest.approx(value, abs=TOLERANCE)
        for label, value in zip(("p5", "p50", "p95"), _quantiles(ahead), strict=True):
            assert figures[f"{name}:change_to_end_{label}"] == pytest.approx(value, abs=TOLERANCE)
        for label in ("p5", "p50", "p95"):
            assert figures[f"{name}:now_{label}"] == pytest.approx(float(now[label]))
            assert figures[f"{name}:end_{label}"] == pytest.approx(float(at_end[label]))
        text = _text(finding)
        assert f"{_whole(now['p50'])} (90% range {_whole(now['p5'])}-{_whole(now['p95'])})" in text
        assert f"{_whole(at_end['p50'])} by {end.strftime('%b %Y')}" in text
    ballistic = finding.figures
    assert (
        f"ballistic {_whole(ballistic['ballistic:now_p50'])} "
        f"({_whole(ballistic['ballistic:now_p5'])}-{_whole(ballistic['ballistic:now_p95'])})"
        in finding.answer
    )


def test_ceasefire_finding_is_the_paired_gain_over_the_baseline(
    built_report: ReportResult, runs: dict[str, ScenarioRun]
) -> None:
    baseline, ceasefire = runs["baseline"], runs["ceasefire-6m"]
    finding = _finding(built_report, "ceasefire")
    adjustments = json.loads(ceasefire.inputs.adjustments_json)
    start = pd.Period(ceasefire.inputs.forecast_start, freq="M") + adjustments["ceasefire_start"]
    last = start + adjustments["ceasefire_months"] - 1
    assert f"{adjustments['ceasefire_months']}-month ceasefire" in finding.question
    assert f"end of {last.strftime('%b %Y')}" in finding.answer
    history_end = _last_observed(baseline)
    for name in _modelled_classes(ceasefire):
        # Same seed, same history: a path of one run is the same path in the other.
        pd.testing.assert_series_equal(
            _class_paths(baseline, name, "stock", history_end),
            _class_paths(ceasefire, name, "stock", history_end),
        )
        with_pause = _class_paths(ceasefire, name, "stock", last)
        without = _class_paths(baseline, name, "stock", last)
        gain = with_pause - without
        # Production is the same on both paths; only launches stop: no path loses stock.
        assert (gain >= -1e-6).all()
        for label, value in zip(("p5", "p50", "p95"), _quantiles(gain), strict=True):
            assert finding.figures[f"{name}:gain_{label}"] == pytest.approx(value, abs=TOLERANCE)
        after = _class_stock(ceasefire, name, last)
        assert finding.figures[f"{name}:ceasefire_p50"] == pytest.approx(float(after["p50"]))
        assert (
            f"{_whole(after['p50'])} (90% range {_whole(after['p5'])}-{_whole(after['p95'])})"
            in _text(finding)
        )
    ballistic_gain = finding.figures["ballistic:gain_p50"]
    assert ballistic_gain > 0
    assert f"{_signed(ballistic_gain)} (" in finding.answer


def test_depletion_finding_agrees_with_the_stored_campaign(
    built_report: ReportResult, runs: dict[str, ScenarioRun]
) -> None:
    baseline = runs["baseline"]
    finding = _finding(built_report, "interceptor-depletion")
    depletion = _frame(baseline, "defense_depletion")
    start = pd.Period(baseline.inputs.forecast_start, freq="M")
    end = pd.Period(baseline.inputs.until, freq="M")
    within = depletion[depletion["month"].notna()].sort_values("month")
    cumulative = within["probability"].cumsum().to_numpy()
    never = float(depletion.loc[depletion["month"].isna(), "probability"].sum())
    assert finding.figures["p_no_depletion"] == pytest.approx(never)
    assert f"before the end of {end.strftime('%b %Y')}: {findings.share(never)}" in (finding.answer)
    for label, share in (("p5", 0.05), ("p50", 0.5), ("p95", 0.95)):
        reached = np.flatnonzero(cumulative >= share - 1e-9)
        if reached.size:
            month = within["month"].iloc[int(reached[0])]
            assert finding.figures[f"depletion_{label}_offset"] == (month - start).n
            assert month.strftime("%b %Y") in finding.answer
        else:
            assert finding.figures[f"depletion_{label}_offset"] == np.inf
            assert f"after {end.strftime('%b %Y')}" in finding.answer
    monthly = _frame(baseline, "defense_monthly")
    threat = monthly[(monthly["level"] == "threat") & (monthly["name"] == "ballistic-capable")]
    leakers = threat.loc[threat["quantity"] == "leakers", "mean"].sum()
    launched = threat.loc[threat["quantity"] == "launched", "mean"].sum()
    assert 0 < leakers <= launched
    assert finding.figures["expected_leakers"] == pytest.approx(leakers)
    assert f"{_whole(leakers)} of {_whole(launched)}" in finding.answer
    assert "PAC-3 MSE" in finding.answer
    assert "marked as assumptions" in finding.answer


def test_engine_caveats_are_named_in_the_findings_they_affect(
    built_report: ReportResult, runs: dict[str, ScenarioRun]
) -> None:
    # With the shipped estimates the engine cannot explain all Kh-101/Kh-555 launches
    # (docs/model.md); the report must carry that note into the cruise figures.
    assert any(note.startswith("Kh-101/Kh-555:") for note in built_report.model_notes)
    families = set(
        _frame(runs["baseline"], "stockpile").query("level == 'family'")["name"].unique()
    )
    classes = taxonomy.load()
    for note in built_report.model_notes:
        family = note.split(":", 1)[0]
        if family not in families:
            continue
        weapon_class = classes.family_class(family)
        for key in ("production-vs-launches", "stockpile-now"):
            details = _finding(built_report, key).details
            assert f"Caveat ({weapon_class}): {note}." in details
            assert f"the engine reports a caveat for {weapon_class}" in (
                _finding(built_report, key).answer
            )
    text = built_report.output.read_text(encoding="utf-8")
    assert "Model notes" in text


def test_fan_chart_shows_reconstruction_and_forecast(runs: dict[str, ScenarioRun]) -> None:
    baseline = runs["baseline"]
    stock = _frame(baseline, "stockpile")
    rows = stock[
        (stock["level"] == "class")
        & (stock["name"] == "ballistic")
        & (stock["quantity"] == "stock")
    ]
    observed = rows.loc[rows["observed"].astype(bool), "month"]
    forecast = rows.loc[~rows["observed"].astype(bool), "month"]
    assert len(observed) > 24 and len(forecast) > 6
    assert forecast.min() == pd.Period(baseline.inputs.forecast_start, freq="M")
    chart = charts.stockpile_fan(stock, "ballistic")
    median = next(layer for layer in chart.layers if isinstance(layer, charts.Line))
    drawn = pd.DatetimeIndex(list(median.x)).to_period("M")
    assert drawn.min() == observed.min() and drawn.max() == forecast.max()
    assert len(drawn) == len(observed) + len(forecast)
    (marker,) = chart.markers
    assert pd.Timestamp(marker.x).to_period("M") == forecast.min()
    assert "forecast" in marker.label and "reconstruction" in marker.label_before
    # plotly: the vertical line at the forecast start and both labels.
    figure = chart.plotly()
    assert any(shape.type == "line" for shape in figure.layout.shapes)
    texts = [annotation.text for annotation in figure.layout.annotations]
    assert any("reconstruction" in str(text) for text in texts)
    # matplotlib: the x axis spans the history and the forecast.
    import matplotlib.dates as mdates

    axes = chart.matplotlib().axes[0]
    left, right = (mdates.num2date(value).replace(tzinfo=None) for value in axes.get_xlim())
    assert pd.Timestamp(left) <= observed.min().to_timestamp()
    assert pd.Timestamp(right) >= forecast.max().to_timestamp()


def test_report_fan_charts_carry_the_history(built_report: ReportResult) -> None:
    text = built_report.output.read_text(encoding="utf-8")
    section = text[text.index('id="stockpile"') : text.index('id="scenarios"')]
    # The ledger starts in Sep 2022; the fan charts start there, not at the forecast.
    assert "2022-09-01" in section
    assert "reconstruction" in section


def test_class_basis_counts_the_records_a_class_rests_on() -> None:
    from missilewatch import estimates
    from missilewatch.report.findings import class_basis

    frame = estimates.load().to_frame()
    members = ["Iskander-K", "Iskander-M", "KN-23"]
    note = "Iskander-M: production and stock estimates cannot explain the ledger's launches"
    basis = class_basis("ballistic", members, frame, notes=[note, "Kalibr: other family"])
    # Aggregate figures naming the class or one of its families count; evidence records
    # (time in stock) do not feed the stock-flow engine and do not.
    assert "hur-cruise-ballistic-production-2025" in basis.sourced
    assert "hur-hromov-iskander-production-2023" in basis.sourced
    assert "initial-stock-iskander-m" in basis.assumed
    assert "car-kn-23-time-in-stock-2024" not in basis.sourced | basis.assumed
    assert "kalibr-production-2023" not in basis.sourced | basis.assumed
    # Every record counted once, sourced or assumed.
    assert not basis.sourced & basis.assumed
    assert basis.caveats == (note,)
    assert f"{len(basis.assumed)} figures marked as assumptions" in basis.phrase()


def _with_frames(run: ScenarioRun, **frames: pd.DataFrame) -> ScenarioRun:
    return dataclasses.replace(run, results={**run.results, **frames})


def test_a_forecast_ending_inside_the_ceasefire_gives_no_ceasefire_finding(
    runs: dict[str, ScenarioRun],
) -> None:
    baseline, ceasefire = runs["baseline"], runs["ceasefire-6m"]
    assert findings.ceasefire_months(baseline) is None
    window = findings.ceasefire_months(ceasefire)
    assert window is not None
    start, last = window
    assert start == pd.Period(ceasefire.inputs.forecast_start, freq="M")
    assert (last - start).n + 1 == 6

    def cut(run: ScenarioRun) -> ScenarioRun:
        # As if the runs had been made with --until two months before the ceasefire ends.
        stock = _frame(run, "stockpile")
        paths = _frame(run, "class_paths")
        return _with_frames(
            run,
            stockpile=stock[stock["month"] <= last - 2],
            class_paths=paths[paths["month"] <= last - 2],
        )

    assert findings.ceasefire_findings(cut(baseline), cut(ceasefire)) == []
    assert findings.ceasefire_findings(baseline, ceasefire)


def test_depletion_finding_when_most_paths_never_run_short(
    runs: dict[str, ScenarioRun],
) -> None:
    baseline = runs["baseline"]
    depletion = _frame(baseline, "defense_depletion").copy()
    never = depletion["month"].isna()
    # 60% of the paths keep enough interceptors to the end; the rest as simulated.
    depletion.loc[~never, "probability"] *= 0.4
    depletion.loc[never, "probability"] = 0.6
    (finding,) = findings.depletion_findings(_with_frames(baseline, defense_depletion=depletion))
    end = pd.Period(baseline.inputs.until, freq="M").strftime("%b %Y")
    assert finding.figures["p_no_depletion"] == pytest.approx(0.6)
    assert finding.figures["depletion_p50_offset"] == np.inf
    assert f"short of the firing doctrine only after {end}, the end of the forecast" in (
        finding.answer
    )
    assert f"to after {end})" in finding.answer
    assert f"before the end of {end}: 60%" in finding.answer


def test_shares_of_paths_claim_no_false_certainty() -> None:
    assert findings.share(1.0) == ">99%"
    assert findings.share(0.996) == ">99%"
    assert findings.share(0.99) == "99%"
    assert findings.share(0.5) == "50%"
    assert findings.share(0.006) == "1%"
    assert findings.share(0.0) == "<1%"


def _effective(run: ScenarioRun, name: str) -> float:
    summary = _frame(run, "summary")
    rows = summary[
        (summary["level"] == "class")
        & (summary["name"] == name)
        & (summary["metric"] == "effective_sample_size")
    ]
    return float(rows["p50"].iloc[0])


def test_ranges_on_few_effective_paths_say_so_next_to_the_numbers(
    built_report: ReportResult, runs: dict[str, ScenarioRun]
) -> None:
    baseline, ceasefire = runs["baseline"], runs["ceasefire-6m"]
    flagged = 0
    for key in ("production-vs-launches", "stockpile-now", "ceasefire"):
        finding = _finding(built_report, key)
        for name in findings.HEADLINE_CLASSES:
            if f"{name}:effective_paths" not in finding.figures:
                continue
            effective = _effective(baseline, name)
            if key == "ceasefire":
                effective = min(effective, _effective(ceasefire, name))
            assert finding.figures[f"{name}:effective_paths"] == pytest.approx(effective)
            note = (
                f"[range rests on only about {effective:,.0f} effective paths of "
                f"{baseline.inputs.paths:,}]"
            )
            label = findings._class_label(name)
            # The note follows the class's own figures in the answer, before the next class.
            parts = [part for part in finding.answer.split(";") if label in part]
            if effective < findings.FEW_EFFECTIVE_PATHS:
                flagged += 1
                assert any(note in part for part in parts), (key, name, finding.answer)
            else:
                assert note not in finding.answer
    # The test store runs few paths, so at least one headline class is flagged.
    assert flagged > 0


def test_no_note_when_a_class_rests_on_enough_effective_paths() -> None:
    assert findings._thin(findings.FEW_EFFECTIVE_PATHS, 20_000) == ""
    assert findings._thin(float("nan"), 20_000) == ""
    assert findings._thin(32.4, 2_000) == (
        " [range rests on only about 32 effective paths of 2,000]"
    )
