"""The shared fixtures in tests/conftest.py run real scripts against an in-process simulator."""

import pytest
from devkit_layouts import echo_layout, tick_layout

from devkit import runner as runner_module
from devkit.runner import run_action

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(("instance_fixture", "auth_mode"), [("api1_instance", "api1"), ("api2_instance", "api2")])
def test_ping_through_the_fixtures(request, action_runner, store, simulator_client, instance_fixture, auth_mode):
    instance = request.getfixturevalue(instance_fixture)

    run = action_runner("Ping", instance=instance)

    assert run.completed, run.stderr
    assert run.result_value is True
    assert (store / "logs" / "Ping.log").read_text().count("Successfully connected to the Mimecast server") == 1
    calls = [(entry["path"], entry["auth_mode"]) for entry in simulator_client.log(path="/api/account/get-account")]
    assert calls == [("/api/account/get-account", auth_mode)]


def test_session_instances_point_at_the_session_simulator(
    session_simulator, session_api1_instance, session_api2_instance
):
    api1, api2 = session_api1_instance, session_api2_instance
    assert api1["API Root"] == api2["API Root"] == session_simulator.url
    assert api1["Application ID"] and not api1["Client ID"]
    assert api2["Client ID"] and not api2["Application ID"]


def test_connector_runner_shares_the_store_between_runs(connector_runner, tmp_path):
    root = tick_layout(tmp_path / "integration")

    tickets = [connector_runner({}, root=root).alerts[0]["ticket_id"] for _ in range(2)]

    assert tickets == ["tick-0", "tick-1"]


def test_a_leaking_run_of_a_shipped_script_fails_the_test_however_it_was_started(monkeypatch, tmp_path):
    layout = echo_layout(tmp_path / "integration")
    instance = {"API Root": "http://127.0.0.1:1", "Client ID": "id-1", "Client Secret": "leaky-secret-1"}
    run = run_action("Echo", {"Mode": "leak"}, instance=instance, store=tmp_path / "store", root=layout)
    assert "leaky-secret-1" in run.message  # the devkit's own test layouts are not checked

    # Count the layout's scripts as shipped, in the namespace of the guard that wraps every script run.
    guard_globals = runner_module._run_script.__globals__
    monkeypatch.setitem(guard_globals, "SHIPPED_SCRIPT_DIRS", ((layout / "ActionsScripts").resolve(),))
    with pytest.raises(AssertionError, match="leaked into the stdout"):
        run_action("Echo", {"Mode": "leak"}, instance=instance, store=tmp_path / "store", root=layout)
