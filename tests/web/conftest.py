"""Fixtures for the dashboard tests: an in-process client and a live server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from missilewatch.web import create_app

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app per test module (its cache is what makes repeated requests fast)."""
    home = tmp_path_factory.mktemp("web-home")
    previous = os.environ.get("MISSILEWATCH_HOME")
    os.environ["MISSILEWATCH_HOME"] = str(home)
    try:
        with TestClient(create_app()) as test_client:
            yield test_client
    finally:
        if previous is None:
            os.environ.pop("MISSILEWATCH_HOME", None)
        else:
            os.environ["MISSILEWATCH_HOME"] = previous


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def serve_command(port: int, *extra: str) -> list[str]:
    """``missilewatch serve`` from this interpreter's environment."""
    script = Path(sys.executable).with_name("missilewatch")
    if script.exists():
        return [str(script), "serve", "--port", str(port), *extra]
    launcher = "from missilewatch.cli import main; main()"
    return [sys.executable, "-c", launcher, "serve", "--port", str(port), *extra]


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]


def start_server(home: Path, *extra: str, timeout: float = 60.0) -> LiveServer:
    """Start ``missilewatch serve`` on a free port and wait until it answers."""
    port = free_port()
    environment = {**os.environ, "MISSILEWATCH_HOME": str(home)}
    log = (home / "server.log").open("wb")
    process = subprocess.Popen(
        serve_command(port, *extra), env=environment, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"the server exited with {process.returncode}: "
                + (home / "server.log").read_text(errors="replace")[-2000:]
            )
        try:
            if httpx.get(f"{url}/api/health", timeout=1.0).status_code == 200:
                return LiveServer(url, process)
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # polling interval while the server starts, not a wait for a result
    process.kill()
    raise RuntimeError(f"the server did not answer on {url} within {timeout:.0f} s")


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=10)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(tmp_path_factory.mktemp("live-home"))
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
