"""Fixtures shared by the whole suite.

The real Ukrainian Air Force releases are read from ``../shared/data/ua-air-force``
(or ``$MISSILEWATCH_SHARED_DATA``); they are never copied into the repository.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
RELEASES = ("2026-02-08", "2026-04-05")


def _find_shared_data() -> Path:
    candidates = [
        os.environ.get("MISSILEWATCH_SHARED_DATA"),
        REPO_ROOT.parent / "shared" / "data" / "ua-air-force",
        Path("/work/shared/data/ua-air-force"),
    ]
    for candidate in candidates:
        if candidate and (Path(candidate) / RELEASES[0] / "missile_attacks_daily.csv").is_file():
            return Path(candidate)
    raise RuntimeError(
        "the shared Ukrainian Air Force releases were not found; set MISSILEWATCH_SHARED_DATA "
        "to the folder holding 2026-02-08/ and 2026-04-05/"
    )


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Folder holding the two real releases, ``2026-02-08/`` and ``2026-04-05/``."""
    return _find_shared_data()


@pytest.fixture(scope="session")
def release_old(shared_data: Path) -> Path:
    return shared_data / "2026-02-08"


@pytest.fixture(scope="session")
def release_new(shared_data: Path) -> Path:
    return shared_data / "2026-04-05"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test gets its own data directory, so nothing touches the user's store."""
    home = tmp_path_factory.mktemp("mw-home")
    previous = os.environ.get("MISSILEWATCH_HOME")
    os.environ["MISSILEWATCH_HOME"] = str(home)
    yield home
    if previous is None:
        os.environ.pop("MISSILEWATCH_HOME", None)
    else:
        os.environ["MISSILEWATCH_HOME"] = previous


# Date checks compare report dates with today; fixtures in the upstream format carry
# dates up to late 2026, so the suite fixes "today" rather than trust the machine clock.
os.environ.setdefault("MISSILEWATCH_TODAY", "2026-12-01")
