"""Intercept calibration on the real ledger: rates over time and per-attack over-dispersion."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from missilewatch.defense import calibration
from missilewatch.errors import ParameterError, UnknownNameError
from missilewatch.views import defense as api

#: RUSI (18 Nov 2025): no intercept in 273 of 345 Iskander-M/Kinzhal attacks.
RUSI_ZERO_SHARE = 273 / 345
RUSI_DATE = "2025-11-18"


def test_beta_binomial_fit_recovers_known_parameters() -> None:
    rng = np.random.default_rng(7)
    sizes = rng.integers(1, 12, size=4000)
    probabilities = rng.beta(0.3, 1.2, size=sizes.size)
    destroyed = rng.binomial(sizes, probabilities)
    fit = calibration.fit_beta_binomial(sizes, destroyed)
    assert fit.mean == pytest.approx(0.3 / 1.5, abs=0.02)
    assert fit.overdispersion == pytest.approx(1 / 2.5, abs=0.05)


def test_beta_binomial_fit_rejects_impossible_counts() -> None:
    with pytest.raises(ParameterError, match="destroyed <= launched"):
        calibration.fit_beta_binomial(np.array([2, 3]), np.array([1, 4]))
    with pytest.raises(ParameterError, match="no attacks"):
        calibration.fit_beta_binomial(np.array([], dtype=int), np.array([], dtype=int))


def test_ballistic_attacks_reproduce_the_rusi_zero_intercept_share(
    ledger_attacks: pd.DataFrame,
) -> None:
    """Per attack, the ledger shows what RUSI counted: most see no intercept at all."""
    chosen = ledger_attacks[
        ledger_attacks["group"].isin(["Iskander-M", "KN-23", "Kinzhal"])
        & (ledger_attacks["date"] <= RUSI_DATE)
    ]
    # One attack = one report: pool the report's ballistic and aeroballistic families.
    per_report = chosen.groupby("report_id")[["launched", "destroyed"]].sum()
    n = per_report["launched"].to_numpy()
    k = per_report["destroyed"].to_numpy()
    observed_zero = float(np.mean(k == 0))
    assert observed_zero == pytest.approx(RUSI_ZERO_SHARE, abs=0.05)

    fit = calibration.fit_beta_binomial(n, k)
    fitted_zero = fit.zero_share(n)
    single_rate = k.sum() / n.sum()
    binomial_zero = float(np.mean((1 - single_rate) ** n))
    # The beta-binomial reproduces the share of attacks with no intercept...
    assert fitted_zero == pytest.approx(observed_zero, abs=0.03)
    # ...which one binomial rate badly underestimates.
    assert observed_zero - binomial_zero > 0.1
    assert fit.overdispersion > 0.3


def test_fitted_outcome_distribution_matches_the_ledger(ledger_attacks: pd.DataFrame) -> None:
    iskander = ledger_attacks[ledger_attacks["group"] == "Iskander-M"]
    fit = calibration.fit_beta_binomial(iskander["launched"], iskander["destroyed"])
    table = calibration.outcome_distribution(iskander, fit).set_index("outcome")
    assert int(table["observed"].sum()) == len(iskander)
    # Chi-square of observed vs fitted over none/some/all: the fit is not rejected...
    fitted = stats.chisquare(table["observed"], table["fitted"]).pvalue
    binomial = stats.chisquare(table["observed"], table["binomial"]).pvalue
    assert fitted > 0.01
    # ...while a single binomial rate is.
    assert binomial < 1e-6


def test_rate_table_for_iskander_and_kinzhal_by_quarter(snapshot_db: Path) -> None:
    table = api.intercept_calibration(snapshot_db, families=["Iskander-M", "Kinzhal"])
    assert set(table["family"]) == {"Iskander-M", "Kinzhal"}
    quarters = table[table["period"] != "all"]
    assert quarters["period"].str.fullmatch(r"\d{4}Q[1-4]").all()
    whole = table[table["period"] == "all"].set_index("family")
    for family in ("Iskander-M", "Kinzhal"):
        rows = quarters[quarters["family"] == family]
        # Quarters add up to the whole history.
        assert rows["launched"].sum() == whole.loc[family, "launched"]
        assert rows["destroyed"].sum() == whole.loc[family, "destroyed"]
    rates = table["intercept_rate"]
    inside = (table["p5"] <= rates) & (rates <= table["p95"])
    # A Jeffreys interval never reaches 0 or 1, so a rate of 0 (or 1) sits just outside.
    at_edge = (rates == 0) & (table["p5"] < 0.01) | (rates == 1) & (table["p95"] > 0.99)
    assert (inside | at_edge).all()
    assert table[["p5", "p95"]].stack().between(0, 1).all()


def test_interval_allows_for_clustering(ledger_attacks: pd.DataFrame) -> None:
    """With over-dispersion the 90% interval is wider than the naive pooled-binomial one."""
    table = calibration.rate_table(ledger_attacks[ledger_attacks["group"] == "Iskander-M"])
    whole = table[table["period"] == "all"].iloc[0]
    naive = calibration.jeffreys_interval(whole["destroyed"], whole["launched"])
    assert whole["p95"] - whole["p5"] > 1.2 * (naive[2] - naive[0])


def test_old_release_store_is_used_when_given(old_release_db: Path, snapshot_db: Path) -> None:
    old = api.intercept_calibration(old_release_db, families=["Iskander-M"], period="year")
    new = api.intercept_calibration(snapshot_db, families=["Iskander-M"], period="year")
    old_total = old[old["period"] == "all"]["launched"].iloc[0]
    new_total = new[new["period"] == "all"]["launched"].iloc[0]
    # The 2026-04-05 release adds two months of reports.
    assert new_total > old_total
    assert "2026" in set(old["period"])


def test_unknown_family_lists_the_known_ones(snapshot_db: Path) -> None:
    with pytest.raises(UnknownNameError, match="Iskander-M"):
        api.intercept_calibration(snapshot_db, families=["Iskandr"])
    with pytest.raises(ParameterError, match="period"):
        api.intercept_calibration(snapshot_db, period="fortnight")


def test_by_class_pools_the_families_of_a_report(snapshot_db: Path) -> None:
    by_class = api.intercept_calibration(snapshot_db, by="class", period="year")
    by_family = api.intercept_calibration(snapshot_db, period="year")
    assert "family" not in by_class.columns
    ballistic = by_class[(by_class["weapon_class"] == "ballistic") & (by_class["period"] == "all")]
    families = by_family[
        (by_family["weapon_class"] == "ballistic") & (by_family["period"] == "all")
    ]
    assert ballistic["launched"].iloc[0] == families["launched"].sum()
    assert ballistic["destroyed"].iloc[0] == families["destroyed"].sum()
    # Reports naming Iskander-M/KN-23 count once for the class, once per family otherwise.
    assert ballistic["attacks"].iloc[0] < families["attacks"].sum()
