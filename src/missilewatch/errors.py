"""Errors and warnings shared by every part of missilewatch.

Every error a user can cause is a :class:`MissilewatchError`; the CLI prints its
message as one line and exits non-zero. Messages name the file, row or field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class MissilewatchError(Exception):
    """A problem with the user's input or environment, reported as one line."""

    exit_code: int = 2


class InputError(MissilewatchError):
    """Malformed input data: a CSV, a taxonomy, an estimates or scenario file."""


class UnknownNameError(MissilewatchError):
    """A weapon model, family, class, interceptor or scenario name that is not known."""


class ParameterError(MissilewatchError):
    """A parameter outside its allowed range (negative paths, probability > 1, ...)."""


class NetworkError(MissilewatchError):
    """A download failed; nothing was changed."""


class MissilewatchWarning(UserWarning):
    """Something the user should know about that does not stop the work."""


def validation_reason(detail: Mapping[str, Any]) -> str:
    """The reason in one pydantic error detail, worded for a reader of the file or form.

    Shared by the estimates, scenario and sweep files and the web API, so the same mistake
    reads the same everywhere.
    """
    kind = str(detail.get("type", ""))
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "missing (required)"
    # pydantic prefixes messages of custom validators; the reader needs only the reason.
    message = str(detail.get("msg", "invalid value")).removeprefix("Value error, ")
    got = detail.get("input")
    if kind.startswith(("greater_than", "less_than")) and got is not None:
        message = f"{message} (got {got})"
    return message
