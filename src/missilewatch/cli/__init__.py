"""The ``missilewatch`` command: a thin layer over the public Python API.

Each concept registers its commands from its own module; errors a user can cause
become one line on standard error and a non-zero exit.
"""

from __future__ import annotations

import sys
import warnings

import typer
from rich.text import Text

from missilewatch import __version__
from missilewatch.cli import attacks, defense, ledger, model, scenarios, sweep, validate, web
from missilewatch.cli.common import err_console, with_output_format
from missilewatch.errors import MissilewatchError

app = typer.Typer(
    name="missilewatch",
    help=(
        "Model the missile balance of Russia's war on Ukraine from public data: "
        "launches, production, stockpiles and interceptors, with stated uncertainty."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"missilewatch {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Print the version."
    ),
) -> None:
    """missilewatch command line."""


for _module in (ledger, attacks, model, defense, scenarios, sweep, validate, web):
    _module.register(app)


def _apply_output_rule(group: typer.Typer) -> None:
    """``--output FILE`` picks the format from its extension, in every command."""
    for info in group.registered_commands:
        if info.callback is not None:
            info.callback = with_output_format(info.callback)
    for sub in group.registered_groups:
        if sub.typer_instance is not None:
            _apply_output_rule(sub.typer_instance)


_apply_output_rule(app)


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: object = None,
    line: str | None = None,
) -> None:
    # Users need the message, not the source line that raised it.
    err_console.print(
        Text.assemble(("warning:", "yellow"), " ", str(message)), highlight=False, soft_wrap=True
    )


def main() -> None:
    """Console-script entry point."""
    warnings.showwarning = _show_warning
    from missilewatch.ledger import storefile

    storefile.set_wait(None)  # --wait applies to one command
    try:
        app()
    except MissilewatchError as error:
        _print_error(str(error))
        sys.exit(error.exit_code)
    except OSError as error:
        # The environment, not the code: a full disk, a read-only folder, a vanished file.
        where = f"{error.filename}: " if error.filename else ""
        _print_error(f"{where}{error.strerror or error}; nothing stored was changed")
        sys.exit(2)
    except RecursionError:
        _print_error("an input is nested too deeply to read (a TOML or JSON file?)")
        sys.exit(2)
    except MemoryError:
        _print_error(
            "out of memory; ask for less work (fewer paths, a shorter horizon) or set "
            "MISSILEWATCH_MAX_MEMORY_MB lower so that it is refused before it starts"
        )
        sys.exit(2)


def _print_error(message: str) -> None:
    # Text, not markup: messages quote file contents and names such as "[[family]]".
    err_console.print(
        Text.assemble(("error:", "bold red"), " ", message), highlight=False, soft_wrap=True
    )
