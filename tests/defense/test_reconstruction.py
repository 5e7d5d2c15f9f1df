"""The interceptor reconstruction: its inputs, its invariants, and the history check.

The history check fits the model on the shipped data to a cut month and checks what
followed (docs/defense.md, "History check"). The fits are small (two short chains),
shared by the tests of one session through one posterior cache.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.ledger.helpers import run_cli

from missilewatch.defense import reconstruction as rec

BALLISTIC = ("ballistic", "aeroballistic")


@pytest.fixture(scope="session")
def posterior_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for the session's fits (MISSILEWATCH_POSTERIORS keeps it across runs)."""
    import os

    kept = os.environ.get("MISSILEWATCH_POSTERIORS")
    return Path(kept) if kept else tmp_path_factory.mktemp("posteriors")


@pytest.fixture(scope="session")
def shipped_inputs():  # type: ignore[no-untyped-def]
    from missilewatch.views import interceptors

    report, last = interceptors.load_inputs()
    return report, last


# --- inputs ----------------------------------------------------------------------------


def test_monthly_ballistic_counts_are_the_ledgers(shipped_inputs) -> None:  # type: ignore[no-untyped-def]
    from missilewatch import ledger

    report, _ = shipped_inputs
    inputs = report.inputs
    rows = ledger.attacks(None, allocated=True)
    rows = rows[rows["weapon_class"].isin(BALLISTIC)]
    per_report = rows.groupby("report_id").agg(
        date=("date", "first"), launched=("launched", "sum"), destroyed=("destroyed", "sum")
    )
    per_report = per_report[per_report["launched"] > 0]
    per_report["destroyed"] = per_report[["launched", "destroyed"]].min(axis=1)
    month = pd.to_datetime(per_report["date"]).dt.to_period("M").astype(str)
    expected = per_report.groupby(month)[["launched", "destroyed"]].sum()
    group = inputs.groups[0]
    assert inputs.months[0] == "2023-04"
    for index, label in enumerate(inputs.months):
        want = expected.loc[label] if label in expected.index else pd.Series([0, 0])
        assert group.launched[index] == int(want.iloc[0]), label
        assert group.destroyed[index] == int(want.iloc[1]), label
    # The shortage of April 2024: missiles came, none was destroyed.
    april = inputs.months.index("2024-04")
    assert group.launched[april] > 0 and group.destroyed[april] == 0


def test_statements_and_packages_enter_as_bounds(shipped_inputs) -> None:  # type: ignore[no-untyped-def]
    report, _ = shipped_inputs
    inputs = report.inputs
    bounds = {b.observation.record_id: b for b in inputs.stock_bounds}
    assert {
        "patriot-stock-statement-2024-04",
        "pac-3-mse-stock-statement-2026-01",
        "air-defense-stock-statement-2026-01",
    } <= set(bounds)
    # "Stood empty" in mid-January describes the stock at the end of December.
    assert inputs.months[bounds["pac-3-mse-stock-statement-2026-01"].month] == "2025-12"
    assert bounds["pac-3-mse-stock-statement-2026-01"].observation.bound == "up_to"
    packages = {p.observation.record_id: p for p in inputs.packages}
    israel = packages["patriot-interceptors-israel-2025-01"]
    assert israel.observation.bound == "approx"
    assert [inputs.months[m] for m in israel.months] == ["2025-01", "2025-02", "2025-03"]
    assert len(israel.types) == 2  # "Patriot interceptors": PAC-3 MSE or PAC-2 GEM-T
    assert set(report.assumptions) <= set(report.records)
    assert "pac-3-mse-shots-ballistic" in report.assumptions


def _write(path: Path, body: str) -> Path:
    path.write_text(body, encoding="utf-8")
    return path


FUTURE_DELIVERY = """
[[estimate]]
id = "pac-3-from-the-future"
quantity = "interceptor_deliveries"
subject = "PAC-3 MSE"
bound = "exact"
value = 40
unit = "interceptors"
as_of = "2030-01-15"
note = "test"
assumption = true
"""


def test_a_delivery_record_in_the_future_is_one_line_exit_2(tmp_path: Path) -> None:
    user = _write(tmp_path / "future.toml", FUTURE_DELIVERY)
    code, _out, err = run_cli(["interceptors", "--estimates", str(user)])
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert str(user) in lines[0] and "pac-3-from-the-future" in lines[0]
    assert "'as_of'" in lines[0]


@pytest.mark.parametrize(
    ("quantity", "subject", "unit", "value", "field_word"),
    [
        ("shots_per_target", "PAC-3 MSE vs ballistic", "shots", 0.5, "at least 1"),
        ("kill_probability", "PAC-3 MSE vs ballistic", "probability", 0.0, "(0, 1]"),
        ("kill_probability", "PAC-3 MSE vs ballistic", "probability", 1.5, "cannot exceed 1"),
        ("interceptor_stock", "PAC-3 MSE", "interceptors", -3, "must not be negative"),
    ],
)
def test_bad_doctrine_and_stock_are_one_line_exit_2(
    tmp_path: Path, quantity: str, subject: str, unit: str, value: float, field_word: str
) -> None:
    body = (
        f'[[estimate]]\nid = "bad-one"\nquantity = "{quantity}"\nsubject = "{subject}"\n'
        f'bound = "exact"\nvalue = {value}\nunit = "{unit}"\nas_of = "2025-01-01"\n'
        'assumption = true\nnote = "test"\n'
    )
    user = _write(tmp_path / "bad.toml", body)
    code, _out, err = run_cli(["interceptors", "--estimates", str(user)])
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert str(user) in lines[0] and "'bad-one'" in lines[0] and "field 'value'" in lines[0]
    assert field_word in lines[0]


# --- invariants of the pieces ------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    st.floats(min_value=0, max_value=1e4, allow_nan=False),
    st.floats(min_value=0, max_value=1e4, allow_nan=False),
)
def test_smooth_min_never_exceeds_either_side(demand: float, available: float) -> None:
    value = float(rec.smooth_min(np.float32(demand), np.float32(available)))
    assert value >= 0.0
    assert value <= min(demand, available) + 1e-4 * max(1.0, min(demand, available))


def _synthetic(stock: float, shots: float = 2.0, draws: int = 50) -> rec.Reconstruction:
    """A posterior stand-in: two Patriot types and SAMP/T, every draw the same."""
    types = tuple(
        rec.TypePrior(name, "ballistic-capable", True, (10, 0.5), (5, 1.0), (2, 2, 3), kill, w)
        for name, kill, w in (
            ("PAC-3 MSE", (0.5, 0.7, 0.85), 3.0),
            ("Aster 30", (0.4, 0.6, 0.8), 2.0),
            ("PAC-2 GEM-T", (0.3, 0.5, 0.7), 1.0),
        )
    )
    months = 3
    group = rec.GroupRecord(
        "ballistic-capable",
        np.full(months, 40),
        np.full(months, 8),
        np.full(months, 12),
        concentration=0.8,
        rate=0.2,
    )
    inputs = rec.ReconstructionInputs(
        months=("2025-01", "2025-02", "2025-03"),
        types=types,
        groups=(group,),
        periods=np.zeros(months, dtype=np.int64),
        period_labels=("2025H1",),
        years=np.zeros(months, dtype=np.int64),
        year_labels=(2025,),
    )
    ones = np.ones((draws, 3))
    return rec.Reconstruction(
        inputs=inputs,
        stock=np.full((draws, 3, months), stock),
        fired=np.zeros((draws, 3, months)),
        deliveries=np.full((draws, 3, months), 5.0),
        destroyed_share=np.full((draws, 1, months), 0.2),
        initial_stock=np.full((draws, 3), stock),
        shots=ones * shots,
        kill=np.tile([0.7, 0.6, 0.5], (draws, 1)),
        share={"ballistic-capable": np.tile([0.5, 0.3, 0.2], (draws, 1))},
        theta={"ballistic-capable": np.full((draws, 1), 0.25)},
        delivery_rate=np.full((draws, 3, 1), 5.0),
    )


def _run(fitted: rec.Reconstruction, arrivals: float, **options: object) -> rec.ForwardDraws:
    paths, months = 400, 12
    launched = np.full((paths, months), 40)
    attacks = np.full((paths, months), 12)
    return rec.forward(
        fitted,
        {"ballistic-capable": launched},
        {"ballistic-capable": attacks},
        deliveries_per_month={n: np.full(paths, arrivals) for n in fitted.inputs.tracked_names},
        seed=3,
        **options,  # type: ignore[arg-type]
    )


def test_forward_stock_never_negative_and_fires_no_more_than_it_has() -> None:
    result = _run(_synthetic(stock=30.0), arrivals=2.0)
    for name in result.stock:
        assert np.all(result.stock[name] >= 0)
        before = np.concatenate([np.full((400, 1), 30.0), result.stock[name][:, :-1]], axis=1)
        assert np.all(result.fired[name] <= before + result.deliveries[name] + 1e-9)


def test_no_stock_no_deliveries_means_no_ballistic_intercepts() -> None:
    result = _run(_synthetic(stock=0.0), arrivals=0.0)
    assert result.intercepted["ballistic-capable"].sum() == 0
    assert np.all(result.short_month == 0)
    stocked = _run(_synthetic(stock=5000.0), arrivals=0.0)
    rate = stocked.intercepted["ballistic-capable"].sum() / (400 * 12 * 40)
    assert rate == pytest.approx(0.25, abs=0.03)  # the "stocks full" share
    assert np.all(stocked.short_month == -1)


def test_more_shots_per_target_run_short_sooner() -> None:
    fitted = _synthetic(stock=60.0)
    one = _run(fitted, arrivals=3.0, shots={n: 1.0 for n in fitted.inputs.tracked_names})
    three = _run(fitted, arrivals=3.0, shots={n: 3.0 for n in fitted.inputs.tracked_names})
    horizon = 12

    def months(r: rec.ForwardDraws) -> float:
        return float(np.mean(np.where(r.short_month < 0, horizon, r.short_month)))

    assert months(three) < months(one)


# --- the history check (NUTS fits on the shipped data) ------------------------------------

MONTH = r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}"


@pytest.fixture(scope="session")
def full_fit(posterior_cache: Path):  # type: ignore[no-untyped-def]
    from missilewatch.views import interceptors

    return interceptors.reconstruct(settings=interceptors.QUICK_SETTINGS, cache_dir=posterior_cache)


@pytest.mark.slow
@pytest.mark.parametrize("cut", ["2024-12", "2025-06"])
def test_hindcast_reproduces_the_next_six_months(cut: str, posterior_cache: Path) -> None:
    from missilewatch.views import interceptors

    table, fitted, _ = interceptors.hindcast(cut=cut, horizon=6, cache_dir=posterior_cache)
    assert len(table) == 6
    assert int(table["inside_80"].sum()) >= 4, table.to_string()
    assert fitted.diagnostics["divergences"] <= 0.02 * 300


@pytest.mark.slow
def test_depletion_during_2025_is_consistent_with_the_record(posterior_cache: Path) -> None:
    from missilewatch.views import interceptors

    table, _, result = interceptors.hindcast(cut="2024-12", horizon=12, cache_dir=posterior_cache)
    assert list(table["month"])[-1] == "2025-12"
    # Ballistic intercepts continued in every month of 2025 (the ledger): a model that
    # ran Ukraine dry within 2025 on most paths would contradict it.
    assert (table["destroyed"] > 0).all()
    p_short_2025 = float(np.mean(result.short_month >= 0))
    assert p_short_2025 < 0.5, p_short_2025


@pytest.mark.slow
def test_january_2026_shortage_appears_and_its_intercept_rate_agrees(full_fit) -> None:  # type: ignore[no-untyped-def]
    stock = full_fit.stock
    december = stock[
        (stock["quantity"] == "stock")
        & (stock["interceptor"] == "PAC-3 MSE")
        & (stock["month"] == pd.Period("2025-12", "M"))
    ].iloc[0]
    assert december["p50"] <= 5 and december["p95"] <= 30
    checks = full_fit.checks.set_index("month")
    january = checks.loc[pd.Period("2026-01", "M")]
    assert january["p10"] <= january["destroyed"] <= january["p90"]
    # Over the whole fit, the replicated intercepts cover the ledger most months.
    assert checks["inside_80"].mean() >= 0.7


@pytest.mark.slow
def test_campaign_starts_from_the_reconstruction_and_says_when(full_fit) -> None:  # type: ignore[no-untyped-def]
    from missilewatch.views import defense as api

    result = api.defense_campaign(until="2027-12", paths=400, seed=1, reconstruction=full_fit)
    assert re.fullmatch(
        rf"Ballistic-capable interceptors run short around ({MONTH}|after 2027-12) "
        rf"\(90%: ({MONTH}|after 2027-12) to ({MONTH}|after 2027-12)\), "
        r"on \d+ figures marked as assumptions",
        result.headline,
    ), result.headline
    assert result.monthly["month"].min() == full_fit.months[-1] + 1
    assert result.sensitivity is not None
    assert set(result.sensitivity["factor"]) == {
        "as reconstructed",
        "doctrine",
        "deliveries",
        "kill probability",
    }
    depletion = result.reconstructed_depletion
    assert depletion is not None and depletion["paths"].sum() == 400
