"""The development kit: runner, platform fake, CLI, definition validator and packager.

Never shipped. Scripts run as subprocesses on Google's soar-sdk exactly as the platform starts them,
against a loopback fake of the SOAR server's API; see docs/ARCHITECTURE.md §3.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
INSTANCES_DIR = PACKAGE_DIR / "instances"
