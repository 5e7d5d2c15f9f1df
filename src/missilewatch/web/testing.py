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


#: Layout problems of the page in view, as a browser sees them: elements reaching past
#: the viewport's edges, and text of chart titles, legends, axes and footers cut off by
#: its box. Run with ``page.evaluate(LAYOUT_PROBLEMS)``; returns ``{"scroll_width",
#: "viewport", "too_wide": [...], "clipped": [...]}`` (descriptions of the elements).
LAYOUT_PROBLEMS = r"""() => {
  const viewport = document.documentElement.clientWidth;
  const describe = (element) => {
    const text = (element.textContent || "").trim().slice(0, 60);
    const classes = typeof element.className === "string" ? element.className : "";
    return `${element.tagName.toLowerCase()}${element.id ? "#" + element.id : ""}` +
      `${classes ? "." + classes.split(" ").join(".") : ""} "${text}"`;
  };
  const shown = (element) => {
    const hidden = "[id^=js-plotly-tester], .hoverlayer, details:not([open]) > :not(summary)";
    if (element.closest(hidden)) return false;
    const style = getComputedStyle(element);
    return style.display !== "none" && style.visibility !== "hidden";
  };
  const tooWide = [];
  for (const element of document.querySelectorAll("body *")) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || !shown(element)) continue;
    if (box.right > viewport + 1 || box.left < -1) {
      tooWide.push(`${describe(element)} spans ${Math.round(box.left)}..${Math.round(box.right)}`);
    }
  }
  const clipped = [];
  // Text set as page text (captions, footers): cut off if it overflows its box.
  const captions = "figcaption, figcaption *, .chart-footer, .chart-footer *, .chart-title";
  for (const element of document.querySelectorAll(captions)) {
    if (!shown(element) || element.getBoundingClientRect().width === 0) continue;
    if (element.scrollWidth > element.clientWidth + 1) clipped.push(describe(element));
  }
  // Text drawn inside a chart: cut off if it reaches past the chart's own box.
  for (const plot of document.querySelectorAll(".js-plotly-plot")) {
    const frame = plot.getBoundingClientRect();
    if (frame.width === 0) continue;
    for (const text of plot.querySelectorAll(".main-svg text, .main-svg tspan")) {
      if (!text.textContent.trim() || !shown(text)) continue;
      const box = text.getBoundingClientRect();
      if (box.width === 0) continue;
      if (box.left < frame.left - 1 || box.right > frame.right + 1 ||
          box.top < frame.top - 1 || box.bottom > frame.bottom + 1) {
        clipped.push(`${describe(text)} in ${plot.id || plot.parentElement.id}`);
      }
    }
  }
  return {
    scroll_width: document.documentElement.scrollWidth,
    viewport: viewport,
    too_wide: tooWide.slice(0, 20),
    clipped: clipped.slice(0, 20),
  };
}"""

#: The widths the layout is checked at: a laptop and a phone.
LAYOUT_WIDTHS = (1366, 390)
