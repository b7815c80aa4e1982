"""`python -m devkit`: exit codes and what a person reads in the terminal."""

import argparse
import io
import json
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from devkit_layouts import echo_layout, tick_layout, valid_layout
from suite_helpers import simulator_instance

from bench import cli as bench_cli
from devkit import REPO_ROOT, cli
from devkit.cli import main
from devkit.runner import connector_context
from simulator import __main__ as simulator_cli

SECRET = "s3cr3t-client-value"
SECRET_FIELDS = ("Application Key", "Access Key", "Secret Key", "Client Secret")


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    return echo_layout(tmp_path / "integration")


@pytest.fixture
def instance_file(tmp_path: Path) -> Path:
    path = tmp_path / "tenant.json"
    path.write_text(json.dumps({"API Root": "http://127.0.0.1:1", "Client ID": "client-1", "Client Secret": SECRET}))
    return path


def devkit(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def action(layout: Path, instance_file: Path, store: Path, *extra: str) -> tuple[int, str]:
    paths = ("--root", str(layout), "--instance", str(instance_file), "--store", str(store))
    return devkit("action", "Echo", *paths, *extra)


def test_completed_action_prints_message_state_result_json_and_tables(layout, instance_file, store):
    code, text = action(layout, instance_file, store, "--param", "Limit=7")

    assert code == 0
    assert "Output message: Echo ran in mode ok" in text
    assert "Execution state: Completed (0)" in text
    assert "Result value (is_success): true" in text
    assert 'JSON result:\n{\n  "argv": [' in text
    assert '"Limit": "7"' in text
    assert "Table Mailboxes (2 rows):" in text
    assert "| Mailbox           | Messages |" in text
    assert "| alice@example.com | 3        |" in text


def test_failed_action_exits_1(layout, instance_file, store):
    code, text = action(layout, instance_file, store, "--param", "Mode=fail")

    assert code == 1
    assert "Execution state: Failed (2)" in text
    assert "Result value (is_success): false" in text


def test_crashed_script_exits_3_and_shows_the_traceback_tail(layout, instance_file, store):
    code, text = action(layout, instance_file, store, "--param", "Mode=crash")

    assert code == 3
    assert "Script crashed: it exited with code 1 without writing an output object." in text
    assert "RuntimeError: boom from the script" in text


def test_killed_script_exits_3(layout, instance_file, store):
    code, text = action(layout, instance_file, store, "--param", "Mode=sleep", "--timeout", "1")

    assert code == 3
    assert "was killed after its timeout" in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--param", "Limit"], '--param expects "Name=value"'),
        (["--param", "Limt=3"], "has no parameter 'Limt'"),
        (["--instance", "/nonexistent/instance.json"], "Instance file not found"),
    ],
)
def test_usage_errors_exit_2(layout, instance_file, store, capsys, argv, message):
    code, _ = action(layout, instance_file, store, *argv)

    assert code == 2
    assert message in capsys.readouterr().err


def test_unknown_action_exits_2_listing_the_actions(layout, capsys):
    code, _ = devkit("action", "Pnig", "--root", str(layout))

    assert code == 2
    assert 'No action named "Pnig"' in capsys.readouterr().err


def test_bad_command_line_exits_2(capsys):
    assert devkit("action")[0] == 2
    assert devkit("frobnicate")[0] == 2
    assert devkit("action", "Ping", "--timeout", "soon")[0] == 2
    assert "invalid float value: 'soon'" in capsys.readouterr().err


def test_json_flag_prints_the_raw_stdout_object(layout, instance_file, store):
    code, text = action(layout, instance_file, store, "--json")

    assert code == 0
    output = json.loads(text)
    assert list(output) == ["Message", "ResultObjectJson", "ResultValue", "DebugOutput", "ExecutionState"]
    assert output["Message"] == "Echo ran in mode ok"


def test_no_defaults_flag_sends_only_given_parameters(layout, instance_file, store):
    code, text = action(layout, instance_file, store, "--json", "--no-defaults", "--param", "Note=x")

    raw_json = json.loads(json.loads(json.loads(text)["ResultObjectJson"])["JsonResult"]["RawJson"])
    assert code == 0
    assert raw_json["context"]["parameters"] == {"Note": "x"}


def test_secret_values_never_reach_the_terminal(layout, instance_file, store):
    code, text = action(layout, instance_file, store, "--param", "Mode=leak")
    _, raw = action(layout, instance_file, store, "--param", "Mode=leak", "--json")

    assert code == 0
    assert SECRET not in text and SECRET not in raw
    assert "Client Secret=********" in text
    assert "Client ID=client-1" in text
    assert "with secret ********" in text


def test_debug_flag_shows_the_debug_output(layout, instance_file, store):
    assert "echo debug line" not in action(layout, instance_file, store)[1]
    debug = action(layout, instance_file, store, "--debug")[1].split("Debug output:\n", 1)[1]
    assert "Reading configuration from Server\necho debug line" in debug


def test_connector_prints_alerts_and_the_debug_tail(tmp_path, instance_file, store):
    root = tick_layout(tmp_path / "integration")

    code, text = devkit(
        "connector", "--root", str(root), "--instance", str(instance_file), "--store", str(store),
        "--param", "Domains=example.com", "--environment", "Acme",
    )  # fmt: skip

    assert code == 0
    assert "Run: 1 alert(s), 0 overflowed." in text
    assert "| Name         | Ticket ID | Priority          | Environment | Events |" in text
    assert "| Held Message | tick-0    | Medium (value 60) | Acme        | 2      |" in text
    assert "Debug output (last 20 lines):\ndebug line 11\n" in text
    assert "debug line 10\n" not in text
    second = devkit(
        "connector", "--root", str(root), "--instance", str(instance_file), "--store", str(store), "--test-run"
    )[1]
    assert "Test run: 1 alert(s)" in second and "tick-1" in second


def test_connector_passes_instance_values_for_its_own_parameters(tmp_path, instance_file, store):
    root = tick_layout(tmp_path / "integration")
    code, text = devkit("connector", "--root", str(root), "--instance", str(instance_file), "--store", str(store))

    state = json.loads((store / "context.json").read_text())
    assert code == 0
    assert state["4"]["mimecast-tracking-1"]["runs"] == "1"
    assert SECRET not in text


def test_connector_crash_exits_3(tmp_path, store):
    root = tick_layout(tmp_path / "integration")
    (root / "ConnectorsScripts" / "Tick.py").write_text("raise SystemExit(4)\n")

    code, text = devkit("connector", "--root", str(root), "--store", str(store), "--instance", "")

    assert code == 3
    assert "Connector crashed: it exited with code 4" in text


def test_validate_reports_problems_and_exits_1(tmp_path):
    root = valid_layout(tmp_path / "integration")
    files = len(list(root.rglob("*.*def"))) + 4  # plus mapping rules, MimecastConstants, RN.json and AI metadata
    assert devkit("validate", "--root", str(root)) == (0, f"{files} definition files valid.\n")

    (root / "ActionsScripts" / "Ping.py").unlink()
    code, text = devkit("validate", "--root", str(root))

    assert code == 1
    assert "ActionsDefinitions/Ping.actiondef: (file): has no matching ActionsScripts/Ping.py\n" in text


def test_python_dash_m_devkit_runs_as_a_module(tmp_path):
    root = valid_layout(tmp_path / "integration")
    (root / "ActionsScripts" / "Ping.py").unlink()

    result = subprocess.run(
        [sys.executable, "-m", "devkit", "validate", "--root", str(root)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1
    assert "has no matching ActionsScripts/Ping.py" in result.stdout


@pytest.mark.e2e
def test_ping_through_the_cli_against_the_simulator(session_api2_instance, tmp_path, store):
    instance = tmp_path / "sim.json"
    instance.write_text(json.dumps(session_api2_instance))

    code, text = devkit("action", "Ping", "--instance", str(instance), "--store", str(store))

    assert code == 0, text
    assert "Output message: Successfully connected to the Mimecast server" in text
    assert session_api2_instance["Client Secret"] not in text


RUN_FAILED_LINE = 'The Message Tracking connector run failed: Parameter "Domains" is mandatory and was not provided.'
# A connector that fails on purpose as the real one does: it logs its failure line and raises it.
FAILING_CONNECTOR = f"""
from SiemplifyConnectors import SiemplifyConnectorExecution
from SiemplifyUtils import output_handler


@output_handler
def main():
    siemplify = SiemplifyConnectorExecution()
    siemplify.LOGGER.error({RUN_FAILED_LINE!r})
    {{after}}


main()
"""


def connector_with(tmp_path: Path, after: str) -> Path:
    root = tick_layout(tmp_path / "integration")
    (root / "ConnectorsScripts" / "Tick.py").write_text(FAILING_CONNECTOR.replace("{after}", after))
    return root


@pytest.mark.parametrize(
    "after",
    [
        f"raise RuntimeError({RUN_FAILED_LINE!r})",
        f"raise ValueError({RUN_FAILED_LINE!r}) from None",
        "raise SystemExit(1)",
    ],
    ids=["raised", "raised-from-none", "logged-then-exit-1"],
)
def test_a_connector_run_that_fails_on_purpose_shows_its_failure_line_and_exits_1(tmp_path, store, after):
    root = connector_with(tmp_path, after)

    code, text = devkit("connector", "--root", str(root), "--store", str(store), "--instance", "")

    assert code == 1, text
    assert f"Run failed: {RUN_FAILED_LINE}\n" in text
    assert "crashed" not in text
    assert "Traceback" not in text and "RuntimeError" not in text and "STDOUT:" not in text


def test_a_failure_line_spanning_lines_is_shown_whole(tmp_path, store):
    root = connector_with(tmp_path, f"raise RuntimeError({RUN_FAILED_LINE + chr(10) + 'second line'!r})")

    code, text = devkit("connector", "--root", str(root), "--store", str(store), "--instance", "", "--test-run")

    assert code == 1, text
    assert f"Test run failed: {RUN_FAILED_LINE}\nsecond line\n" in text


@pytest.mark.parametrize(
    "after",
    [
        'raise KeyError("boom")',
        'raise RuntimeError("The connector run failed: not the connector\'s own line")',
        "import os; os.kill(os.getpid(), 9)",
    ],
    ids=["another-error-after-the-line", "another-wording", "killed"],
)
def test_a_connector_crash_after_its_failure_line_is_still_a_crash(tmp_path, store, after):
    root = connector_with(tmp_path, after)

    code, text = devkit("connector", "--root", str(root), "--store", str(store), "--instance", "")

    assert code == 3, text
    assert "Connector crashed" in text
    assert "Run failed" not in text


def test_a_connector_that_dies_after_returning_its_package_is_a_crash_nothing_ingested(tmp_path, store):
    root = tick_layout(tmp_path / "integration")

    code, text = devkit(
        "connector", "--root", str(root), "--store", str(store), "--instance", "", "--param", "Mode=die-after-output"
    )

    assert code == 3, text
    assert "Connector crashed: it exited with code 1 after returning its package" in text
    assert "the platform ingests none of its 1 alert(s)" in text


@pytest.mark.e2e
def test_the_real_connector_without_domains_is_a_failed_run_not_a_crash(instance_file, store):
    code, text = devkit("connector", "--instance", str(instance_file), "--store", str(store))

    assert code == 1, text
    assert f"Run failed: {RUN_FAILED_LINE}\n" in text
    assert "Traceback" not in text and "crashed" not in text


@pytest.mark.parametrize(
    "api_root",
    ["https://svc-user:pa55-w0rd@tenant.example.com", "https://svc-user:pa55%2Fw0rd@tenant.example.com"],
)
def test_an_api_root_with_credentials_is_shown_without_them(layout, tmp_path, store, api_root):
    instance = tmp_path / "tenant.json"
    instance.write_text(json.dumps({"API Root": api_root, "Client ID": "client-1", "Client Secret": SECRET}))

    code, text = action(layout, instance, store)
    _, raw = action(layout, instance, store, "--json")

    assert code == 0, text
    assert "API Root=https://tenant.example.com," in text
    for shown in (text, raw):
        assert "pa55" not in shown and "svc-user" not in shown
    assert '"API Root": "https://********:********@tenant.example.com"' in text


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def listening_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def default_instance(monkeypatch, tmp_path: Path, api_root: str) -> Path:
    path = tmp_path / "simulator-default.json"
    path.write_text(json.dumps({"API Root": api_root, "Client ID": "client-1", "Client Secret": SECRET}))
    monkeypatch.setattr(cli, "DEFAULT_INSTANCE", path)
    return path


@pytest.mark.parametrize("command", ["action", "connector"])
def test_help_shows_that_the_default_instance_is_the_simulator(capsys, command):
    assert devkit(command, "--help")[0] == 0

    text = " ".join(capsys.readouterr().out.split())
    assert (
        "Default: devkit/instances/simulator-api2.json, the local simulator at http://127.0.0.1:8765; "
        "pass your own file for a real tenant"
    ) in text


@pytest.mark.parametrize(
    "api_root",
    ["http://127.0.0.1:{port}", "http://localhost:{port}/", "http://sim-user:sim-pass@127.0.0.1:{port}"],
)
@pytest.mark.parametrize("command", ["action", "connector"])
def test_without_instance_a_simulator_that_is_not_running_stops_the_command(
    monkeypatch, tmp_path, store, capsys, command, api_root
):
    port = closed_port()
    path = default_instance(monkeypatch, tmp_path, api_root.format(port=port))
    root = echo_layout(tmp_path / "echo") if command == "action" else tick_layout(tmp_path / "tick")
    name = ["Echo"] if command == "action" else []

    code, text = devkit(command, *name, "--root", str(root), "--store", str(store))

    assert (code, text) == (2, "")
    error = " ".join(capsys.readouterr().err.split())
    assert f"no --instance given, so this would run with the simulator's instance {path}" in error
    assert f"(API Root {api_root.format(port=port).replace('sim-user:sim-pass@', '')})" in error
    assert "pass --instance <file> with your tenant's configuration" in error
    assert "sim-pass" not in error


@pytest.mark.parametrize("command", ["action", "connector"])
def test_without_instance_the_header_says_the_simulator_instance_is_used(
    monkeypatch, tmp_path, store, listening_port, command
):
    path = default_instance(monkeypatch, tmp_path, f"http://127.0.0.1:{listening_port}")
    root = echo_layout(tmp_path / "echo") if command == "action" else tick_layout(tmp_path / "tick")
    name = ["Echo"] if command == "action" else []

    code, text = devkit(command, *name, "--root", str(root), "--store", str(store))

    assert code == 0, text
    assert f"Instance: {path} (the default: the local simulator; pass --instance for a real tenant)\n" in text
    assert f"API Root: http://127.0.0.1:{listening_port}\n" in text


def test_an_explicit_instance_is_never_refused_and_the_header_names_it(tmp_path, store):
    instance = tmp_path / "tenant.json"
    instance.write_text(json.dumps({"API Root": f"http://127.0.0.1:{closed_port()}", "Client Secret": SECRET}))
    root = tick_layout(tmp_path / "tick")

    code, text = devkit("connector", "--root", str(root), "--instance", str(instance), "--store", str(store))

    assert code == 0, text
    assert text.startswith(f'Connector "Tick Connector" (mimecast-tracking-1)\nInstance: {instance}\nAPI Root: http://')
    assert "Values:   API Root=http://127.0.0.1:" in text and "Client Secret=********" in text
    assert SECRET not in text


def test_a_connector_without_instance_file_names_the_api_root_its_definition_defaults_to(tmp_path, store):
    root = tick_layout(tmp_path / "tick")

    code, text = devkit("connector", "--root", str(root), "--store", str(store), "--instance", "", "--test-run")

    assert code == 0, text
    assert text.startswith(
        'Connector "Tick Connector" (mimecast-tracking-1, test run)\n'
        "Instance: none (only the --param values)\n"
        "API Root: https://api.services.mimecast.com\n"
    )


TOKEN = "live-tenant-token-7f3a9c"
# A connector that caches a token in its context, as the real one caches its API 2.0 token (the script's
# text holds it reversed: only the run writes it).
TOKEN_CONNECTOR = f"""
from SiemplifyConnectors import SiemplifyConnectorExecution
from SiemplifyUtils import output_handler


@output_handler
def main():
    siemplify = SiemplifyConnectorExecution()
    siemplify.LOGGER.info("caching the token")
    identifier = siemplify.context.connector_info.identifier
    siemplify.set_connector_context_property(identifier, "mimecast_api2_token", {TOKEN[::-1]!r}[::-1])
    siemplify.return_package([], {{}})


main()
"""


def files_holding(folder: Path, *texts: str) -> list[Path]:
    return [
        path
        for path in folder.rglob("*")
        if path.is_file() and any(text in path.read_text(errors="replace") for text in texts)
    ]


def assert_private(store: Path) -> None:
    assert stat.S_IMODE(store.stat().st_mode) == 0o700
    loose = [
        f"{path.relative_to(store)}: {stat.S_IMODE(path.stat().st_mode):o}"
        for path in store.rglob("*")
        if stat.S_IMODE(path.stat().st_mode) & 0o077
    ]
    assert loose == []
    assert any(path.is_file() for path in (store / "logs").iterdir())


@pytest.fixture
def cache(monkeypatch, tmp_path: Path) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder


@pytest.fixture
def tenant_file(tmp_path: Path) -> Path:
    path = tmp_path / "prod" / "tenant.json"
    path.parent.mkdir()
    path.write_text(
        json.dumps({"API Root": "https://tenant.example.com", "Client ID": "client-1", "Client Secret": SECRET})
    )
    return path


def test_a_real_tenant_runs_with_a_private_store_outside_the_checkout(tmp_path, cache, tenant_file):
    checkout = echo_layout(tmp_path / "checkout")
    tick_layout(checkout)
    (checkout / "ConnectorsScripts" / "Tick.py").write_text(TOKEN_CONNECTOR)

    action_code, action_text = devkit("action", "Echo", "--root", str(checkout), "--instance", str(tenant_file))
    connector_code, connector_text = devkit("connector", "--root", str(checkout), "--instance", str(tenant_file))

    assert (action_code, connector_code) == (0, 0), action_text + connector_text
    [store] = (cache / "mimecast-devkit" / "stores").iterdir()
    assert store.name.startswith("tenant.example.com-")
    assert f"Store:    {store}\n" in action_text and f"Store:    {store}\n" in connector_text
    assert not (checkout / ".devkit").exists()
    assert files_holding(checkout, SECRET, TOKEN) == []
    assert files_holding(store, SECRET) == []
    assert files_holding(store, TOKEN) == [store / "context.json"]
    assert_private(store)


def test_a_simulator_on_this_machine_keeps_its_store_in_the_checkout_privately(tmp_path, cache, listening_port):
    checkout = echo_layout(tmp_path / "checkout")
    instance = tmp_path / "sim.json"
    instance.write_text(json.dumps({"API Root": f"http://127.0.0.1:{listening_port}", "Client Secret": SECRET}))

    code, text = devkit("action", "Echo", "--root", str(checkout), "--instance", str(instance), "--param", "Mode=leak")

    store = checkout / ".devkit" / "store"
    assert code == 0, text
    assert f"Store:    {store}\n" in text
    assert not cache.exists()
    assert files_holding(checkout, SECRET) == []
    assert_private(store)


@pytest.mark.parametrize(
    ("api_root", "in_checkout"),
    [
        ("http://127.0.0.1:8765", True),
        ("http://127.0.0.2:8765/", True),
        ("https://localhost", True),
        ("http://[::1]:8765", True),
        ("https://api.services.mimecast.com", False),
        ("https://us-api.mimecast.com", False),
        ("https://10.0.0.5:8765", False),
        ("", False),
        ("not a url", False),
    ],
)
def test_only_a_simulator_on_this_machine_gets_the_store_in_the_checkout(tmp_path, cache, api_root, in_checkout):
    store = cli.default_store(tmp_path, api_root, {"Client ID": "client-1"})

    assert (store == tmp_path / ".devkit" / "store") is in_checkout
    if not in_checkout:
        assert store.parent == cache / "mimecast-devkit" / "stores"


def test_each_tenant_has_its_own_store_named_without_credentials(tmp_path, cache):
    stores = {
        cli.default_store(tmp_path, root, values)
        for root, values in [
            ("https://api.services.mimecast.com", {"Client ID": "prod"}),
            ("https://api.services.mimecast.com", {"Client ID": "test"}),
            ("https://us-api.mimecast.com", {"Application ID": "prod"}),
        ]
    }
    with_credentials = cli.default_store(tmp_path, "https://svc-user:pa55-w0rd@tenant.example.com", {})

    assert len(stores) == 3
    assert with_credentials == cli.default_store(tmp_path, "https://tenant.example.com/", {})
    assert "pa55" not in str(with_credentials) and "svc-user" not in str(with_credentials)


def test_an_earlier_store_with_open_permissions_is_made_private(layout, instance_file, store):
    (store / "logs").mkdir(parents=True)
    (store / "logs" / "Echo.log").write_text("earlier run\n")
    (store / "context.json").write_text("{}")
    for path, mode in ((store, 0o755), (store / "logs", 0o755), (store / "logs" / "Echo.log", 0o644)):
        path.chmod(mode)
    (store / "context.json").chmod(0o644)

    assert action(layout, instance_file, store)[0] == 0

    assert_private(store)


def test_a_store_folder_holding_other_files_is_refused_and_left_alone(layout, instance_file, tmp_path, capsys):
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    folder.chmod(0o755)

    code, text = action(layout, instance_file, folder)

    assert (code, text) == (2, "")
    assert "holds files a devkit store does not (notes.txt)" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755


@pytest.mark.e2e
@pytest.mark.parametrize("api", ["api1", "api2"])
def test_real_runs_write_no_secret_to_their_store_and_keep_it_private(simulator, tmp_path, store, api):
    instance = tmp_path / "prod" / "tenant.json"
    instance.parent.mkdir()
    configuration = simulator_instance(simulator.url, api)
    instance.write_text(json.dumps(configuration))
    secrets = [configuration[name] for name in SECRET_FIELDS if configuration.get(name)]
    domain = simulator.state.tracking.domains[0]

    ping = devkit("action", "Ping", "--instance", str(instance), "--store", str(store))
    connector = devkit(
        "connector", "--instance", str(instance), "--store", str(store),
        "--param", f"Domains={domain}", "--param", "Max Hours Backwards=24",
    )  # fmt: skip

    assert (ping[0], connector[0]) == (0, 0), ping[1] + connector[1]
    assert "alert(s)" in connector[1]
    assert secrets and files_holding(store, *secrets) == []
    cached = connector_context(store).get("mimecast_api2_token")
    if api == "api2":
        token = json.loads(cached)["access_token"]
        assert files_holding(store, token) == [store / "context.json"]
        assert token not in ping[1] + connector[1]
    else:
        assert cached is None
    assert_private(store)


def _options(parser: argparse.ArgumentParser, prog: str) -> Iterator[tuple[str, argparse.Action]]:
    for option in parser._actions:
        if isinstance(option, argparse._SubParsersAction):
            for name, sub in option.choices.items():
                yield from _options(sub, f"{prog} {name}")
        elif not isinstance(option, argparse._HelpAction) and option.help is not argparse.SUPPRESS:
            yield f"{prog} {'/'.join(option.option_strings) or option.dest}", option


def test_every_command_line_option_says_what_it_does():
    parsers = {
        "python -m devkit": cli.build_parser(),
        "python -m simulator": simulator_cli.build_parser(),
        "python -m bench": bench_cli.build_parser(),
    }

    options = [item for prog, parser in parsers.items() for item in _options(parser, prog)]
    unexplained = [name for name, option in options if len((option.help or "").split()) < 3]

    assert len(options) > 40
    assert unexplained == []
