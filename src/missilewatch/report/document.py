"""The one-file HTML report: key findings, charts, scenario comparison, sources.

``build_report(...)`` gathers the figures through the public API (ledger statistics,
scenario runs through the stock-flow engine and the air-defense campaign, the
estimates table), renders the charts with :mod:`missilewatch.report.charts` and
writes ONE self-contained HTML file: plotly.js is inlined from the plotly package, so
the file opens offline. A section the runs cannot fill (e.g. a ceasefire that ends
after the forecast) is left out and named as missing; nothing is filled in with
made-up numbers.
"""

from __future__ import annotations

import datetime as dt
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import jinja2
import pandas as pd

from missilewatch import __version__
from missilewatch.baseline import Baseline
from missilewatch.errors import MissilewatchWarning
from missilewatch.report import charts, findings, headline
from missilewatch.report.charts import Chart
from missilewatch.report.sources import source_link

#: Scenarios always run for the report: the key findings need both.
REQUIRED_SCENARIOS = ("baseline", "ceasefire-6m")
#: Paths per scenario for the report. Conditioning on published figures leaves a few
#: hundred effective paths of 40,000 for ballistic and cruise (about 30-60 of 2,000,
#: about 200-430 of 20,000): enough for a stated 5-95% range.
REPORT_PATHS = 40_000
TITLE = "Russia's missile balance in the war on Ukraine"

ProgressCallback = Callable[[str, int, int], None]


@dataclass
class ReportResult:
    """What was written and what it rests on."""

    output: Path
    images: list[Path] = field(default_factory=list)
    run_ids: list[int] = field(default_factory=list)
    findings: list[findings.Finding] = field(default_factory=list)
    missing_sections: list[str] = field(default_factory=list)
    model_notes: list[str] = field(default_factory=list)


def build_report(
    scenarios: Sequence[str | Path] = (),
    *,
    output: Path,
    images: Path | None = None,
    paths: int = REPORT_PATHS,
    seed: int = 0,
    until: str | None = None,
    db: Path | None = None,
    estimates: Path | None = None,
    show_progress: bool | None = None,
) -> ReportResult:
    """Write the HTML report (and PNG/SVG charts into ``images`` if given).

    ``scenarios``: extra scenario names or files to compare; ``baseline`` and
    ``ceasefire-6m`` are always run. ``show_progress``: a rich progress bar on standard
    error (default: only when standard error is a terminal).
    """
    from missilewatch.baseline import load_baseline
    from missilewatch.scenarios import runs as scenario_runs

    wanted = list(REQUIRED_SCENARIOS)
    for item in scenarios:
        if str(item) not in wanted:
            wanted.append(str(item))
    result = ReportResult(output=output)
    built: list[Chart] = []

    with _progress(show_progress) as progress:
        progress("reading the ledger", 0, 1)
        # Everything the report reads from the store and the files, read once.
        baseline_inputs = load_baseline(db, estimates)
        history_end = baseline_inputs.calendar.history_end
        monthly = findings.complete_periods(baseline_inputs.class_months, history_end)
        # The charts draw every month, the one the reports end in hatched as partial;
        # the findings read complete months only.
        reported_to = baseline_inputs.provenance.data_last_date
        every_month = baseline_inputs.class_months
        launch_charts = [
            charts.launches_by_month(every_month, kind="missiles", through=reported_to),
            charts.launches_by_month(every_month, kind="drones", through=reported_to),
        ]
        intercept_charts = [
            charts.intercept_rates(
                findings.quarterly_from_monthly(every_month), through=reported_to
            )
        ]
        built += launch_charts + intercept_charts
        observed_launches = findings.recent_launches(monthly)

        # The engines warn about reported clamps (e.g. a stock that estimates cannot
        # explain); the report shows them as model notes instead of losing them.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", MissilewatchWarning)
            runs = scenario_runs.run_scenarios(
                wanted,
                paths=paths,
                seed=seed,
                until=until,
                db=db,
                estimates=estimates,
                progress=progress,
                baseline=baseline_inputs,
            )
        for warning in caught:
            if issubclass(warning.category, MissilewatchWarning):
                note = str(warning.message)
                if note not in result.model_notes:
                    result.model_notes.append(note)
            else:
                warnings.warn_explicit(
                    warning.message, warning.category, warning.filename, warning.lineno
                )
        result.run_ids = [run.run_id for run in runs if run.run_id is not None]
        by_name = {run.name: run for run in runs}
        baseline = by_name.get("baseline")
        stockpile_charts: list[Chart] = []
        comparison_charts: list[Chart] = []
        defense_charts: list[Chart] = []
        comparison_table = ""
        if baseline is not None:
            stock = baseline.frame("stockpile")
            if stock is not None:
                for name in findings.stock_classes(stock):
                    stockpile_charts.append(charts.stockpile_fan(stock, name))
                result.findings += findings.production_findings(
                    baseline, notes=result.model_notes, estimates=baseline_inputs.estimates
                )
                result.findings += findings.stockpile_findings(
                    baseline, notes=result.model_notes, estimates=baseline_inputs.estimates
                )
            ceasefire = by_name.get("ceasefire-6m")
            if ceasefire is not None:
                found = findings.ceasefire_findings(baseline, ceasefire)
                result.findings += found
                months = findings.ceasefire_months(ceasefire)
                if not found and months is not None:
                    result.missing_sections.append(
                        f"the ceasefire finding (the forecast ends in {ceasefire.inputs.until}, "
                        f"before the ceasefire's last month {months[1]}; use a later --until)"
                    )
            frames = {
                run.name: run.frame("stockpile")
                for run in runs
                if run.frame("stockpile") is not None
            }
            for name in ("ballistic", "cruise"):
                chart = charts.scenario_comparison(
                    {key: value for key, value in frames.items() if value is not None}, name
                )
                if not chart.is_empty:
                    comparison_charts.append(chart)
            if ceasefire is not None:
                table = scenario_runs.compare_runs(baseline, ceasefire)
                comparison_table = findings.comparison_html(table)
            monthly_defense = baseline.frame("defense_monthly")
            depletion = baseline.frame("defense_depletion")
            if monthly_defense is not None and depletion is not None:
                defense_charts.append(
                    charts.interceptor_stock(
                        monthly_defense,
                        names=findings.ballistic_interceptors(baseline_inputs.estimates),
                    )
                )
                defense_charts.append(charts.depletion_distribution(depletion))
                result.findings += findings.depletion_findings(
                    baseline, estimates=baseline_inputs.estimates
                )
        built += stockpile_charts + comparison_charts + defense_charts
        # The four questions of the public debate open the report; the observed launch
        # counts they rest on follow.
        result.findings.append(observed_launches)

        # The "How well it does" section (missilewatch.report.validation) is not built
        # here yet: validate would read the inputs a second time (the one door reads them
        # once); it is left out until validate takes the report's baseline.
        validation: list[dict[str, object]] = []

        progress("drawing the charts", 0, 1)
        if images is not None:
            for chart in built:
                if not chart.is_empty:
                    result.images += chart.save(images)

        html = _render(
            result=result,
            launch_charts=launch_charts,
            intercept_charts=intercept_charts,
            stockpile_charts=stockpile_charts,
            comparison_charts=comparison_charts,
            defense_charts=defense_charts,
            comparison_table=comparison_table,
            runs=runs,
            paths=paths,
            db=db,
            inputs=baseline_inputs,
            validation=validation,
        )
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(html, encoding="utf-8")
        progress("report written", 1, 1)
    return result


def _render(
    *,
    result: ReportResult,
    launch_charts: list[Chart],
    intercept_charts: list[Chart],
    stockpile_charts: list[Chart],
    comparison_charts: list[Chart],
    defense_charts: list[Chart],
    comparison_table: str,
    runs: Sequence[object],
    paths: int,
    db: Path | None,
    inputs: Baseline,
    validation: list[dict[str, object]],
) -> str:
    from plotly.offline import get_plotlyjs

    from missilewatch.scenarios.runs import ScenarioRun

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("missilewatch.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    template = environment.get_template("report.html.j2")
    last_date = inputs.provenance.data_last_date
    strip = _headlines(runs, inputs)
    answers = headline.short_answers(
        result.findings, strip, monthly=inputs.class_months, last_date=last_date
    )
    every_chart = [
        *launch_charts,
        *intercept_charts,
        *stockpile_charts,
        *comparison_charts,
        *defense_charts,
    ]
    leads = headline.chart_leads(strip, answers, [chart.key for chart in every_chart])

    def blocks(built: list[Chart]) -> list[dict[str, object]]:
        return [_block(chart, leads.get(chart.key, "")) for chart in built]

    assumptions = inputs.estimates.to_frame()
    scenario_rows = [
        {"name": run.name, "run_id": run.run_id, "description": run.scenario.spec.description}
        for run in runs
        if isinstance(run, ScenarioRun)
    ]
    return template.render(
        title=TITLE,
        version=__version__,
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        plotly_js=get_plotlyjs(),
        last_report=headline.last_report_text(last_date) if last_date else "unknown",
        headlines=[item.as_dict() for item in strip],
        findings=[
            {
                "key": finding.key,
                "question": finding.question,
                "short": answers.get(finding.key, ""),
                "answer": finding.answer,
                "details": finding.details,
            }
            for finding in result.findings
        ],
        missing_sections=result.missing_sections,
        model_notes=result.model_notes,
        launch_charts=blocks(launch_charts),
        intercept_charts=blocks(intercept_charts),
        stockpile_charts=blocks(stockpile_charts),
        comparison_charts=blocks(comparison_charts),
        defense_charts=blocks(defense_charts),
        comparison_table=comparison_table,
        comparison_title="Ceasefire (6 months) against the baseline",
        validation=validation,
        scenarios=scenario_rows,
        paths=f"{paths:,}",
        assumptions=_assumption_rows(assumptions),
        provenance=findings.provenance(db, runs, baseline=inputs),
        runs_table=findings.runs_html(runs),
        credit=charts.DATA_SOURCE.removeprefix("Data: ")
        + ", published under the dataset's licence; figures derived by missilewatch.",
    )


def _html(chart: Chart) -> str:
    # Title and source lines are set as page text around the figure: text wraps at any
    # width, where a figure's own annotations are cut off at its edge.
    figure = chart.plotly(title=False, footer=False)
    return str(
        figure.to_html(
            full_html=False,
            include_plotlyjs=False,
            include_mathjax=False,
            config={"displaylogo": False, "responsive": True},
            default_height="440px",
        )
    )


def _block(chart: Chart, lead: str) -> dict[str, object]:
    """One chart as the report sets it: title, finding, figure, source lines, CSV."""
    return {
        "key": chart.key,
        "title": chart.title,
        "lead": lead,
        "html": _html(chart),
        "footer": chart.footer,
        "csv_href": "data:text/csv;charset=utf-8," + quote(chart.to_csv()),
    }


def _headlines(runs: Sequence[object], inputs: Baseline) -> list[headline.Headline]:
    """The headline strip from the ledger and the baseline run's frames."""
    last_date = inputs.provenance.data_last_date
    monthly = inputs.class_months
    baseline = next((run for run in runs if getattr(run, "name", "") == "baseline"), None)
    stockpile = depletion = None
    until = None
    if baseline is not None:
        stockpile = baseline.frame("stockpile")  # type: ignore[attr-defined]
        depletion = baseline.frame("defense_depletion")  # type: ignore[attr-defined]
        until = baseline.inputs.until  # type: ignore[attr-defined]
    return headline.headline_strip(
        monthly,
        last_date,
        stockpile=stockpile,
        depletion_frame=depletion,
        forecast_end=until,
    )


def _assumption_rows(frame: pd.DataFrame) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for record in frame.to_dict("records"):
        cleaned = {str(key): ("" if _missing(value) else value) for key, value in record.items()}
        for key in ("low", "central", "high"):
            value = cleaned.get(key)
            if isinstance(value, float):
                cleaned[key] = f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
        for key in ("as_of", "source_date"):
            value = cleaned.get(key)
            if isinstance(value, dt.date | pd.Timestamp):
                cleaned[key] = value.strftime("%Y-%m-%d")
        cleaned["assumption"] = bool(record.get("assumption"))
        cleaned["link"] = source_link(record.get("url"), record.get("seen_at"))
        rows.append(cleaned)
    return rows


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False


@contextmanager
def _progress(show: bool | None) -> Iterator[ProgressCallback]:
    """A progress callback drawing a rich bar on standard error when wanted."""
    if show is None:
        show = sys.stderr.isatty()
    if not show:
        yield lambda _description, _done, _total: None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from missilewatch.cli.common import err_console

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task("report", total=1)

        def update(description: str, done: int, total: int) -> None:
            bar.update(task, description=description, completed=done, total=max(total, 1))

        yield update
