"""Run ``missilewatch serve`` in a subprocess on a free port, for tests, benchmarks and
screenshots (a real server, as a user starts it)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from missilewatch.paths import HOME_ENV

_LAUNCHER = "from missilewatch.cli import main; main()"

#: Debian's chromium, driven by Playwright through ``executable_path``.
CHROMIUM = Path("/usr/bin/chromium")
#: Flags for a quiet, offline headless Chromium.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def serve_command(port: int, *extra: str) -> list[str]:
    """``missilewatch serve --port PORT ...`` from this interpreter's environment."""
    script = Path(sys.executable).with_name("missilewatch")
    launcher = [str(script)] if script.exists() else [sys.executable, "-c", _LAUNCHER]
    return [*launcher, "serve", "--port", str(port), *extra]


@dataclass
class LiveServer:
    """A running ``missilewatch serve`` process and its base URL."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1.0) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def start_server(home: Path, *extra: str, timeout: float = 60.0) -> LiveServer:
    """Start the server with ``MISSILEWATCH_HOME=home`` and wait until it answers.

    Raises RuntimeError with the end of the server's log if it exits or does not answer.
    """
    port = free_port()
    log = home / "server.log"
    environment = {**os.environ, HOME_ENV: str(home)}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            serve_command(port, *extra), env=environment, stdout=sink, stderr=subprocess.STDOUT
        )
    server = LiveServer(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"the server exited with code {process.returncode}: {tail}")
        if _answers(f"{server.url}/api/health"):
            return server
        time.sleep(0.1)  # polling interval while the server starts
    server.stop()
    raise RuntimeError(f"the server did not answer on {server.url} within {timeout:.0f} s")


@contextmanager
def running_server(home: Path, *extra: str) -> Iterator[LiveServer]:
    """``with running_server(home) as server: ...``; stops the server on exit."""
    server = start_server(home, *extra)
    try:
        yield server
    finally:
        server.stop()
