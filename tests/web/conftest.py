"""Fixtures for the dashboard tests: an in-process client and a live server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from missilewatch.web import create_app
from missilewatch.web.testing import CHROMIUM, CHROMIUM_ARGS, LiveServer, running_server

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app per test module (its cache is what makes repeated requests fast)."""
    home = tmp_path_factory.mktemp("web-home")
    previous = os.environ.get("MISSILEWATCH_HOME")
    os.environ["MISSILEWATCH_HOME"] = str(home)
    try:
        with TestClient(create_app(), base_url="http://127.0.0.1") as test_client:
            yield test_client
    finally:
        if previous is None:
            os.environ.pop("MISSILEWATCH_HOME", None)
        else:
            os.environ["MISSILEWATCH_HOME"] = previous


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with running_server(tmp_path_factory.mktemp("live-home")) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS)
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
