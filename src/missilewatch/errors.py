"""Errors and warnings shared by every part of missilewatch.

Every error a user can cause is a :class:`MissilewatchError`; the CLI prints its
message as one line and exits non-zero. Messages name the file, row or field.
"""

from __future__ import annotations


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
