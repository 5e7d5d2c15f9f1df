"""Chart builders on the real ledger: the drawn numbers are the ledger's numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from missilewatch import ledger
from missilewatch.errors import InputError
from missilewatch.report import charts


@pytest.fixture(scope="module")
def monthly() -> pd.DataFrame:
    return ledger.stats(period="month", by="class")


@pytest.fixture(scope="module")
def quarterly() -> pd.DataFrame:
    return ledger.stats(period="quarter", by="class")


def test_missile_bars_add_up_to_reported_launches(monthly: pd.DataFrame) -> None:
    chart = charts.launches_by_month(monthly, kind="missiles")
    drawn = sum(sum(layer.y) for layer in chart.layers)
    expected = monthly.loc[monthly["weapon_class"].isin(charts.MISSILE_CLASSES), "launched"].sum()
    assert drawn == pytest.approx(float(expected))
    assert {layer.label for layer in chart.layers} >= {"cruise", "ballistic"}
    assert not {layer.label for layer in chart.layers} & set(charts.DRONE_CLASSES)


def test_drone_bars_hold_only_drones(monthly: pd.DataFrame) -> None:
    chart = charts.launches_by_month(monthly, kind="drones")
    assert {layer.label for layer in chart.layers} <= set(charts.DRONE_CLASSES)
    drawn = sum(sum(layer.y) for layer in chart.layers)
    expected = monthly.loc[monthly["weapon_class"].isin(charts.DRONE_CLASSES), "launched"].sum()
    assert drawn == pytest.approx(float(expected))


def test_intercept_rates_are_destroyed_over_launched(quarterly: pd.DataFrame) -> None:
    chart = charts.intercept_rates(quarterly, min_launched=10)
    cruise = next(layer for layer in chart.layers if layer.label == "cruise")
    rates = pd.Series(list(cruise.y), index=pd.DatetimeIndex(list(cruise.x))).dropna()
    assert ((rates >= 0) & (rates <= 1)).all()
    rows = quarterly[(quarterly["weapon_class"] == "cruise") & (quarterly["launched"] >= 10)]
    expected = (rows["destroyed"].clip(upper=rows["launched"]) / rows["launched"]).to_numpy()
    np.testing.assert_allclose(rates.to_numpy(), expected, rtol=1e-12)


def test_thin_quarters_break_the_line_instead_of_bridging(quarterly: pd.DataFrame) -> None:
    chart = charts.intercept_rates(quarterly, min_launched=10)
    for layer in chart.layers:
        assert len(layer.x) == quarterly["period_start"].nunique()
    ballistic = next(layer for layer in chart.layers if layer.label == "ballistic")
    thin = quarterly[(quarterly["weapon_class"] == "ballistic") & (quarterly["launched"] < 10)]
    if not thin.empty:
        assert np.isnan(np.asarray(ballistic.y, dtype=float)).sum() >= 1


def test_plotly_and_matplotlib_draw_the_same_series(monthly: pd.DataFrame) -> None:
    chart = charts.launches_by_month(monthly, kind="missiles")
    figure = chart.plotly()
    assert [trace.name for trace in figure.data] == [layer.label for layer in chart.layers]
    assert charts.DATA_SOURCE in str(figure.layout.annotations[-1].text)
    static = chart.matplotlib()
    labels = static.axes[0].get_legend_handles_labels()[1]
    assert labels == [layer.label for layer in chart.layers]


def test_every_chart_names_its_source_and_units(
    monthly: pd.DataFrame, quarterly: pd.DataFrame
) -> None:
    for chart in (
        charts.launches_by_month(monthly),
        charts.intercept_rates(quarterly),
    ):
        assert chart.source.startswith("Data: Ukrainian Air Force reports")
        assert chart.y_label and chart.title


def test_save_writes_png_and_svg(tmp_path: Path, monthly: pd.DataFrame) -> None:
    written = charts.launches_by_month(monthly).save(tmp_path / "img")
    assert [path.suffix for path in written] == [".png", ".svg"]
    assert written[0].read_bytes().startswith(b"\x89PNG")
    assert b"<svg" in written[1].read_bytes()[:1000]


def test_frame_without_documented_columns_is_refused() -> None:
    with pytest.raises(InputError, match="launches_by_month: frame lacks column"):
        charts.launches_by_month(pd.DataFrame({"month": [1]}))


def test_fan_chart_title_says_what_the_frame_holds(tmp_path: Path) -> None:
    import warnings

    from missilewatch.errors import MissilewatchWarning
    from missilewatch.views.stockpile import stockpile

    with warnings.catch_warnings():
        # The shipped estimates leave a known Kh-101/Kh-555 shortfall (docs/model.md).
        warnings.simplefilter("ignore", MissilewatchWarning)
        frame = stockpile(weapon_class="ballistic", until="2026-09", paths=100, seed=1)
    both = charts.stockpile_fan(frame, "ballistic")
    history = charts.stockpile_fan(frame[frame["observed"]], "ballistic")
    future = charts.stockpile_fan(frame[~frame["observed"]], "ballistic")
    assert both.title.endswith("reconstructed and forecast") and both.markers
    assert history.title.endswith(", reconstructed") and not history.markers
    assert future.title.endswith(", forecast") and not future.markers
    assert "Forecast" in future.note and "Reconstruction" in history.note
