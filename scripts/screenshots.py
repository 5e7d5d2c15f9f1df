"""Screenshots of the dashboard for the README: ``docs/images/dashboard.png`` and
``docs/images/chart-launches.png``.

Starts ``missilewatch serve`` on a free port (shipped data, empty data directory) and
photographs it with Debian's chromium through Playwright.

    python scripts/screenshots.py [--out docs/images]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from missilewatch.web.testing import CHROMIUM, CHROMIUM_ARGS, running_server

REPO_ROOT = Path(__file__).resolve().parent.parent
#: Images above this size are too heavy for a README.
MAX_BYTES = 300_000


def take(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "dashboard.png", out / "chart-launches.png"]
    with (
        tempfile.TemporaryDirectory(prefix="mw-shots-") as home,
        running_server(Path(home)) as server,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS)
        )
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 860})
            page.goto(server.url + "/")
            # Each chart counts its redraws; wait for the first drawing of both.
            for chart in ("chart-launches", "chart-intercepts"):
                page.wait_for_function(
                    f"() => Number(document.getElementById('{chart}').dataset.revision) > 0",
                    timeout=60_000,
                )
            page.screenshot(path=str(written[0]))
            page.locator("#chart-launches").screenshot(path=str(written[1]))
        finally:
            browser.close()
    for path in written:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise SystemExit(f"{path}: {size:,} bytes, above the {MAX_BYTES:,} byte limit")
    return written


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "images")
    args = parser.parse_args(argv)
    for path in take(args.out):
        print(f"{path}: {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
