"""Headless Chromium for the widget pages: the DOM after load, or a screenshot. Never reaches the network.

Every run gets a fresh profile directory; host names other than 127.0.0.1 do not resolve, so a page
that tried to load anything from elsewhere would fail rather than fetch it.
"""

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

BROWSER_NAMES = ("chromium", "chromium-browser")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
)
TIMEOUT_S = 90.0


class BrowserError(Exception):
    """Chromium is missing, failed, or did not finish in time."""


def find_chromium() -> str | None:
    """The first of chromium / chromium-browser on PATH."""
    for name in BROWSER_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def require_chromium() -> str:
    binary = find_chromium()
    if binary is None:
        raise BrowserError(f"no {' or '.join(BROWSER_NAMES)} on PATH (Debian: apt-get install chromium)")
    return binary


def _run(url: str, args: list[str], timeout_s: float) -> str:
    binary = require_chromium()
    with tempfile.TemporaryDirectory(prefix="widget-chromium-") as profile:
        command = [binary, *FLAGS, f"--user-data-dir={profile}", *args, url]
        # Its own session, so that on a timeout the whole process group it started can be ended by its id.
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
        try:
            stdout, stderr = process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise BrowserError(f"chromium did not finish {url} within {timeout_s:.0f} s") from None
    if process.returncode != 0:
        raise BrowserError(f"chromium exited {process.returncode} on {url}: {stderr.strip()[-2000:]}")
    return stdout


def dump_dom(url: str, width: int, height: int, timeout_s: float = TIMEOUT_S) -> str:
    """The page's DOM serialised after its load event, at this window size."""
    return _run(url, ["--dump-dom", f"--window-size={width},{height}"], timeout_s)


def screenshot(url: str, out: Path, width: int, height: int, timeout_s: float = TIMEOUT_S) -> None:
    """A PNG of the page's first width x height pixels."""
    out.parent.mkdir(parents=True, exist_ok=True)
    _run(url, [f"--screenshot={out}", f"--window-size={width},{height}"], timeout_s)
    if not out.is_file():
        raise BrowserError(f"chromium wrote no screenshot for {url}")
