"""Convergence diagnostics with ArviZ: R-hat, bulk and tail ESS, divergences, a verdict.

A fit is *converged* when every checked quantity has R-hat <= ``RHAT_LIMIT`` and the
share of divergent transitions is at most ``DIVERGENCE_SHARE_LIMIT``. The targets a
benchmark reports against are stricter (``RHAT_TARGET``, ``ESS_TARGET``); a fit that
misses the limits is reported with the quantities affected, never printed as an answer
without that warning.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np

#: Above this R-hat a quantity has not converged (the issue's and Stan's warning level).
RHAT_LIMIT: Final = 1.05
#: Target for reported quantities (Vehtari et al. 2021).
RHAT_TARGET: Final = 1.01
#: Target bulk ESS for reported quantities.
ESS_TARGET: Final = 400
#: More than this share of divergent transitions makes the fit unreliable.
DIVERGENCE_SHARE_LIMIT: Final = 0.01


@dataclass(frozen=True)
class QuantityCheck:
    """Worst diagnostics over the elements of one quantity (e.g. every month of a stock)."""

    name: str
    rhat: float
    ess_bulk: float
    ess_tail: float

    @property
    def converged(self) -> bool:
        return bool(np.isfinite(self.rhat) and self.rhat <= RHAT_LIMIT)


@dataclass(frozen=True)
class Diagnostics:
    """What the fit's diagnostics say, per quantity and overall."""

    quantities: tuple[QuantityCheck, ...]
    divergences: int
    transitions: int
    chains: int
    seconds: float

    @property
    def max_rhat(self) -> float:
        return max((q.rhat for q in self.quantities), default=float("nan"))

    @property
    def min_ess_bulk(self) -> float:
        return min((q.ess_bulk for q in self.quantities), default=float("nan"))

    @property
    def min_ess_tail(self) -> float:
        return min((q.ess_tail for q in self.quantities), default=float("nan"))

    @property
    def divergence_share(self) -> float:
        return self.divergences / self.transitions if self.transitions else 0.0

    @property
    def affected(self) -> tuple[str, ...]:
        """Quantities whose R-hat is over the limit (or not finite)."""
        return tuple(q.name for q in self.quantities if not q.converged)

    @property
    def converged(self) -> bool:
        return not self.affected and self.divergence_share <= DIVERGENCE_SHARE_LIMIT

    @property
    def meets_targets(self) -> bool:
        return (
            self.converged
            and self.max_rhat <= RHAT_TARGET
            and self.min_ess_bulk >= ESS_TARGET
            and self.divergences == 0
        )

    def verdict(self) -> str:
        """One line: converged or not, with the figures and what is affected."""
        figures = (
            f"R-hat max {self.max_rhat:.3f}, bulk ESS min {self.min_ess_bulk:.0f}, "
            f"tail ESS min {self.min_ess_tail:.0f}, {self.divergences} divergent of "
            f"{self.transitions} transitions ({self.chains} chains, {self.seconds:.1f} s)"
        )
        if self.converged:
            return f"converged: {figures}"
        problems = []
        if self.affected:
            problems.append("not converged: " + ", ".join(self.affected))
        if self.divergence_share > DIVERGENCE_SHARE_LIMIT:
            problems.append(f"{self.divergence_share:.1%} divergent transitions")
        return "NOT CONVERGED (" + "; ".join(problems) + f"): {figures}"

    def to_rows(self) -> list[dict[str, object]]:
        return [
            {
                "quantity": q.name,
                "rhat": round(q.rhat, 4),
                "ess_bulk": round(q.ess_bulk, 1),
                "ess_tail": round(q.ess_tail, 1),
                "converged": q.converged,
            }
            for q in self.quantities
        ]


def diagnose(
    values: Mapping[str, np.ndarray],
    diverging: np.ndarray,
    *,
    names: Iterable[str] | None = None,
    seconds: float = 0.0,
) -> Diagnostics:
    """Diagnostics of draws shaped (chains, draws, ...) per quantity.

    ``names`` picks the quantities checked (default: all). Elements that never vary
    (a stock fixed at zero, a month with production suspended) are left out of the
    check: R-hat is undefined for a constant.
    """
    import arviz as az

    chosen = list(names) if names is not None else list(values)
    data: dict[str, np.ndarray] = {}
    for name in chosen:
        array = np.asarray(values[name], dtype=np.float64)
        chains, draws = array.shape[:2]
        flat = array.reshape(chains, draws, -1)
        scale = 1.0 + np.abs(flat).mean(axis=(0, 1))
        varying = flat.std(axis=(0, 1)) > 1e-9 * scale
        if np.any(varying):
            data[name] = flat[:, :, varying]
    checks = []
    if data:
        dataset = az.convert_to_dataset(data)
        rhat = az.rhat(dataset)
        bulk = az.ess(dataset, method="bulk")
        tail = az.ess(dataset, method="tail")
        for name in data:
            checks.append(
                QuantityCheck(
                    name=name,
                    rhat=float(np.nanmax(rhat[name].values)),
                    ess_bulk=float(np.nanmin(bulk[name].values)),
                    ess_tail=float(np.nanmin(tail[name].values)),
                )
            )
    return Diagnostics(
        quantities=tuple(checks),
        divergences=int(np.asarray(diverging).sum()),
        transitions=int(np.asarray(diverging).size),
        chains=int(np.asarray(diverging).shape[0]),
        seconds=seconds,
    )
