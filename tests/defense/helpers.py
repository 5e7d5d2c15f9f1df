"""A small hand-built defense for tests that do not need the shipped estimates."""

from __future__ import annotations

from missilewatch.defense import Defense, Engagement, InterceptorType, Spread, ThreatExposure


def small_defense(
    *,
    patriot_stock: Spread = Spread(20, 40, 80),
    patriot_channels: float = 16,
    ballistic_share: float = 0.3,
) -> Defense:
    """Two counted types and one untracked layer; six threat families."""
    patriot = InterceptorType(
        "PAC-3 MSE",
        {
            "ballistic": Engagement(0.8, 2),
            "aeroballistic": Engagement(0.7, 2),
            "cruise": Engagement(0.9, 1),
        },
        initial_stock=patriot_stock,
        deliveries_per_month=Spread(2, 4, 8),
        fire_units=Spread.exact(2),
        engagements_per_unit=Spread.exact(patriot_channels / 2),
    )
    iris = InterceptorType(
        "IRIS-T SLM",
        {"cruise": Engagement(0.85, 1)},
        initial_stock=Spread(10, 30, 60),
        deliveries_per_month=Spread(3, 5, 8),
        fire_units=Spread(2, 3, 4),
        engagements_per_unit=Spread.exact(8),
    )
    other = InterceptorType(
        "other means",
        {"cruise": Engagement(0.5, 1), "attack-uav": Engagement(0.8, 1)},
        tracked=False,
    )
    threats = {
        "Iskander-M": ThreatExposure("Iskander-M", "ballistic", ballistic_share, 0.9),
        "Kinzhal": ThreatExposure("Kinzhal", "aeroballistic", 0.4, 0.8),
        "Kh-101/Kh-555": ThreatExposure("Kh-101/Kh-555", "cruise", 0.9, 5.0),
        "Shahed/Geran": ThreatExposure("Shahed/Geran", "attack-uav", 0.85, 4.0),
        # Second families in the ballistic and cruise classes share those layers.
        "KN-23": ThreatExposure("KN-23", "ballistic", 0.5, 3.0),
        "Kalibr": ThreatExposure("Kalibr", "cruise", 0.8, 5.0),
    }
    return Defense(
        {"PAC-3 MSE": patriot, "IRIS-T SLM": iris, "other means": other},
        threats,
        {"cruise": ("IRIS-T SLM", "PAC-3 MSE", "other means")},
    )
