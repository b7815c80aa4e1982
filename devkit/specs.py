"""The specs the integration's scripts declare (`SPEC` in each script, the types of Managers/MimecastSpecs.py).

They are read in a subprocess (devkit/spec_dump.py) whose only import path is Managers/: importing a script
must neither need the SDK nor import it, and never happens in the devkit's own process.
"""

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devkit import PACKAGE_DIR
from devkit.definitions import MANAGERS_DIR

SPEC_DUMP = PACKAGE_DIR / "spec_dump.py"
READ_TIMEOUT_S = 120


class SpecReadError(RuntimeError):
    """The subprocess that reads the specs did not finish or printed no JSON."""


@dataclass(frozen=True)
class Specs:
    """Every spec by its script's stem, as plain JSON (ActionSpec / ConnectorSpec fields), and what went wrong."""

    actions: dict[str, dict[str, Any]] = field(default_factory=dict)
    connectors: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The integration's identifier, display name and script result name (MimecastConstants).
    contract: dict[str, str] = field(default_factory=dict)
    # (file, field, problem): a script that cannot be imported or declares no SPEC.
    problems: list[tuple[str, str, str]] = field(default_factory=list)

    def action_names(self) -> dict[str, str]:
        """Action name by script stem."""
        return {stem: spec["name"] for stem, spec in self.actions.items()}


def _environment(root: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env["PYTHONPATH"] = str((root / MANAGERS_DIR).resolve())
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def read_specs(root: Path) -> Specs:
    """The specs of every script under root (its ActionsScripts/ and ConnectorsScripts/)."""
    root = root.resolve()
    # -P: the dump's own folder (devkit/, whose platform.py would shadow the standard library's) is not importable.
    command = [sys.executable, "-P", str(SPEC_DUMP), str(root)]
    try:
        done = subprocess.run(
            command,
            cwd=root,
            env=_environment(root),
            capture_output=True,
            text=True,
            timeout=READ_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise SpecReadError(
            f"reading the specs took longer than {READ_TIMEOUT_S} s (a script hangs on import)"
        ) from None
    lines = done.stdout.strip().splitlines()
    try:
        found = json.loads(lines[-1]) if done.returncode == 0 and lines else None
    except ValueError:
        found = None
    if not isinstance(found, dict):
        detail = (done.stderr.strip() or done.stdout.strip())[-2000:]
        raise SpecReadError(f"reading the specs failed (exit code {done.returncode}): {detail}")
    return Specs(
        actions=found["actions"],
        connectors=found["connectors"],
        contract=found["contract"],
        problems=[tuple(problem) for problem in found["problems"]],
    )
