"""Shared fixtures for end-to-end tests: a simulator, instances pointing at it, a store, runners.

Scripts always run as subprocesses through devkit.runner: the SDK modules are never imported into the
pytest process (importing them swaps sys.stdout and pytest's report would vanish).
"""

import contextlib
import json
import sys
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from devkit import INSTANCES_DIR, REPO_ROOT
from devkit.runner import ActionRun, ConnectorRun, run_action, run_connector

SDK_MODULE_NAMES = ("SiemplifyUtils", "SiemplifyAction", "SiemplifyConnectors", "Siemplify", "SiemplifyBase")


def simulator_instance(url: str, api: str = "api2", **overrides: Any) -> dict[str, Any]:
    """The devkit instance file for API 1.0 ("api1") or API 2.0 ("api2"), pointed at url."""
    instance = json.loads((INSTANCES_DIR / f"simulator-{api}.json").read_text())
    instance["API Root"] = url
    instance.update(overrides)
    return instance


def _start_simulator() -> Any:
    from simulator.server import Simulator

    return Simulator(port=0)


@pytest.fixture
def simulator() -> Iterator[Any]:
    """A fresh in-process simulator on an ephemeral port, for tests that change its state."""
    with _start_simulator() as sim:
        yield sim


@pytest.fixture(scope="session")
def session_simulator() -> Iterator[Any]:
    """One simulator for the whole session, for tests that only read its default tenant."""
    with _start_simulator() as sim:
        yield sim


def _admin_client(sim: Any) -> Any:
    from simulator.client import SimulatorClient

    return SimulatorClient(sim.url, getattr(sim, "ca_file", None))


@pytest.fixture
def simulator_client(simulator: Any) -> Iterator[Any]:
    """simulator.client.SimulatorClient for the function-scoped simulator (faults, clock, request log)."""
    with _admin_client(simulator) as client:
        yield client


@pytest.fixture
def session_simulator_client(session_simulator: Any) -> Iterator[Any]:
    """Admin client for the session simulator; reading its request log is fine, changing its state is not."""
    with _admin_client(session_simulator) as client:
        yield client


@pytest.fixture
def api1_instance(simulator: Any) -> dict[str, Any]:
    return simulator_instance(simulator.url, "api1")


@pytest.fixture
def api2_instance(simulator: Any) -> dict[str, Any]:
    return simulator_instance(simulator.url, "api2")


@pytest.fixture
def session_api1_instance(session_simulator: Any) -> dict[str, Any]:
    return simulator_instance(session_simulator.url, "api1")


@pytest.fixture
def session_api2_instance(session_simulator: Any) -> dict[str, Any]:
    return simulator_instance(session_simulator.url, "api2")


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A platform store (SOAR_DEVKIT_STORE) that lives for one test and persists across its runs."""
    return tmp_path / "store"


SECRET_PROPERTIES = ("Application Key", "Access Key", "Secret Key", "Client Secret", "Proxy Password")
# Words that appear only where a credential is being written out.
CREDENTIAL_MARKERS = ("Bearer ", "Authorization")
SHIPPED_SCRIPT_DIRS = tuple((REPO_ROOT / folder).resolve() for folder in ("ActionsScripts", "ConnectorsScripts"))


def secret_values(configuration: Mapping[str, Any]) -> list[str]:
    values = (str(configuration.get(name) or "").strip() for name in SECRET_PROPERTIES)
    return [value for value in values if len(value) >= 4]


def recognisable_secrets() -> list[str]:
    """The simulator's built-in credentials and token prefix: the secret values the whole suite runs with."""
    from simulator import (
        DEFAULT_API1_ACCESS_KEY,
        DEFAULT_API1_APP_KEY,
        DEFAULT_API1_SECRET_KEY,
        DEFAULT_API2_CLIENT_SECRET,
    )
    from simulator.auth import TOKEN_PREFIX

    return [
        DEFAULT_API1_APP_KEY,
        DEFAULT_API1_ACCESS_KEY,
        DEFAULT_API1_SECRET_KEY,
        DEFAULT_API2_CLIENT_SECRET,
        TOKEN_PREFIX,
    ]


def forbidden_texts(*configurations: Mapping[str, Any]) -> list[str]:
    """Every form in which a secret could show: as is, URL-encoded, and the start of a long one (a cut-off leak)."""
    secrets = {value for configuration in configurations for value in secret_values(configuration)}
    secrets.update(recognisable_secrets())
    forms = set(CREDENTIAL_MARKERS)
    for secret in secrets:
        forms.update((secret, quote(secret, safe="")))
        if len(secret) >= 24:
            forms.add(secret[:16])
    return sorted(forms)


def _strings(value: Any) -> Iterator[str]:
    """Every string in a decoded output object, JSON strings inside it decoded too (results are JSON in JSON)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value
        if value[:1] in ("{", "["):
            with contextlib.suppress(ValueError):
                yield from _strings(json.loads(value))


def shown_texts(stdout: str, stderr: str, log_path: Path | None) -> dict[str, str]:
    """What a person can read after a run: raw streams, the decoded output object, the log file."""
    shown = {"stdout": stdout, "stderr": stderr}
    with contextlib.suppress(ValueError):
        shown["decoded output (Message, DebugOutput, results)"] = "\n".join(_strings(json.loads(stdout)))
    if log_path and Path(log_path).is_file():
        shown["log file"] = Path(log_path).read_text(errors="replace")
    return shown


def assert_nothing_forbidden(shown: Mapping[str, str], forbidden: list[str]) -> None:
    for where, text in shown.items():
        for secret in forbidden:
            assert secret not in text, f"{secret[:4]}… leaked into the {where}"


def assert_no_secret_leak(run: ActionRun | ConnectorRun, configuration: Mapping[str, Any]) -> None:
    """No secret, bearer token or Authorization value in anything the run showed or logged.

    The connector may keep its API 2.0 token in the connector context (the platform's database), so
    the store's context.json is not searched; everything a person can read is.
    """
    assert_nothing_forbidden(shown_texts(run.stdout, run.stderr, run.log_path), forbidden_texts(configuration))


def _run_configurations(env: Mapping[str, str], context: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The configured values a run could leak: every instance in its store, the connector's parameters."""
    configuration_file = Path(env["SOAR_DEVKIT_STORE"]) / "configuration.json"
    instances = json.loads(configuration_file.read_text()) if configuration_file.is_file() else {}
    params = (context.get("connector_info") or {}).get("params") or []
    return [*instances.values(), {param["param_name"]: param["param_value"] for param in params}]


@pytest.fixture(scope="session", autouse=True)
def _every_run_of_a_shipped_script_is_checked_for_leaked_secrets() -> Iterator[None]:
    """However a test starts a shipped action or connector (fixtures or devkit.runner), what it showed is checked.

    Every run goes through devkit.runner._run_script; scripts of the devkit's own test layouts are not ours.
    """
    from devkit import runner as runner_module

    original = runner_module._run_script

    def checked(argv: list[str], context: dict, env: dict[str, str], timeout_s: float) -> Any:
        process = original(argv, context, env, timeout_s)
        if Path(argv[0]).resolve().parent in SHIPPED_SCRIPT_DIRS:
            log_path = next((Path(arg.split("=", 1)[1]) for arg in argv if arg.startswith("--logPath=")), None)
            forbidden = forbidden_texts(*_run_configurations(env, context))
            assert_nothing_forbidden(shown_texts(process.stdout, process.stderr, log_path), forbidden)
        return process

    patch = pytest.MonkeyPatch()
    patch.setattr(runner_module, "_run_script", checked)
    yield
    patch.undo()


@pytest.fixture(scope="session", autouse=True)
def _no_log_file_of_the_session_holds_a_secret(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A last sweep over the log files of every store the session used (<store>/logs/), whoever wrote them."""
    yield
    forbidden = forbidden_texts()
    leaks = [
        f"{path}: {secret[:4]}…"
        for path in sorted(tmp_path_factory.getbasetemp().rglob("logs/*.log*"))
        if path.is_file()
        for secret in forbidden
        if secret in path.read_text(errors="replace")
    ]
    assert not leaks, f"secrets in log files: {leaks}"


@pytest.fixture
def action_runner(store: Path) -> Callable[..., ActionRun]:
    """run_action bound to the test's store: `action_runner("Ping", instance=api2_instance)`.

    Every run is checked for leaked secrets (_every_run_of_a_shipped_script_is_checked_for_leaked_secrets).
    """
    return partial(run_action, store=store)


@pytest.fixture
def connector_runner(store: Path) -> Callable[..., ConnectorRun]:
    """run_connector bound to the test's store, so consecutive runs share connector state.

    Every run is checked for leaked secrets; the connector's parameters carry its credentials.
    """
    return partial(run_connector, store=store)


@pytest.fixture(autouse=True)
def _sdk_stays_out_of_the_test_process() -> Iterator[None]:
    yield
    leaked = [name for name in SDK_MODULE_NAMES if name in sys.modules]
    if leaked:
        pytest.fail(f"SDK modules imported into the pytest process (run scripts via devkit.runner): {leaked}")
