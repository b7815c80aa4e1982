"""`python -m devkit demo`: steps run against a simulator process that is always stopped afterwards."""

import contextlib
import io
import re
import shlex
import socket
from pathlib import Path

import pytest

from devkit.cli import main
from devkit.demo import (
    FAILED,
    NEWEST_HELD_MESSAGE,
    STEPS,
    ConnectorStep,
    DemoStep,
    run_demo,
    run_steps,
    running_simulator,
    step_outcome,
)
from devkit.runner import ActionRun

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def fake_run(state: int, message: str) -> ActionRun:
    return ActionRun(
        exit_code=0,
        stdout="",
        stderr="",
        output={"Message": message, "ExecutionState": state},
        context={},
        action_name="Ping",
    )


def test_the_default_steps_go_as_expected_against_the_simulator(simulator, tmp_path):
    out = io.StringIO()

    differences = run_steps(STEPS, simulator.url, out, tmp_path / "store")

    assert differences == []
    text = out.getvalue()
    actions = [step for step in STEPS if isinstance(step, DemoStep)]
    for number, step in enumerate(STEPS, 1):
        if isinstance(step, DemoStep):
            command = f"$ python -m devkit action {shlex.quote(step.action)} --instance"
        else:
            command = "$ python -m devkit connector --instance"
        assert f"=== Step {number}/{len(STEPS)}: {step.title}\n" in text
        assert command in text.split(f"=== Step {number}/{len(STEPS)}: {step.title}\n")[1].split("=== Step")[0]
    assert text.count("--> as expected (completed)") == sum(step.expect != FAILED for step in actions)
    assert text.count("--> as expected (failed)") == sum(step.expect == FAILED for step in actions)
    assert "sim-client-secret" not in text
    assert "<id of the newest held message>" not in text


def test_the_connector_steps_alert_then_alert_only_the_new_message_whose_id_releases_it(simulator, tmp_path):
    steps = [step for step in STEPS if isinstance(step, ConnectorStep)]
    release = STEPS[-1]
    out = io.StringIO()

    assert run_steps([*steps, release], simulator.url, out, tmp_path / "store") == []

    text = out.getvalue()
    arrived = next(
        m for m in simulator.state.tracking.all() if m.subject == "Urgent: new bank details for invoice 4471"
    )
    [held_id] = arrived.held_ids
    second_run = text.split("=== Step 2/3")[1].split("=== Step 3/3")[0]
    assert held_id in second_run and arrived.id in second_run
    assert "High (value 80)" in second_run
    assert f"--param 'Message ID={held_id}'" in text
    assert simulator.state.held.get(held_id).status == "released"
    assert "--> as expected (an alert for the new held message and none repeated from the first run)" in text


def test_a_value_from_the_simulator_is_read_when_the_step_runs_and_printed_resolved(simulator, tmp_path):
    newest = simulator.state.held.held()[0]
    step = DemoStep("Release the newest held message", "Release Message", {"Message ID": NEWEST_HELD_MESSAGE})
    out = io.StringIO()

    assert step.command_line() == (
        "python -m devkit action 'Release Message' --instance devkit/instances/simulator-api2.json "
        "--param 'Message ID=<id of the newest held message>'"
    )
    assert run_steps([step], simulator.url, out, tmp_path / "store") == []
    assert f"--param 'Message ID={newest.id}'" in out.getvalue()
    assert newest.status == "released"


def test_a_value_that_cannot_be_read_is_a_difference_not_a_crash(simulator, tmp_path):
    release = STEPS[-1]
    out = io.StringIO()

    [difference] = run_steps([release], simulator.url, out, tmp_path / "store")

    assert difference.endswith(
        "the step could not be prepared: no alert of the last connector run has a held_message_id"
    )


def test_a_step_outcome_names_what_differs():
    wrong_secret = STEPS[2]

    rejected = "Failed to connect to the Mimecast server! Error is credentials rejected"
    assert step_outcome(wrong_secret, fake_run(2, rejected)) is None
    assert step_outcome(wrong_secret, fake_run(0, "Successfully connected")) == "expected failed, got completed"
    assert step_outcome(wrong_secret, fake_run(2, "Failed to connect to the Mimecast server! Error is timeout")) == (
        "expected the message says the credentials were rejected, got: "
        "Failed to connect to the Mimecast server! Error is timeout"
    )
    crashed = ActionRun(exit_code=1, stdout="", stderr="Traceback", output=None, context={}, action_name="Ping")
    assert step_outcome(STEPS[0], crashed) == "expected completed, got crashed"


def test_demo_runs_the_simulator_process_and_passes():
    port = free_port()
    out = io.StringIO()

    code = run_demo(port=port, out=out)

    assert code == 0, out.getvalue()
    assert f"Simulator running at http://127.0.0.1:{port}" in out.getvalue()
    assert out.getvalue().endswith(f"All {len(STEPS)} demo steps went as expected.\n")
    assert not port_is_open(port)


def test_demo_exits_1_when_a_step_differs_and_still_stops_the_simulator():
    port = free_port()
    out = io.StringIO()
    steps = [DemoStep("Ping expected to fail", "Ping", expect=FAILED)]

    code = run_demo(port=port, out=out, steps=steps)

    assert code == 1
    assert "--> NOT AS EXPECTED: expected failed, got completed" in out.getvalue()
    assert out.getvalue().endswith(
        "1 of 1 demo steps did not go as expected:\nStep 1 (Ping expected to fail): expected failed, got completed\n"
    )
    assert not port_is_open(port)


def test_the_simulator_is_stopped_when_a_step_raises():
    port = free_port()

    with pytest.raises(KeyboardInterrupt), running_simulator(port) as simulator:
        assert port_is_open(port)
        raise KeyboardInterrupt

    assert simulator.process.poll() is not None
    assert not port_is_open(port)


def test_demo_reports_a_simulator_that_cannot_start(tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        out = io.StringIO()

        code = run_demo(port=taken.getsockname()[1], out=out)

    assert code == 1
    assert out.getvalue().startswith("Demo could not start: the simulator exited during start-up:")


def test_demo_picks_a_free_port_by_default_even_when_8765_is_taken():
    with socket.socket() as taken:
        with contextlib.suppress(OSError):  # already taken by someone else: just as good
            taken.bind(("127.0.0.1", 8765))
            taken.listen()
        out = io.StringIO()

        code = run_demo(out=out, steps=[STEPS[0]])

    assert code == 0, out.getvalue()
    [url] = re.findall(r"^Simulator running at (http://127\.0\.0\.1:\d+)", out.getvalue(), re.MULTILINE)
    assert not url.endswith(":8765")
    assert not port_is_open(int(url.rsplit(":", 1)[1]))


def test_the_demo_command_defaults_to_a_free_port(monkeypatch):
    seen = []
    monkeypatch.setattr("devkit.demo.run_demo", lambda port, out: seen.append(port) or 0)

    assert main(["demo"], out=io.StringIO()) == 0
    assert main(["demo", "--port", "9123"], out=io.StringIO()) == 0
    assert seen == [0, 9123]
