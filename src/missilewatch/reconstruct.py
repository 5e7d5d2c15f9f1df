"""The fitted stock reconstruction for the ledger and the estimates in force.

The edge around :mod:`missilewatch.model.reconstruction`: reads the ledger's monthly
launches and the estimates, builds the problem, fits it with NUTS (or loads the cached
posterior: keyed by the ledger's fingerprint, the estimates' hash, the model version and
the fit settings), and hands out the views of :mod:`missilewatch.model.posterior`.
Refits (leave-one-out where Pareto k is high, sensitivity) reuse the compiled model in
this process by default, or run on any ``concurrent.futures.Executor``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from missilewatch.estimates import EstimateSet
from missilewatch.estimates import load as load_estimates
from missilewatch.estimates.records import POOL_NAMES, RUSSIAN_QUANTITIES, STOCK_POOLS
from missilewatch.inference import (
    Diagnostics,
    FitProgress,
    PosteriorCache,
    SamplerSettings,
    cache_key,
    diagnose,
    no_progress,
)
from missilewatch.model import posterior as views
from missilewatch.model.reconstruction import MODEL_VERSION, Problem, build_problem, fit

#: The fit the CLI, report and forecasts use: 4 chains, vectorised.
DEFAULT_SETTINGS: Final = SamplerSettings(
    chains=4, warmup=500, samples=500, seed=0, dense_mass=False, max_tree_depth=8
)
#: Quantities whose diagnostics decide convergence (what is reported).
REPORTED: Final = ("stock", "production", "unreported_use")


def modelled_families(estimates: EstimateSet) -> list[str]:
    """Ledger families with an initial stock (for a family of several pools: each pool's)."""
    subjects = {r.subject for r in estimates.select("initial_stock") if len(r.subjects) == 1}
    names = {s for s in subjects if s not in POOL_NAMES}
    names |= {f for f, pools in STOCK_POOLS.items() if all(p in subjects for p in pools)}
    return sorted(names)


def _fingerprint(months: Sequence[str], families: Sequence[str], launches: np.ndarray) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps([list(months), list(families)]).encode())
    digest.update(np.ascontiguousarray(launches, dtype=np.float64).tobytes())
    return digest.hexdigest()[:24]


def estimates_hash(records: Sequence[object]) -> str:
    return hashlib.sha256(repr(sorted(map(repr, records))).encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Reconstruction:
    """A fitted reconstruction: its problem, flat posterior draws and diagnostics."""

    problem: Problem
    posterior: views.Posterior
    diagnostics: Diagnostics
    settings: SamplerSettings
    from_cache: bool
    key: str

    def monthly(self) -> pd.DataFrame:
        return views.monthly_frame(self.posterior)

    def summary(self) -> pd.DataFrame:
        return views.summary_frame(self.posterior)

    def checks(self) -> pd.DataFrame:
        return views.record_checks(self.posterior)

    def refit_without(
        self, record_ids: Sequence[str], executor: Executor | None = None
    ) -> list[views.Posterior]:
        """One refit per record id, each without that record."""
        if executor is None:
            return [_refit(self.problem, [rid], self.settings) for rid in record_ids]
        futures = [
            executor.submit(_refit, self.problem, [rid], self.settings) for rid in record_ids
        ]
        return [future.result() for future in futures]

    def loo(self, executor: Executor | None = None, *, refit: bool = True) -> pd.DataFrame:
        return views.loo_table(
            self.posterior,
            (lambda ids: self.refit_without(ids, executor)) if refit else None,
        )

    def sensitivity(
        self,
        names: Sequence[str] | None = None,
        executor: Executor | None = None,
        *,
        refit: bool = True,
    ) -> pd.DataFrame:
        series = [s for s in self.posterior.series() if names is None or s[1] in names]
        return views.sensitivity_table(
            self.posterior,
            series,
            (lambda ids: self.refit_without(ids, executor)) if refit else None,
        )


def _refit(problem: Problem, left_out: Sequence[str], settings: SamplerSettings) -> views.Posterior:
    draws = fit(problem, settings, left_out=left_out)
    return views.Posterior(problem, {k: draws.flat(k) for k in draws.values})


def problem_from_ledger(estimates: EstimateSet, db: Path | None = None) -> tuple[Problem, str]:
    """The problem for the ledger's complete months and the estimates; and its fingerprint."""
    from missilewatch.baseline import load_baseline
    from missilewatch.model.setup import history_from_baseline

    families = modelled_families(estimates)
    # The ledger and its month calendar only: the records are the reviewed ones passed in.
    history = history_from_baseline(load_baseline(db, None), families)
    months = [str(m) for m in history.months]
    records = [r for r in estimates if r.quantity in RUSSIAN_QUANTITIES]
    problem = build_problem(
        months=months,
        families=families,
        weapon_classes=history.weapon_classes,
        ledger_launches=history.launches,
        records=records,
    )
    return problem, _fingerprint(months, families, history.launches)


def reconstruct(
    *,
    estimates: Path | EstimateSet | None = None,
    db: Path | None = None,
    settings: SamplerSettings = DEFAULT_SETTINGS,
    cache: PosteriorCache | None = None,
    use_cache: bool = True,
    progress: FitProgress = no_progress,
) -> Reconstruction:
    """Fit (or load) the reconstruction of every modelled family."""
    estimate_set = (
        estimates
        if isinstance(estimates, EstimateSet)
        else load_estimates(estimates, reconstruction=True)
    )
    problem, fingerprint = problem_from_ledger(estimate_set, db)
    records = [r for r in estimate_set if r.quantity in RUSSIAN_QUANTITIES]
    key = cache_key(
        data_fingerprint=fingerprint,
        estimates_hash=estimates_hash(records),
        model_version=MODEL_VERSION,
        settings=settings.key(),
    )
    store = cache if cache is not None else PosteriorCache.default()
    if use_cache:
        hit = store.load(key)
        if hit is not None:
            arrays, metadata = hit
            diverging = arrays.pop("__diverging__")
            diagnostics = _diagnostics_from(metadata, diverging)
            return Reconstruction(
                problem=problem,
                posterior=views.Posterior(problem, arrays),
                diagnostics=diagnostics,
                settings=settings,
                from_cache=True,
                key=key,
            )
    draws = fit(problem, settings, progress=progress)
    diagnostics = diagnose(
        {
            f"{name}[{pool}]": draws.values[name][..., p]
            for name in REPORTED
            for p, pool in enumerate(problem.pools)
        },
        draws.diverging,
        seconds=draws.seconds,
    )
    flat = {name: draws.flat(name) for name in draws.values}
    if use_cache:
        store.save(
            key,
            {**flat, "__diverging__": draws.diverging},
            {
                "model_version": MODEL_VERSION,
                "settings": settings.key(),
                "diagnostics": diagnostics.to_rows(),
                "seconds": draws.seconds,
                "divergences": diagnostics.divergences,
                "chains": diagnostics.chains,
            },
        )
    return Reconstruction(
        problem=problem,
        posterior=views.Posterior(problem, flat),
        diagnostics=diagnostics,
        settings=settings,
        from_cache=False,
        key=key,
    )


def _diagnostics_from(metadata: dict[str, object], diverging: np.ndarray) -> Diagnostics:
    from missilewatch.inference.diagnostics import QuantityCheck

    rows = metadata.get("diagnostics", [])
    assert isinstance(rows, list)
    return Diagnostics(
        quantities=tuple(
            QuantityCheck(
                name=str(row["quantity"]),
                rhat=float(row["rhat"]),
                ess_bulk=float(row["ess_bulk"]),
                ess_tail=float(row["ess_tail"]),
            )
            for row in rows
        ),
        divergences=int(np.asarray(diverging).sum()),
        transitions=int(np.asarray(diverging).size),
        chains=int(np.asarray(diverging).shape[0]),
        seconds=float(metadata.get("seconds", 0.0)),  # type: ignore[arg-type]
    )
