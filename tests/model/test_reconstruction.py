"""The stock reconstruction: every record used once for what it names; the fitted model
keeps stocks non-negative without a clamp, splits merged launches exactly, and its checks
and leave-one-out tables say where records sit."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from missilewatch.errors import ParameterError
from missilewatch.estimates.records import Estimate, Source
from missilewatch.inference import SamplerSettings
from missilewatch.model import posterior as views
from missilewatch.model.reconstruction import (
    PRODUCTION_TERM,
    STOCK_TERM,
    build_problem,
    fit,
    model_data,
    resolve_subject,
)

MONTHS = [f"2024-{m:02d}" for m in range(1, 13)]
FAMILIES = ["Iskander-M", "Kh-101/Kh-555"]
CLASSES = ["ballistic", "cruise"]
LAUNCHES = np.column_stack(
    [np.full(12, 20.0), np.array([30.0, 0, 40, 10, 0, 60, 20, 0, 30, 10, 50, 0])]
)
SOURCE = Source("test outlet", date(2024, 12, 31), "https://example.org/a")


def record(
    rid: str,
    quantity: str,
    subject: str,
    bound: str,
    low: float,
    high: float | None = None,
    *,
    as_of: str = "2024-06-20",
    unit: str = "missiles",
    window: tuple[str, str] | None = None,
    assumption: bool = False,
) -> Estimate:
    high = low if high is None else high
    return Estimate(
        id=rid,
        quantity=quantity,
        subject=subject,
        low=low,
        central=(low + high) / 2,
        high=high,
        unit=unit,
        as_of=date.fromisoformat(as_of),
        valid_from=date.fromisoformat(window[0]) if window else None,
        valid_to=date.fromisoformat(window[1]) if window else None,
        note="",
        assumption=assumption,
        source=None if assumption else SOURCE,
        origin="test.toml",
        bound=bound,
    )


RECORDS = [
    record(
        "init-m",
        "initial_stock",
        "Iskander-M",
        "range",
        50,
        300,
        as_of="2023-12-31",
        assumption=True,
    ),
    record(
        "init-101", "initial_stock", "Kh-101", "range", 50, 300, as_of="2023-12-31", assumption=True
    ),
    record(
        "init-555",
        "initial_stock",
        "Kh-555",
        "range",
        100,
        400,
        as_of="2023-12-31",
        assumption=True,
    ),
    record(
        "no-555",
        "production_rate",
        "Kh-555",
        "suspended",
        0,
        unit="missiles/month",
        as_of="2024-01-01",
        assumption=True,
    ),
    record(
        "use-m",
        "other_losses_rate",
        "Iskander-M",
        "range",
        0,
        10,
        unit="missiles/month",
        assumption=True,
    ),
    record(
        "prod-m",
        "production_rate",
        "Iskander-M",
        "approx",
        30,
        unit="missiles/month",
        window=("2024-01-01", "2024-12-31"),
    ),
    record(
        "prod-101",
        "production_rate",
        "Kh-101",
        "up_to",
        40,
        unit="missiles/month",
        as_of="2024-05-10",
    ),
    record(
        "both-prod",
        "production_rate",
        "Iskander-M + Kh-101",
        "capacity",
        900,
        unit="missiles/year",
        window=("2024-01-01", "2024-12-31"),
    ),
    record("stock-m", "stock", "Iskander-M", "up_to", 120, as_of="2024-09-10"),
    record("stock-pair", "stock", "Kh-101/Kh-555", "at_least", 150, as_of="2024-04-20"),
    record("stock-555", "stock", "Kh-555", "approx", 150, as_of="2024-03-05"),
    record("old", "stock", "Iskander-M", "approx", 500, as_of="2021-05-20"),
]


def problem(records: list[Estimate] = RECORDS):  # type: ignore[no-untyped-def]
    return build_problem(
        months=MONTHS,
        families=FAMILIES,
        weapon_classes=CLASSES,
        ledger_launches=LAUNCHES,
        records=records,
    )


def test_every_record_is_used_once_for_what_it_names() -> None:
    built = problem()
    uses = {use.record_id: use for use in built.uses}
    assert sorted(uses) == sorted(r.id for r in RECORDS)  # each record once, none dropped
    assert len(built.uses) == len(RECORDS)
    assert uses["old"].role == "not used" and "outside" in uses["old"].detail
    assert uses["no-555"].role == "structural"
    assert {uses[i].role for i in ("init-m", "init-101", "init-555", "use-m")} == {"prior"}
    terms = {term.record_id: term for term in built.terms}
    likelihood = [r for r in RECORDS if uses[r.id].role == "likelihood"]
    assert sorted(terms) == sorted(r.id for r in likelihood)
    for item in likelihood:
        term = terms[item.id]
        assert term.pools == resolve_subject(
            item, FAMILIES, CLASSES, built.pools, built.pool_family
        )
        assert term.observation.bound == item.bound
        scale = 1.0 / item.months_per_period if item.quantity == "production_rate" else 1.0
        assert term.observation.low == pytest.approx(item.low * scale)
        assert term.observation.high == pytest.approx(item.high * scale)
        assert term.kind == (STOCK_TERM if item.quantity == "stock" else PRODUCTION_TERM)
    # The aggregate is one term on the sum of what it names, over its whole window.
    assert terms["both-prod"].pools == (0, 1) and len(terms["both-prod"].months) == 12
    assert terms["stock-pair"].pools == (1, 2)  # the merged family is the sum of its pools
    assert terms["stock-555"].pools == (2,)
    # A stock dated in the first half of a month is the stock at the end of the month before.
    assert terms["stock-555"].months == (1,) and terms["stock-m"].months == (7,)
    assert built.produced[:, 2].sum() == 0.0  # suspended: a real zero
    data = model_data(built)
    np.testing.assert_array_equal(data.term_weight, np.ones(len(built.terms)))
    assert model_data(built, left_out=["stock-m"]).term_weight.sum() == len(built.terms) - 1


def test_a_subject_naming_no_modelled_family_is_refused_with_file_id_and_field() -> None:
    bad = record("bad", "stock", "Kalibr", "approx", 100)
    with pytest.raises(ParameterError, match=r"test.toml: estimate 'bad': field 'subject'"):
        problem([*RECORDS, bad])
    with pytest.raises(ParameterError, match="no initial_stock record for Kh-555"):
        problem([r for r in RECORDS if r.id != "init-555"])


@pytest.fixture(scope="module")
def fitted():  # type: ignore[no-untyped-def]
    built = problem()
    settings = SamplerSettings(chains=2, warmup=150, samples=150, seed=3, max_tree_depth=6)
    draws = fit(built, settings)
    without = fit(built, settings, left_out=["stock-m"])
    flat = lambda d: views.Posterior(built, {k: d.flat(k) for k in d.values})  # noqa: E731
    return built, flat(draws), flat(without)


def test_the_fit_respects_the_identity_the_floor_and_the_records(fitted) -> None:  # type: ignore[no-untyped-def]
    built, posterior, without = fitted
    values = posterior.values
    launches = values["launches"]
    # The merged ledger family is observed as the sum of its two pools, exactly.
    np.testing.assert_allclose(
        launches[..., 1] + launches[..., 2],
        np.broadcast_to(LAUNCHES[:, 1], launches.shape[:2]),
        rtol=1e-4,
        atol=1e-3,
    )
    # Stock identity holds draw by draw.
    flow = values["production"] + values["imports"] - launches - values["unreported_use"]
    expected = values["initial_stock"][:, None, :] + np.cumsum(flow, axis=1)
    np.testing.assert_allclose(values["stock"], expected, rtol=1e-3, atol=0.05)
    # Non-negative as part of the model: no clamp, and nothing noticeably below zero.
    assert values["stock"].min() > -3.0
    assert np.all(values["production"][..., 2] == 0.0)  # Kh-555 is not produced
    assert np.all(values["unreported_use"] >= 0.0)
    # The ceiling binds: leaving it out raises the stock it describes.
    index = built.term_index("stock-m")
    with_ceiling = np.median(posterior.values["term_value"][:, index])
    no_ceiling = np.median(without.values["term_value"][:, index])
    assert with_ceiling < 125 < no_ceiling


def test_views_report_stocks_checks_and_leave_one_out(fitted) -> None:  # type: ignore[no-untyped-def]
    built, posterior, without = fitted
    monthly = views.monthly_frame(posterior)
    assert "shortfall" not in set(monthly["quantity"])
    assert {"stock", "unreported_use", "net_accumulation"} <= set(monthly["quantity"])
    assert {"family", "pool", "class"} == set(monthly["level"])
    row = monthly[(monthly["name"] == "Kh-101/Kh-555") & (monthly["quantity"] == "stock")]
    pools = monthly[monthly["name"].isin(["Kh-101", "Kh-555"]) & (monthly["quantity"] == "stock")]
    assert row["mean"].sum() == pytest.approx(pools["mean"].sum(), rel=1e-3)
    assert np.all(row[["p5", "p25", "p50", "p75", "p95"]].diff(axis=1).iloc[:, 1:] >= 0)
    summary = views.summary_frame(posterior)
    grew = summary[(summary["name"] == "Iskander-M") & (summary["metric"] == "p_stock_grew_12m")]
    assert 0.0 <= float(grew["p50"].iloc[0]) <= 1.0
    checks = views.record_checks(posterior)
    assert sorted(checks["record"]) == sorted(t.record_id for t in built.terms)
    assert checks["reproduced"].dtype == bool
    loo = views.loo_table(posterior, refit=lambda ids: [without for _ in ids])
    assert set(loo["record"]) == {"stock-m", "stock-pair", "stock-555"}
    assert 0.0 <= loo.attrs["coverage_90"] <= 1.0
    assert set(loo["method"]) <= {"psis", "refit"}
    sensitivity = views.sensitivity_table(posterior, posterior.series()[:1], refit=None, top=3)
    assert set(sensitivity["headline"]) == {"stock_now", "growth_12m"}
    assert len(sensitivity) == 6
