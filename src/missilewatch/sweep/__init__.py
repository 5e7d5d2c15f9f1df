"""Parameter sweeps: the engines over a grid or a sample of scenario parameters.

``sweep("interceptor-balance")`` (a shipped example) or ``sweep(path)`` runs the
stock-flow engine and the air-defense campaign at every point of a sweep file and
returns one tidy frame; ``sensitivity(frame)`` ranks the parameters by how much each
output depends on them. Points can run on any ``concurrent.futures.Executor``: a
process pool for local cores, or a Dask cluster through
``distributed.Client(address).get_executor()`` (this package never imports Dask).

``missilewatch.sweep`` is this package, and calling it runs :func:`sweep`: the
package's name and the public function's name are the same, and the import system
puts the package where the lazily re-exported function would be.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from missilewatch.sweep.runner import (
    SweepPlan,
    assemble,
    execute,
    plan_sweep,
    point_seeds,
    sweep,
)
from missilewatch.sweep.sensitivity import STATISTICS, sensitivity
from missilewatch.sweep.spec import (
    DESIGNS,
    MAX_POINTS,
    METRICS,
    PARAMETERS,
    Sweep,
    SweepSpec,
    load_sweep,
    parse_sweep,
    shipped_names,
)


class _CallableModule(types.ModuleType):
    """``missilewatch.sweep(...)`` works whether or not the package was imported."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

__all__ = [
    "DESIGNS",
    "MAX_POINTS",
    "METRICS",
    "PARAMETERS",
    "STATISTICS",
    "Sweep",
    "SweepPlan",
    "SweepSpec",
    "assemble",
    "execute",
    "load_sweep",
    "parse_sweep",
    "plan_sweep",
    "point_seeds",
    "sensitivity",
    "shipped_names",
    "sweep",
]
