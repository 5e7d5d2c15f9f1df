"""Opening the DuckDB store file: read-only for readers, a bounded wait for the lock.

DuckDB lets one process write a file, and no other process read it meanwhile (and a
reading process keeps writers out). Every command therefore opens the store only for
the statements it runs, and on a lock conflict retries with a growing pause until its
wait (``--wait``, :data:`missilewatch.limits.DEFAULT_STORE_WAIT_SECONDS`) runs out; then
one line names the process holding the store.

A file that is not a DuckDB store (a CSV given to ``--db`` by mistake, a truncated copy)
is refused before DuckDB touches it.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from missilewatch import limits
from missilewatch.errors import InputError, MissilewatchError

#: Bytes 8-11 of every DuckDB database file.
_DUCKDB_MAGIC = b"DUCK"
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")

_wait_override: float | None = None


class StoreBusyError(MissilewatchError):
    """Another process held the store for longer than the wait."""


def set_wait(seconds: float | None) -> None:
    """The wait for the store for this process (``--wait``); None restores the default."""
    global _wait_override
    if seconds is not None and not seconds >= 0:
        from missilewatch.errors import ParameterError

        raise ParameterError(f"--wait: {seconds} seconds; expected a number >= 0")
    _wait_override = seconds


def wait_seconds() -> float:
    return _wait_override if _wait_override is not None else limits.store_wait_seconds()


def check_store_file(path: Path) -> None:
    """Refuse an existing, non-empty file that is not a DuckDB database."""
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except FileNotFoundError:
        return
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a DuckDB store (--db takes a file)") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read the store ({error.strerror})") from None
    if not head:
        return  # an empty file: DuckDB makes a store of it
    if head[8:12] != _DUCKDB_MAGIC:
        looks = "text" if all(32 <= b < 127 or b in (9, 10, 13) for b in head) else "binary data"
        raise InputError(
            f"{path}: not a DuckDB store (the file holds {looks}); --db takes a store file, "
            "e.g. missilewatch.duckdb; pass data files to `missilewatch ingest`"
        )


def _holder(message: str) -> str | None:
    match = _LOCK_HOLDER.search(message)
    if match is None:
        return None
    pid = match.group("pid")
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        command = " ".join(part.decode(errors="replace") for part in raw.split(b"\0") if part)
    except OSError:
        command = match.group("program")
    command = " ".join(command.split())  # one line, whatever the command held
    if len(command) > 80:
        command = command[:77] + "..."
    return f"process {pid} ({command})"


def is_lock_conflict(error: BaseException) -> bool:
    return isinstance(error, duckdb.IOException) and "lock" in str(error).lower()


def _connect_once(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=read_only)


def connect(path: Path, *, read_only: bool, wait: float | None = None) -> duckdb.DuckDBPyConnection:
    """A connection to the store at ``path``, waiting up to ``wait`` seconds for the lock.

    Raises :class:`StoreBusyError` (naming the holder) when the wait runs out, and
    :class:`InputError` for a file that is not a readable DuckDB store.
    """
    check_store_file(path)
    if not read_only:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise InputError(
                f"{path.parent}: cannot create the store's folder ({error.strerror})"
            ) from None
        if path.exists() and not os.access(path, os.W_OK):
            raise InputError(f"{path}: the store is read-only for this user; nothing was written")
        if not path.exists() and not os.access(path.parent, os.W_OK):
            raise InputError(
                f"{path.parent}: folder is read-only; cannot create the store {path.name}"
            )
    budget = wait_seconds() if wait is None else wait
    deadline = time.monotonic() + budget
    pause = 0.02
    while True:
        try:
            return _connect_once(path, read_only)
        except duckdb.Error as error:
            if not is_lock_conflict(error):
                raise InputError(
                    f"{path}: cannot open the DuckDB store ({first_line(error)}); a truncated "
                    "or damaged file? restore it, or ingest again into a new --db"
                ) from None
            if time.monotonic() + pause > deadline:
                holder = _holder(str(error)) or "another process"
                raise StoreBusyError(
                    f"{path}: the store is held by {holder}; waited {budget:g} s; "
                    "retry when it is done, or pass --wait SECONDS"
                ) from None
        time.sleep(pause)
        pause = min(pause * 1.6, 0.5)


@contextlib.contextmanager
def opened(
    path: Path, *, read_only: bool, wait: float | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """:func:`connect` as a context manager that closes the connection."""
    con = connect(path, read_only=read_only, wait=wait)
    try:
        yield con
    finally:
        con.close()


def first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def storage_error(path: Path, error: BaseException) -> InputError:
    """One line for a write that failed for want of space or permission."""
    text = first_line(error)
    lowered = text.lower()
    if "no space" in lowered or ("disk" in lowered and "full" in lowered):
        why = "the disk is full"
    elif "permission" in lowered or "read-only" in lowered:
        why = "no permission to write"
    else:
        why = text
    return InputError(f"{path}: cannot write the store ({why}); the store was not changed")
