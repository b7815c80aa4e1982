"""The connector's step in process: the same scenarios as tracking_scenario.TrackingScenario, without the SDK.

`StepScenario.run` reads the parameters as the platform sends them (every definition parameter, with its default
when not given), reads the settings, and runs `MimecastTrackingStep.run_step` with a real MimecastManager against
the simulator; the state stays in memory between runs. What it returns has the attributes the scenario helpers
read (`ingested_alerts`, `log_rows`, …), so a behaviour test reads the same in process as end to end. It does not
model the platform: overflow, the output object, the exit, kills and timeouts are for the subprocess runs.
"""

import importlib.util
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracking_scenario import TrackingScenario

from devkit.definitions import platform_value
from devkit.runner import DEFAULT_ENVIRONMENT, build_connector_params, find_connector_def
from MimecastAuth import CachedToken
from MimecastConnectorSettings import RunClock, read_settings
from MimecastConstants import CONNECTOR_SECRET_FIELDS
from MimecastManager import MimecastManager
from MimecastSecrets import Secrets
from MimecastTracking import TrackingState
from MimecastTrackingStep import run_step

ROOT = Path(__file__).resolve().parents[1]
_script = importlib.util.spec_from_file_location(
    "MessageTrackingConnectorSpec", ROOT / "ConnectorsScripts" / "MessageTrackingConnector.py"
)
assert _script is not None and _script.loader is not None
_module = importlib.util.module_from_spec(_script)
_script.loader.exec_module(_module)
SPEC = _module.SPEC
_, DEFINITION = find_connector_def(ROOT)


class LineLogger:
    """The SDK logger's three methods, keeping each line."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, message: str) -> None:
        self.lines.append(message)

    def warn(self, message: str) -> None:
        self.lines.append(message)

    def error(self, message: str) -> None:
        self.lines.append(message)


class MemoryTokenStore:
    def __init__(self) -> None:
        self.tokens: dict[str, CachedToken] = {}

    def load(self, key: str) -> CachedToken | None:
        return self.tokens.get(key)

    def save(self, key: str, token: CachedToken) -> None:
        self.tokens[key] = token


@dataclass
class StepRun:
    """One in-process run, with the attributes of devkit.runner.ConnectorRun that behaviour tests read."""

    ingested_alerts: list[dict[str, Any]]
    log_rows: list[dict[str, str]]
    exit_code: int = 0
    killed: bool = False
    debug_output: str = ""
    stderr: str = ""
    stdout: str = ""
    handed_over: bool = True  # False: the step stopped (a search failed) and hands nothing over


class StepScenario(TrackingScenario):
    """TrackingScenario whose runs are the step in process."""

    def __init__(self, sim: Any, domains: str = "corp.example", **params: Any) -> None:
        super().__init__(sim, self._run, Path("/nonexistent"), domains, **params)
        self.saved: str | None = None
        self.tokens = MemoryTokenStore()

    def state(self) -> dict | None:
        return json.loads(self.saved) if self.saved else None

    def _run(self, values: dict[str, Any], test_run: bool = False, env: Any = None, allowlist: Any = ()) -> StepRun:
        params = {p["param_name"]: p["param_value"] for p in build_connector_params(DEFINITION, values)}
        secrets = Secrets(*(platform_value(params.get(name)) for name in CONNECTOR_SECRET_FIELDS))
        logger = LineLogger()
        settings = read_settings(params, DEFAULT_ENVIRONMENT, list(allowlist), logger, secrets, SPEC)
        clock = RunClock(time.monotonic(), settings.timeout_s)
        manager = MimecastManager(
            settings.connection,
            secrets=secrets,
            logger=logger,
            deadline=clock.hard,
            token_store=self.tokens,
            pool_size=settings.concurrency + 2,
        )
        try:
            result = run_step(TrackingState.from_json(self.saved), settings, manager, clock, logger, test_run)
        finally:
            manager.close()
        if result.state is not None and not test_run:
            self.saved = result.state.to_json()
        rows = [{"message": line} for line in logger.lines]
        return StepRun([alert._asdict() for alert in result.alerts], rows, handed_over=result.state is not None)
