"""Glue between the edges (ledger store, estimates files) and the pure computing core.

Functions here read the ledger and the estimates, build frozen parameters, call
``missilewatch.model`` / ``missilewatch.defense`` and return documented DataFrames.
"""
