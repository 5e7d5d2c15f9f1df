"""Intercept probabilities calibrated on the ledger, with their uncertainty.

Two views of the same counts (one row per attack and threat group: missiles launched
and destroyed, as reported by the Ukrainian Air Force):

* **Rates over time.** destroyed / launched per group and period with a 90% interval.
  Intercepts cluster by attack, so the missiles of one attack are not independent
  trials; a plain Beta posterior on the pooled counts would be far too narrow. The
  counts are divided by the design effect ``1 + (mean missiles per attack - 1) * rho``
  (rho: the intra-attack correlation from the beta-binomial fit) before the Jeffreys
  Beta(1/2, 1/2) posterior is taken.
* **Per-attack outcomes.** The number destroyed in an attack of ``n`` missiles is
  modelled as beta-binomial(n, alpha, beta), fitted by maximum likelihood. The check
  that it fits is the share of attacks with no intercept at all, observed versus
  implied by the fit (and versus a single binomial rate, which misses it badly).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
from scipy import optimize, stats

from missilewatch.errors import InputError, ParameterError

#: Fewer attacks than this and a group-period gets rates but no beta-binomial fit.
MIN_ATTACKS_FOR_FIT: Final = 8
#: Periods accepted by :func:`rate_table`.
PERIODS: Final = {"month": "M", "quarter": "Q", "year": "Y"}
REQUIRED_COLUMNS: Final = ("report_id", "date", "family", "weapon_class", "launched", "destroyed")


@dataclass(frozen=True, slots=True)
class BetaBinomialFit:
    """Maximum-likelihood beta-binomial fit of destroyed-per-attack counts.

    Attributes:
        alpha, beta: the Beta parameters of the per-attack intercept probability.
        attacks: attacks used in the fit.
        log_likelihood: at the optimum.
    """

    alpha: float
    beta: float
    attacks: int
    log_likelihood: float

    @property
    def mean(self) -> float:
        """Mean intercept probability per missile."""
        return self.alpha / (self.alpha + self.beta)

    @property
    def concentration(self) -> float:
        return self.alpha + self.beta

    @property
    def overdispersion(self) -> float:
        """Intra-attack correlation rho = 1 / (alpha + beta + 1); 0 for a plain binomial."""
        return 1.0 / (self.alpha + self.beta + 1.0)

    def zero_share(self, launched: np.ndarray) -> float:
        """Expected share of these attacks with no missile destroyed."""
        return float(np.mean(stats.betabinom.pmf(0, launched, self.alpha, self.beta)))

    def all_share(self, launched: np.ndarray) -> float:
        """Expected share of these attacks with every missile destroyed."""
        return float(np.mean(stats.betabinom.pmf(launched, launched, self.alpha, self.beta)))


def per_attack(frame: pd.DataFrame, *, by: str = "family") -> pd.DataFrame:
    """Sum the ledger's allocated rows into one row per attack and group.

    Args:
        frame: rows with ``report_id, date, family, weapon_class, launched, destroyed``.
        by: ``"family"`` or ``"class"`` (a report's families of one class pooled).

    Returns:
        Columns ``report_id, date, group, weapon_class, launched, destroyed`` (int64);
        attacks with no missile launched are dropped; ``destroyed`` is capped at
        ``launched`` (a few early rows report more destroyed than launched; the count
        of capped attacks is in ``frame.attrs["capped"]``).
    """
    missing = [column for column in REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        raise InputError(f"calibration input: missing column(s) {', '.join(missing)}")
    if by not in ("family", "class"):
        raise ParameterError(f"by: must be 'family' or 'class', got {by!r}")
    group_column = "family" if by == "family" else "weapon_class"
    grouped = (
        frame.assign(group=frame[group_column])
        .groupby(["report_id", "group"], sort=False, as_index=False)
        .agg(
            date=("date", "first"),
            weapon_class=("weapon_class", "first"),
            launched=("launched", "sum"),
            destroyed=("destroyed", "sum"),
        )
    )
    grouped = grouped[grouped["launched"] > 0].copy()
    capped = grouped["destroyed"] > grouped["launched"]
    grouped["destroyed"] = np.minimum(grouped["destroyed"], grouped["launched"])
    grouped["launched"] = grouped["launched"].astype("int64")
    grouped["destroyed"] = grouped["destroyed"].astype("int64")
    grouped["date"] = pd.to_datetime(grouped["date"])
    result = grouped[["report_id", "date", "group", "weapon_class", "launched", "destroyed"]]
    result = result.sort_values(["group", "date", "report_id"]).reset_index(drop=True)
    result.attrs["capped"] = int(capped.sum())
    return result


def fit_beta_binomial(launched: np.ndarray, destroyed: np.ndarray) -> BetaBinomialFit:
    """Maximum-likelihood beta-binomial fit (attacks may differ in size).

    Optimised over (log alpha, log beta) from a method-of-moments start; the bounds
    keep the optimiser away from the degenerate corners (all or nothing destroyed).
    """
    n = np.asarray(launched, dtype=np.int64)
    k = np.asarray(destroyed, dtype=np.int64)
    if n.size == 0:
        raise ParameterError("beta-binomial fit: no attacks")
    if np.any(n < 1) or np.any(k < 0) or np.any(k > n):
        raise ParameterError("beta-binomial fit: needs 0 <= destroyed <= launched, launched >= 1")

    def negative_log_likelihood(theta: np.ndarray) -> float:
        alpha, beta = math.exp(theta[0]), math.exp(theta[1])
        return -float(np.sum(stats.betabinom.logpmf(k, n, alpha, beta)))

    start = np.log(_moments_start(n, k))
    bounds = [(-9.0, 9.0), (-9.0, 9.0)]
    best = optimize.minimize(negative_log_likelihood, start, method="L-BFGS-B", bounds=bounds)
    alpha, beta = (float(v) for v in np.exp(best.x))
    return BetaBinomialFit(alpha, beta, int(n.size), -float(best.fun))


def _moments_start(n: np.ndarray, k: np.ndarray) -> tuple[float, float]:
    """Method-of-moments (alpha, beta) from per-attack shares, clipped to sane values."""
    shares = k / n
    mean = float(np.clip(shares.mean(), 0.02, 0.98))
    variance = float(shares.var())
    ceiling = mean * (1.0 - mean)
    # Var(share) ~= mu (1 - mu) * rho for large attacks; rho = 1 / (alpha + beta + 1).
    rho = float(np.clip(variance / ceiling if ceiling > 0 else 0.5, 0.02, 0.98))
    concentration = 1.0 / rho - 1.0
    return mean * concentration, (1.0 - mean) * concentration


def jeffreys_interval(
    destroyed: float, launched: float, design_effect: float = 1.0
) -> tuple[float, float, float]:
    """(p5, p50, p95) of the Jeffreys posterior on counts deflated by ``design_effect``."""
    if launched <= 0:
        return (math.nan, math.nan, math.nan)
    effective_n = launched / max(design_effect, 1.0)
    effective_k = destroyed / max(design_effect, 1.0)
    posterior = stats.beta(effective_k + 0.5, effective_n - effective_k + 0.5)
    p5, p50, p95 = posterior.ppf([0.05, 0.5, 0.95])
    return (float(p5), float(p50), float(p95))


RATE_COLUMNS: Final = [
    "group",
    "weapon_class",
    "period",
    "period_start",
    "attacks",
    "launched",
    "destroyed",
    "intercept_rate",
    "p5",
    "p50",
    "p95",
    "alpha",
    "beta",
    "overdispersion",
    "zero_share_observed",
    "zero_share_fitted",
    "zero_share_binomial",
    "all_share_observed",
    "all_share_fitted",
]


def rate_table(attacks: pd.DataFrame, *, period: str = "quarter") -> pd.DataFrame:
    """Intercept rates per group and period, plus one ``period == "all"`` row per group.

    Args:
        attacks: the output of :func:`per_attack`.
        period: ``"month"``, ``"quarter"`` or ``"year"``.

    Returns:
        Columns (see ``RATE_COLUMNS``): ``group`` (family or class), ``weapon_class``,
        ``period`` (label such as ``2025Q3``, or ``all``), ``period_start``
        (datetime64; the first attack's date for ``all``), ``attacks``, ``launched``,
        ``destroyed`` (int64), ``intercept_rate`` (destroyed / launched), ``p5, p50,
        p95`` (90% interval allowing for clustering by attack), ``alpha, beta`` and
        ``overdispersion`` (beta-binomial fit; NaN with fewer than
        ``MIN_ATTACKS_FOR_FIT`` attacks), ``zero_share_observed`` / ``_fitted`` /
        ``_binomial`` (share of attacks with no intercept: seen, implied by the
        beta-binomial, implied by one binomial rate) and ``all_share_observed`` /
        ``_fitted`` (share of attacks of two or more missiles with all destroyed).
    """
    if period not in PERIODS:
        raise ParameterError(f"period: must be one of {', '.join(PERIODS)}, got {period!r}")
    rows: list[dict[str, object]] = []
    for group, of_group in attacks.groupby("group", sort=True):
        whole = _summary_row(of_group, fallback_rho=None)
        rho = whole["overdispersion"]
        fallback = float(rho) if isinstance(rho, float) and not math.isnan(rho) else None
        whole.update(group=group, period="all", period_start=of_group["date"].min())
        rows.append(whole)
        labels = of_group["date"].dt.to_period(PERIODS[period])
        for label, of_period in of_group.groupby(labels, sort=True):
            row = _summary_row(of_period, fallback_rho=fallback)
            row.update(group=group, period=str(label), period_start=label.start_time)
            rows.append(row)
    table = pd.DataFrame(rows, columns=RATE_COLUMNS)
    for column in ("attacks", "launched", "destroyed"):
        table[column] = table[column].astype("int64")
    table["period_start"] = pd.to_datetime(table["period_start"])
    return table


def _summary_row(attacks: pd.DataFrame, *, fallback_rho: float | None) -> dict[str, object]:
    n = attacks["launched"].to_numpy(dtype=np.int64)
    k = attacks["destroyed"].to_numpy(dtype=np.int64)
    launched, destroyed = int(n.sum()), int(k.sum())
    rate = destroyed / launched if launched else math.nan
    row: dict[str, object] = {
        "weapon_class": attacks["weapon_class"].iloc[0],
        "attacks": len(attacks),
        "launched": launched,
        "destroyed": destroyed,
        "intercept_rate": rate,
        "alpha": math.nan,
        "beta": math.nan,
        "overdispersion": math.nan,
        "zero_share_observed": float(np.mean(k == 0)),
        "zero_share_fitted": math.nan,
        "zero_share_binomial": float(np.mean((1.0 - rate) ** n)),
        "all_share_observed": _all_share_observed(n, k),
        "all_share_fitted": math.nan,
    }
    rho = fallback_rho
    if len(attacks) >= MIN_ATTACKS_FOR_FIT:
        fit = fit_beta_binomial(n, k)
        rho = fit.overdispersion
        several = n >= 2
        row.update(
            alpha=fit.alpha,
            beta=fit.beta,
            overdispersion=fit.overdispersion,
            zero_share_fitted=fit.zero_share(n),
            all_share_fitted=fit.all_share(n[several]) if several.any() else math.nan,
        )
    design_effect = 1.0 + (float(n.mean()) - 1.0) * (rho if rho is not None else 0.0)
    row["p5"], row["p50"], row["p95"] = jeffreys_interval(destroyed, launched, design_effect)
    return row


def _all_share_observed(n: np.ndarray, k: np.ndarray) -> float:
    several = n >= 2
    if not several.any():
        return math.nan
    return float(np.mean(k[several] == n[several]))


def outcome_distribution(attacks: pd.DataFrame, fit: BetaBinomialFit) -> pd.DataFrame:
    """Attacks by outcome (none / some / all destroyed): observed against the fit.

    Columns: ``outcome`` (``none``, ``some``, ``all``), ``observed`` (attacks, int64),
    ``fitted`` (expected attacks under the beta-binomial), ``binomial`` (expected under
    one binomial rate). Attacks of a single missile count as ``none`` or ``all``.
    """
    n = attacks["launched"].to_numpy(dtype=np.int64)
    k = attacks["destroyed"].to_numpy(dtype=np.int64)
    rate = k.sum() / n.sum()
    none_fit = stats.betabinom.pmf(0, n, fit.alpha, fit.beta)
    all_fit = stats.betabinom.pmf(n, n, fit.alpha, fit.beta)
    none_bin = (1.0 - rate) ** n
    all_bin = rate**n
    observed_none = int(np.sum(k == 0))
    observed_all = int(np.sum((k == n) & (k > 0)))
    return pd.DataFrame(
        {
            "outcome": ["none", "some", "all"],
            "observed": np.array(
                [observed_none, len(n) - observed_none - observed_all, observed_all],
                dtype=np.int64,
            ),
            "fitted": [
                float(none_fit.sum()),
                float(len(n) - none_fit.sum() - all_fit.sum()),
                float(all_fit.sum()),
            ],
            "binomial": [
                float(none_bin.sum()),
                float(len(n) - none_bin.sum() - all_bin.sum()),
                float(all_bin.sum()),
            ],
        }
    )
