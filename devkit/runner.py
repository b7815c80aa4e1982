"""Run action and connector scripts exactly as the SecOps platform starts them, on Google's soar-sdk.

Each run is a subprocess: `python <script>.py <argv>` with the context JSON on stdin, the installed
soar-sdk modules and Managers/ importable as top-level modules, and a hard kill when the run exceeds
its timeout. The SDK's calls to its platform reach a loopback fake of the SOAR server
(devkit.platform), started for the run and holding the platform store. The stdout object is decoded
into ActionRun / ConnectorRun.
"""

import contextlib
import csv
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devkit import REPO_ROOT
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
from devkit.platform import (
    CONNECTOR_CONTEXT,
    OVERFLOW_IDENTIFIER,
    OVERFLOW_KEY,
    KillAt,
    PlatformCall,
    PlatformFault,
    PlatformServer,
    PlatformStore,
)
from devkit.soar_sdk import sdk_config_dir, sdk_dir

INTEGRATION_IDENTIFIER = "Mimecast"
DEFAULT_INSTANCE_ID = "mimecast-instance-1"
DEFAULT_CONNECTOR_INSTANCE_ID = "mimecast-tracking-1"
DEFAULT_ENVIRONMENT = "Default Environment"
DEFAULT_CASE_ID = "1"
DEFAULT_CONNECTOR_TIMEOUT_S = 180
DEFAULT_MAX_JSON_RESULT_MB = 15
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

# Inherited variables the platform would not give a script: they change what it imports, which
# certificates requests trusts (the SDK refuses REQUESTS_CA_BUNDLE) or where its requests go.
_SCRUBBED_ENV = frozenset(
    {
        "PYTHONPATH",
        "PYTHONHOME",
        "PYTHONSTARTUP",
        "PYTHONSAFEPATH",
        "PYTHONUSERBASE",
        # The platform buffers a script's stdout; an unbuffered stdout here would hide ordering bugs.
        "PYTHONUNBUFFERED",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "APP_IP",
        "APP_PORT",
        "APP_USE_SSL",
        "CLIENT_ADDRESS",
        "ONE_PLATFORM_URL_DOMAIN",
        "SERVER_API_ROOT",
    }
)
_SCRUBBED_ENV_LOWER = frozenset({"http_proxy", "https_proxy", "all_proxy", "no_proxy", "proxy"})


class PlatformContractError(RuntimeError):
    """The script made a platform call the devkit's fake does not model: the run proves nothing."""


def _decode_json_string(value: Any) -> Any:
    if isinstance(value, str) and value:
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict | list) else None


@dataclass(frozen=True)
class ScriptRun:
    """What every run has: the raw process outcome, the platform calls its SDK made and how it ended."""

    exit_code: int
    stdout: str
    stderr: str
    output: dict | None
    context: dict
    timed_out: bool = False
    log_path: Path | None = None
    platform_calls: tuple[PlatformCall, ...] = ()
    killed: str | None = None

    @property
    def debug_output(self) -> str:
        return (self.output or {}).get("DebugOutput") or ""

    @property
    def crashed(self) -> bool:
        """No output object: the script raised, was killed, or never called end() / return_package()."""
        return self.output is None


@dataclass(frozen=True)
class ActionRun(ScriptRun):
    """One action run, with the output object `end()` wrote decoded."""

    action_name: str = ""

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
    def results(self) -> dict:
        """ResultObjectJson decoded: result items keyed "JsonResult" or "<title>_<entity type>"."""
        return _decode_json_string((self.output or {}).get("ResultObjectJson")) or {}

    @property
    def json_result(self) -> Any:
        item = self.results.get("JsonResult")
        return _decode_json_string(item.get("RawJson")) if item else None

    @property
    def tables(self) -> dict[str, list[dict[str, str]]]:
        """Each data table as the platform reads it: CSV lines, header first (read back with the csv module)."""
        tables = {}
        for item in self.results.values():
            lines = item.get("CSVLines")
            if isinstance(lines, list) and lines:
                tables[item.get("Title")] = list(csv.DictReader(lines))
        return tables

    @property
    def completed(self) -> bool:
        return self.exit_code == 0 and self.execution_state == EXECUTION_STATE_COMPLETED

    @property
    def failed(self) -> bool:
        return self.execution_state == EXECUTION_STATE_FAILED


@dataclass(frozen=True)
class ConnectorRun(ScriptRun):
    """One connector iteration, with the return_package object decoded."""

    alerts: list[dict] = field(default_factory=list)
    overflow_alerts: list[dict] = field(default_factory=list)
    log_rows: list[dict] = field(default_factory=list)
    variables: dict = field(default_factory=dict)

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
    killed: str | None


Killer = Callable[[str], None]


def is_scrubbed(name: str) -> bool:
    """Whether an environment variable of the devkit's is kept from scripts (the platform would not set it)."""
    return name in _SCRUBBED_ENV or name.lower() in _SCRUBBED_ENV_LOWER


def script_environment(store: Path, root: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The process environment of a script: this one's, minus what the platform would not set."""
    env = {key: value for key, value in os.environ.items() if not is_scrubbed(key)}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(sdk_config_dir(store)), str(sdk_dir()), str((root / MANAGERS_DIR).resolve())]
    )
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra or {})
    return env


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


def _complete_object(text: str) -> bool:
    with contextlib.suppress(ValueError):
        return isinstance(json.loads(text), dict)
    return False


def _run_script(
    argv: list[str],
    context: dict,
    env: dict[str, str],
    timeout_s: float,
    platform: PlatformServer,
    *,
    kill_after_output: bool = False,
    on_start: Callable[[Killer], None] | None = None,
) -> _Process:
    """Run one script to its end, its timeout, or a kill point (SIGKILL, as a host failure would)."""
    with tempfile.TemporaryDirectory(prefix="devkit-run-") as scratch:
        return _run_in(argv, context, env, timeout_s, platform, scratch, kill_after_output, on_start)


def _run_in(
    argv: list[str],
    context: dict,
    env: dict[str, str],
    timeout_s: float,
    platform: PlatformServer,
    cwd: str,
    kill_after_output: bool,
    on_start: Callable[[Killer], None] | None,
) -> _Process:
    process = subprocess.Popen(
        [sys.executable, *argv],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=env,
        start_new_session=True,
    )
    killed: list[str] = []

    def kill(reason: str) -> None:
        if not killed:
            killed.append(reason)
        _signal_group(process, signal.SIGKILL)

    platform.set_killer(lambda: kill(f"killed at {platform.killed_at}"))
    out_chunks: list[bytes] = []
    err_chunks: list[bytes] = []

    def read(stream: Any, chunks: list[bytes], watch: bool) -> None:
        for chunk in iter(lambda: stream.read1(65536), b""):
            chunks.append(chunk)
            if watch and _complete_object(b"".join(out_chunks).decode("utf-8", "replace")):
                kill("killed right after the output object was written")

    readers = [
        threading.Thread(target=read, args=(process.stdout, out_chunks, kill_after_output), daemon=True),
        threading.Thread(target=read, args=(process.stderr, err_chunks, False), daemon=True),
    ]
    timed_out = False
    try:
        for reader in readers:
            reader.start()
        if on_start is not None:
            on_start(kill)
        with contextlib.suppress(BrokenPipeError):
            process.stdin.write(json.dumps(context).encode("utf-8"))  # type: ignore[union-attr]
            process.stdin.close()  # type: ignore[union-attr]
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            _signal_group(process, signal.SIGTERM)
            try:
                process.wait(timeout=TERMINATE_GRACE_S)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()
        for reader in readers:
            reader.join()
    except BaseException:
        # Ctrl-C or any failure here must not leave the script running in its own session.
        _signal_group(process, signal.SIGKILL)
        process.wait()
        raise
    return _Process(
        process.returncode,
        b"".join(out_chunks).decode("utf-8", "replace"),
        b"".join(err_chunks).decode("utf-8", "replace"),
        timed_out,
        killed[0] if killed else None,
    )


def _parse_output(stdout: str) -> dict | None:
    text = stdout.strip()
    if not text:
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _prepare_store(store: Path) -> Path:
    store = store.resolve()
    store.mkdir(parents=True, exist_ok=True, mode=0o700)
    (store / "logs").mkdir(exist_ok=True)
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


def _run(
    argv: list[str],
    context: dict,
    store: PlatformStore,
    root: Path,
    timeout_s: float,
    *,
    env: Mapping[str, str] | None,
    platform_faults: Sequence[PlatformFault],
    kill_at: Sequence[KillAt],
    kill_after_output: bool,
    on_start: Callable[[Killer], None] | None,
    platform_reachable: bool,
) -> tuple[_Process, PlatformServer]:
    with PlatformServer(store, faults=tuple(platform_faults), kill_at=tuple(kill_at)) as platform:
        platform_env = platform.env
        if not platform_reachable:
            platform_env = {**platform_env, "APP_PORT": str(_closed_port())}
        process_env = script_environment(store.directory, root, {**platform_env, **(env or {})})
        process = _run_script(
            argv,
            context,
            process_env,
            timeout_s,
            platform,
            kill_after_output=kill_after_output,
            on_start=on_start,
        )
    if platform.unmodelled:
        raise PlatformContractError(
            f"{Path(argv[0]).name} made platform calls the devkit's platform fake does not model: "
            f"{', '.join(platform.unmodelled)}. Model them in devkit/platform.py (from the SDK's source) first."
        )
    return process, platform


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released): the platform is unreachable."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_action(
    action_name: str,
    params: Mapping[str, Any] | None = None,
    *,
    instance: Mapping[str, Any] | str | Path,
    store: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout_s: float = 300,
    fill_defaults: bool = True,
    instance_id: str = DEFAULT_INSTANCE_ID,
    environment: str = DEFAULT_ENVIRONMENT,
    case_id: str = DEFAULT_CASE_ID,
    cases: Mapping[str, Mapping[str, Any]] | None = None,
    configured_instances: Mapping[str, Mapping[str, Any]] | None = None,
    proxy: Mapping[str, Any] | None = None,
    max_json_result_mb: int = DEFAULT_MAX_JSON_RESULT_MB,
    platform_faults: Sequence[PlatformFault] = (),
    kill_at: Sequence[KillAt] = (),
    kill_after_output: bool = False,
    on_start: Callable[[Killer], None] | None = None,
    platform_reachable: bool = True,
    root: str | Path | None = None,
) -> ActionRun:
    """Run the action named `action_name` (its .actiondef "Name") as the platform does.

    The platform knows `instance` (the integration configuration, or a JSON file holding it) under
    `instance_id`, and case `case_id` in `environment`; pass `configured_instances` / `cases` to model
    another platform (an unknown instance or case). `proxy` is the platform's proxy settings
    (`proxy_server_address`, `username`, `password`, `ignore_addresses`); with it the context asks the
    SDK to use them (`use_proxy_settings`). Only the store's context properties are written to disk;
    without `store` a temporary one is used and removed.
    """
    root = Path(root or REPO_ROOT).resolve()
    def_path, definition = find_action_def(root, action_name)
    script = _script_for(root, def_path, ACTIONS_SCRIPTS_DIR)
    parameters = build_action_parameters(definition, params, fill_defaults)
    configuration = {name: platform_value(value) for name, value in _load_instance(instance).items()}
    deadline_ms = int(time.time() * 1000) + int(timeout_s * 1000)
    context = {
        "target_entities": [],
        "case_id": case_id,
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
        "use_proxy_settings": proxy is not None,
        "max_json_result_size": max_json_result_mb,
        "vault_settings": None,
    }
    with tempfile.TemporaryDirectory(prefix="devkit-store-") as temporary_store:
        store_dir = _prepare_store(Path(store) if store is not None else Path(temporary_store))
        platform_store = PlatformStore(
            store_dir,
            configurations=(
                dict(configured_instances) if configured_instances is not None else {instance_id: configuration}
            ),
            cases=dict(cases) if cases is not None else {case_id: {"environment": environment}},
            proxy=dict(proxy) if proxy is not None else None,
        )
        log_path = store_dir / "logs" / f"{script.stem}.log"
        argv = [str(script), secrets.token_hex(16), f"--logPath={log_path}"]
        process, platform = _run(
            argv,
            context,
            platform_store,
            root,
            timeout_s,
            env=env,
            platform_faults=platform_faults,
            kill_at=kill_at,
            kill_after_output=kill_after_output,
            on_start=on_start,
            platform_reachable=platform_reachable,
        )
    return ActionRun(
        action_name=action_name,
        exit_code=process.exit_code,
        stdout=process.stdout,
        stderr=process.stderr,
        output=_parse_output(process.stdout),
        context=context,
        timed_out=process.timed_out,
        log_path=log_path if store is not None else None,
        platform_calls=tuple(platform.calls),
        killed=process.killed,
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


def set_overflow_settings(store: str | Path, record: str) -> None:
    """Write the platform's overflow settings record (devkit.platform.overflow_settings) into the store."""
    context = PlatformStore(_prepare_store(Path(store))).context
    context.set(CONNECTOR_CONTEXT, OVERFLOW_IDENTIFIER, OVERFLOW_KEY, record)


def connector_context(store: str | Path, instance_id: str = DEFAULT_CONNECTOR_INSTANCE_ID) -> dict[str, Any]:
    """What the platform's database holds for a connector instance (its state, its cached token)."""
    return PlatformStore(_prepare_store(Path(store))).context.connector(instance_id)


def run_connector(
    params: Mapping[str, Any] | None,
    *,
    store: str | Path,
    instance_id: str = DEFAULT_CONNECTOR_INSTANCE_ID,
    environment: str = DEFAULT_ENVIRONMENT,
    allowlist: Sequence[str] = (),
    test_run: bool = False,
    env: Mapping[str, str] | None = None,
    kill_after_s: float | None = None,
    platform_faults: Sequence[PlatformFault] = (),
    kill_at: Sequence[KillAt] = (),
    kill_after_output: bool = False,
    on_start: Callable[[Killer], None] | None = None,
    platform_reachable: bool = True,
    root: str | Path | None = None,
) -> ConnectorRun:
    """Run one connector iteration as the platform scheduler does; its context persists in `store`.

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
    process, platform = _run(
        argv,
        context,
        PlatformStore(store_dir),
        root,
        kill_after_s,
        env=env,
        platform_faults=platform_faults,
        kill_at=kill_at,
        kill_after_output=kill_after_output,
        on_start=on_start,
        platform_reachable=platform_reachable,
    )
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
        platform_calls=tuple(platform.calls),
        killed=process.killed,
        alerts=list(package.get("cases") or []),
        overflow_alerts=list(package.get("overflow_cases") or []),
        log_rows=list(package.get("log_rows") or []),
        variables=dict(package.get("variables") or {}),
    )
