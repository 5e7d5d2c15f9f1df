"""Small DuckDB helpers shared by the ledger modules."""

from __future__ import annotations

from typing import Any

import duckdb


def first_row(result: duckdb.DuckDBPyConnection) -> tuple[Any, ...] | None:
    """The first row of an executed query (fetching all, so the connection is free again)."""
    rows = result.fetchall()
    return tuple(rows[0]) if rows else None
