"""Statistics and per-report records on the shipped snapshot (an empty store)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import missilewatch
from missilewatch.errors import ParameterError
from missilewatch.ledger import attacks, monthly_launches, stats, taxonomy
from missilewatch.ledger.parse import read_release


def test_snapshot_matches_the_release_it_came_from(release_new: Path) -> None:
    reports = attacks(allocated=False)
    source = read_release(release_new).reports.to_pandas()
    assert len(reports) == len(source) == 3585
    for column in ("launched", "destroyed", "not_reach_goal"):
        assert reports[column].sum() == source[column].sum()
        assert reports[column].dtype == np.int64


def test_allocation_conserves_every_row() -> None:
    allocated = attacks(allocated=True)
    reported = attacks(allocated=False).set_index("report_id")
    sums = allocated.groupby("report_id")[["launched", "destroyed", "not_reach_goal"]].sum()
    pd.testing.assert_frame_equal(
        sums.sort_index(), reported[["launched", "destroyed", "not_reach_goal"]].sort_index()
    )
    assert (allocated[["launched", "destroyed", "not_reach_goal"]] >= 0).all().all()


def test_as_reported_labels_mixed_rows() -> None:
    reported = attacks(allocated=False)
    row = reported[reported["model"] == "C-300 and Iskander-M"].iloc[0]
    assert row["weapon_class"] == "mixed"
    assert set(row["family"].split(" + ")) == {"S-300/S-400", "Iskander-M"}


def test_launched_details_drive_the_split() -> None:
    allocated = attacks(start="2025-11-07", end="2025-11-07")
    row = allocated[allocated["model"] == "Iskander-M/KN-23 and Iskander-K and Kalibr"]
    launched = dict(zip(row["family"], row["launched"], strict=True))
    # launched_details: {'Iskander-M/KN-23': 25, 'Iskander-K': 10, 'Kalibr': 3}
    assert launched["Iskander-K"] == 10 and launched["Kalibr"] == 3
    assert launched["Iskander-M"] + launched["KN-23"] == 25


def test_stats_by_year_and_class_add_up() -> None:
    by_class = stats(period="year", by="class")
    total = attacks(allocated=False)["launched"].sum()
    assert by_class["launched"].sum() == total
    assert list(by_class.columns) == [
        "period",
        "period_start",
        "weapon_class",
        "reports",
        "launched",
        "destroyed",
        "not_reach_goal",
        "intercept_rate",
        "defeated_rate",
        "withheld_reports",
        "lower_bound",
    ]
    assert set(by_class["period"]) == {"2022", "2023", "2024", "2025", "2026"}
    rate = by_class["intercept_rate"].dropna()
    assert ((rate >= 0) & (rate <= 3)).all()


def test_yearly_stats_match_the_raw_csv(release_new: Path) -> None:
    """Independent of the parser: pandas reads the raw CSV of the release the snapshot
    holds; per year and family, the single-family rows' totals match exactly."""
    raw = pd.read_csv(release_new / "missile_attacks_daily.csv", dtype=str, keep_default_na=False)
    raw["year"] = raw["time_start"].str.strip().str[:4]
    raw["model"] = raw["model"].str.split().str.join(" ")
    for column in ("launched", "destroyed"):
        raw[column] = pd.to_numeric(raw[column].str.strip().replace("", "0")).astype("int64")
    mapping = taxonomy.load()
    families = {m: mapping.model_families(m) for m in raw["model"].unique()}
    single = raw[raw["model"].map(lambda m: len(families[m]) == 1)].copy()
    single["family"] = single["model"].map(lambda m: next(iter(families[m])))
    expected = single.groupby(["year", "family"])[["launched", "destroyed"]].sum()
    assert len(single) > 3000 and len(expected) > 40

    got = stats(period="year", by="family", mode="as-reported")
    got = got[~got["family"].str.contains(" + ", regex=False)]
    got = got.set_index(["period", "family"])[["launched", "destroyed"]]
    got.index.names = ["year", "family"]
    pd.testing.assert_frame_equal(got.sort_index(), expected.sort_index(), check_dtype=False)


def test_stats_periods_and_filters() -> None:
    weeks = stats(period="week", by="family", family="Kalibr", start="2026-01-01")
    assert (weeks["family"] == "Kalibr").all()
    assert weeks["period"].str.match(r"^\d{4}-W\d{2}$").all()
    assert (weeks["period_start"].dt.day_of_week == 0).all()
    quarters = stats(period="quarter", weapon_class="ballistic", end="2024-12-31")
    assert quarters["period"].str.match(r"^\d{4}-Q[1-4]$").all()
    assert quarters["period_start"].max() <= pd.Timestamp("2024-12-31")
    direct = attacks(start="2024-01-01", end="2024-12-31")
    ballistic_2024 = direct[direct["weapon_class"] == "ballistic"]["launched"].sum()
    assert quarters[quarters["period"].str.startswith("2024")]["launched"].sum() == ballistic_2024


def test_as_reported_totals_equal_allocated_totals() -> None:
    allocated = stats(period="year", mode="allocated")
    reported = stats(period="year", mode="as-reported")
    assert allocated["launched"].sum() == reported["launched"].sum()
    assert "mixed" in set(reported["weapon_class"])


def test_bad_parameters_raise() -> None:
    with pytest.raises(ParameterError, match="period"):
        stats(period="decade")
    with pytest.raises(ParameterError, match="start"):
        stats(start="05/04/2025")
    with pytest.raises(ParameterError, match="expected one of 'allocated', 'as-reported'"):
        stats(mode="split")
    pd.testing.assert_frame_equal(
        stats(period="year", mode="reported"), stats(period="year", mode="as-reported")
    )


def test_monthly_launches_fill_every_month() -> None:
    monthly = monthly_launches()
    assert isinstance(monthly["month"].dtype, pd.PeriodDtype)
    months = monthly["month"].unique()
    assert months.min() == pd.Period("2022-09", "M")
    assert months.max() == pd.Period("2026-04", "M")
    per_family = monthly.groupby("family")["month"].nunique()
    assert (per_family == len(months)).all()
    assert monthly["launched"].sum() == attacks()["launched"].sum()
    by_class = monthly_launches(by="weapon_class")
    assert list(by_class.columns) == [
        "month",
        "weapon_class",
        "launched",
        "destroyed",
        "reports",
        "withheld_reports",
    ]


def test_top_level_reexports() -> None:
    assert missilewatch.stats is stats
    assert missilewatch.report_rows is attacks
    # missilewatch.attacks is one row per attack window; allocated= gives the old table.
    windows = missilewatch.attacks(start="2026-02-01", end="2026-02-28")
    assert {"window_start", "window_end", "families", "by_family"} <= set(windows.columns)
    pd.testing.assert_frame_equal(
        missilewatch.attacks(allocated=True, start="2026-02-01"),
        attacks(allocated=True, start="2026-02-01"),
    )


def test_report_counts_are_distinct_reports_per_group() -> None:
    records = attacks()
    records["month"] = records["date"].dt.strftime("%Y-%m")
    for by, column in (("class", "weapon_class"), ("family", "family")):
        expected = records.groupby(["month", column])["report_id"].nunique()
        got = stats(period="month", by=by).set_index(["period", column])["reports"]
        got.index.names = ["month", column]
        pd.testing.assert_series_equal(
            got.sort_index(), expected.sort_index(), check_names=False, check_dtype=False
        )


def test_snapshot_report_ids_are_those_of_the_parser(release_new: Path) -> None:
    shipped = set(attacks(allocated=False)["report_id"])
    parsed = set(read_release(release_new).reports.column("report_id").to_pylist())
    assert shipped == parsed


def test_unknown_family_or_class_is_named() -> None:
    from missilewatch.errors import UnknownNameError

    with pytest.raises(UnknownNameError, match="unknown family 'Tomahawk'"):
        stats(family="Tomahawk")
    # A family of the taxonomy the reports never name is known, but not in the ledger.
    with pytest.raises(UnknownNameError, match=r"'Gerbera' \(decoy UAVs\) is not reported"):
        stats(family="Gerbera")
    with pytest.raises(UnknownNameError, match="weapon class 'hypersonic'"):
        stats(weapon_class="hypersonic")


def test_family_filter_with_class_grouping_counts_reports_once() -> None:
    filtered = stats(period="year", by="class", family=["Kh-101/Kh-555", "Kalibr"])
    records = attacks()
    chosen = records[records["family"].isin(["Kh-101/Kh-555", "Kalibr"])]
    expected = chosen.groupby(chosen["date"].dt.year)["report_id"].nunique()
    assert filtered["reports"].tolist() == expected.tolist()
