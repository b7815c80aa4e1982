"""SiemplifyAction run as the platform runs it: stdout object, exit codes, context, results, logging."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sdk_harness import FROZEN_ENV, ScriptRunner, action_context

OUTPUT_KEYS = ["Message", "ResultObjectJson", "ResultValue", "DebugOutput", "ExecutionState"]


def test_end_writes_one_documented_object_without_newline_and_exits_0(runner: ScriptRunner) -> None:
    run = runner.action('print("hello")\nsiemplify.end("All good", True)')
    assert run.returncode == 0
    assert not run.stdout.endswith("\n")
    output = json.loads(run.stdout)
    assert list(output) == OUTPUT_KEYS
    assert output["Message"] == "All good"
    assert json.loads(output["ResultObjectJson"]) == {}
    assert output["ResultValue"] is True
    assert output["DebugOutput"] == "hello\n"
    assert output["ExecutionState"] == 0


@pytest.mark.parametrize("state", [0, 1, 2, 3])
def test_end_exits_0_for_every_execution_state(runner: ScriptRunner, state: int) -> None:
    run = runner.action(f'siemplify.end("state", "false", {state})')
    assert run.returncode == 0
    assert run.output["ExecutionState"] == state
    assert run.output["ResultValue"] == "false"


def test_end_keeps_the_result_value_type(runner: ScriptRunner) -> None:
    run = runner.action('siemplify.end("n", 3, EXECUTION_STATE_FAILED)')
    assert (run.output["ResultValue"], run.output["ExecutionState"]) == (3, 2)


def test_code_after_end_does_not_run(runner: ScriptRunner) -> None:
    run = runner.action('siemplify.end("done", True)\nraise RuntimeError("unreachable")')
    assert run.returncode == 0
    assert "unreachable" not in run.stderr


def test_missing_mandatory_parameter_dumps_captured_stdout_and_exits_1(runner: ScriptRunner) -> None:
    run = runner.action(
        'print("before the failure")\nsiemplify.extract_action_param("Limit", is_mandatory=True)',
        action_context(parameters={"Limit": ""}),
    )
    assert run.returncode == 1
    assert run.stdout == ""
    assert run.stderr.startswith("STDOUT:\nbefore the failure\n\nSTDERR:\n")
    assert "Traceback (most recent call last)" in run.stderr
    assert run.stderr.rstrip().endswith("Exception: Missing mandatory parameter Limit")


def test_uncaught_exception_without_output_handler_has_no_dump(runner: ScriptRunner) -> None:
    source = 'from SiemplifyAction import SiemplifyAction\nSiemplifyAction()\nprint("x")\nraise ValueError("boom")\n'
    run = runner.run(source, runner.action_args(), action_context())
    assert run.returncode == 1
    assert run.stdout == ""
    assert "STDOUT:" not in run.stderr
    assert run.stderr.rstrip().endswith("ValueError: boom")


def test_output_handler_passes_the_return_value_through(runner: ScriptRunner) -> None:
    source = (
        "from SiemplifyUtils import output_handler, real_stdout\n"
        "@output_handler\ndef main(x):\n    return x * 2\n"
        "real_stdout.write(str(main(21)))\n"
    )
    run = runner.run(source, [])
    assert (run.returncode, run.stdout, run.stderr) == (0, "42", "")


def test_debug_output_collects_prints_and_logger_lines_in_order(runner: ScriptRunner) -> None:
    run = runner.action(
        """
        print("one")
        siemplify.LOGGER.info("two")
        siemplify.LOGGER.warn("three")
        siemplify.LOGGER.error("four")
        siemplify.LOGGER.debug("hidden")
        siemplify.end("m", True)
        """
    )
    assert run.output["DebugOutput"] == "one\ntwo\nthree\nfour\n"
    # Python logging: console handler on stderr and the --logPath file.
    for line in ("INFO - two", "WARNING - three", "ERROR - four"):
        assert line in run.stderr
    log_file = (runner.store / "logs" / "action.log").read_text()
    assert "INFO - two" in log_file and "ERROR - four" in log_file
    assert "hidden" not in run.stderr + log_file


def test_logger_rows_levels_debug_mode_and_error_logged(runner: ScriptRunner) -> None:
    run = runner.action(
        """
        import logging
        log = siemplify.LOGGER
        before = log.error_logged
        log.debug("dropped")
        log.set_log_level(logging.DEBUG)
        log.debug("kept")
        log.info("i")
        log.warn("w")
        log.error("e")
        rows = [[r.message, r.log_level, r.timestamp] for r in log.log_rows]
        siemplify.end(json.dumps({"before": before, "after": log.error_logged, "rows": rows}), True)
        """,
        env=FROZEN_ENV,
    )
    report = json.loads(run.output["Message"])
    assert report["before"] is False and report["after"] is True
    now = 1_772_899_380_000
    assert report["rows"] == [["kept", 0, now], ["i", 1, now], ["w", 2, now], ["e", 3, now]]
    assert run.output["DebugOutput"] == "kept\ni\nw\ne\n"


def test_logger_exception_prints_the_traceback(runner: ScriptRunner) -> None:
    run = runner.action(
        """
        try:
            raise KeyError("missing-thing")
        except KeyError as error:
            siemplify.LOGGER.exception(error)
        siemplify.end(str(siemplify.LOGGER.error_logged), True)
        """
    )
    debug = run.output["DebugOutput"]
    assert debug.startswith("'missing-thing'\nTraceback (most recent call last):")
    assert "KeyError: 'missing-thing'" in debug
    assert run.output["Message"] == "True"


def test_result_items_have_the_documented_structure(runner: ScriptRunner) -> None:
    context = action_context(target_entities=[{"item1": "USER@EXAMPLE.COM", "item2": "USERUNIQNAME"}])
    run = runner.action(
        """
        from SiemplifyUtils import construct_csv
        r = siemplify.result
        r.add_result_json({"first": 1})
        r.add_result_json([{"api_root": "https://x"}])
        r.add_data_table("Entities", construct_csv([{"Type": "USERUNIQNAME", "Entity": "USER@EXAMPLE.COM"}]))
        r.add_link("Console", "https://demo.example.invalid")
        r.add_link("Console", "https://second.example.invalid")
        r.add_entity_json("USER@EXAMPLE.COM", '{"risk": "low"}', "USERUNIQNAME")
        r.add_json("Raw", {"k": "v"})
        r.add_content("Notes", "some text")
        r.add_html("Report", "report.html", "<b>hi</b>")
        r.add_markdown("Report", "summary", "# hi")
        r.add_attachment("Files", "a.txt", "aGk=")
        siemplify.end("m", True)
        """,
        context,
    )
    results = run.result_object
    assert list(results) == [
        "JsonResult",
        "Entities_None",
        "Console_None",
        "USER@EXAMPLE.COM_USERUNIQNAME",
        "Raw_None",
        "Notes_None",
        "Report_None",
        "Files_None",
    ]
    assert results["JsonResult"] == {
        "Title": "JsonResult",
        "Type": None,
        "IsForEntity": False,
        "Content": "",
        "RawJson": json.dumps([{"api_root": "https://x"}]),
        "CSVLines": "",
        "Attachments": {},
        "Htmls": {},
        "Markdowns": {},
    }
    assert results["Entities_None"]["CSVLines"] == ["Type,Entity", "USERUNIQNAME,USER@EXAMPLE.COM"]
    assert results["Console_None"]["Links"] == ["https://demo.example.invalid", "https://second.example.invalid"]
    assert list(results["Console_None"]) == [
        "Title",
        "Type",
        "IsForEntity",
        "Content",
        "RawJson",
        "CSVLines",
        "Attachments",
        "Htmls",
        "Markdowns",
        "Links",
    ]
    entity_item = results["USER@EXAMPLE.COM_USERUNIQNAME"]
    assert (entity_item["IsForEntity"], entity_item["Type"], entity_item["RawJson"]) == (
        True,
        "USERUNIQNAME",
        '{"risk": "low"}',
    )
    assert "Links" not in results["Raw_None"]
    assert json.loads(results["Raw_None"]["RawJson"]) == {"k": "v"}
    assert results["Notes_None"]["Content"] == "some text"
    assert results["Report_None"]["Htmls"] == {"report.html": "<b>hi</b>"}
    assert results["Report_None"]["Markdowns"] == {"summary": "# hi"}
    assert results["Files_None"]["Attachments"] == {"a.txt": "aGk="}


def test_result_json_string_must_be_valid_json(runner: ScriptRunner) -> None:
    run = runner.action('siemplify.result.add_result_json("{not json")')
    assert run.returncode == 1
    assert "JSONDecodeError" in run.stderr


def test_attachment_over_50_mb_is_refused(runner: ScriptRunner) -> None:
    run = runner.action('siemplify.result.add_attachment("Files", "big.bin", "A" * (50 * 1024 * 1024 + 1))')
    assert run.returncode == 1
    assert "50 MB" in run.stderr


def test_result_larger_than_max_json_result_size_fails_the_run(runner: ScriptRunner) -> None:
    run = runner.action(
        'siemplify.result.add_result_json({"blob": "x" * 2000})\nsiemplify.end("Found it", True)',
        action_context(max_json_result_size=0.001),
    )
    assert run.returncode == 0
    assert list(run.output) == OUTPUT_KEYS
    assert run.output["ResultObjectJson"] is None
    assert run.output["ResultValue"] is None
    assert run.output["ExecutionState"] == 2
    assert "maximum JSON result size of 0.001 MB" in run.output["Message"]


def test_result_within_max_json_result_size_is_kept(runner: ScriptRunner) -> None:
    run = runner.action(
        'siemplify.result.add_result_json({"blob": "x" * 500})\nsiemplify.end("Found it", True)',
        action_context(max_json_result_size=0.001),
    )
    assert run.output["ExecutionState"] == 0
    assert json.loads(run.result_object["JsonResult"]["RawJson"]) == {"blob": "x" * 500}


def test_configuration_is_read_from_the_store_on_every_read(runner: ScriptRunner) -> None:
    runner.write_store("configuration.json", {"inst-1": {"API Root": "https://one", "Verify SSL": "true"}})
    run = runner.action(
        f"""
        first = siemplify.extract_configuration_param("Mimecast", "API Root", print_value=True)
        with open({str(runner.store / "configuration.json")!r}, "w") as handle:
            json.dump({{"inst-1": {{"API Root": "https://two"}}}}, handle)
        second = siemplify.extract_configuration_param("Mimecast", "API Root")
        verify = siemplify.get_configuration("Mimecast").get("Verify SSL")
        siemplify.end(json.dumps([first, second, verify]), True)
        """
    )
    assert json.loads(run.output["Message"]) == ["https://one", "https://two", None]
    assert run.output["DebugOutput"] == (
        "Reading configuration from Server\nAPI Root: https://one\n"
        "Reading configuration from Server\nReading configuration from Server\n"
    )


def test_configuration_is_keyed_by_the_context_instance(runner: ScriptRunner) -> None:
    runner.write_store("configuration.json", {"inst-1": {"Verify SSL": "false"}, "inst-2": {"Verify SSL": "true"}})
    run = runner.action(
        'siemplify.end(str(siemplify.extract_configuration_param("Mimecast", "Verify SSL", input_type=bool)), True)',
        action_context(integration_instance="inst-2"),
    )
    assert run.output["Message"] == "True"


def test_configuration_needs_a_provider_name(runner: ScriptRunner) -> None:
    runner.write_store("configuration.json", {"inst-1": {}})
    run = runner.action('siemplify.extract_configuration_param("", "API Root")')
    assert run.returncode == 1
    assert "provider_name cannot be empty" in run.stderr


def test_unknown_instance_is_named(runner: ScriptRunner) -> None:
    runner.write_store("configuration.json", {"other": {}})
    run = runner.action('siemplify.extract_configuration_param("Mimecast", "API Root")')
    assert run.returncode == 1
    assert "no instance 'inst-1'" in run.stderr


def test_platform_calls_without_a_store_say_so(runner: ScriptRunner) -> None:
    run = runner.action('siemplify.get_configuration("Mimecast")', store=False)
    assert run.returncode == 1
    assert "needs the SOAR platform" in run.stderr and "SOAR_DEVKIT_STORE" in run.stderr


def test_actions_without_platform_calls_run_without_a_store(runner: ScriptRunner) -> None:
    run = runner.action('siemplify.end(siemplify.extract_action_param("Limit"), True)', store=False)
    assert (run.returncode, run.output["Message"]) == (0, None)


def test_context_attributes_and_optional_defaults(runner: ScriptRunner) -> None:
    run = runner.action(
        """
        names = ["case_id", "alert_id", "workflow_id", "workflow_instance_id", "parent_workflow_instance_id",
                 "integration_identifier", "integration_instance", "action_definition_name",
                 "original_requesting_user", "default_result_value", "execution_deadline_unix_time_ms",
                 "async_polling_interval_in_sec", "async_total_duration_deadline", "script_timeout_deadline",
                 "use_proxy_settings", "max_json_result_size", "vault_settings", "parameters", "environment",
                 "api_key"]
        siemplify.end(json.dumps({name: getattr(siemplify, name) for name in names}), True)
        """,
        action_context(parameters=None, workflow_instance_id=None),
    )
    assert json.loads(run.output["Message"]) == {
        "case_id": "0",
        "alert_id": "",
        "workflow_id": "wf",
        "workflow_instance_id": None,
        "parent_workflow_instance_id": None,
        "integration_identifier": "Mimecast",
        "integration_instance": "inst-1",
        "action_definition_name": "Ping",
        "original_requesting_user": "admin",
        "default_result_value": "",
        "execution_deadline_unix_time_ms": 0,
        "async_polling_interval_in_sec": 0,
        "async_total_duration_deadline": 0,
        "script_timeout_deadline": 0,
        "use_proxy_settings": False,
        "max_json_result_size": 15,
        "vault_settings": None,
        "parameters": {},
        "environment": "Default Environment",
        "api_key": "api-key-1",
    }


def test_script_timeout_deadline_defaults_to_the_execution_deadline(runner: ScriptRunner) -> None:
    run = runner.action(
        "siemplify.end(str(siemplify.script_timeout_deadline), True)",
        action_context(execution_deadline_unix_time_ms=4102444800000),
    )
    assert run.output["Message"] == "4102444800000"


@pytest.mark.parametrize("key", ["target_entities", "case_id", "parameters", "integration_instance"])
def test_required_context_key_missing_fails(runner: ScriptRunner, key: str) -> None:
    context = action_context()
    del context[key]
    run = runner.action('siemplify.end("unreachable", True)', context)
    assert run.returncode == 1
    assert "KeyError" in run.stderr and key in run.stderr


def test_context_from_mock_stdin(runner: ScriptRunner) -> None:
    context = json.dumps(action_context(parameters={"Limit": "3"}))
    source = (
        "from SiemplifyAction import SiemplifyAction\n"
        f"siemplify = SiemplifyAction(mock_stdin={context!r})\n"
        'siemplify.end(str(siemplify.extract_action_param("Limit", input_type=int) + 1), True)\n'
    )
    run = runner.run(source, runner.action_args())
    assert run.output["Message"] == "4"


def test_stdin_with_utf8_bom_is_decoded(runner: ScriptRunner) -> None:
    stdin = "\ufeff".encode() + json.dumps(action_context(parameters={"Subject": "Grüße"})).encode()
    run = runner.run(
        'from SiemplifyAction import SiemplifyAction\ns = SiemplifyAction()\ns.end(s.parameters["Subject"], True)\n',
        runner.action_args(),
        stdin,
    )
    assert run.output["Message"] == "Grüße"


def test_missing_api_key_argument_fails(runner: ScriptRunner) -> None:
    run = runner.run("from SiemplifyAction import SiemplifyAction\nSiemplifyAction()\n", [], action_context())
    assert run.returncode == 1
    assert "sys.argv[1] must hold the platform API key" in run.stderr


def test_argv_flags_are_parsed_and_the_api_key_is_not_printed(runner: ScriptRunner) -> None:
    source = (
        "from SiemplifyAction import SiemplifyAction\ns = SiemplifyAction()\n"
        "s.end(repr([s.correlation_id, s.trace_id, s.one_platform_support, s.use_elastic]), True)\n"
    )
    run = runner.run(
        source,
        runner.action_args("True", "--correlationId=c-1", "--traceId=t-1", "--onePlatformSupport"),
        action_context(),
    )
    assert run.output["Message"] == "['c-1', 't-1', True, False]"
    assert "api-key-1" not in run.stdout + run.stderr


LOG_ONE_LINE = (
    'from SiemplifyAction import SiemplifyAction\ns = SiemplifyAction()\ns.LOGGER.info("{line}")\ns.end("", 1)\n'
)


def test_log_path_parent_directories_are_created(runner: ScriptRunner) -> None:
    log_path = runner.tmp_path / "deep" / "er" / "script.log"
    source = LOG_ONE_LINE.format(line="to file")
    run = runner.run(source, ["key", f"--logPath={log_path}"], action_context())
    assert run.returncode == 0
    assert "INFO - to file" in log_path.read_text()


def test_unusable_log_path_is_skipped(runner: ScriptRunner) -> None:
    blocker = runner.tmp_path / "a-file"
    blocker.write_text("")
    source = LOG_ONE_LINE.format(line="still logs")
    run = runner.run(source, ["key", f"--logPath={blocker / 'sub' / 'script.log'}"], action_context())
    assert run.returncode == 0
    assert run.output["DebugOutput"] == "still logs\n"


@pytest.mark.parametrize(
    ("deadline", "expected"),
    [(1_772_899_380_000, "True"), (1_772_899_379_999, "True"), (1_772_899_380_001, "False")],
)
def test_is_timeout_reached(runner: ScriptRunner, deadline: int, expected: str) -> None:
    run = runner.action(
        "siemplify.end(str(siemplify.is_timeout_reached), True)",
        action_context(execution_deadline_unix_time_ms=deadline),
        env=FROZEN_ENV,
    )
    assert run.output["Message"] == expected


def test_is_timeout_reached_raises_without_deadline(runner: ScriptRunner) -> None:
    run = runner.action("siemplify.is_timeout_reached")
    assert run.returncode == 1
    assert "execution_deadline_unix_time_ms is not set" in run.stderr


ALERTS = {
    "7": [
        {
            "identifier": "ALERT_1",
            "security_entities": [
                {"identifier": "USER@EXAMPLE.COM", "entity_type": "USERUNIQNAME", "is_internal": True},
                {"identifier": "1.2.3.4", "entity_type": "ADDRESS"},
            ],
        },
        {"identifier": "ALERT_2", "security_entities": [{"identifier": "HOST-1", "entity_type": "HOSTNAME"}]},
    ]
}
ENTITY_REPORT = "siemplify.end(json.dumps([[e.identifier, e.entity_type] for e in siemplify.target_entities]), True)"


@pytest.mark.parametrize(
    ("alert_id", "targets", "expected"),
    [
        (
            "ALERT_1",
            [{"item1": "USER@EXAMPLE.COM", "item2": "USERUNIQNAME"}, {"item1": "HOST-1", "item2": "HOSTNAME"}],
            [["USER@EXAMPLE.COM", "USERUNIQNAME"]],
        ),
        (
            "",
            [{"item1": "USER@EXAMPLE.COM", "item2": "USERUNIQNAME"}, {"item1": "HOST-1", "item2": "HOSTNAME"}],
            [["USER@EXAMPLE.COM", "USERUNIQNAME"], ["HOST-1", "HOSTNAME"]],
        ),
        ("ALERT_1", [{"item1": "1.2.3.4", "item2": "HOSTNAME"}], []),
        ("", ["1.2.3.4", "HOST-1"], [["1.2.3.4", "ADDRESS"], ["HOST-1", "HOSTNAME"]]),
    ],
)
def test_target_entities_come_from_the_store_alerts(
    runner: ScriptRunner, alert_id: str, targets: list, expected: list
) -> None:
    runner.write_store("alerts.json", ALERTS)
    run = runner.action(ENTITY_REPORT, action_context(case_id="7", alert_id=alert_id, target_entities=targets))
    assert json.loads(run.output["Message"]) == expected


def test_target_entities_empty_without_alerts_file(runner: ScriptRunner) -> None:
    run = runner.action(ENTITY_REPORT, action_context(target_entities=[{"item1": "X", "item2": "HOSTNAME"}]))
    assert json.loads(run.output["Message"]) == []


def test_update_entities_writes_back_to_the_store(runner: ScriptRunner) -> None:
    runner.write_store("alerts.json", ALERTS)
    context = action_context(case_id="7", alert_id="ALERT_1", target_entities=["USER@EXAMPLE.COM"])
    run = runner.action(
        """
        entity = siemplify.target_entities[0]
        entity.is_enriched = True
        entity.additional_properties["Mimecast_seen"] = "yes"
        siemplify.update_entities([entity])
        siemplify.end(str(entity.is_internal), True)
        """,
        context,
    )
    assert run.output["Message"] == "True"
    stored = runner.read_store("alerts.json")["7"][0]["security_entities"][0]
    assert stored["is_enriched"] is True
    assert stored["additional_properties"] == {"Mimecast_seen": "yes"}


def test_environment_comes_from_case_metadata_when_there_is_a_case(runner: ScriptRunner) -> None:
    runner.write_store("cases.json", {"7": {"environment": "Tenant B"}})
    with_case = runner.action("siemplify.end(siemplify.environment, True)", action_context(case_id="7"))
    without_case = runner.action("siemplify.end(siemplify.environment, True)", action_context(case_id="0"))
    assert with_case.output["Message"] == "Tenant B"
    assert without_case.output["Message"] == "Default Environment"


def test_proxy_settings_are_exported_when_requested(runner: ScriptRunner) -> None:
    runner.write_store(
        "proxy.json",
        {
            "proxy_server_address": "http://proxy.local:3128",
            "username": "svc user",
            "password": "p@ss-word-42",
            "ignored_addresses": ["localhost", "10.0.0.1"],
        },
    )
    body = 'siemplify.end(json.dumps([os.environ.get(k) for k in ("https_proxy", "no_proxy")]), True)'
    on = runner.action(body, action_context(use_proxy_settings=True))
    off = runner.action(body)
    assert json.loads(on.output["Message"]) == [
        "http://svc%20user:p%40ss-word-42@proxy.local:3128",
        "localhost,10.0.0.1",
    ]
    assert "p@ss-word-42" not in on.output["DebugOutput"] + on.stderr
    assert json.loads(off.output["Message"]) == [None, None]


def test_requests_ca_bundle_warning(runner: ScriptRunner) -> None:
    run = runner.action('siemplify.end("", True)', env={"REQUESTS_CA_BUNDLE": "/etc/ssl/certs/ca.pem"})
    assert run.output["DebugOutput"] == "Environment Variables cannot contain key REQUESTS_CA_BUNDLE\n"


def test_run_folder_needs_script_name_and_falls_back_to_the_store(runner: ScriptRunner) -> None:
    run = runner.action(
        f"""
        try:
            siemplify.run_folder
        except Exception as error:
            missing = str(error)
        siemplify.RUN_FOLDER = {str(runner.tmp_path / "no-such-platform-dir")!r}
        siemplify.script_name = "Mimecast - Ping"
        fallback = siemplify.run_folder
        siemplify.RUN_FOLDER = {str(runner.tmp_path)!r}
        platform = siemplify.run_folder
        siemplify.end(json.dumps([missing, fallback, platform]), True)
        """
    )
    missing, fallback, platform = json.loads(run.output["Message"])
    assert "script_name" in missing
    assert fallback == str(runner.store / "run" / "SiemplifyAction" / "Mimecast - Ping")
    assert platform == str(runner.tmp_path / "SiemplifyAction" / "Mimecast - Ping")
    assert Path(fallback).is_dir() and Path(platform).is_dir()


def test_temp_folder_is_removed_by_end(runner: ScriptRunner) -> None:
    run = runner.action(
        """
        path = siemplify.get_temp_folder_path()
        open(os.path.join(path, "scratch.txt"), "w").close()
        sys.stderr.write("TEMP=" + path + "\\n")
        siemplify.end("", True)
        """
    )
    temp = next(line[5:] for line in run.stderr.splitlines() if line.startswith("TEMP="))
    assert not os.path.exists(temp)


def _start_waiting_action(runner: ScriptRunner) -> subprocess.Popen:
    """An action that signals readiness on stderr and ends once the file `go` exists."""
    source = (
        "import os, sys, time\nfrom SiemplifyAction import SiemplifyAction\n"
        "s = SiemplifyAction()\nsys.stderr.write('ready\\n'); sys.stderr.flush()\n"
        "deadline = time.monotonic() + 20\n"
        "while not os.path.exists('go') and time.monotonic() < deadline:\n    time.sleep(0.02)\n"
        "s.end('finished', True)\n"
    )
    context_file = runner.tmp_path / "context.json"
    context_file.write_text(json.dumps(action_context()))
    with context_file.open("rb") as stdin:
        process = subprocess.Popen(
            [sys.executable, str(runner.script(source)), *runner.action_args()],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=runner.env(),
            cwd=runner.tmp_path,
        )
    assert process.stderr.readline() == b"ready\n"
    return process


def test_sigterm_exits_with_minus_143(runner: ScriptRunner) -> None:
    process = _start_waiting_action(runner)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=20)
    assert process.returncode == 113  # sys.exit(-143) as a process status
    assert stdout == b""
    assert b"SIGTERM" in stderr


def test_sigint_is_logged_and_ignored(runner: ScriptRunner) -> None:
    process = _start_waiting_action(runner)
    process.send_signal(signal.SIGINT)
    # The handler runs before the script's next bytecode, so it precedes the end() this file allows.
    (runner.tmp_path / "go").write_text("")
    stdout, _ = process.communicate(timeout=20)
    assert process.returncode == 0
    output = json.loads(stdout)
    assert output["Message"] == "finished"
    assert "Received SIGINT: ignored" in output["DebugOutput"]
