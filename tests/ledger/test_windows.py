"""Attack windows and the questions asked of them, on the shipped snapshot."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.ledger.helpers import run_cli

import missilewatch
from missilewatch.errors import ParameterError
from missilewatch.ledger import attack_windows, attacks
from missilewatch.ledger.windows import (
    intercept_by_salvo_size,
    intercept_distribution,
    salvo_edges,
    zero_intercepts,
)

SUMMER = {"start": "2025-06-01", "end": "2025-09-30", "weapon_class": "ballistic"}


def test_one_row_per_window_adding_up_to_the_report_rows() -> None:
    windows = attack_windows(start="2026-02-01", end="2026-02-28")
    rows = attacks(allocated=True, start="2026-02-01", end="2026-02-28")
    assert not windows.duplicated(["window_start", "window_end"]).any()
    assert windows["launched"].sum() == rows["launched"].sum()
    assert windows["destroyed"].sum() == rows["destroyed"].sum()
    assert len(windows) == rows[["time_start", "time_end"]].drop_duplicates().shape[0]
    per_family = attack_windows(start="2026-02-01", end="2026-02-28", per="family")
    assert per_family["launched"].sum() == windows["launched"].sum()


def test_rusi_summer_2025_ballistic_attacks() -> None:
    # RUSI: 36 of 50 ballistic attacks in June-September 2025 had no intercept.
    counts = zero_intercepts(attack_windows(**SUMMER))
    assert counts["attacks"] == 50
    assert counts["without_intercept"] == 36


def test_rusi_october_2025_iskander_and_kn23() -> None:
    # RUSI: 78 fired and 14 intercepted in 1-24 October 2025.
    counts = zero_intercepts(
        attack_windows(start="2025-10-01", end="2025-10-24", family=["Iskander-M", "KN-23"])
    )
    assert (counts["launched"], counts["destroyed"]) == (78, 14)


def test_the_per_attack_distribution_is_bimodal() -> None:
    table = intercept_distribution(attack_windows(**SUMMER)).set_index("intercepted")
    assert table["attacks"].sum() == 50
    ends = table.loc["none", "attacks"] + table.loc["all", "attacks"]
    assert ends > 2 * table.drop(index=["none", "all"])["attacks"].sum()


def test_salvo_bins_partition_the_attacks() -> None:
    windows = attack_windows(**SUMMER)
    table = intercept_by_salvo_size(windows, (1, 2, 4, 8))
    assert list(table["salvo"]) == ["1", "2-3", "4-7", "8+"]
    assert table["attacks"].sum() == 50
    assert table["launched"].sum() == windows["launched"].sum()
    single = table.set_index("salvo").loc["1"]
    assert single["launched"] == single["attacks"]


@given(st.lists(st.integers(min_value=1, max_value=500), min_size=1, max_size=6, unique=True))
def test_salvo_edges_accept_rising_lists_only(edges: list[int]) -> None:
    text = ",".join(map(str, edges))
    if edges == sorted(edges):
        assert salvo_edges(text) == tuple(edges)
    else:
        with pytest.raises(ParameterError):
            salvo_edges(text)


def test_top_level_attacks_keeps_the_old_table_with_allocated() -> None:
    assert "window_start" in missilewatch.attacks(start="2026-03-01").columns
    old = missilewatch.attacks(allocated=False, start="2026-03-01")
    assert "report_id" in old.columns
    with pytest.raises(ParameterError, match="allocated"):
        missilewatch.attacks(allocated=True, family="KN-23")


def test_cli_counts_and_tables() -> None:
    code, out, err = run_cli(
        [
            "attacks",
            "--start",
            "2025-06-01",
            "--end",
            "2025-09-30",
            "--class",
            "ballistic",
            "--zero-intercepts",
            "-f",
            "csv",
        ]
    )
    assert code == 0, err
    frame = pd.read_csv(io.StringIO(out))
    assert len(frame) == 36 and (frame["destroyed"] == 0).all()
    assert "36 of 50 attacks" in err
    code, out, err = run_cli(["attacks", "--family", "Shaheed"])
    assert code == 2 and "Shaheed" in err and "Traceback" not in err
    code, out, err = run_cli(["attacks", "--salvo-bins", "4,2", "--by-salvo"])
    assert code == 2 and "salvo bins" in err
