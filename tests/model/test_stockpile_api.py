"""The stock-flow public API on the real ledger (shipped snapshot, or a release ingested)."""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from missilewatch.cli import app
from missilewatch.errors import MissilewatchWarning, ParameterError, UnknownNameError
from missilewatch.estimates import EstimateSet, load
from missilewatch.model import Adjustments
from missilewatch.views import stockpile as api

#: The Kh-101 family's ledger launches exceed what its published production and stock
#: figures can supply; the engine says so whenever the caller looks at that family (or
#: at everything).
KH101_WARNING = r"Kh-101/Kh-555: production and stock estimates cannot explain"


@pytest.fixture(scope="module")
def outcome() -> api.Run:
    with pytest.warns(MissilewatchWarning, match=KH101_WARNING):
        return api.stock_flow_run(until="2027-06", paths=4_000, seed=1)


def test_stockpile_frame_has_the_documented_columns(outcome: api.Run) -> None:
    frame = api.stockpile_frame(outcome, family="Iskander-M")
    assert list(frame.columns) == [
        "month", "level", "name", "quantity", "p5", "p25", "p50", "p75", "p95",
        "mean", "observed", "assumption",
    ]  # fmt: skip
    assert isinstance(frame["month"].dtype, pd.PeriodDtype)
    assert set(frame["quantity"]) >= {
        "stock",
        "production",
        "imports",
        "launches",
        "net_accumulation",
    }
    assert frame["month"].max() == pd.Period("2027-06", "M")
    assert frame[["p5", "p25", "p50", "p75", "p95", "mean"]].notna().all().all()
    ordered = frame[["p5", "p25", "p50", "p75", "p95"]].to_numpy()
    assert np.all(np.diff(ordered, axis=1) >= -1e-6)
    stock = frame[frame["quantity"] == "stock"]
    assert (stock["p5"] >= 0).all()
    # Observed months carry the ledger's launches on every path.
    observed = frame[(frame["quantity"] == "launches") & frame["observed"]]
    assert (observed["p5"] == observed["p95"]).all()
    assert frame["observed"].any() and (~frame["observed"]).any()
    assert frame["assumption"].all()  # Iskander-M rests on an assumed initial stock


def test_class_rows_sum_their_families(outcome: api.Run) -> None:
    frame = api.stockpile_frame(outcome, weapon_class="ballistic")
    launches = frame[(frame["quantity"] == "launches") & frame["observed"]]
    by_name = launches.pivot_table(index="month", columns="name", values="p50")
    np.testing.assert_allclose(
        by_name["ballistic"], by_name["Iskander-M"] + by_name["KN-23"], atol=1e-6
    )
    assert (frame["level"] == "class").any()


def test_history_launches_match_the_ledger(outcome: api.Run) -> None:
    from missilewatch import ledger

    monthly = ledger.monthly_launches()
    kalibr = monthly[monthly["family"] == "Kalibr"].set_index("month")["launched"]
    frame = api.stockpile_frame(outcome, family="Kalibr")
    launches = frame[(frame["quantity"] == "launches") & frame["observed"]].set_index("month")
    assert (launches["p50"] == kalibr.loc[launches.index].astype(float)).all()


def test_summary_reports_supply_months_probability_and_ess(outcome: api.Run) -> None:
    summary = api.summary_frame(outcome, family="Iskander-M")
    assert list(summary.columns) == api.SUMMARY_COLUMNS
    metrics = set(summary["metric"])
    assert {"months_of_supply", "p_production_exceeds_launches_12m", "effective_sample_size",
            "net_accumulation_12m", "shortfall_history"} <= metrics  # fmt: skip
    probability = summary.loc[summary["metric"] == "p_production_exceeds_launches_12m", "mean"]
    assert 0 <= float(probability.iloc[0]) <= 1
    ess = float(summary.loc[summary["metric"] == "effective_sample_size", "mean"].iloc[0])
    assert 20 < ess <= 4_000
    months = summary[summary["metric"] == "months_of_supply"].iloc[0]
    assert months["p5"] <= months["p50"] <= months["p95"]


def test_the_shortfall_is_reported_not_hidden(outcome: api.Run) -> None:
    frame = api.stockpile_frame(outcome, family="Kh-101/Kh-555")
    shortfall = frame[(frame["quantity"] == "shortfall") & frame["observed"]]
    assert shortfall["p50"].sum() > 0
    stock = frame[frame["quantity"] == "stock"]
    assert (stock["p5"] >= 0).all()


def _without(record_id: str) -> EstimateSet:
    estimates = load()
    return replace(estimates, records=tuple(r for r in estimates if r.id != record_id))


def test_calibration_tightens_the_band_at_a_published_stock_estimate() -> None:
    month = pd.Period("2025-06", "M")

    def band(estimates: EstimateSet) -> float:
        frame = api.stockpile(
            family="Iskander-M", until="2025-12", paths=3_000, seed=2, estimates=estimates
        )
        row = frame[(frame["quantity"] == "stock") & (frame["month"] == month)].iloc[0]
        return float(row["p95"] - row["p5"])

    assert band(load()) < 0.8 * band(_without("gur-iskander-m-stock-2025-06"))


def test_same_seed_same_frame_other_seed_differs() -> None:
    def frame(seed: int) -> pd.DataFrame:
        return api.stockpile(family="Kalibr", until="2026-12", paths=1_500, seed=seed)

    pd.testing.assert_frame_equal(frame(5), frame(5))
    assert not frame(5)["p50"].equals(frame(6)["p50"])


def test_user_estimates_file_changes_the_result(tmp_path: Path) -> None:
    user = tmp_path / "mine.toml"
    user.write_text(
        """
[[estimate]]
id = "initial-stock-kalibr"
quantity = "initial_stock"
subject = "Kalibr"
bound = "range"
low = 5000
central = 6000
high = 7000
unit = "missiles"
as_of = "2022-09-30"
assumption = true
note = "deliberately large"
""",
        encoding="utf-8",
    )
    frame = api.stockpile(family="Kalibr", until="2026-06", paths=1_000, seed=1, estimates=user)
    first = frame[(frame["quantity"] == "stock")].iloc[0]
    assert first["p50"] > 4_000


def test_forecast_strikes_shapes_and_ceasefire() -> None:
    forecast = api.forecast_strikes(
        until="2026-12",
        paths=500,
        seed=3,
        adjustments=Adjustments(ceasefire_start=0, ceasefire_months=2),
    )
    months = len(forecast.months)
    assert forecast.launches.shape == (500, months, len(forecast.families))
    assert forecast.attacks.shape == forecast.launches.shape
    assert forecast.launches.dtype == np.int64
    assert forecast.launches[:, :2].sum() == 0
    assert forecast.launches[:, 2:].sum() > 0
    assert len(forecast.weapon_classes) == len(forecast.families)


def test_backtest_computes_and_reports_coverage() -> None:
    frame = api.backtest_strikes(cuts=4, horizon=3, paths=1_000, seed=0)
    coverage = frame.attrs["coverage"]
    assert 0.4 < coverage <= 1.0
    assert coverage == pytest.approx(frame["inside"].mean())
    assert set(frame["horizon"]) == {1, 2, 3}
    assert frame["cut"].nunique() == 4
    assert (frame["low"] <= frame["high"]).all()
    summary = api.backtest_coverage(frame)
    assert summary.loc[summary["level"] == "all", "coverage"].iloc[0] == pytest.approx(coverage)
    result = CliRunner().invoke(app, ["backtest", "--cuts", "3", "--paths", "500"])
    assert result.exit_code == 0, result.output
    assert "inside the central 80% band" in " ".join(result.output.split())
    # Per series, worst covered first; misses split into months below and above the band.
    per_series = api.backtest_coverage(frame, by="name")
    assert list(per_series.columns) == ["level", "name", "coverage", "cells", "below", "above"]
    assert per_series["coverage"].is_monotonic_increasing
    assert (per_series["cells"] == 4 * 3).all()
    missed = (1 - per_series["coverage"]) * per_series["cells"]
    np.testing.assert_allclose(missed, per_series["below"] + per_series["above"], atol=0.01)
    kalibr = frame[(frame["name"] == "Kalibr")]
    row = per_series[per_series["name"] == "Kalibr"].iloc[0]
    assert row["coverage"] == pytest.approx(kalibr["inside"].mean(), abs=1e-3)
    with pytest.raises(ParameterError, match="by"):
        api.backtest_coverage(frame, by="month")
    both = CliRunner().invoke(app, ["backtest", "--detail", "--per-series", "--paths", "10"])
    assert isinstance(both.exception, ParameterError)


def test_backtest_on_an_ingested_release(release_old: Path, tmp_path: Path) -> None:
    from missilewatch import ledger

    db = tmp_path / "store.duckdb"
    ledger.ingest(release_old, db)
    frame = api.backtest_strikes(cuts=2, horizon=3, paths=500, seed=0, db=db)
    assert frame["month"].max() <= pd.Period("2026-02", "M")


def test_little_law_on_shipped_evidence() -> None:
    frame = api.implied_stock(family="Kh-101/Kh-555", samples=20_000)
    assert set(frame["quantity"]) == {"launch_rate", "time_in_stock", "implied_stock"}
    okhmatdyt = frame[frame["evidence"] == "car-kh-101-okhmatdyt-2024-07-08"]
    implied = okhmatdyt[okhmatdyt["quantity"] == "implied_stock"].iloc[0]
    rate = okhmatdyt[okhmatdyt["quantity"] == "launch_rate"].iloc[0]
    assert implied["p5"] < implied["p50"] < implied["p95"]
    assert implied["p50"] < 4 * rate["mean"]  # a few months of launches at most
    assert okhmatdyt["window"].iloc[0].endswith("2024-07")


def test_serial_estimate_from_a_file(tmp_path: Path) -> None:
    serials = tmp_path / "serials.txt"
    serials.write_text("# observed\n19\n40\n42\n60\n", encoding="utf-8")
    frame = api.serial_estimate(serials)
    assert frame["estimate"].iloc[0] == pytest.approx(74)
    result = CliRunner().invoke(app, ["evidence", "serials", "19", "40", "42", "60", "-f", "csv"])
    assert result.exit_code == 0 and "74.0" in result.output


def test_bad_parameters_are_one_line_errors() -> None:
    with pytest.raises(ParameterError, match="paths"):
        api.stockpile(paths=0)
    with pytest.raises(ParameterError, match="before the ledger starts"):
        api.stockpile(until="2019-01", paths=10)
    with pytest.raises(ParameterError, match="until"):
        api.forecast_strikes(until="2020-01", paths=10, seed=0)
    with pytest.raises(UnknownNameError, match="Iskander-X"):
        api.stockpile(family="Iskander-X", paths=10)


def test_cli_stockpile_csv(tmp_path: Path) -> None:
    out = tmp_path / "stock.csv"
    result = CliRunner().invoke(
        app,
        ["stockpile", "--family", "Iskander-M", "--until", "2026-09", "--paths", "800",
         "--seed", "1", "-f", "csv", "-o", str(out), "--no-progress"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    assert set(frame["name"]) == {"Iskander-M"}
    assert frame["month"].iloc[-1] == "2026-09"
    # A file keeps every column and every quantity, unlike the on-screen table.
    assert list(frame.columns) == [
        "month", "level", "name", "quantity", "p5", "p25", "p50", "p75", "p95",
        "mean", "observed", "assumption",
    ]  # fmt: skip
    assert set(frame["quantity"]) == set(api.QUANTITIES)
    bad = CliRunner().invoke(app, ["stockpile", "--paths", "0"])
    assert bad.exit_code != 0


# --- warnings scoped to the selection ---------------------------------------------------


def test_shortfall_warnings_only_for_the_families_asked_for(outcome: api.Run) -> None:
    # The full picture records the Kh-101/Kh-555 shortfall whatever is selected ...
    recorded = {shortfall.family: shortfall for shortfall in outcome.shortfalls}
    assert "Kh-101/Kh-555" in recorded
    kh101 = recorded["Kh-101/Kh-555"]
    assert 0.05 * kh101.launched < kh101.median < kh101.launched
    summary = api.summary_frame(outcome)
    shortfall = summary[
        (summary["name"] == "Kh-101/Kh-555") & (summary["metric"] == "shortfall_history")
    ].iloc[0]
    assert shortfall["p50"] == pytest.approx(kh101.median, abs=0.1)
    # ... but a caller asking about Kinzhal is not warned about another family.
    with warnings.catch_warnings():
        warnings.simplefilter("error", MissilewatchWarning)
        api.warn_shortfalls(outcome, family="Kinzhal")
        api.warn_shortfalls(outcome, weapon_class="ballistic")
    # The class Kh-101/Kh-555 belongs to, the family itself, and everything do warn.
    for selection in ({"weapon_class": "cruise"}, {"family": "Kh-101/Kh-555"}, {}):
        with pytest.warns(MissilewatchWarning, match=KH101_WARNING):
            api.warn_shortfalls(outcome, **selection)


def test_stockpile_for_another_family_does_not_warn_but_the_cruise_class_does() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", MissilewatchWarning)
        frame = api.stockpile(family="Kinzhal", until="2026-06", paths=500, seed=4)
    assert set(frame["name"]) == {"Kinzhal"}
    with pytest.warns(MissilewatchWarning, match=KH101_WARNING):
        api.stockpile_summary(weapon_class="cruise", until="2026-06", paths=500, seed=4)


def test_cli_warns_only_about_the_selection() -> None:
    kinzhal = CliRunner().invoke(
        app, ["stockpile", "--family", "Kinzhal", "--until", "2026-06", "--paths", "500",
              "--no-progress"],
    )  # fmt: skip
    assert kinzhal.exit_code == 0, kinzhal.output
    assert "Kh-101" not in kinzhal.output
    # Without --start the screen shows the last 12 observed months and the forecast.
    rows = [line for line in kinzhal.output.splitlines() if "Kinzhal *" in line]
    assert sum(" yes " in row for row in rows) == 12
    assert rows[-1].startswith("│ 2026-06") and "From 20" in kinzhal.output
    with pytest.warns(MissilewatchWarning, match=KH101_WARNING):
        cruise = CliRunner().invoke(
            app, ["stockpile", "--class", "cruise", "--until", "2026-06", "--paths", "500",
                  "--summary", "--no-progress"],
        )  # fmt: skip
    assert cruise.exit_code == 0, cruise.output


# --- output: rounding and the on-screen table --------------------------------------------


def test_output_frames_carry_no_float_noise(outcome: api.Run) -> None:
    frame = api.stockpile_frame(outcome)
    values = frame[["p5", "p25", "p50", "p75", "p95", "mean"]].to_numpy()
    np.testing.assert_array_equal(values, np.round(values, 1))
    # Rounding keeps the percentiles in order and the stock non-negative.
    assert np.all(np.diff(values[:, :5], axis=1) >= 0)
    assert (frame.loc[frame["quantity"] == "stock", "p5"] >= 0).all()
    summary = api.summary_frame(outcome)
    probability = summary["unit"] == "probability"
    assert probability.any()
    counts = summary.loc[~probability, ["p5", "p50", "p95", "mean"]].to_numpy()
    finite = np.isfinite(counts)
    np.testing.assert_array_equal(counts[finite], np.round(counts[finite], 1))
    shares = summary.loc[probability, "p50"].to_numpy()
    np.testing.assert_array_equal(shares, np.round(shares, 3))


def test_cli_table_fits_an_80_column_terminal() -> None:
    # Kh-101/Kh-555 has the longest family name (and its shortfall warning).
    with pytest.warns(MissilewatchWarning, match=KH101_WARNING):
        result = CliRunner().invoke(
            app, ["stockpile", "--family", "Kh-101/Kh-555", "--start", "2025-10", "--until",
                  "2026-06", "--paths", "500", "-q", "stock", "-q", "net_accumulation",
                  "--no-progress"],
            env={"COLUMNS": "80"},
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in result.output  # nothing cut: months, names and numbers in full
    assert "Stock at month end" in result.output and "Net accumulation" in result.output
    assert "2025-10" in result.output and "2026-06" in result.output
    assert "Kh-101/Kh-555 *" in result.output  # rests on an assumed initial stock
    # Compact: month, name, p5, p50, p95, observed; not the twelve columns of a file.
    header = next(line for line in lines if "month" in line and "p50" in line)
    assert "p25" not in header and "assumption" not in header and "level" not in header


def test_cli_summary_table_fits_and_unknown_quantity_is_refused() -> None:
    result = CliRunner().invoke(
        app, ["stockpile", "--family", "Iskander-M", "--until", "2026-06", "--paths", "500",
              "--summary", "--no-progress"],
        env={"COLUMNS": "80"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
    assert "months of supply" in result.output and "(%)" in result.output
    # The caption names the shown family with the fewest effective paths.
    caption = " ".join(result.output.split())
    assert "Smallest effective sample size: Iskander-M" in caption
    # ... and the dated estimates that conditioned it, not those of other families.
    assert "gur-iskander-m-stock-2025-06" in caption and "reznikov-kalibr" not in caption
    bad = CliRunner().invoke(app, ["stockpile", "-q", "stocks", "--paths", "10"])
    assert bad.exit_code != 0
    assert isinstance(bad.exception, ParameterError)
    assert "stocks" in str(bad.exception) and "net_accumulation" in str(bad.exception)
    mixed = CliRunner().invoke(app, ["stockpile", "--summary", "-q", "stock", "--paths", "10"])
    assert isinstance(mixed.exception, ParameterError)
    assert "--summary" in str(mixed.exception)


def test_the_kh101_warning_goes_away_when_a_users_figures_can_supply_the_launches(
    tmp_path: Path,
) -> None:
    # The shortfall is a finding about the shipped figures, not a fixed verdict: a user
    # file with a Kh-555 conversion pool large enough to cover the launches removes it.
    user = tmp_path / "larger-pool.toml"
    user.write_text(
        """
[[estimate]]
id = "initial-stock-kh-101"
quantity = "initial_stock"
subject = "Kh-101/Kh-555"
bound = "range"
low = 800
central = 950
high = 1100
unit = "missiles"
as_of = "2022-09-30"
assumption = true
note = "a larger Kh-555 conversion pool than the shipped assumption"
""",
        encoding="utf-8",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", MissilewatchWarning)
        outcome = api.stock_flow_run(until="2026-06", paths=1_000, seed=1, estimates=user)
    assert outcome.shortfalls == ()
    summary = api.summary_frame(outcome, family="Kh-101/Kh-555")
    shortfall = summary[summary["metric"] == "shortfall_history"].iloc[0]
    family = outcome.setup.params.families.index("Kh-101/Kh-555")
    launched = outcome.setup.history.launches[:, family].sum()
    assert shortfall["p50"] <= 0.05 * launched


def test_absurd_parameters_are_refused_in_one_line() -> None:
    with pytest.raises(
        ParameterError, match=r"until: 2099-12 is \d+ months from the forecast start"
    ):
        api.stock_flow_run(until="2099-12", paths=10)
    with pytest.raises(ParameterError, match="forecasts reach at most 120 months"):
        api.forecast_strikes(until="2090-01", paths=10, seed=0)
    with pytest.raises(ParameterError, match="band"):
        api.backtest_strikes(band=1.5)
    with pytest.raises(ParameterError, match=r"seed must be a whole number >= 0 \(got -1\)"):
        api.stock_flow_run(until="2026-06", paths=10, seed=-1)
    with pytest.raises(ParameterError, match="seed"):
        api.implied_stock(seed=-5, samples=10)
    result = CliRunner().invoke(app, ["estimates", "--quantity", "stocks"])
    assert isinstance(result.exception, ParameterError)
    message = str(result.exception)
    assert "\n" not in message and "'stocks'" in message and "production_rate" in message
    assert result.exception.exit_code == 2


def test_evidence_and_estimates_tables_fit_an_80_column_terminal() -> None:
    for args in (["evidence", "little", "--samples", "2000"], ["estimates"]):
        result = CliRunner().invoke(app, args, env={"COLUMNS": "80"})
        assert result.exit_code == 0, result.output
        assert max(len(line) for line in result.output.splitlines()) <= 80
    little = CliRunner().invoke(
        app, ["evidence", "little", "--samples", "2000"], env={"COLUMNS": "80"}
    )
    # One table per record, named in its title; the steady-state caveat in the caption.
    assert little.output.count("implied_stock") == len(
        api.implied_stock(samples=2000)["evidence"].unique()
    )
    assert "upper bound" in " ".join(little.output.split())


def test_a_record_the_engine_cannot_use_is_reported_not_dropped(tmp_path: Path) -> None:
    user = tmp_path / "unused.toml"
    user.write_text(
        """
[[estimate]]
id = "kalibr-stock-2019"
quantity = "stock"
subject = "Kalibr"
bound = "approx"
value = 500
unit = "missiles"
as_of = "2019-06-30"
assumption = true
note = "before the ledger starts"

[[estimate]]
id = "banderol-output"
quantity = "production_rate"
subject = "Banderol"
bound = "approx"
value = 30
unit = "missiles/month"
as_of = "2025-06-30"
assumption = true
note = "a family of the taxonomy without an initial stock, so not modelled"

[[estimate]]
id = "kalibr-banderol-stock-2024"
quantity = "stock"
subject = "Kalibr + Banderol"
bound = "approx"
value = 400
unit = "missiles"
as_of = "2024-06-30"
assumption = true
note = "a total over a modelled and an unmodelled family"
""",
        encoding="utf-8",
    )
    with pytest.warns(MissilewatchWarning) as caught:
        setup = api.stock_flow_run(until="2026-06", paths=10, estimates=user).stock_flow_setup
    messages = [str(item.message) for item in caught]
    assert any("'kalibr-stock-2019'" in m and "outside the ledger's history" in m for m in messages)
    assert any("'banderol-output'" in m and "no modelled family" in m for m in messages)
    assert any(
        "'kalibr-banderol-stock-2024'" in m and "Banderol, which is not modelled" in m
        for m in messages
    )
    assert all("\n" not in m for m in messages)
    assert "kalibr-stock-2019" not in setup.constraints_used
    assert "kalibr-banderol-stock-2024" not in setup.constraints_used


def test_little_law_reads_a_class_subject_as_its_families_launches(tmp_path: Path) -> None:
    user = tmp_path / "evidence.toml"
    user.write_text(
        """
[[estimate]]
id = "cruise-lag-2024"
quantity = "time_in_stock"
subject = "cruise"
bound = "range"
low = 1
central = 2
high = 3
unit = "months"
as_of = "2024-07-31"
assumption = true
note = "a class: every cruise family's launches"

[[estimate]]
id = "lag-2019"
quantity = "time_in_stock"
subject = "Kalibr"
bound = "approx"
value = 2
unit = "months"
as_of = "2019-06-30"
assumption = true
note = "before the ledger starts"
""",
        encoding="utf-8",
    )
    with pytest.warns(MissilewatchWarning, match="'lag-2019'.*before the ledger starts"):
        frame = api.implied_stock(estimates=user, samples=5_000)
    assert "lag-2019" not in set(frame["evidence"])
    cruise = frame[(frame["evidence"] == "cruise-lag-2024") & (frame["quantity"] == "launch_rate")]
    from missilewatch import ledger

    monthly = ledger.monthly_launches()
    window = monthly[
        (monthly["weapon_class"] == "cruise")
        & monthly["month"].between(pd.Period("2024-05", "M"), pd.Period("2024-07", "M"))
    ]
    expected = window["launched"].sum() / 3
    assert expected > 0
    assert cruise["mean"].iloc[0] == pytest.approx(expected, abs=0.05)


def test_stockpile_on_an_ingested_older_release(release_old: Path, tmp_path: Path) -> None:
    # The 2026-02-08 release: its history ends earlier than the shipped snapshot's, the
    # forecast starts right after it, and the Kh-101/Kh-555 gap is already there.
    from missilewatch import ledger

    db = tmp_path / "old.duckdb"
    ledger.ingest(release_old, db)
    with pytest.warns(MissilewatchWarning, match=KH101_WARNING):
        outcome = api.stock_flow_run(until="2026-12", paths=600, seed=2, db=db)
    last = outcome.setup.history.months[-1]
    assert last <= pd.Period("2026-02", "M")
    frame = api.stockpile_frame(outcome, family="Kalibr")
    stock = frame[frame["quantity"] == "stock"]
    assert stock.loc[stock["observed"], "month"].max() == last
    assert stock.loc[~stock["observed"], "month"].min() == last + 1
    summary = api.summary_frame(outcome, family="Kalibr")
    assert f"stock_{last}" in set(summary["metric"])
