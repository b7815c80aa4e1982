"""Run action and connector scripts exactly as the SecOps platform starts them.

Each run is a subprocess: `python <script>.py <argv>` with the context JSON on stdin, only the SDK
stand-in and Managers/ importable, the platform store in SOAR_DEVKIT_STORE, and a hard kill when the
run exceeds its timeout. The stdout object is decoded into ActionRun / ConnectorRun.
"""

import contextlib
import csv
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devkit import REPO_ROOT, SDK_DIR
from devkit.definitions import (
    ACTIONS_SCRIPTS_DIR,
    CONNECTORS_SCRIPTS_DIR,
    MANAGERS_DIR,
    UsageError,
    find_action_def,
    find_connector_def,
    load_json,
    platform_value,
)

INTEGRATION_IDENTIFIER = "Mimecast"
DEFAULT_INSTANCE_ID = "mimecast-instance-1"
DEFAULT_ENVIRONMENT = "Default Environment"
DEFAULT_CASE_ID = "1"
DEFAULT_CONNECTOR_TIMEOUT_S = 180
# Time between SIGTERM and SIGKILL when a run overstays its timeout.
TERMINATE_GRACE_S = 5.0

EXECUTION_STATE_COMPLETED = 0
EXECUTION_STATE_INPROGRESS = 1
EXECUTION_STATE_FAILED = 2
EXECUTION_STATE_TIMEDOUT = 3
EXECUTION_STATE_NAMES = {
    EXECUTION_STATE_COMPLETED: "Completed",
    EXECUTION_STATE_INPROGRESS: "In Progress",
    EXECUTION_STATE_FAILED: "Failed",
    EXECUTION_STATE_TIMEDOUT: "Timed Out",
}

# Inherited variables that would change what the script imports or which clock it sees.
_SCRUBBED_ENV = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONSAFEPATH", "PYTHONUSERBASE")
_DEVKIT_ENV_PREFIX = "SOAR_DEVKIT_"


def _decode_json_string(value: Any) -> Any:
    if isinstance(value, str) and value:
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict | list) else None


@dataclass(frozen=True)
class ActionRun:
    """One action run: the raw process outcome and the decoded stdout object."""

    action_name: str
    exit_code: int
    stdout: str
    stderr: str
    output: dict | None
    context: dict
    timed_out: bool = False
    log_path: Path | None = None

    @property
    def message(self) -> str | None:
        return self.output.get("Message") if self.output else None

    @property
    def execution_state(self) -> int | None:
        return self.output.get("ExecutionState") if self.output else None

    @property
    def execution_state_name(self) -> str:
        if self.output is None:
            return "Crashed"
        return EXECUTION_STATE_NAMES.get(self.execution_state, f"Unknown ({self.execution_state})")

    @property
    def result_value(self) -> Any:
        return self.output.get("ResultValue") if self.output else None

    @property
    def debug_output(self) -> str:
        return (self.output or {}).get("DebugOutput") or ""

    @property
    def results(self) -> dict:
        """ResultObjectJson decoded: result items keyed "JsonResult" or "<title>_<entity type>"."""
        return _decode_json_string((self.output or {}).get("ResultObjectJson")) or {}

    @property
    def json_result(self) -> Any:
        item = self.results.get("JsonResult")
        return _decode_json_string(item.get("RawJson")) if item else None

    @property
    def tables(self) -> dict[str, list[dict[str, str]]]:
        tables = {}
        for item in self.results.values():
            lines = item.get("CSVLines")
            if isinstance(lines, list) and lines:
                tables[item.get("Title")] = list(csv.DictReader(lines))
        return tables

    @property
    def crashed(self) -> bool:
        """No output object: the script raised, was killed, or never called end()."""
        return self.output is None

    @property
    def completed(self) -> bool:
        return self.exit_code == 0 and self.execution_state == EXECUTION_STATE_COMPLETED

    @property
    def failed(self) -> bool:
        return self.execution_state == EXECUTION_STATE_FAILED


@dataclass(frozen=True)
class ConnectorRun:
    """One connector iteration: the raw process outcome and the decoded return_package object."""

    exit_code: int
    stdout: str
    stderr: str
    output: dict | None
    context: dict
    timed_out: bool = False
    log_path: Path | None = None
    alerts: list[dict] = field(default_factory=list)
    overflow_alerts: list[dict] = field(default_factory=list)
    log_rows: list[dict] = field(default_factory=list)
    variables: dict = field(default_factory=dict)

    @property
    def debug_output(self) -> str:
        return (self.output or {}).get("DebugOutput") or ""

    @property
    def crashed(self) -> bool:
        return self.output is None

    @property
    def ingested(self) -> bool:
        """The platform ingests a run's alerts only when the process exits 0 after return_package."""
        return self.exit_code == 0 and self.output is not None

    @property
    def ingested_alerts(self) -> list[dict]:
        """What the platform would create: the alerts of a run that exited 0, else nothing."""
        return self.alerts if self.ingested else []


@dataclass(frozen=True)
class _Process:
    exit_code: int
    stdout: str
    stderr: str
    timed_out: bool


def _frozen_now(now: datetime | str | None) -> tuple[int, str | None]:
    """(now in unix ms, ISO text for SOAR_DEVKIT_NOW or None for the real clock)."""
    if now is None:
        return int(time.time() * 1000), None
    moment = datetime.fromisoformat(now.replace("Z", "+00:00")) if isinstance(now, str) else now
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return int(moment.timestamp() * 1000), moment.isoformat().replace("+00:00", "Z")


def _script_env(store: Path, root: Path, now_iso: str | None, extra: Mapping[str, str] | None) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in _SCRUBBED_ENV and not key.startswith(_DEVKIT_ENV_PREFIX)
    }
    env["PYTHONPATH"] = os.pathsep.join([str(SDK_DIR), str((root / MANAGERS_DIR).resolve())])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["SOAR_DEVKIT_STORE"] = str(store)
    if now_iso:
        env["SOAR_DEVKIT_NOW"] = now_iso
    env.update(extra or {})
    return env


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


def _run_script(argv: list[str], context: dict, env: dict[str, str], timeout_s: float) -> _Process:
    stdin = json.dumps(context).encode("utf-8")
    with tempfile.TemporaryDirectory(prefix="devkit-run-") as scratch:
        process = subprocess.Popen(
            [sys.executable, *argv],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=scratch,
            env=env,
            start_new_session=True,
        )
        timed_out = False
        try:
            try:
                out, err = process.communicate(stdin, timeout=timeout_s)
            except subprocess.TimeoutExpired:
                timed_out = True
                _signal_group(process, signal.SIGTERM)
                try:
                    out, err = process.communicate(timeout=TERMINATE_GRACE_S)
                except subprocess.TimeoutExpired:
                    _signal_group(process, signal.SIGKILL)
                    out, err = process.communicate()
        except BaseException:
            # Ctrl-C or any failure here must not leave the script running in its own session.
            _signal_group(process, signal.SIGKILL)
            process.wait()
            raise
    return _Process(process.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), timed_out)


def _parse_output(stdout: str) -> dict | None:
    text = stdout.strip()
    if not text:
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _update_json_file(path: Path, update: Mapping[str, Any]) -> None:
    data = load_json(path) if path.exists() else {}
    data.update(update)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    tmp.replace(path)


def _prepare_store(store: Path) -> Path:
    store = store.resolve()
    (store / "logs").mkdir(parents=True, exist_ok=True)
    return store


def _load_instance(instance: Mapping[str, Any] | str | Path) -> dict[str, Any]:
    if isinstance(instance, str | Path):
        return dict(load_json(Path(instance)))
    return dict(instance)


def _script_for(root: Path, def_path: Path, scripts_dir: str) -> Path:
    """The script of a definition: same stem, in its scripts folder, as the platform pairs them."""
    script = root / scripts_dir / f"{def_path.stem}.py"
    if not script.is_file():
        raise UsageError(f"{def_path.relative_to(root)} has no script: {script.relative_to(root)} is missing")
    return script


def _refuse_unknown_params(kind: str, definition: dict, params: Mapping[str, Any]) -> None:
    names = [p["Name"] for p in definition.get("Parameters") or []]
    unknown = [name for name in params if name not in names]
    if unknown:
        raise UsageError(
            f'{kind} "{definition.get("Name")}" has no parameter {", ".join(repr(u) for u in unknown)}. '
            f"Parameters: {', '.join(repr(n) for n in names) or 'none'}"
        )


def build_action_parameters(definition: dict, params: Mapping[str, Any] | None, fill_defaults: bool) -> dict[str, str]:
    """The context's "parameters": given values, plus the def's defaults the way a new playbook step is prefilled."""
    params = dict(params or {})
    _refuse_unknown_params("Action", definition, params)
    values = {}
    for param in definition.get("Parameters") or []:
        name = param["Name"]
        if name in params:
            values[name] = platform_value(params[name])
        elif fill_defaults:
            values[name] = platform_value(param.get("DefaultValue"))
    return values


def run_action(
    action_name: str,
    params: Mapping[str, Any] | None = None,
    *,
    instance: Mapping[str, Any] | str | Path,
    store: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    now: datetime | str | None = None,
    timeout_s: float = 300,
    fill_defaults: bool = True,
    instance_id: str = DEFAULT_INSTANCE_ID,
    environment: str = DEFAULT_ENVIRONMENT,
    root: str | Path | None = None,
) -> ActionRun:
    """Run the action named `action_name` (its .actiondef "Name") as the platform does.

    `instance` is the integration configuration dict (or a JSON file holding it); it is written to the
    store's configuration.json under `instance_id`. Without `store` a temporary store is used and removed.
    `root` is the integration layout to run from (the repository by default).
    """
    root = Path(root or REPO_ROOT).resolve()
    def_path, definition = find_action_def(root, action_name)
    script = _script_for(root, def_path, ACTIONS_SCRIPTS_DIR)
    parameters = build_action_parameters(definition, params, fill_defaults)
    configuration = _load_instance(instance)
    now_ms, now_iso = _frozen_now(now)
    deadline_ms = now_ms + int(timeout_s * 1000)
    context = {
        "target_entities": [],
        "case_id": DEFAULT_CASE_ID,
        "alert_id": "",
        "environment": environment,
        "workflow_id": "devkit",
        "workflow_instance_id": None,
        "parent_workflow_instance_id": None,
        "parameters": parameters,
        "integration_identifier": definition.get("IntegrationIdentifier", INTEGRATION_IDENTIFIER),
        "integration_instance": instance_id,
        "action_definition_name": definition.get("Name", action_name),
        "original_requesting_user": "devkit",
        "default_result_value": platform_value(definition.get("DefaultResultValue")),
        "execution_deadline_unix_time_ms": deadline_ms,
        "script_timeout_deadline": deadline_ms,
        "async_polling_interval_in_sec": 0,
        "async_total_duration_deadline": 0,
        "use_proxy_settings": False,
        "max_json_result_size": 15,
        "vault_settings": None,
    }
    with tempfile.TemporaryDirectory(prefix="devkit-store-") as temporary_store:
        store_dir = _prepare_store(Path(store) if store is not None else Path(temporary_store))
        _update_json_file(store_dir / "configuration.json", {instance_id: configuration})
        _update_json_file(store_dir / "cases.json", {DEFAULT_CASE_ID: {"environment": environment}})
        log_path = store_dir / "logs" / f"{script.stem}.log"
        argv = [str(script), secrets.token_hex(16), f"--logPath={log_path}"]
        process = _run_script(argv, context, _script_env(store_dir, root, now_iso, env), timeout_s)
    return ActionRun(
        action_name=action_name,
        exit_code=process.exit_code,
        stdout=process.stdout,
        stderr=process.stderr,
        output=_parse_output(process.stdout),
        context=context,
        timed_out=process.timed_out,
        log_path=log_path if store is not None else None,
    )


def build_connector_params(definition: dict, params: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """connector_info "params": every def parameter with the given value or its default."""
    params = dict(params or {})
    _refuse_unknown_params("Connector", definition, params)
    return [
        {
            "param_name": p["Name"],
            "param_value": platform_value(params[p["Name"]] if p["Name"] in params else p.get("DefaultValue")),
            "type": p.get("Type"),
            "mode": p.get("Mode"),
            "is_mandatory": bool(p.get("IsMandatory")),
        }
        for p in definition.get("Parameters") or []
    ]


def run_connector(
    params: Mapping[str, Any] | None,
    *,
    store: str | Path,
    instance_id: str = "mimecast-tracking-1",
    environment: str = DEFAULT_ENVIRONMENT,
    allowlist: Sequence[str] = (),
    test_run: bool = False,
    env: Mapping[str, str] | None = None,
    now: datetime | str | None = None,
    kill_after_s: float | None = None,
    root: str | Path | None = None,
) -> ConnectorRun:
    """Run one connector iteration as the platform scheduler does; state persists in `store`.

    `test_run=True` is the IDE's "Run connector once" (argv[1] "False"). The process is killed after
    `kill_after_s`, by default the PythonProcessTimeout parameter.
    """
    root = Path(root or REPO_ROOT).resolve()
    def_path, definition = find_connector_def(root)
    script = _script_for(root, def_path, CONNECTORS_SCRIPTS_DIR)
    connector_params = build_connector_params(definition, params)
    if kill_after_s is None:
        timeout_value = next(
            (p["param_value"] for p in connector_params if p["param_name"] == "PythonProcessTimeout"), ""
        )
        kill_after_s = int(timeout_value) if timeout_value.strip().isdigit() else DEFAULT_CONNECTOR_TIMEOUT_S
    _now_ms, now_iso = _frozen_now(now)
    name = definition.get("Name", def_path.stem)
    context = {
        "connector_info": {
            "environment": environment,
            "integration": definition.get("Integration", INTEGRATION_IDENTIFIER),
            "connector_definition_name": name,
            "identifier": instance_id,
            "display_name": f"{name} ({instance_id})",
            "description": definition.get("Description", ""),
            "result_data_type": 0,
            "is_locally_scheduled_remote_connector": False,
            "params": connector_params,
            "allow_list": list(allowlist),
        },
        "vault_settings": None,
    }
    store_dir = _prepare_store(Path(store))
    log_path = store_dir / "logs" / f"{script.stem}.log"
    argv = [str(script), "False" if test_run else "True", secrets.token_hex(16), f"--logPath={log_path}"]
    process = _run_script(argv, context, _script_env(store_dir, root, now_iso, env), kill_after_s)
    output = _parse_output(process.stdout)
    package = _decode_json_string((output or {}).get("ResultObjectJson")) or {}
    return ConnectorRun(
        exit_code=process.exit_code,
        stdout=process.stdout,
        stderr=process.stderr,
        output=output,
        context=context,
        timed_out=process.timed_out,
        log_path=log_path,
        alerts=list(package.get("cases") or []),
        overflow_alerts=list(package.get("overflow_cases") or []),
        log_rows=list(package.get("log_rows") or []),
        variables=dict(package.get("variables") or {}),
    )
