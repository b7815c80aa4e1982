"""devkit.runner starts scripts on Google's soar-sdk the way the platform does and decodes what they print."""

import json
import os
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest
from devkit_layouts import echo_layout, tick_layout

from devkit import REPO_ROOT
from devkit import runner as runner_module
from devkit.definitions import UsageError
from devkit.platform import KillAt, PlatformFault
from devkit.runner import PlatformContractError, connector_context, run_action, run_connector
from devkit.soar_sdk import sdk_dir

INSTANCE = {"API Root": "http://127.0.0.1:1", "Client ID": "id-1", "Client Secret": "secret-1", "Verify SSL": True}
# Every key SiemplifyAction reads from an action's stdin context without a default.
REQUIRED_ACTION_KEYS = {
    "target_entities",
    "case_id",
    "alert_id",
    "environment",
    "workflow_id",
    "parameters",
    "integration_identifier",
    "integration_instance",
    "action_definition_name",
    "original_requesting_user",
    "default_result_value",
}


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    return echo_layout(tmp_path / "integration")


def echo(layout: Path, store: Path, params: dict | None = None, **kwargs) -> "runner_module.ActionRun":
    return run_action("Echo", params, instance=INSTANCE, store=store, root=layout, **kwargs)


def test_the_script_receives_the_platform_context_on_stdin(layout, store):
    run = echo(layout, store, {"Limit": "9"}, instance_id="inst-7", environment="Acme")

    context = run.json_result["context"]
    assert set(context) >= REQUIRED_ACTION_KEYS
    assert context["integration_identifier"] == "Mimecast"
    assert context["integration_instance"] == "inst-7"
    assert context["action_definition_name"] == "Echo"
    assert context["environment"] == "Acme"
    assert context["target_entities"] == []
    assert context["parameters"]["Limit"] == "9"
    assert context == run.context


def test_the_sdk_reads_the_case_then_the_instance_configuration_from_the_platform(layout, store):
    run = echo(layout, store, instance_id="inst-7", environment="Acme")

    assert run.json_result["configuration"] == {**INSTANCE, "Verify SSL": "true"}
    assert run.json_result["environment"] == "Acme"
    assert [(call.method, call.call, call.argument, call.status) for call in run.platform_calls] == [
        ("GET", "CaseMetadata", "1", 200),
        ("GET", "configuration", "inst-7", 200),
    ]


def test_parameters_not_given_are_prefilled_with_the_definition_defaults(layout, store):
    run = echo(layout, store, {"Note": "hello"})

    assert run.json_result["context"]["parameters"] == {"Mode": "ok", "Limit": "5", "Verbose": "false", "Note": "hello"}


def test_without_defaults_only_the_given_parameters_are_sent(layout, store):
    run = echo(layout, store, {"Limit": "2"}, fill_defaults=False)

    assert run.json_result["context"]["parameters"] == {"Limit": "2"}


def test_parameter_values_are_sent_as_strings(layout, store):
    run = echo(layout, store, {"Verbose": True, "Limit": 12})

    assert run.json_result["context"]["parameters"]["Verbose"] == "true"
    assert run.json_result["context"]["parameters"]["Limit"] == "12"


def test_unknown_action_is_a_usage_error_listing_the_actions(layout, store):
    with pytest.raises(UsageError, match=r'No action named "Nope".*"Echo"'):
        run_action("Nope", instance=INSTANCE, store=store, root=layout)


def test_unknown_parameter_is_a_usage_error_listing_the_parameters(layout, store):
    with pytest.raises(UsageError, match=r"has no parameter 'Limt'.*'Limit'"):
        echo(layout, store, {"Limt": "3"})


def test_argv_path_and_environment_match_the_platform(layout, store, monkeypatch):
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "https_proxy", "PYTHONUNBUFFERED"):
        monkeypatch.setenv(name, "/somewhere/else")

    info = echo(layout, store).json_result

    api_key, log_arg = info["argv"]
    assert len(api_key) >= 16
    assert log_arg == f"--logPath={store.resolve()}/logs/Echo.log"
    assert info["pythonpath"].split(":") == [
        str(store.resolve() / "sdk"),
        str(sdk_dir()),
        str((layout / "Managers").resolve()),
    ]
    assert info["platform"]["APP_IP"] == "localhost" and info["platform"]["APP_USE_SSL"] == "True"
    assert int(info["platform"]["APP_PORT"]) > 0
    assert info["scrubbed"] == {
        "REQUESTS_CA_BUNDLE": None,
        "CURL_CA_BUNDLE": None,
        "https_proxy": None,
        "PYTHONUNBUFFERED": None,
    }
    assert Path(info["cwd"]).resolve() not in (REPO_ROOT, layout.resolve())


def test_the_sdk_runs_with_its_run_folder_inside_the_store(layout, store):
    echo(layout, store)

    config = (store / "sdk" / "sdk_config.ini").read_text()
    assert f"runFolderPath = {store.resolve() / 'run'}" in config
    assert (store / "sdk" / "SiemplifySdkConfig.py").read_bytes() == (sdk_dir() / "SiemplifySdkConfig.py").read_bytes()


def test_only_the_sdk_and_managers_are_importable(layout, store):
    importable = echo(layout, store).json_result["importable"]

    assert importable == {
        "devkit": False,
        "simulator": False,
        "tests": False,
        "SiemplifyAction": True,
        "EchoHelper": True,
    }


def test_the_deadline_is_the_timeout_from_now(layout, store):
    before = int(time.time() * 1000)
    run = echo(layout, store, timeout_s=120)

    deadline = run.json_result["context"]["execution_deadline_unix_time_ms"]
    assert before + 120_000 <= deadline <= int(time.time() * 1000) + 120_000


def test_extra_environment_reaches_the_script(layout, store):
    assert echo(layout, store, env={"ECHO_EXTRA": "yes"}).json_result["extra"] == "yes"


def test_the_instance_configuration_is_never_written_to_the_store(layout, store):
    run = echo(layout, store, instance_id="first")

    assert run.completed
    written = [path for path in store.rglob("*") if path.is_file() and "secret-1" in path.read_text(errors="replace")]
    assert written == []
    assert run.log_path == store.resolve() / "logs" / "Echo.log"


def test_instance_may_be_given_as_a_json_file(layout, store, tmp_path):
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(INSTANCE))

    run = run_action("Echo", instance=path, store=store, root=layout, instance_id="from-file")

    assert run.json_result["configuration"]["Client ID"] == "id-1"


def test_without_a_store_a_temporary_one_is_used(layout):
    run = run_action("Echo", instance=INSTANCE, root=layout)

    assert run.completed
    assert run.log_path is None


def test_an_unknown_instance_or_case_is_the_platform_s_error(layout, store):
    no_instance = echo(layout, store, configured_instances={})
    no_case = echo(layout, store, cases={})

    assert no_instance.crashed and "404" in no_instance.stderr and "Integration instance" in no_instance.stderr
    assert no_case.crashed and "Case 1 was not found" in no_case.stderr


def test_a_platform_call_the_fake_does_not_model_fails_the_run_loudly(layout, store):
    (layout / "ActionsScripts" / "Echo.py").write_text(
        "from SiemplifyAction import SiemplifyAction\n"
        "siemplify = SiemplifyAction()\n"
        "siemplify.get_system_version()\n"
        "siemplify.end('done', True)\n"
    )

    with pytest.raises(PlatformContractError, match="GET /api/external/v1/sdk/GetCurrentSiemplifyVersion"):
        echo(layout, store)


def test_stdout_object_is_decoded(layout, store):
    run = echo(layout, store)

    assert run.exit_code == 0
    assert run.message == "Echo ran in mode ok"
    assert run.execution_state == 0
    assert run.execution_state_name == "Completed"
    assert run.result_value is True
    assert "echo debug line\n" in run.debug_output
    assert run.json_result["argv"][1].startswith("--logPath=")
    assert run.tables == {
        "Mailboxes": [
            {"Mailbox": "alice@example.com", "Messages": "3"},
            {"Mailbox": "bob@example.com", "Messages": "0"},
        ]
    }
    assert json.loads(run.stdout) == run.output
    assert run.completed and not run.failed and not run.crashed


def test_failed_execution_state_is_reported_as_failed(layout, store):
    run = echo(layout, store, {"Mode": "fail"})

    assert run.exit_code == 0
    assert run.failed and not run.completed
    assert run.execution_state_name == "Failed"
    assert run.result_value is False


def test_a_crashing_script_has_no_output_object(layout, store):
    run = echo(layout, store, {"Mode": "crash"})

    assert run.exit_code == 1
    assert run.crashed and not run.completed and not run.failed
    assert run.output is None and run.message is None and run.json_result is None and run.tables == {}
    assert "RuntimeError: boom from the script" in run.stderr


# How long a sleeping script may take to start, however loaded the machine: far more than it ever needs.
START_UP_BOUND_S = 120


@pytest.fixture
def timeout_counts_from_the_sleep(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The run's timeout counts from the moment the script is asleep, not from its start: the run's env.

    The echo script marks that moment with a file; the runner's wait for the process starts only then, so the
    time start-up takes on a loaded machine cannot decide whether the script got as far as its sleep (and its
    SIGTERM handler) before the timeout.
    """
    asleep = tmp_path / "asleep"

    class WaitsForTheSleep(subprocess.Popen):
        def wait(self, timeout: float | None = None) -> int:
            if timeout is not None:
                started = time.monotonic()
                while not asleep.exists() and self.poll() is None:
                    assert time.monotonic() - started < START_UP_BOUND_S, "the script never went to sleep"
                    time.sleep(0.01)
            return super().wait(timeout)

    monkeypatch.setattr(runner_module.subprocess, "Popen", WaitsForTheSleep)
    return {"ECHO_ASLEEP_FILE": str(asleep)}


def test_a_run_past_its_timeout_is_terminated(layout, store, timeout_counts_from_the_sleep):
    run = echo(layout, store, {"Mode": "sleep"}, timeout_s=1, env=timeout_counts_from_the_sleep)

    assert run.timed_out and run.crashed
    # The SDK's SIGTERM handler exits with -143, which the process reports as 113.
    assert run.exit_code == 113
    assert "sleeping" in run.stderr


def test_a_script_that_ignores_sigterm_is_killed(layout, store, monkeypatch, timeout_counts_from_the_sleep):
    monkeypatch.setattr(runner_module, "TERMINATE_GRACE_S", 0.5)

    run = echo(layout, store, {"Mode": "stubborn"}, timeout_s=1, env=timeout_counts_from_the_sleep)

    assert run.timed_out
    assert run.exit_code == -signal.SIGKILL


def test_results_written_by_the_sdk_are_decoded(tmp_path, store):
    layout = echo_layout(tmp_path / "integration")
    (layout / "ActionsScripts" / "Echo.py").write_text(
        "from ScriptResult import EXECUTION_STATE_COMPLETED\n"
        "from SiemplifyAction import SiemplifyAction\n"
        "from SiemplifyUtils import construct_csv, output_handler\n\n\n"
        "@output_handler\n"
        "def main():\n"
        "    siemplify = SiemplifyAction()\n"
        "    print('printed line')\n"
        "    siemplify.result.add_result_json({'items': [1, 2], 'limit': siemplify.parameters['Limit']})\n"
        "    rows = [{'id': 'a', 'size': 1}, {'id': 'b', 'size': 2}]\n"
        "    siemplify.result.add_data_table('Results', construct_csv(rows))\n"
        "    siemplify.end('done', True, EXECUTION_STATE_COMPLETED)\n\n\n"
        "main()\n"
    )

    run = echo(layout, store)

    assert run.completed, run.stderr
    assert run.message == "done"
    assert run.json_result == {"items": [1, 2], "limit": "5"}
    assert [sorted(row.items()) for row in run.tables["Results"]] == [
        [("id", "a"), ("size", "1")],
        [("id", "b"), ("size", "2")],
    ]
    assert "printed line" in run.debug_output


# -- connector -------------------------------------------------------------------------------------------


@pytest.fixture
def connector_layout(tmp_path: Path) -> Path:
    return tick_layout(tmp_path / "integration")


def tick(connector_layout: Path, store: Path, params: dict | None = None, **kwargs) -> "runner_module.ConnectorRun":
    return run_connector(params or {}, store=store, root=connector_layout, **kwargs)


def test_connector_receives_connector_info_with_defaults_filled(connector_layout, store):
    run = tick(
        connector_layout,
        store,
        {"Domains": "example.com", "API Root": "http://127.0.0.1:9"},
        instance_id="tick-1",
        environment="Acme",
        allowlist=("held",),
    )

    info = run.context["connector_info"]
    assert run.alerts[0]["environment"] == "Acme"
    assert info["integration"] == "Mimecast"
    assert info["connector_definition_name"] == "Tick Connector"
    assert info["identifier"] == "tick-1"
    assert info["display_name"] and "description" in info and "result_data_type" in info
    assert info["allow_list"] == ["held"]
    params = {p["param_name"]: p for p in info["params"]}
    assert params["Domains"]["param_value"] == "example.com"
    assert params["API Root"]["param_value"] == "http://127.0.0.1:9"
    assert params["PythonProcessTimeout"] == {
        "param_name": "PythonProcessTimeout",
        "param_value": "60",
        "type": 1,
        "mode": 2,
        "is_mandatory": True,
    }
    assert params["Verify SSL"]["param_value"] == "true"
    assert params["DeviceProductField"]["mode"] == 0


def test_connector_argv_marks_scheduled_and_test_runs(connector_layout, store):
    live = tick(connector_layout, store)
    test = tick(connector_layout, store, test_run=True)

    assert json.loads(live.variables["argv"])[0] == "True"
    assert json.loads(test.variables["argv"])[0] == "False"
    assert json.loads(test.variables["argv"])[2] == f"--logPath={store.resolve()}/logs/Tick.log"


def test_connector_context_persists_in_the_store_between_runs_and_only_its_owner_reads_it(connector_layout, store):
    first = tick(connector_layout, store)
    second = tick(connector_layout, store)
    in_other_store = tick(connector_layout, store.parent / "other")

    assert [first.alerts[0]["ticket_id"], second.alerts[0]["ticket_id"]] == ["tick-0", "tick-1"]
    assert in_other_store.alerts[0]["ticket_id"] == "tick-0"
    assert connector_context(store, "mimecast-tracking-1")["runs"] == "2"
    assert stat.S_IMODE(os.stat(store / "context.json").st_mode) == 0o600


def test_connector_package_is_decoded(connector_layout, store):
    run = tick(connector_layout, store)

    assert run.exit_code == 0 and not run.crashed
    assert [a["name"] for a in run.alerts] == ["Held Message"]
    assert len(run.alerts[0]["events"]) == 2
    assert run.overflow_alerts == []
    assert "tick" in [row["message"] for row in run.log_rows]
    assert "debug line 1\n" in run.debug_output


def test_the_platform_ingests_the_alerts_of_a_run_only_when_it_exits_0(connector_layout, store):
    good = tick(connector_layout, store)
    died = tick(connector_layout, store, {"Mode": "die-after-output"})

    assert good.ingested and [a["ticket_id"] for a in good.ingested_alerts] == ["tick-0"]
    assert died.exit_code == 1 and [a["ticket_id"] for a in died.alerts] == ["tick-1"], "the package was written"
    assert not died.ingested and died.ingested_alerts == []


def test_connector_is_killed_after_python_process_timeout(connector_layout, store):
    run = tick(connector_layout, store, {"Mode": "sleep", "PythonProcessTimeout": "1"})

    assert run.timed_out and run.crashed
    assert run.alerts == [] and run.ingested_alerts == []


def test_a_kill_before_a_context_write_is_answered_leaves_the_context_as_it_was(connector_layout, store):
    tick(connector_layout, store)

    run = tick(connector_layout, store, kill_at=[KillAt("SetContextProperty", key="runs")])

    assert run.exit_code == -signal.SIGKILL and run.killed and not run.ingested
    assert [a["ticket_id"] for a in run.alerts] == ["tick-1"], "return_package came before the write"
    assert connector_context(store, "mimecast-tracking-1")["runs"] == "1"


def test_a_kill_after_a_context_write_is_answered_keeps_the_write(connector_layout, store):
    run = tick(connector_layout, store, kill_at=[KillAt("SetContextProperty", key="runs", after=True)])

    assert run.killed and connector_context(store, "mimecast-tracking-1")["runs"] == "1"


def test_a_kill_right_after_the_output_object_stops_the_run_there(connector_layout, store):
    run = tick(connector_layout, store, kill_after_output=True)

    assert run.killed == "killed right after the output object was written"
    assert not run.ingested and "runs" not in connector_context(store, "mimecast-tracking-1")


def test_an_external_hook_can_kill_the_run_once_it_started(connector_layout, store):
    run = tick(connector_layout, store, {"Mode": "sleep"}, on_start=lambda kill: kill("killed by the test"))

    assert run.killed == "killed by the test" and run.exit_code == -signal.SIGKILL and not run.timed_out


def test_a_refused_context_write_makes_the_sdk_raise(connector_layout, store):
    run = tick(connector_layout, store, platform_faults=[PlatformFault("SetContextProperty", status=500, key="runs")])

    assert run.exit_code == 1 and "devkit platform fault: HTTP 500 for SetContextProperty" in run.stderr
    assert "runs" not in connector_context(store, "mimecast-tracking-1")


def test_connector_unknown_parameter_is_a_usage_error(connector_layout, store):
    with pytest.raises(UsageError, match="has no parameter 'Domain'"):
        tick(connector_layout, store, {"Domain": "x"})


def test_connector_needs_exactly_one_definition(tmp_path, store):
    with pytest.raises(UsageError, match=r"exactly one \.connectordef"):
        run_connector({}, store=store, root=tmp_path)
