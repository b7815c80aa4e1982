"""Search Message Tracking, Get Message Details and List Held Messages on the real SDK against the simulator,
in both auth modes: what only a platform subprocess shows (the end() output, its tables, the JSON result). A search
refused before anything is sent runs in process (tests/action_harness.py)."""

from datetime import timedelta

import pytest
from suite_helpers import simulator_instance

BOTH_APIS = pytest.mark.parametrize("api", ["api1", "api2"])


@pytest.fixture
def instance(simulator, api):
    return simulator_instance(simulator.url, api)


@BOTH_APIS
def test_a_delivered_phish_is_found_then_detailed_then_its_held_copy_listed(action_runner, simulator, instance, api):
    now = simulator.state.clock.now()
    delivered = simulator.state.tracking.add(
        sender="attacker@bad.example",
        recipients=["alex@corp.example"],
        subject="Wire 4471 overdue",
        status="archived",
        received=now - timedelta(minutes=9),
        attachments=[{"filename": "wire.html", "contentType": "text/html", "sha256": "cd" * 32}],
    )
    held = simulator.state.tracking.add(
        sender="attacker@bad.example",
        recipients=["robin@corp.example"],
        subject="Wire 4471 overdue",
        received=now - timedelta(minutes=2),
    )
    (held_entry,) = [entry for entry in simulator.state.held.all() if entry.tracking_id == held.id]

    found = action_runner("Search Message Tracking", {"Subject": "Wire 4471"}, instance=instance)
    details = action_runner("Get Message Details", {"Tracking ID": found.json_result[1]["id"]}, instance=instance)
    listed = action_runner("List Held Messages", {"Sender": "bad.example", "Subject": "4471"}, instance=instance)

    assert found.completed and found.message == (
        "Successfully found 2 tracked message(s) for the provided criteria in Mimecast: 1 held, 1 archived"
    )
    assert [item["id"] for item in found.json_result] == [held.id, delivered.id]
    assert details.completed and details.json_result["id"] == delivered.id and "heldMessages" not in details.json_result
    assert [row["Hash"] for row in details.tables["Attachments"]] == ["cd" * 32]
    assert listed.completed and [item["id"] for item in listed.json_result] == [held_entry.id]
    assert listed.message == "Successfully found 1 held message(s) for the provided criteria in Mimecast"

    held_details = action_runner("Get Message Details", {"Tracking ID": held.id}, instance=instance)

    assert held_details.json_result["heldMessages"] == [{"recipient": "robin@corp.example", "id": held_entry.id}]


@BOTH_APIS
def test_a_search_without_a_criterion_fails_naming_the_parameters(action_in_process, simulator, instance, api):
    run = action_in_process("Search Message Tracking", {"Route": "Inbound"}, instance=instance)

    assert not run.completed
    assert run.message == (
        'Error executing action "Search Message Tracking". Reason: At least one search criterion is required: give '
        '"Sender", "Recipient", "Subject", "Internet Message ID" or "Sender IP".'
    )
    assert [entry["path"] for entry in simulator.state.log.entries() if entry["path"].startswith("/api/")] == []
