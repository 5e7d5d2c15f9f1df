"""``--wait SECONDS``: how long a command waits for another process to release the store."""

from __future__ import annotations

from typing import Annotated

import typer

from missilewatch.limits import DEFAULT_STORE_WAIT_SECONDS, STORE_WAIT_ENV


def _apply_wait(seconds: float | None) -> float | None:
    from missilewatch.ledger import storefile

    if seconds is not None:
        storefile.set_wait(seconds)
    return seconds


WaitOption = Annotated[
    float | None,
    typer.Option(
        "--wait",
        min=0,
        callback=_apply_wait,
        metavar="SECONDS",
        help=f"Wait this long for another process to release the store (default "
        f"{DEFAULT_STORE_WAIT_SECONDS:g}, or {STORE_WAIT_ENV}).",
    ),
]
