"""The reviewed Russian-side records the reconstruction reads: each dated disclosure once,
with the source's own bound word, and each record used once by the model on the real ledger."""

from __future__ import annotations

from collections import Counter

import pytest

from missilewatch.estimates import load
from missilewatch.estimates.records import RUSSIAN_QUANTITIES

TRACKER = "https://github.com/Narretz/sbs-stats/blob/main/scripts/missile_stockpile/reports.json"


@pytest.fixture(scope="module")
def reviewed():  # type: ignore[no-untyped-def]
    return load(reconstruction=True)


@pytest.mark.parametrize(
    ("record_id", "subject", "bound", "value"),
    [
        ("reznikov-iskander-m-stock-2022-11", "Iskander-M", "approx", 119),
        ("reznikov-kh-101-stock-2022-11", "Kh-101", "approx", 144),
        ("reznikov-kh-555-stock-2022-11", "Kh-555", "approx", 150),
        ("hur-iskander-stock-2023-08", "Iskander-M + Iskander-K", "approx", 270),
        ("hur-kh-101-kh-55-kh-35-stock-2024-12", "Kh-101 + Kh-555 + Kh-35", "at_least", 400),
        ("hur-iskander-m-stock-2025-05", "Iskander-M", "approx", 600),
        ("hur-iskander-m-stock-2025-06", "Iskander-M", "up_to", 500),
        ("hur-iskander-m-stock-2025-07", "Iskander-M", "at_least", 250),
        ("hur-iskander-m-stock-2025-12", "Iskander-M", "at_least", 200),
        ("hur-iskander-m-stock-2026-04", "Iskander-M", "up_to", 200),
        ("hur-iskander-m-production-plan-2023-08", "Iskander-M", "planned", 30),
        (
            "hur-cruise-ballistic-production-2025",
            "cruise + ballistic + aeroballistic + anti-ship",
            "capacity",
            2900,
        ),
    ],
)
def test_disclosures_keep_the_source_word(reviewed, record_id, subject, bound, value) -> None:  # type: ignore[no-untyped-def]
    record = reviewed.get(record_id)
    assert (record.subject, record.bound) == (subject, bound)
    figure = {"up_to": record.high, "capacity": record.high, "at_least": record.low}
    assert figure.get(bound, record.central) == value  # in the unit the source used


def test_each_disclosure_is_one_record_and_pool_figures_are_context(reviewed) -> None:  # type: ignore[no-untyped-def]
    russian = [r for r in reviewed if r.quantity in RUSSIAN_QUANTITIES]
    keys = Counter(
        (r.quantity, r.subject, r.as_of, r.source.url if r.source else r.id) for r in russian
    )
    assert [key for key, count in keys.items() if count > 1] == []
    for record_id in ("mod-s-300-stock-2023", "hur-s-300-s-400-pool-2025-05"):
        assert reviewed.get(record_id).quantity == "pool_stock"
    hur = [r for r in russian if r.id.startswith("hur-") and r.id.endswith(("2025-06", "2025-12"))]
    assert hur and all(r.source is not None and r.source.seen_at == TRACKER for r in hur)
    # The shipped file the importance-sampling engine reads is untouched by the review.
    assert "reznikov-kh-555-stock-2022-11" not in {r.id for r in load()}


def test_every_reviewed_record_has_one_use_on_the_real_ledger(reviewed) -> None:  # type: ignore[no-untyped-def]
    from missilewatch.reconstruct import problem_from_ledger

    problem, fingerprint = problem_from_ledger(reviewed)
    russian = [r.id for r in reviewed if r.quantity in RUSSIAN_QUANTITIES]
    used = Counter(use.record_id for use in problem.uses)
    assert sorted(used) == sorted(russian) and set(used.values()) == {1}
    assert {"Kh-101", "Kh-555"} <= set(problem.pools)
    roles = {use.record_id: use.role for use in problem.uses}
    assert roles["hur-iskander-m-stock-2026-04"] == "likelihood"  # mid-April: end of March
    assert roles["kh-555-not-produced"] == "structural"
    assert roles["hur-s-300-s-400-pool-2025-05"] == "not used"
    assert len(fingerprint) == 24
