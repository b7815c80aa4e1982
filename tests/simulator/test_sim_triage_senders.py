"""Managed senders in the simulator: /api/managedsender/permit-or-block-sender and its admin view."""

import pytest
from simtest_helpers import first_error, sample

PATH = "/api/managedsender/permit-or-block-sender"


@pytest.fixture
def mailbox(sim):
    return f"alice@{sim.state.account.domains[0]}"


def test_permit_then_block_changes_the_same_entry(admin, api1, api2, mailbox):
    item = {"sender": "test@rapid7.com", "to": mailbox}

    permitted = api2(PATH, {"data": [{**item, "action": "permit"}]}).json()
    blocked = api1(PATH, {"data": [{**item, "action": "block"}]}).json()

    assert permitted["fail"] == [] and blocked["fail"] == []
    [entry] = blocked["data"]
    assert set(entry) == set(sample("managedsender_block.json")["data"][0])
    assert entry["id"].startswith("MTOKEN:") and entry["id"] == permitted["data"][0]["id"]
    assert (permitted["data"][0]["type"], entry["type"]) == ("Permit", "Block")
    assert [(e["sender"], e["to"], e["type"]) for e in admin.get("/_sim/managed-senders")["entries"]] == [
        ("test@rapid7.com", mailbox, "Block")
    ]


def test_invalid_sender_is_refused_as_mimecast_does(sim, api2):
    sim.state.account.domains.append("rapid7.com")
    expected = sample("error_managedsender_invalid_email.json")

    response = api2(PATH, {"data": [expected["fail"][0]["key"]]})

    assert response.status_code == 200
    assert response.json() == expected
    assert sim.state.managed_senders.entries() == []


def test_missing_sender_is_refused_as_mimecast_does(api2):
    expected = sample("error_validation_null.json")
    assert api2(PATH, {"data": [expected["fail"][0]["key"]]}).json() == expected


@pytest.mark.parametrize(
    ("item", "field", "code"),
    [
        ({"to": "bob@outside.example.org"}, None, "err_xdk_operation_forbidden_for_address"),
        ({"to": "not-an-address"}, "to", "err_validation_invalid_email_address"),
        ({"action": "allow"}, "action", "err_validation_invalid_value"),
        ({"action": None}, "action", "err_validation_null"),
    ],
)
def test_each_bad_item_fails_alone_while_good_items_are_applied(sim, api1, mailbox, item, field, code):
    good = {"sender": "good@example.org", "to": mailbox, "action": "permit"}
    bad = {"sender": "bad@example.org", "to": mailbox, "action": "block", **item}

    response = api1(PATH, {"data": [good, bad]})

    assert [e["sender"] for e in response.json()["data"]] == ["good@example.org"]
    assert response.json()["fail"][0]["key"] == bad
    assert (first_error(response).get("field"), first_error(response)["code"]) == (field, code)
    assert [e.sender for e in sim.state.managed_senders.entries()] == ["good@example.org"]


@pytest.mark.parametrize("count", [0, 101])
def test_one_to_one_hundred_items(api2, mailbox, count):
    items = [{"sender": f"s{n}@example.org", "to": mailbox, "action": "block"} for n in range(count)]
    response = api2(PATH, {"data": items})
    assert response.status_code == 400 and first_error(response)["code"] == "err_validation_item_count"


def test_a_hundred_items_are_accepted(sim, api2, mailbox):
    items = [{"sender": f"s{n}@example.org", "to": mailbox, "action": "block"} for n in range(100)]
    assert len(api2(PATH, {"data": items}).json()["data"]) == 100
    assert len(sim.state.managed_senders.entries()) == 100
