"""Progress of a long fit: a small callback protocol, and the rich bar the CLI shows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class FitProgress(Protocol):
    """Called as work advances: ``stage`` ("compile", "warmup", "sampling", "refit ..."),
    ``done`` and ``total`` in that stage's own units (iterations, refits)."""

    def __call__(self, stage: str, done: int, total: int) -> None: ...


def no_progress(stage: str, done: int, total: int) -> None:
    """The progress callback that shows nothing."""


@contextmanager
def rich_progress(description: str = "fitting", *, stderr: bool = True) -> Iterator[FitProgress]:
    """A rich progress bar on stderr; yields the callback that moves it.

    One task per stage: the bar shows the stage's name and its share done, so a user
    sees compilation, warm-up and sampling as they happen.
    """
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    console = Console(stderr=stderr)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        tasks: dict[str, int] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = int(bar.add_task(f"{description}: {stage}", total=max(total, 1)))
            bar.update(tasks[stage], completed=done, total=max(total, 1))  # type: ignore[arg-type]

        yield update
