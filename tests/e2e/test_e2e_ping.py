"""Ping against the simulator: in both auth modes and its raw output object as a platform subprocess on the real
SDK; how it words wrong or missing credentials and a skewed clock in process (tests/action_harness.py).

Transport, TLS, rate-limit, permission and server faults are cells of test_e2e_fault_matrix.py.
"""

import json

import pytest
from action_cases import PING_FAILED, PING_OK
from suite_helpers import simulator_instance

ACCOUNT_PATH = "/api/account/get-account"


@pytest.mark.parametrize("api", ["api1", "api2"])
def test_ping_succeeds_with_both_auth_modes(action_runner, simulator, simulator_client, api):
    run = action_runner("Ping", instance=simulator_instance(simulator.url, api))

    assert run.completed and run.exit_code == 0
    assert run.message == PING_OK
    assert run.result_value is True
    assert [e["path"] for e in simulator_client.log()] == (
        [ACCOUNT_PATH] if api == "api1" else ["/oauth/token", ACCOUNT_PATH]
    )


def test_raw_stdout_is_exactly_the_documented_output_object(action_runner, api2_instance):
    run = action_runner("Ping", instance=api2_instance)

    assert not run.stdout.endswith("\n")
    output = json.loads(run.stdout)
    assert list(output) == ["Message", "ResultObjectJson", "ResultValue", "DebugOutput", "ExecutionState"]
    assert isinstance(output["Message"], str)
    assert isinstance(output["ResultObjectJson"], str)
    assert isinstance(json.loads(output["ResultObjectJson"]), dict)
    assert output["ResultValue"] is True
    assert isinstance(output["DebugOutput"], str) and "Reading configuration from Server" in output["DebugOutput"]
    assert output["ExecutionState"] == 0


def test_wrong_client_secret_says_which_credentials_were_rejected(action_in_process, api2_instance):
    run = action_in_process("Ping", instance={**api2_instance, "Client Secret": "sim-client-secret-WRONG-0000"})

    assert run.failed and run.result_value is False and run.exit_code == 0
    assert run.message.startswith(PING_FAILED)
    assert "rejected the API 2.0 (Client ID, Client Secret) credentials" in run.message
    assert "Client credentials are invalid" in run.message


def test_request_dated_20_minutes_ago_is_explained_as_host_clock_skew(
    action_in_process, api1_instance, simulator_client
):
    simulator_client.set_clock_offset(20 * 60)  # Mimecast's clock 20 minutes ahead: our date is 20 minutes old

    run = action_in_process("Ping", instance=api1_instance)

    assert run.failed
    assert "SOAR host clock differs from Mimecast's by about 20 minutes" in run.message
    assert "within Mimecast's tolerance" in run.message
    [entry] = simulator_client.log()
    assert entry["status"] == 401 and entry["response"]["fail"][0]["errors"][0]["code"] == "err_xdk_invalid_date"


def test_no_authentication_parameters(action_in_process, api2_instance):
    run = action_in_process("Ping", instance={"API Root": api2_instance["API Root"], "Verify SSL": True})

    assert run.failed and run.message == PING_FAILED + "No authentication parameters provided."


def test_partial_api1_configuration_names_the_missing_fields(action_in_process, api1_instance, simulator_client):
    run = action_in_process("Ping", instance={**api1_instance, "Access Key": "", "Secret Key": " "})

    assert run.failed and "missing: Access Key, Secret Key" in run.message
    assert simulator_client.log() == []
