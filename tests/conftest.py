"""Shared fixtures: a simulator, instances pointing at it, a store, runners.

An action runs either in this process (`action_in_process`, tests/action_harness.py: its script through the
runner code, with a recording stand-in of the SDK object) or as a subprocess on the real SDK through
devkit.runner (`action_runner`, `connector_runner`). The SDK modules are never imported into the pytest
process (importing them swaps sys.stdout and pytest's report would vanish).
"""

import sys
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from suite_helpers import (
    assert_nothing_forbidden,
    forbidden_texts,
    run_configurations,
    shown_texts,
    simulator_instance,
)

from devkit import REPO_ROOT
from devkit.runner import ActionRun, ConnectorRun, run_action, run_connector

SDK_MODULE_NAMES = ("SiemplifyUtils", "SiemplifyAction", "SiemplifyConnectors", "Siemplify", "SiemplifyBase")


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


@pytest.fixture
def simulator_client(simulator: Any) -> Iterator[Any]:
    """simulator.client.SimulatorClient for the function-scoped simulator (faults, clock, request log)."""
    from simulator.client import SimulatorClient

    with SimulatorClient(simulator.url, simulator.ca_file) as client:
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
    """A platform store (its context properties) that lives for one test and persists across its runs."""
    return tmp_path / "store"


SHIPPED_SCRIPT_DIRS = tuple((REPO_ROOT / folder).resolve() for folder in ("ActionsScripts", "ConnectorsScripts"))


@pytest.fixture(scope="session", autouse=True)
def _every_run_of_a_shipped_script_is_checked_for_leaked_secrets() -> Iterator[None]:
    """However a test starts a shipped action or connector (fixtures or devkit.runner), what it showed is checked.

    Every run goes through devkit.runner._run_script; scripts of the devkit's own test layouts are not ours.
    """
    from devkit import runner as runner_module

    original = runner_module._run_script

    def checked(argv: list[str], context: dict, env: dict[str, str], timeout_s: float, platform: Any, **kw: Any) -> Any:
        process = original(argv, context, env, timeout_s, platform, **kw)
        if Path(argv[0]).resolve().parent in SHIPPED_SCRIPT_DIRS:
            log_path = next((Path(arg.split("=", 1)[1]) for arg in argv if arg.startswith("--logPath=")), None)
            forbidden = forbidden_texts(*run_configurations(platform, context))
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
def action_in_process(store: Path) -> Callable[..., ActionRun]:
    """An action run in this process, bound to the test's store: `action_in_process("Ping", instance=...)`.

    Takes run_action's action name, parameters, instance, timeout_s and max_json_result_mb, and returns the same
    ActionRun; what it showed and logged is checked for leaked secrets like every subprocess run.
    """
    from action_harness import run_action_in_process

    def run(action_name: str, params: Any = None, *, instance: Any, **options: Any) -> ActionRun:
        run = run_action_in_process(action_name, params, instance=instance, store=store, **options)
        forbidden = forbidden_texts(instance)
        assert_nothing_forbidden(shown_texts(run.stdout, run.stderr, run.log_path), forbidden)
        return run

    return run


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
