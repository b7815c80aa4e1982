"""`python -m devkit demo`: steps run against a simulator process that is always stopped afterwards."""

import contextlib
import dataclasses
import io
import json
import re
import shlex
import socket
from pathlib import Path

import pytest

from devkit.cli import main
from devkit.demo import (
    FAILED,
    HELD_CONNECTOR_STEPS,
    INCIDENT_STEPS,
    NEWEST_HELD_MESSAGE,
    PHISH_MESSAGE_ID,
    PHISH_SENDER,
    PHISH_URL,
    RELEASE_FROM_ALERT,
    STEPS,
    DemoRecord,
    DemoStep,
    FromAlert,
    FromResult,
    FromSimulator,
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
    read_when_run = [
        value
        for step in STEPS
        for value in step.params.values()
        if isinstance(value, FromSimulator | FromAlert | FromResult)
    ]
    assert any(isinstance(value, FromResult) for value in read_when_run)
    for value in read_when_run:
        assert f"<{value.description}>" not in text


def test_the_connector_steps_alert_then_alert_only_the_new_message_whose_id_releases_it(simulator, tmp_path):
    steps = HELD_CONNECTOR_STEPS
    release = RELEASE_FROM_ALERT
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
    release = RELEASE_FROM_ALERT
    out = io.StringIO()

    [difference] = run_steps([release], simulator.url, out, tmp_path / "store")

    assert difference.endswith(
        "the step could not be prepared: no alert of the last connector run has a held_message_id"
    )


def incident_step(action: str) -> DemoStep:
    return next(step for step in INCIDENT_STEPS if isinstance(step, DemoStep) and step.action == action)


def step_text(text: str, number: int, total: int) -> str:
    return text.split(f"=== Step {number}/{total}: ")[1].split("=== Step")[0]


def test_the_incident_runs_from_the_phish_alert_to_the_undo_each_id_from_the_step_before(simulator, tmp_path):
    out = io.StringIO()

    assert run_steps(INCIDENT_STEPS, simulator.url, out, tmp_path / "store") == []

    text = out.getvalue()
    total = len(INCIDENT_STEPS)
    phish = [m for m in simulator.state.tracking.all() if m.sender == PHISH_SENDER]
    recipients = sorted(address for message in phish for address, _ in message.recipients)
    assert len(phish) == 3 and len(recipients) == 4
    # The connector alerted the one copy rated high risk; the search found it and the two others.
    alerted = step_text(text, 1, total)
    tickets = re.findall(r"^  Ticket ID +: (\S+)$", alerted, re.MULTILINE)
    assert [m.id for m in phish if m.id in tickets] == [next(m.id for m in phish if m.risk == "high")]
    search = step_text(text, 2, total)
    assert f"--param 'Internet Message ID={PHISH_MESSAGE_ID.strip('<>')}'" in search
    assert all(m.id in search for m in phish) and "3 tracked message(s)" in search and ": 3 archived" in search
    # Remediation: one incident for every recipient, each copy removed, shown as removed by tracking.
    [incident] = simulator.state.remediation.all()
    assert sorted(copy.recipient for copy in incident.copies) == recipients
    assert {copy.outcome for copy in incident.copies} == {"removed"}
    now = simulator.state.clock.now()
    assert sorted(address for message in phish for address in message.removed_from(now)) == recipients
    assert incident.criteria["messageId"] == PHISH_MESSAGE_ID
    assert "4 message(s) identified, 0 removed and 0 failed so far" in step_text(text, 3, total)
    follow = step_text(text, 4, total)
    assert f"--param 'Incident ID={incident.id}'" in follow
    assert "4 message(s) identified, 4 removed, 0 failed, 0 restored; every identified message is handled" in follow
    # The URL is blocked; the sender's policy was created, then deleted by the id Create returned, and is gone.
    [entry] = [e for e in simulator.state.managed_urls.all() if e.url == PHISH_URL]
    assert (entry.action, entry.match_type) == ("block", "explicit")
    assert f"--param Sender={PHISH_SENDER}" in step_text(text, 6, total)
    deleted = [e for e in simulator.state.log.entries() if e["path"] == "/api/policy/blockedsenders/delete-policy"]
    [created] = [e for e in simulator.state.log.entries() if e["path"] == "/api/policy/blockedsenders/create-policy"]
    policy_id = created["response"]["data"][0]["id"]
    assert [e["body"]["data"] for e in deleted] == [[{"id": policy_id}]]
    assert f"--param 'Policy ID={policy_id}'" in step_text(text, 7, total)
    assert simulator.state.blocked_sender_policies.get(policy_id) is None
    assert policy_id not in step_text(text, 8, total).split("JSON result:")[1]
    assert text.count("--> as expected (completed): ") == total - 1


def test_a_step_that_cannot_find_the_result_it_reads_is_a_difference(simulator, tmp_path):
    follow = incident_step("Get Remediation Incident")

    [difference] = run_steps([follow], simulator.url, io.StringIO(), tmp_path / "store")

    assert difference.endswith("the step could not be prepared: no earlier step recorded a JSON result as 'incident'")
    assert simulator.state.log.entries(path="/api/ttp/remediation/get-incident") == []


def test_a_value_is_read_from_a_recorded_result_by_keys_and_indexes():
    record = DemoRecord(results={"copies": [{"fromEnv": {"emailAddress": "a@b.example"}}], "n": {"count": 0}})

    assert FromResult("sender", "copies", (0, "fromEnv", "emailAddress")).read(record) == "a@b.example"
    assert FromResult("count", "n", ("count",)).read(record) == "0"
    for path in ((1, "fromEnv"), (0, "fromEnv"), (0, "to"), ("id",)):
        with pytest.raises(RuntimeError, match=r"the JSON result recorded as 'copies' has no value at \["):
            FromResult("x", "copies", path).read(record)


def test_the_incident_fails_when_the_copies_were_already_removed(simulator, tmp_path):
    remediate = incident_step("Remediate Message")

    def someone_remediated_first(client, record):
        item = {"reason": "earlier", "searchBy": "messageId", "hashOrMessageId": PHISH_MESSAGE_ID}
        simulator.state.remediation.create(item, simulator.state.clock.now())
        return "Meanwhile an earlier incident takes every copy"

    steps = [INCIDENT_STEPS[0], incident_step("Search Message Tracking")]
    steps += [
        dataclasses.replace(remediate, prepare=someone_remediated_first),
        incident_step("Get Remediation Incident"),
    ]
    out = io.StringIO()

    differences = run_steps(steps, simulator.url, out, tmp_path / "store")

    assert differences == [
        "Step 3 (Remediate Message: remove every copy from the mailboxes, by the same Internet Message-ID): expected "
        "an incident identifying every recipient of the copies found, got: Successfully created remediation incident "
        '"TR-0001-00002-A" in Mimecast: 0 message(s) identified, 0 removed and 0 failed so far. No delivered message '
        "matched yet: check the criterion and the time window",
        "Step 4 (Get Remediation Incident, by the id of Remediate Message's JSON result): expected every identified "
        'copy removed, none failed, got: Remediation incident "TR-0001-00002-A" in Mimecast: 0 message(s) identified, '
        "0 removed, 0 failed, 0 restored; every identified message is handled",
    ]
    assert "--> NOT AS EXPECTED: expected an incident identifying every recipient" in out.getvalue()


def json_run(result, message: str = "done", action: str = "Ping") -> ActionRun:
    raw = json.dumps({"JsonResult": {"RawJson": json.dumps(result)}})
    output = {"Message": message, "ExecutionState": 0, "ResultObjectJson": raw}
    return ActionRun(exit_code=0, stdout="", stderr="", output=output, context={}, action_name=action)


def test_each_incident_check_refuses_the_outcome_the_incident_cannot_use():
    policy = {"option": "block_sender", "id": "P1", "policy": {"from": {"emailAddress": PHISH_SENDER}}}
    incident = {"id": "I1", "identified": 4, "successful": 4, "failed": 0}
    copies = [{"id": "T1", "to": [{}, {}]}, {"id": "T2", "to": [{}, {}]}]
    record = DemoRecord(results={"policy": policy, "incident": incident, "copies": copies})
    listed = incident_step("List Block Sender Policies")
    follow = incident_step("Get Remediation Incident")
    block = incident_step("Block URL")
    entry = {"action": "block", "matchType": "explicit", "scheme": "https", "domain": "paypa1-invoices.example.net"}

    assert step_outcome(listed, json_run([{"id": "P0"}]), record) is None
    assert step_outcome(listed, json_run([{"id": "P0"}, {"id": "P1"}], "2 found"), record) == (
        "expected the deleted policy's id no longer listed, got: 2 found"
    )
    assert step_outcome(follow, json_run(incident), record) is None
    for partial in ({"successful": 3}, {"successful": 3, "failed": 1}, {"id": "I2"}, {"identified": 5}):
        assert step_outcome(follow, json_run({**incident, **partial}, "partial"), record) == (
            "expected every identified copy removed, none failed, got: partial"
        )
    assert step_outcome(follow, json_run(None, "no JSON"), record) == (
        "expected every identified copy removed, none failed, got: no JSON"
    )
    assert step_outcome(block, json_run({**entry, "path": "/pay/88213"}), record) is None
    for wrong in (
        {"path": "/pay"},
        {"path": "/pay/88213", "matchType": "domain"},
        {"path": "/pay/88213", "action": "permit"},
    ):
        assert step_outcome(block, json_run({**entry, **wrong}, "other"), record) is not None
    assert PHISH_URL.endswith("/pay/88213")


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
