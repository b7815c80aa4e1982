"""Local stand-in for the SecOps SOAR runtime: runner, CLI, definition validator and packager.

Never shipped. Scripts run as subprocesses exactly as the platform starts them; see
docs/ARCHITECTURE.md §3.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
SDK_DIR = PACKAGE_DIR / "sdk"
INSTANCES_DIR = PACKAGE_DIR / "instances"
