"""Run an action in the pytest process: its script, through the runner code that builds what the platform shows.

The script runs as `__main__` (as the platform starts it), with `MimecastActionRunner.run_action` handing its
spec and function to `MimecastActionRunner.perform_action` together with a recording stand-in of the one SDK
object a script is given (SiemplifyAction: its LOGGER, parameters, get_configuration, result, end and the
context's settings). No SDK module is imported; what the SDK would write is built from what the stand-in
recorded, in the SDK's output format (Message, ResultValue, ExecutionState, ResultObjectJson, DebugOutput), and
returned as a devkit.runner.ActionRun, so a test reads an in-process run and a subprocess run alike.

What only the real SDK and a real process show is proved by the subprocess runs (tests/e2e/): the platform
contract, the SDK's own handling of proxies and results, crashes, timeouts and the log files the SDK writes.
"""

import contextlib
import json
import os
import runpy
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from devkit import REPO_ROOT
from devkit.definitions import ACTIONS_SCRIPTS_DIR, MANAGERS_DIR, action_defs, platform_value
from devkit.runner import (
    DEFAULT_CASE_ID,
    DEFAULT_ENVIRONMENT,
    DEFAULT_INSTANCE_ID,
    DEFAULT_MAX_JSON_RESULT_MB,
    EXECUTION_STATE_COMPLETED,
    EXECUTION_STATE_FAILED,
    ActionRun,
    build_action_parameters,
    is_scrubbed,
)

MANAGERS = str((REPO_ROOT / MANAGERS_DIR).resolve())
if MANAGERS not in sys.path:
    sys.path.insert(0, MANAGERS)

import MimecastActionRunner  # noqa: E402  (Managers/ is importable only from here on)

# One in-process run at a time: the environment, the warning filters and run_action are the process's.
_ONE_RUN = threading.Lock()


@cache
def _definitions() -> dict[str, tuple[Path, dict]]:
    return action_defs(REPO_ROOT)


class RecordingLogger:
    """The SDK's LOGGER as a script sees it: each line printed (the run's DebugOutput) and written to the log."""

    def __init__(self, log_path: Path) -> None:
        self.printed: list[str] = []
        self._log_path = log_path

    def _write(self, level: str, message: Any) -> None:
        line = str(message)
        self.printed.append(line)
        stamp = datetime.now(UTC).strftime("%Y-%m-%d,%H:%M:%S,000")
        with self._log_path.open("a", encoding="utf-8", errors="backslashreplace") as log:
            log.write(f"[{stamp} {level}] {line}\n")

    def info(self, message: Any, *args: Any, **kwargs: Any) -> None:
        self._write("INFO", message)

    def warn(self, message: Any, *args: Any, **kwargs: Any) -> None:
        self._write("WARNING", message)

    def error(self, message: Any, *args: Any, **kwargs: Any) -> None:
        self._write("ERROR", message)

    def exception(self, message: Any, *args: Any, **kwargs: Any) -> None:
        self._write("ERROR", message)

    warning = warn
    debug = info


class RecordingResult:
    """The SDK's `siemplify.result`: result items keyed as the SDK keys them, `JsonResult` and `<title>_<type>`."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    def _item(self, title: str, key: str) -> dict[str, Any]:
        return self.items.setdefault(
            key, {"Title": title, "Type": None, "IsForEntity": False, "Content": "", "RawJson": "", "CSVLines": ""}
        )

    def add_result_json(self, json_data: Any) -> None:
        raw = json_data if isinstance(json_data, str) else json.dumps(json_data)
        self._item("JsonResult", "JsonResult")["RawJson"] = raw

    def add_data_table(self, title: str, data_table: list[str], entity_type: str | None = None) -> None:
        self._item(title, f"{title}_{entity_type}")["CSVLines"] = list(data_table)


class RecordingAction:
    """A stand-in for the SiemplifyAction object of one run: what the runner reads from it and hands to it."""

    def __init__(
        self,
        parameters: Mapping[str, str],
        configuration: Mapping[str, str],
        log_path: Path,
        deadline_s: float,
        max_json_result_mb: int,
    ) -> None:
        self.parameters = dict(parameters)
        self._configuration = dict(configuration)
        self.LOGGER = RecordingLogger(log_path)
        self.result = RecordingResult()
        self.max_json_result_size = max_json_result_mb
        self.use_proxy_settings = False
        self._deadline_s = deadline_s
        self.script_name = ""
        self.ended: tuple[str, Any, int] | None = None

    @property
    def execution_deadline_unix_time_ms(self) -> int:
        """The run's deadline, `deadline_s` after the moment the runner reads it: however long the test took to
        get there, the action has exactly that long (a deadline the test controls, not the machine's speed)."""
        return int(time.time() * 1000 + self._deadline_s * 1000)

    def get_configuration(self, provider: str, *args: Any, **kwargs: Any) -> dict[str, str]:
        assert provider == "Mimecast", provider
        self.LOGGER.info("Reading configuration from Server")
        return dict(self._configuration)

    def extract_action_param(
        self,
        param_name: str,
        default_value: Any = None,
        input_type: type = str,
        is_mandatory: bool = False,
        print_value: bool = False,
    ) -> Any:
        # The SDK's extract_script_param, for the str parameters the runner reads.
        assert input_type is str and not is_mandatory and not print_value
        value = self.parameters.get(param_name)
        if not value:
            value = default_value
            self.LOGGER.info(
                f"Parameter {param_name} was not found or was empty, used default_value {default_value} instead"
            )
        return None if value is None else str(value)

    def end(self, message: str, result_value: Any, execution_state: int) -> None:
        assert self.ended is None, "end() called twice"
        self.ended = (message, result_value, execution_state)

    def output(self) -> dict[str, Any]:
        """The output object the SDK writes to stdout at end()."""
        assert self.ended is not None, "the action never called end()"
        message, result_value, state = self.ended
        return {
            "Message": message,
            "ResultObjectJson": json.dumps(self.result.items),
            "ResultValue": result_value,
            "DebugOutput": "".join(f"{line}\n" for line in self.LOGGER.printed),
            "ExecutionState": state,
        }


class WaitsTakeNoTime:
    """A monotonic clock on which the action's waits (backoff, rate limits, pacing) pass at once: each sleep moves
    it on by its length. Deadlines and waits are measured on it, so the outcome of a run that waits is what its
    waits add up to, never how fast the machine is, and a test does not spend the waits' time."""

    def __init__(self) -> None:
        self.waited = 0.0

    def monotonic(self) -> float:
        return time.monotonic() + self.waited

    def sleep(self, seconds: float) -> None:
        self.waited += max(seconds, 0.0)


def _clock(real_waits: bool) -> "MimecastActionRunner.Clock":
    def unix_ms() -> int:
        return int(time.time() * 1000)

    def utc_now() -> datetime:
        return datetime.now(UTC)

    if real_waits:
        return MimecastActionRunner.Clock(unix_ms, utc_now)
    waits = WaitsTakeNoTime()
    return MimecastActionRunner.Clock(unix_ms, utc_now, waits.monotonic, waits.sleep)


@contextlib.contextmanager
def _as_the_platform_starts_scripts() -> Iterator[list[str]]:
    """The environment a script gets (the devkit's scrubbed variables unset) and its warnings, as stderr lines."""
    scrubbed = {key: value for key, value in os.environ.items() if is_scrubbed(key)}
    stderr: list[str] = []
    for key in scrubbed:
        del os.environ[key]
    try:
        # Restores the warning filters afterwards: a run may turn a warning off (urllib3.disable_warnings).
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            yield stderr
        stderr.extend(warnings.formatwarning(w.message, w.category, w.filename, w.lineno) for w in caught)
    finally:
        os.environ.update(scrubbed)


def run_action_in_process(
    action_name: str,
    params: Mapping[str, Any] | None = None,
    *,
    instance: Mapping[str, Any],
    store: str | Path,
    timeout_s: float = 300,
    max_json_result_mb: int = DEFAULT_MAX_JSON_RESULT_MB,
    fill_defaults: bool = True,
    real_waits: bool = False,
) -> ActionRun:
    """Run the action named `action_name` in this process, as devkit.runner.run_action runs it in a subprocess.

    `timeout_s` is the run's time from the moment the runner reads its deadline (not from the test's start).
    The action's waits take no time unless `real_waits` (WaitsTakeNoTime); requests still take theirs.
    The log lines go to `<store>/logs/<Stem>.log`, like a subprocess run's.
    """
    def_path, definition = _definitions()[action_name]
    script = REPO_ROOT / ACTIONS_SCRIPTS_DIR / f"{def_path.stem}.py"
    parameters = build_action_parameters(definition, params, fill_defaults)
    configuration = {name: platform_value(value) for name, value in dict(instance).items()}
    logs = Path(store).resolve() / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / f"{script.stem}.log"
    siemplify = RecordingAction(parameters, configuration, log_path, timeout_s, max_json_result_mb)
    states = MimecastActionRunner.RunStates(EXECUTION_STATE_COMPLETED, EXECUTION_STATE_FAILED)

    def run_action(spec: Any, perform: Callable[..., Any]) -> None:
        MimecastActionRunner.perform_action(siemplify, spec, perform, states, _clock(real_waits))

    with _ONE_RUN, _as_the_platform_starts_scripts() as stderr:
        original = MimecastActionRunner.run_action
        MimecastActionRunner.run_action = run_action  # type: ignore[assignment]
        try:
            runpy.run_path(str(script), run_name="__main__")
        finally:
            MimecastActionRunner.run_action = original  # type: ignore[assignment]
    output = siemplify.output()
    context = {
        "parameters": parameters,
        "integration_instance": DEFAULT_INSTANCE_ID,
        "case_id": DEFAULT_CASE_ID,
        "environment": DEFAULT_ENVIRONMENT,
        "action_definition_name": action_name,
        "max_json_result_size": max_json_result_mb,
    }
    return ActionRun(
        action_name=action_name,
        exit_code=0,
        stdout=json.dumps(output),
        stderr="".join(stderr),
        output=output,
        context=context,
        log_path=log_path,
    )
