"""Shared fixtures for end-to-end tests: a simulator, instances pointing at it, a store, runners.

Scripts always run as subprocesses through devkit.runner: the SDK modules are never imported into the
pytest process (importing them swaps sys.stdout and pytest's report would vanish).
"""

import json
import sys
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from devkit import INSTANCES_DIR
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


def secret_values(configuration: Mapping[str, Any]) -> list[str]:
    values = (str(configuration.get(name) or "").strip() for name in SECRET_PROPERTIES)
    return [value for value in values if len(value) >= 4]


def assert_no_secret_leak(run: ActionRun | ConnectorRun, configuration: Mapping[str, Any]) -> None:
    """No configured secret, bearer token or Authorization value in anything the run showed or logged.

    The connector may keep its API 2.0 token in the connector context (the platform's database), so
    the store's context.json is not searched; everything a person can read is.
    """
    from simulator.auth import TOKEN_PREFIX

    shown = {"stdout": run.stdout, "stderr": run.stderr}
    if run.log_path and Path(run.log_path).is_file():
        shown["log file"] = Path(run.log_path).read_text(errors="replace")
    forbidden = [*secret_values(configuration), TOKEN_PREFIX, "Bearer ", "Authorization"]
    for where, text in shown.items():
        for secret in forbidden:
            assert secret not in text, f"{secret[:4]}… leaked into the {where}"


def _checked(runner: Callable[..., Any], configuration_key: str) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        result = runner(*args, **kwargs)
        configuration = kwargs.get(configuration_key) or {}
        if isinstance(configuration, str | Path):
            configuration = json.loads(Path(configuration).read_text())
        assert_no_secret_leak(result, {**configuration, **(kwargs.get("params") or {})})
        return result

    return run


@pytest.fixture
def action_runner(store: Path) -> Callable[..., ActionRun]:
    """run_action bound to the test's store: `action_runner("Ping", instance=api2_instance)`.

    Every run is checked for leaked secrets (see assert_no_secret_leak).
    """
    return _checked(partial(run_action, store=store), "instance")


@pytest.fixture
def connector_runner(store: Path) -> Callable[..., ConnectorRun]:
    """run_connector bound to the test's store, so consecutive runs share connector state.

    Every run is checked for leaked secrets; the connector's parameters carry its credentials.
    """
    return _checked(partial(run_connector, store=store), "params")


@pytest.fixture(autouse=True)
def _sdk_stays_out_of_the_test_process() -> Iterator[None]:
    yield
    leaked = [name for name in SDK_MODULE_NAMES if name in sys.modules]
    if leaked:
        pytest.fail(f"SDK modules imported into the pytest process (run scripts via devkit.runner): {leaked}")
