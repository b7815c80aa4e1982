"""/api/gateway/get-hold-message-list against the held queue."""

from datetime import timedelta

import pytest
from simtest_helpers import post_api1

from simulator.server import Simulator

PATH = "/api/gateway/get-hold-message-list"


@pytest.fixture
def sim():
    with Simulator(port=0, seed=11) as simulator:
        yield simulator


def post(sim, body):
    return post_api1(sim.url, PATH, body)


def test_admin_list_pages_through_every_held_message(sim):
    held = sim.state.held.held()
    first = post(sim, {"meta": {"pagination": {"pageSize": 5}}, "data": [{"admin": True}]}).json()
    assert [item["id"] for item in first["data"]] == [m.id for m in held[:5]]
    assert first["meta"]["pagination"]["totalCount"] == len(held)
    second = post(
        sim,
        {
            "meta": {"pagination": {"pageSize": 5, "pageToken": first["meta"]["pagination"]["next"]}},
            "data": [{"admin": True}],
        },
    ).json()
    assert [item["id"] for item in second["data"]] == [m.id for m in held[5:10]]


def test_search_by_recipient_and_date_window(sim):
    target = sim.state.held.add(sender="x@evil.example", recipient="zed@simulated.example.com", subject="Only me")
    received = target.to_json()["dateReceived"]
    body = {
        "data": [
            {
                "admin": True,
                "start": received,
                "end": received,
                "searchBy": {"fieldName": "recipient", "value": "zed@simulated.example.com"},
            }
        ]
    }
    assert [item["id"] for item in post(sim, body).json()["data"]] == [target.id]


def test_released_messages_leave_the_list_and_non_admin_sees_nothing(sim):
    first = sim.state.held.held()[0]
    sim.state.held.release(first.id)
    items = post(sim, {"meta": {"pagination": {"pageSize": 500}}, "data": [{"admin": True}]}).json()["data"]
    assert first.id not in {item["id"] for item in items}
    assert post(sim, {"data": [{}]}).json()["data"] == []


def test_invalid_date_and_page_token_are_mimecast_failures(sim):
    bad_date = post(sim, {"data": [{"admin": True, "start": "yesterday"}]})
    assert bad_date.status_code == 200
    assert bad_date.json()["fail"][0]["errors"][0]["code"] == "err_validation_invalid_date"
    bad_token = post(sim, {"meta": {"pagination": {"pageToken": "nonsense"}}, "data": [{"admin": True}]})
    assert bad_token.status_code == 400


@pytest.fixture
def three(sim):
    """Three held messages for one recipient domain that differ in every searchable field."""
    tracking = sim.state.tracking
    now = sim.state.clock.now().replace(microsecond=0)
    phish = tracking.add(
        sender="ceo@spoof.example",
        recipients=["ann@hl.example"],
        subject="Wire transfer",
        sender_ip="203.0.113.66",
        attachments=[{"filename": "wire.pdf"}],
        hold_policy="Fraud Alert",
        info="Message Hold Applied - Fraud Alert policy",
        received=now - timedelta(minutes=3),
    )
    spam = tracking.add(
        sender="deals@spam.example",
        recipients=["bob@hl.example"],
        subject="Cheap watches",
        sender_ip="198.51.100.9",
        info="Message Hold Applied - Spam Signature policy",
        received=now - timedelta(minutes=2),
    )
    outbound = tracking.add(
        sender="carl@hl.example",
        recipients=["them@partner.example"],
        subject="Q3 numbers",
        route="outbound",
        sender_ip="10.20.0.5",
        info="Message Hold Applied - Attachment Management policy",
        received=now - timedelta(minutes=1),
    )
    sim.state.held.get(outbound.held_ids[0]).held_group = "moderator"
    return {"phish": phish, "spam": spam, "outbound": outbound}


def names(three, items):
    by_held_id = {message.held_ids[0]: name for name, message in three.items()}
    return [by_held_id[item["id"]] for item in items if item["id"] in by_held_id]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"searchBy": {"fieldName": "sender", "value": "spoof.example"}}, ["phish"]),
        ({"searchBy": {"fieldName": "recipient", "value": "bob@hl.example"}}, ["spam"]),
        ({"searchBy": {"fieldName": "subject", "value": "WATCHES"}}, ["spam"]),
        ({"searchBy": {"fieldName": "senderIP", "value": "203.0.113.66"}}, ["phish"]),
        ({"searchBy": {"fieldName": "reasonCode", "value": "fraud_alert"}}, ["phish"]),
        ({"searchBy": {"fieldName": "reason_code", "value": "spam_signature"}}, ["spam"]),
        ({"searchBy": {"fieldName": "all", "value": "q3 numbers"}}, ["outbound"]),
        ({"filterBy": [{"fieldName": "route", "value": "outbound"}]}, ["outbound"]),
        ({"filterBy": {"fieldName": "route", "value": "INBOUND"}}, ["spam", "phish"]),
        ({"filterBy": [{"fieldName": "heldGroup", "value": "moderator"}]}, ["outbound"]),
        ({"filterBy": [{"fieldName": "attachments", "value": True}]}, ["phish"]),
        (
            {"filterBy": [{"fieldName": "attachments", "value": "false"}, {"fieldName": "route", "value": "external"}]},
            ["outbound", "spam"],
        ),
    ],
)
def test_search_and_filter_fields_newest_first(sim, three, condition, expected):
    body = {"meta": {"pagination": {"pageSize": 500}}, "data": [{"admin": True, **condition}]}
    response = post(sim, body).json()
    assert response["fail"] == []
    assert names(three, response["data"]) == expected


def test_admin_given_as_the_string_true_lists_everything(sim, three):
    listed = post(sim, {"meta": {"pagination": {"pageSize": 500}}, "data": [{"admin": "true"}]}).json()["data"]
    assert names(three, listed) == ["outbound", "spam", "phish"]
    assert post(sim, {"data": [{"admin": "false"}]}).json()["data"] == []


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"filterBy": [{"fieldName": "colour", "value": "red"}]}, "filterBy.fieldName"),
        ({"filterBy": [{"fieldName": "heldGroup", "value": "boss"}]}, "filterBy.value"),
        ({"filterBy": [{"fieldName": "attachments", "value": "maybe"}]}, "value"),
        ({"admin": "sometimes"}, "admin"),
        ({"searchBy": {"fieldName": "body", "value": "x"}}, "fieldName"),
    ],
)
def test_invalid_filters_fail_in_http_200_with_the_item(sim, item, field):
    response = post(sim, {"data": [item]})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == [] and body["fail"][0]["key"] == item
    assert body["fail"][0]["errors"][0]["field"] == field
