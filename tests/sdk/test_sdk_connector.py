"""SiemplifyConnectorExecution run as the platform runs it: return_package, params, state, overflow."""

import json
import os
from pathlib import Path

import pytest
from sdk_harness import FROZEN_ENV, FROZEN_NOW_MS, ScriptRunner, connector_context

PACKAGE_KEYS = ["cases", "overflow_cases", "log_items", "variables", "log_rows"]

ONE_ALERT = """
alert = AlertInfo()
alert.environment = "Default Environment"
alert.ticket_id = alert.display_id = "demo-1"
alert.name = alert.rule_generator = "Held Message"
alert.device_vendor, alert.device_product = "Mimecast", "Mimecast"
alert.start_time = alert.end_time = 1772899380000
alert.priority = 60
alert.events = [{"event_type": "Message", "subject": "hi"}]
"""


def test_return_package_writes_the_documented_object_and_does_not_exit(runner: ScriptRunner) -> None:
    run = runner.connector(
        ONE_ALERT
        + """
print("captured")
siemplify.LOGGER.info("a log line")
siemplify.return_package([alert], {"checkpoint": "1"}, ["item"])
sys.stderr.write("after return_package\\n")
""",
        env=FROZEN_ENV,
    )
    assert run.returncode == 0
    assert "after return_package" in run.stderr
    assert not run.stdout.endswith("\n")
    assert list(run.output) == ["ResultObjectJson", "DebugOutput"]
    assert isinstance(run.output["ResultObjectJson"], str)
    package = run.result_object
    assert list(package) == PACKAGE_KEYS
    (case,) = package["cases"]
    assert list(case)[:6] == ["environment", "ticket_id", "description", "display_id", "reason", "name"]
    assert case["ticket_id"] == "demo-1" and case["priority"] == 60
    assert case["events"] == [{"event_type": "Message", "subject": "hi"}]
    assert package["overflow_cases"] == []
    assert package["log_items"] == ["item"]
    assert package["variables"] == {"checkpoint": "1"}
    assert package["log_rows"] == [{"message": "a log line", "log_level": 1, "timestamp": FROZEN_NOW_MS}]
    assert run.output["DebugOutput"] == "captured\na log line\n"


def test_return_package_defaults(runner: ScriptRunner) -> None:
    run = runner.connector("siemplify.return_package([])")
    assert run.result_object == {"cases": [], "overflow_cases": [], "log_items": [], "variables": {}, "log_rows": []}


def test_log_rows_are_capped_at_5000(runner: ScriptRunner) -> None:
    run = runner.connector('for i in range(5003):\n    siemplify.LOGGER.info(f"row {i}")\nsiemplify.return_package([])')
    rows = run.result_object["log_rows"]
    assert len(rows) == 5000
    assert (rows[0]["message"], rows[-1]["message"]) == ("row 0", "row 4999")
    assert run.output["DebugOutput"].count("\n") == 5003


def test_return_test_result(runner: ScriptRunner) -> None:
    run = runner.connector('siemplify.return_test_result(True, {"alerts": 1})', live=False)
    assert list(run.output) == ["ResultObjectJson", "DebugOutput"]
    assert run.result_object == {"is_success": True, "result_params": {"alerts": 1}}


@pytest.mark.parametrize(("live", "expected"), [(True, "False"), (False, "True")])
def test_argv1_false_is_a_test_run(runner: ScriptRunner, live: bool, expected: str) -> None:
    run = runner.connector("print(siemplify.is_test_run)\nsiemplify.return_package([])", live=live)
    assert run.output["DebugOutput"] == f"{expected}\n"


def test_missing_api_key_argument_fails(runner: ScriptRunner) -> None:
    source = "from SiemplifyConnectors import SiemplifyConnectorExecution\nSiemplifyConnectorExecution()\n"
    run = runner.run(source, ["True"], connector_context())
    assert run.returncode == 1
    assert "sys.argv[2] must hold the platform API key" in run.stderr


def test_parameters_first_occurrence_wins_and_extract_connector_param(runner: ScriptRunner) -> None:
    params = [
        {"param_name": "Max Messages To Return", "param_value": "100"},
        {"param_name": "Max Messages To Return", "param_value": "5"},
        {"param_name": "Verify SSL", "param_value": "True"},
        {"param_name": "Domains", "param_value": ""},
    ]
    run = runner.connector(
        """
        values = [
            siemplify.extract_connector_param("Max Messages To Return", input_type=int),
            siemplify.extract_connector_param("Verify SSL", input_type=bool),
            siemplify.extract_connector_param("Domains", default_value="example.com"),
            siemplify.parameters["Max Messages To Return"],
        ]
        print(json.dumps(values))
        siemplify.return_package([])
        """,
        connector_context(params),
    )
    assert json.loads(run.output["DebugOutput"].splitlines()[-1]) == [100, True, "example.com", "100"]


def test_missing_mandatory_connector_param_fails_with_dump(runner: ScriptRunner) -> None:
    run = runner.connector('siemplify.extract_connector_param("Domains", is_mandatory=True)', connector_context({}))
    assert run.returncode == 1
    assert run.stdout == ""
    assert run.stderr.startswith("STDOUT:\n")
    assert run.stderr.rstrip().endswith("Exception: Missing mandatory parameter Domains")


@pytest.mark.parametrize(
    ("info", "expected"),
    [
        ({"allow_list": ["a", "b"]}, ["a", "b"]),
        ({"white_list": ["w"]}, ["w"]),
        ({"allow_list_json_object": '["j1", "j2"]'}, ["j1", "j2"]),
        ({"white_list_json_object": '["wj"]'}, ["wj"]),
        ({"allow_list": [], "white_list_json_object": '["wj"]'}, ["wj"]),
        ({}, []),
    ],
)
def test_whitelist_variants(runner: ScriptRunner, info: dict, expected: list) -> None:
    run = runner.connector(
        "print(json.dumps(siemplify.whitelist))\nsiemplify.return_package([])", connector_context(**info)
    )
    assert json.loads(run.output["DebugOutput"]) == expected


def test_connector_context_properties_round_trip_through_the_store(runner: ScriptRunner) -> None:
    write = runner.connector(
        """
        identifier = siemplify.context.connector_info.identifier
        print(repr(siemplify.get_connector_context_property(identifier, "ids")))
        siemplify.set_connector_context_property(identifier, "ids", json.dumps(["m-1", "m-2"]))
        siemplify.set_context_property(0, "global-id", "flag", "on")
        siemplify.return_package([])
        """
    )
    assert write.output["DebugOutput"] == "None\n"
    stored = runner.read_store("context.json")
    assert stored["4"]["conn-1"]["ids"] == '["m-1", "m-2"]'
    assert stored["0"]["global-id"]["flag"] == "on"
    read = runner.connector(
        """
        print(siemplify.get_connector_context_property("conn-1", "ids"))
        print(siemplify.get_context_property(4, "conn-1", "ids"))
        print(siemplify.get_context_property(0, "global-id", "flag"))
        siemplify.return_package([])
        """
    )
    assert read.output["DebugOutput"] == '["m-1", "m-2"]\n["m-1", "m-2"]\non\n'
    assert not list(runner.store.glob("*.tmp"))


def test_try_set_context_property_sets_only_once(runner: ScriptRunner) -> None:
    run = runner.connector(
        """
        print(siemplify.try_set_context_property(4, "conn-1", "lock", "first"))
        print(siemplify.try_set_context_property(4, "conn-1", "lock", "second"))
        print(siemplify.get_connector_context_property("conn-1", "lock"))
        siemplify.return_package([])
        """
    )
    assert run.output["DebugOutput"] == "True\nFalse\nfirst\n"


@pytest.mark.parametrize(
    ("call", "error"),
    [
        ('siemplify.set_connector_context_property("conn-1", "ids", ["not", "a", "string"])', "TypeError"),
        ('siemplify.set_connector_context_property("conn-1", "ids", "x" * 3_000_001)', "3,000,000"),
        ('siemplify.get_connector_context_property(identifier="conn-1", key="ids")', "positional-only"),
    ],
)
def test_context_property_misuse_fails(runner: ScriptRunner, call: str, error: str) -> None:
    run = runner.connector(call)
    assert run.returncode == 1
    assert error in run.stderr


def test_fetch_and_save_timestamp(runner: ScriptRunner) -> None:
    first = runner.connector(
        """
        print(siemplify.fetch_timestamp())
        print(siemplify.fetch_timestamp(datetime_format=True).isoformat())
        siemplify.save_timestamp(new_timestamp=1772899380123)
        print(siemplify.fetch_timestamp())
        print(siemplify.fetch_timestamp(datetime_format=True).isoformat())
        siemplify.return_package([])
        """
    )
    assert first.output["DebugOutput"] == (
        "No data found for property key: timestamp\n0\n"
        "No data found for property key: timestamp\n1970-01-01T00:00:00+00:00\n"
        "1772899380123\n2026-03-07T16:03:00.123000+00:00\n"
    )
    assert runner.read_store("context.json")["4"]["conn-1"]["timestamp"] == "1772899380123"
    second = runner.connector(
        """
        from datetime import datetime, timezone, timedelta
        siemplify.save_timestamp(new_timestamp=datetime(2026, 3, 7, 18, 3, tzinfo=timezone(timedelta(hours=2))))
        print(siemplify.fetch_timestamp())
        siemplify.return_package([])
        """
    )
    assert second.output["DebugOutput"] == f"{FROZEN_NOW_MS}\n"


def test_unix_now_defaults_are_evaluated_once_at_import(runner: ScriptRunner) -> None:
    run = runner.connector(
        """
        os.environ["SOAR_DEVKIT_NOW"] = "2026-03-08T00:00:00Z"
        siemplify.save_timestamp()
        siemplify.is_overflowed_alert("Default Environment", "demo-1", alert_name="Held Message", product="Mimecast")
        print(SiemplifyUtils.unix_now())
        siemplify.return_package([])
        """,
        env=FROZEN_ENV,
    )
    assert run.output["DebugOutput"] == "1772928000000\n"
    state = runner.read_store("context.json")["4"]["conn-1"]
    assert state["timestamp"] == str(FROZEN_NOW_MS)
    assert json.loads(state["overflow_data"]) == {"|Default Environment|Mimecast|Held Message": [FROZEN_NOW_MS]}


OVERFLOW_CHECKS = """
results = []
for ticket, name, minute in CALLS:
    results.append(siemplify.is_overflowed_alert(
        "Default Environment", ticket, ingestion_time=1772899380000 + int(minute * 60000),
        alert_name=name, product="Mimecast"))
print(json.dumps(results))
siemplify.return_package([])
"""


def _overflow_run(runner: ScriptRunner, calls: list, live: bool = True):
    return runner.connector(f"CALLS = {calls!r}\n{OVERFLOW_CHECKS}", live=live)


def _overflow_settings(runner: ScriptRunner, settings: dict) -> None:
    runner.write_store("context.json", {"4": {"overflow_settings": {"overflow_settings": json.dumps(settings)}}})


def test_overflow_counts_per_key_in_a_sliding_window(runner: ScriptRunner) -> None:
    _overflow_settings(runner, {"max_alerts_count": 2, "period_in_minutes": 10})
    run = _overflow_run(
        runner, [["t1", "Held", 0], ["t2", "Held", 1], ["t3", "Held", 2], ["t4", "Bounced", 2], ["t5", "Held", 10.5]]
    )
    assert json.loads(run.output["DebugOutput"].splitlines()[-1]) == [False, False, True, False, False]
    overflow = run.result_object["overflow_cases"]
    assert [(case["alert_identifier"], case["alert_name"], case["product"]) for case in overflow] == [
        ("t3", "Held", "Mimecast")
    ]
    assert overflow[0]["environment"] == "Default Environment"
    assert overflow[0]["connector_identifier"] == "conn-1"
    assert "Alert t3 overflowed" in run.output["DebugOutput"]
    # The window and counts persist: the next run still sees t2 and t5 for "Held".
    again = _overflow_run(runner, [["t6", "Held", 10.9]])
    assert json.loads(again.output["DebugOutput"].splitlines()[-1]) == [True]


def test_overflow_defaults_are_50_alerts_per_10_minutes(runner: ScriptRunner) -> None:
    run = _overflow_run(runner, [[f"t{i}", "Held", 0] for i in range(51)] + [["late", "Held", 10.01]])
    results = json.loads(run.output["DebugOutput"].splitlines()[-1])
    assert results == [False] * 50 + [True, False]


def test_overflow_can_be_disabled(runner: ScriptRunner) -> None:
    _overflow_settings(runner, {"is_enabled": False, "max_alerts_count": 1})
    run = _overflow_run(runner, [["t1", "Held", 0], ["t2", "Held", 0]])
    assert json.loads(run.output["DebugOutput"].splitlines()[-1]) == [False, False]


def test_test_runs_never_overflow_and_write_nothing(runner: ScriptRunner) -> None:
    _overflow_settings(runner, {"max_alerts_count": 1})
    run = _overflow_run(runner, [["t1", "Held", 0], ["t2", "Held", 0]], live=False)
    assert run.output["DebugOutput"].splitlines() == [
        "Overflow not checked because this is a test run",
        "Overflow not checked because this is a test run",
        "[false, false]",
    ]
    assert "conn-1" not in runner.read_store("context.json")["4"]


def test_run_folder_is_created_under_the_platform_path_or_the_store(runner: ScriptRunner) -> None:
    run = runner.connector("print(siemplify.run_folder)\nsiemplify.return_package([])")
    platform_root = Path("/opt/siemplify/siemplify_server/Scripting")
    usable = platform_root.is_dir() and os.access(platform_root, os.W_OK)
    root = platform_root if usable else runner.store / "run"
    folder = Path(run.output["DebugOutput"].strip())
    assert folder == root / "SiemplifyConnectorExecution" / "Mimecast Tracking_conn-1"
    assert folder.is_dir()


def test_connector_needs_a_store(runner: ScriptRunner) -> None:
    run = runner.connector("siemplify.return_package([])", store=False)
    assert run.returncode == 1
    assert "SOAR_DEVKIT_STORE" in run.stderr


def test_proxy_params_are_exported(runner: ScriptRunner) -> None:
    params = {
        "Proxy Server Address": "proxy.local:3128",
        "Proxy Username": "svc",
        "Proxy Password": "s3cret/pw",
        "Proxy Ignored Addresses": "localhost, 127.0.0.1",
    }
    run = runner.connector(
        'print(json.dumps([os.environ.get(k) for k in ("http_proxy", "HTTPS_PROXY", "no_proxy")]))\n'
        "siemplify.return_package([])",
        connector_context(params),
    )
    assert json.loads(run.output["DebugOutput"]) == [
        "http://svc:s3cret%2Fpw@proxy.local:3128",
        "http://svc:s3cret%2Fpw@proxy.local:3128",
        "localhost,127.0.0.1",
    ]
    assert "s3cret" not in run.stderr


def test_no_proxy_params_no_proxy(runner: ScriptRunner) -> None:
    run = runner.connector('print(os.environ.get("https_proxy"))\nsiemplify.return_package([])')
    assert run.output["DebugOutput"] == "None\n"


def test_logger_module_is_the_connector_name(runner: ScriptRunner) -> None:
    run = runner.connector('siemplify.LOGGER.info("hello")\nsiemplify.return_package([])')
    assert "INFO Mimecast Tracking hello" in run.stderr
    assert "INFO Mimecast Tracking hello" in (runner.store / "logs" / "connector.log").read_text()
