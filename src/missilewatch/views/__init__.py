"""The public functions: thin views over ``load_baseline -> RunSpec -> simulate``.

:mod:`missilewatch.views.stockpile` (stock-flow) and :mod:`missilewatch.views.defense`
(air defense) keep the names, keywords and columns of the public API
(``missilewatch.stockpile()``, ``missilewatch.raid()``, ...).
"""
