"""Air-defense public functions: intercept calibration, raid, campaign and depletion.

Thin views over :func:`missilewatch.baseline.load_baseline`, :class:`missilewatch.run.RunSpec`
and :func:`missilewatch.run.simulate`; the defense is built by the pure
:func:`missilewatch.defense.setup.build_defense` and the tables by
:mod:`missilewatch.defense.frames`. Figures from the ledger are Ukrainian Air Force
reports, via the public dataset "Massive Missile Attacks on Ukraine" (Petro Ivaniuk,
Kaggle piterfm/massive-missile-attacks-on-ukraine).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from missilewatch.baseline import Baseline, load_baseline, load_layers
from missilewatch.defense import calibration
from missilewatch.defense.frames import (
    SATURATION_PATHS,
    CampaignResult,
    RaidResult,
    campaign_from_forecast,
    raid_interceptors,
    raid_leakers,
    saturation_curve,
)
from missilewatch.defense.params import Defense
from missilewatch.defense.raid import check_raid, parse_raid, simulate_raid
from missilewatch.defense.setup import (
    DefenseSetup,
    Layers,
    build_defense,
    defense_frame,
    parse_stock,
)
from missilewatch.errors import InputError
from missilewatch.estimates import EstimateSet
from missilewatch.model.adjustments import BASELINE, Adjustments
from missilewatch.names import resolve_class, resolve_family
from missilewatch.run import DEFENSE, RunSpec, defense_setup, simulate

ProgressCallback = Callable[[int, int], None]

if TYPE_CHECKING:
    from missilewatch.views.interceptors import InterceptorReconstruction


# ---------------------------------------------------------------------------------------
# Calibration
# ---------------------------------------------------------------------------------------


def intercept_calibration(
    db: Path | None = None,
    *,
    families: Sequence[str] | None = None,
    period: str = "quarter",
    by: str = "family",
    start: date | str | None = None,
    end: date | str | None = None,
) -> pd.DataFrame:
    """Intercept rates per threat family (or class) and period, with beta-binomial fits.

    One row per attack and group is built from the ledger's allocated rows (reports with
    no missile launched are left out); see :func:`missilewatch.defense.calibration.rate_table`
    for the columns. ``families`` filters the groups (family or class names, as ``by``).

    Raises:
        UnknownNameError: a name in ``families`` that is not in the ledger.
    """
    attacks = _per_attack(db, by=by, start=start, end=end)
    if families:
        chosen = _resolve_groups(families, sorted(set(attacks["group"])), by)
        attacks = attacks[attacks["group"].isin(chosen)]
    table = calibration.rate_table(attacks, period=period)
    if by == "family":
        return table.rename(columns={"group": "family"})
    # By class the group is the class itself.
    return table.drop(columns=["group"])


def _resolve_groups(names: Iterable[str], present: list[str], by: str) -> list[str]:
    """Families (or classes, ``by="class"``) as typed, resolved to the ledger's groups."""
    if by == "family":
        return [
            resolve_family(name, present, covered_by="in the ledger's missile attacks")
            for name in names
        ]
    return [
        resolve_class(name, present, covered_by="in the ledger's missile attacks") for name in names
    ]


def resolve_raid_names(counts: Mapping[str, int], defense: Defense) -> dict[str, int]:
    """A raid's family names as typed (``iskander=40``), resolved to the defense's threats.

    Raises:
        UnknownNameError: a name that is no family, or a family the model does not engage.
        InputError: two names that denote the same family.
    """
    resolved: dict[str, int] = {}
    for name, count in counts.items():
        family = resolve_family(
            name,
            list(defense.threats),
            field=None,
            kind="threat",
            covered_by="engaged by the air-defense model",
        )
        if family in resolved:
            raise InputError(f"raid: {name!r} and another name both denote {family!r}")
        resolved[family] = count
    return resolved


def attack_outcomes(
    db: Path | None = None,
    *,
    family: str,
    by: str = "family",
    start: date | str | None = None,
    end: date | str | None = None,
) -> pd.DataFrame:
    """Attacks with none / some / all missiles destroyed: observed, beta-binomial, binomial.

    See :func:`missilewatch.defense.calibration.outcome_distribution` for the columns.
    """
    attacks = _per_attack(db, by=by, start=start, end=end)
    (group,) = _resolve_groups([family], sorted(set(attacks["group"])), by)
    chosen = attacks[attacks["group"] == group]
    fit = calibration.fit_beta_binomial(
        chosen["launched"].to_numpy(), chosen["destroyed"].to_numpy()
    )
    return calibration.outcome_distribution(chosen, fit)


def _per_attack(
    db: Path | None,
    *,
    by: str,
    start: date | str | None = None,
    end: date | str | None = None,
) -> pd.DataFrame:
    from missilewatch import ledger

    rows = ledger.attacks(db, allocated=True, start=start, end=end)
    return calibration.per_attack(rows, by=by)


def load_setup(
    estimates: Path | EstimateSet | None = None,
    db: Path | None = None,
    as_of: date | None = None,
    *,
    baseline: Baseline | None = None,
) -> tuple[DefenseSetup, date]:
    """Build the defense from the estimates (shipped plus ``estimates``) and the ledger.

    ``as_of`` picks the records in force (default: the ledger's last report date).
    """
    inputs = baseline if baseline is not None else load_baseline(db, estimates)
    day = as_of or inputs.calendar.last_report
    return defense_setup(inputs, day), day


def raid(
    raid: Mapping[str, int] | str,
    *,
    paths: int,
    seed: int,
    estimates: Path | EstimateSet | None = None,
    defense: Defense | DefenseSetup | None = None,
    db: Path | None = None,
    stock: Mapping[str, float] | None = None,
    saturation: bool = True,
    progress: ProgressCallback | None = None,
    baseline: Baseline | None = None,
) -> RaidResult:
    """Monte Carlo of one raid against the defense; see :class:`RaidResult`.

    Args:
        raid: family -> missiles, or text such as ``"Iskander-M=40,Kinzhal=10"``.
        paths: independent realisations (1 to ``MAX_PATHS``).
        seed: root seed; same seed, same numbers (the run's ``raid`` stream).
        estimates: a user estimates file overriding the shipped records.
        defense: a ready :class:`Defense` (or setup) instead of the one built from data.
        db: the ledger store for the calibration (default store or shipped snapshot).
        stock: interceptor type -> stock on hand, replacing the drawn initial stock.
        saturation: also compute the saturation curve (a few extra, smaller runs).
        progress: ``progress(done, total)`` after each chunk of paths.
        baseline: inputs already read (then ``db`` and ``estimates`` are not read).
    """
    spec = RunSpec(paths=paths, seed=seed)
    counts = parse_raid(raid) if isinstance(raid, str) else dict(raid)
    check_raid(counts)
    if isinstance(defense, DefenseSetup):
        setup: DefenseSetup | None = defense
        chosen = defense.defense
    elif isinstance(defense, Defense):
        setup, chosen = None, defense
    else:
        setup, _ = load_setup(estimates, db, baseline=baseline)
        chosen = setup.defense
    counts = resolve_raid_names(counts, chosen)
    draws = simulate_raid(
        counts,
        chosen,
        paths=spec.paths,
        seed=spec.seed_sequence("raid"),
        stock_override=stock,
        progress=progress,
    )
    assumption = dict(setup.assumption) if setup else {}
    leakers = raid_leakers(draws, chosen)
    interceptors = raid_interceptors(draws, chosen, assumption)
    curve = (
        saturation_curve(
            counts,
            chosen,
            paths=min(spec.paths, SATURATION_PATHS),
            seed=spec.seed_sequence("raid"),
            stock=stock,
        )
        if saturation
        else pd.DataFrame()
    )
    calibrated_on = dict(setup.calibrated_on) if setup else {}
    return RaidResult(leakers, interceptors, curve, draws, calibrated_on)


def defense_campaign(
    *,
    until: str | pd.Period,
    paths: int,
    seed: int,
    estimates: Path | EstimateSet | None = None,
    db: Path | None = None,
    adjustments: Adjustments = BASELINE,
    start: str | pd.Period | None = None,
    progress: ProgressCallback | None = None,
    baseline: Baseline | None = None,
    reconstruction: InterceptorReconstruction | None = None,
) -> CampaignResult:
    """Couple the strike forecast with the interceptor stocks: ``simulate`` with the
    air-defense engine. The forecast starts in ``start`` (default: the baseline
    calendar's first forecast month, as for every engine).

    With ``reconstruction`` (:func:`missilewatch.views.interceptors.reconstruct`) the
    campaign starts from its posterior stock and the result carries its depletion
    answer: ``headline``, ``reconstructed_depletion`` and ``sensitivity``."""
    spec = RunSpec(until=until, paths=paths, seed=seed, adjustments=adjustments, start=start)
    inputs = baseline if baseline is not None else load_baseline(db, estimates)
    run = simulate(inputs, spec, engines={DEFENSE}, progress=progress, interceptors=reconstruction)
    assert run.campaign_result is not None
    return run.campaign_result


__all__ = [
    "CampaignResult",
    "DefenseSetup",
    "Layers",
    "RaidResult",
    "attack_outcomes",
    "build_defense",
    "campaign_from_forecast",
    "defense_campaign",
    "defense_frame",
    "intercept_calibration",
    "load_layers",
    "load_setup",
    "parse_stock",
    "raid",
]
