"""Screenshots for the README: ``docs/images/headline-strip.png`` (the report's headline
strip), ``docs/images/dashboard.png`` and ``docs/images/chart-launches.png``.

Builds the report (shipped data, default paths) and starts ``missilewatch serve`` on a
free port (empty data directory), and photographs both with Debian's chromium through
Playwright.

    python scripts/screenshots.py [--out docs/images] [--paths N]
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


def report_strip(out: Path, paths: int) -> Path:
    """The headline strip of a freshly built report, as a PNG."""
    from missilewatch.report import build_report

    written = out / "headline-strip.png"
    with (
        tempfile.TemporaryDirectory(prefix="mw-report-") as folder,
        sync_playwright() as playwright,
    ):
        report = build_report(
            output=Path(folder) / "report.html",
            paths=paths,
            db=Path(folder) / "store.duckdb",
            show_progress=True,
        )
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS)
        )
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto(report.output.resolve().as_uri())
            page.locator("#headline-strip").screenshot(path=str(written))
        finally:
            browser.close()
    return written


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
    parser.add_argument("--paths", type=int, default=None, help="report paths (default: as report)")
    args = parser.parse_args(argv)
    from missilewatch.report.document import REPORT_PATHS

    args.out.mkdir(parents=True, exist_ok=True)
    for path in [report_strip(args.out, args.paths or REPORT_PATHS), *take(args.out)]:
        print(f"{path}: {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
