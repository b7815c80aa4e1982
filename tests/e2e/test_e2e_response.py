"""Delivered-message response actions end to end: the real scripts on the real SDK against the simulator, in both
authentication modes. What only a subprocess run proves: the platform's output (message, state, JSON result,
tables) and the ids one step's JSON result hands to the next. Refusals before anything is sent, and an unknown
id, run in process (tests/action_harness.py)."""

from datetime import timedelta

import pytest
from suite_helpers import simulator_instance

pytestmark = pytest.mark.e2e

BOTH_APIS = pytest.mark.parametrize("api", ["api1", "api2"])
CREATE = "/api/ttp/remediation/create"
POLICY = {
    "option": "block_sender",
    "policy": {"description": "Undo me", "fromPart": "both", "from": {"type": "everyone"}, "to": {"type": "everyone"}},
}


def failure(action, reason=""):
    return f'Error executing action "{action}". Reason: {reason}'


@pytest.fixture
def instance(simulator, api):
    return simulator_instance(simulator.url, api)


@pytest.fixture
def phish(simulator):
    domain = simulator.state.tracking.domains[0]
    simulator.state.remediation.step_s = 0
    return simulator.state.tracking.add(
        sender="ceo@spoof.example",
        recipients=[f"ann@{domain}", f"bob@{domain}"],
        status="archived",
        message_id="phish-7@mail.spoof.example",
        received=simulator.state.clock.now() - timedelta(hours=2),
    )


@BOTH_APIS
def test_remediate_then_follow_the_incident_by_the_id_of_its_json_result(
    action_runner, instance, simulator, phish, api
):
    run = action_runner(
        "Remediate Message", {"Internet Message ID": "phish-7@mail.spoof.example", "Reason": "Phish"}, instance=instance
    )

    assert run.completed and run.result_value is True, run.message
    incident = run.json_result
    assert run.message == (
        f'Successfully created remediation incident "{incident["code"]}" in Mimecast: 2 message(s) identified, '
        "2 removed and 0 failed so far"
    )
    [entry] = simulator.state.log.entries(path=CREATE)
    assert entry["body"]["data"][0]["hashOrMessageId"] == "<phish-7@mail.spoof.example>"
    assert run.tables["Remediation Incident"][0]["Removed"] == "2"

    followed = action_runner("Get Remediation Incident", {"Incident ID": incident["id"]}, instance=instance)

    assert followed.completed and followed.json_result["successful"] == 2
    assert followed.message == (
        f'Remediation incident "{incident["code"]}" in Mimecast: 2 message(s) identified, 2 removed, 0 failed, '
        "0 restored; every identified message is handled"
    )


@BOTH_APIS
@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({}, 'Give one of "Internet Message ID", "File Hash" or "URL": none was given.'),
        (
            {"File Hash": "e3b0c44298fc1c149afbf4c8996fb924", "URL": "https://x.example/"},
            'Give only one of "Internet Message ID", "File Hash" or "URL": "File Hash" and "URL" were given.',
        ),
    ],
    ids=["none", "two"],
)
def test_remediate_refuses_none_or_several_criteria_before_sending(
    action_in_process, instance, simulator, params, reason, api
):
    run = action_in_process("Remediate Message", {**params, "Reason": "Phish"}, instance=instance)

    assert run.failed and run.message.startswith(failure("Remediate Message", reason))
    assert simulator.state.log.entries(path=CREATE) == []


@BOTH_APIS
def test_unknown_incident_fails_saying_not_found(action_in_process, instance, api):
    run = action_in_process("Get Remediation Incident", {"Incident ID": "eNoUnknown"}, instance=instance)

    assert run.failed and run.message.startswith(
        failure("Get Remediation Incident", 'Mimecast found no remediation incident with ID "eNoUnknown"')
    )


@BOTH_APIS
def test_block_url_twice_reports_the_existing_entry_and_permit_then_fails(action_runner, instance, simulator, api):
    params = {"URL": "https://phish.example/login", "Comment": "case 12"}

    first = action_runner("Block URL", params, instance=instance)
    again = action_runner("Block URL", params, instance=instance)
    permit = action_runner("Permit URL", params, instance=instance)

    assert first.completed and first.message == 'Successfully blocked the URL "https://phish.example/login" in Mimecast'
    assert first.json_result["action"] == "block" and first.tables["Managed URL"][0]["URL"] == params["URL"]
    assert again.completed and again.result_value is True
    assert (
        again.message
        == 'The URL "https://phish.example/login" is already blocked in Mimecast: the existing entry was kept'
    )
    assert again.json_result["id"] == first.json_result["id"]
    assert permit.failed and "it already has a managed URL entry that blocks it" in permit.message
    assert [entry.action for entry in simulator.state.managed_urls.all()] == ["block"]


@BOTH_APIS
def test_block_url_refuses_a_fragment_before_sending(action_in_process, instance, simulator, api):
    run = action_in_process("Block URL", {"URL": "https://phish.example/#x"}, instance=instance)

    assert run.failed and "Remove the fragment (the part from #)" in run.message
    assert simulator.state.log.entries() == []


@BOTH_APIS
def test_created_policy_is_listed_then_undone_and_gone(action_runner, instance, simulator, api):
    created = simulator.state.blocked_sender_policies.create(POLICY)

    listed = action_runner("List Block Sender Policies", {}, instance=instance)
    deleted = action_runner("Delete Block Sender Policy", {"Policy ID": created.id}, instance=instance)
    after = action_runner("List Block Sender Policies", {}, instance=instance)
    again = action_runner("Delete Block Sender Policy", {"Policy ID": created.id}, instance=instance)

    assert listed.message == "Successfully found 1 block sender policies in Mimecast"
    assert [p["id"] for p in listed.json_result] == [created.id]
    assert listed.tables["Block Sender Policies"][0]["Description"] == "Undo me"
    assert deleted.completed and deleted.json_result == {"id": created.id}
    assert deleted.message == f'Successfully deleted the block sender policy with ID "{created.id}" in Mimecast'
    assert (
        after.completed
        and after.json_result == []
        and after.message == "No block sender policies were found in Mimecast"
    )
    assert again.failed and again.message == failure(
        "Delete Block Sender Policy",
        f'Mimecast found no block sender policy with ID "{created.id}" (it may have been deleted already); nothing '
        "was deleted.",
    )
