"""Air defense: interceptor stocks, intercept calibration, raid engagements, depletion.

A pure NumPy/SciPy core: frozen parameters and arrays in, arrays and DataFrames out.
Reading the ledger and the estimates is the job of ``missilewatch.views.defense``.
"""

from missilewatch.defense.calibration import (
    BetaBinomialFit,
    fit_beta_binomial,
    outcome_distribution,
    per_attack,
    rate_table,
)
from missilewatch.defense.campaign import NOT_DEPLETED, CampaignDraws, simulate_campaign
from missilewatch.defense.engagement import PathParameters, draw_path_parameters
from missilewatch.defense.params import (
    BALLISTIC_CLASSES,
    THREAT_CLASSES,
    Defense,
    Engagement,
    FireSystem,
    InterceptorType,
    Spread,
    ThreatExposure,
)
from missilewatch.defense.raid import (
    RaidDraws,
    parse_raid,
    simulate_raid,
    simulate_raid_reference,
)

__all__ = [
    "BALLISTIC_CLASSES",
    "NOT_DEPLETED",
    "THREAT_CLASSES",
    "BetaBinomialFit",
    "CampaignDraws",
    "Defense",
    "Engagement",
    "FireSystem",
    "InterceptorType",
    "PathParameters",
    "RaidDraws",
    "Spread",
    "ThreatExposure",
    "draw_path_parameters",
    "fit_beta_binomial",
    "outcome_distribution",
    "parse_raid",
    "per_attack",
    "rate_table",
    "simulate_campaign",
    "simulate_raid",
    "simulate_raid_reference",
]
