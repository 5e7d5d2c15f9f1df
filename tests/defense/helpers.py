"""A small hand-built defense for tests that do not need the shipped estimates."""

from __future__ import annotations

from missilewatch.defense import (
    Defense,
    Engagement,
    FireSystem,
    InterceptorType,
    Spread,
    ThreatExposure,
)


def small_defense(
    *,
    patriot_stock: Spread = Spread(20, 40, 80),
    patriot_channels: float = 16,
    ballistic_share: float = 0.3,
    gem_t_stock: Spread | None = None,
    uncertain_doctrine: bool = False,
) -> Defense:
    """Two (or three) counted types and one untracked layer; six threat families.

    ``gem_t_stock`` adds PAC-2 GEM-T as a second type of the Patriot fire system (it
    shares the Patriot channels). ``uncertain_doctrine`` gives PAC-3 MSE a range of
    shots per target and kill probabilities instead of fixed values.
    """
    patriot_system = FireSystem("Patriot", Spread.exact(2), Spread.exact(patriot_channels / 2))
    if uncertain_doctrine:
        ballistic = Engagement(Spread(0.5, 0.7, 0.9), Spread(2, 2, 3))
        aeroballistic = Engagement(Spread(0.4, 0.6, 0.8), Spread(2, 2, 3))
    else:
        ballistic, aeroballistic = Engagement(0.8, 2), Engagement(0.7, 2)
    patriot = InterceptorType(
        "PAC-3 MSE",
        {
            "ballistic": ballistic,
            "aeroballistic": aeroballistic,
            "cruise": Engagement(0.9, 1),
        },
        initial_stock=patriot_stock,
        deliveries_per_month=Spread(2, 4, 8),
        fire_system=patriot_system,
    )
    iris = InterceptorType(
        "IRIS-T SLM",
        {"cruise": Engagement(0.85, 1)},
        initial_stock=Spread(10, 30, 60),
        deliveries_per_month=Spread(3, 5, 8),
        fire_system=FireSystem("IRIS-T SLM", Spread(2, 3, 4), Spread.exact(8)),
    )
    counted = {"PAC-3 MSE": patriot, "IRIS-T SLM": iris}
    if gem_t_stock is not None:
        counted["PAC-2 GEM-T"] = InterceptorType(
            "PAC-2 GEM-T",
            {"ballistic": Engagement(0.5, 2), "aeroballistic": Engagement(0.5, 2)},
            initial_stock=gem_t_stock,
            deliveries_per_month=Spread(1, 2, 4),
            fire_system=patriot_system,
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
        {**counted, "other means": other},
        threats,
        {
            "ballistic": ("PAC-3 MSE", "PAC-2 GEM-T") if gem_t_stock else ("PAC-3 MSE",),
            "cruise": ("IRIS-T SLM", "PAC-3 MSE", "other means"),
        },
    )
