"""Threat remediation in the simulator: create by Message-ID, hash or URL, counts that rise over time,
get-incident, find-incidents, and removed messages in message tracking."""

from datetime import UTC, datetime, timedelta

import pytest
from simtest_helpers import first_error, post_api1

from simulator.client import SimulatorClient
from simulator.dates import format_api_date
from simulator.server import Simulator

CREATE = "/api/ttp/remediation/create"
GET = "/api/ttp/remediation/get-incident"
FIND = "/api/ttp/remediation/find-incidents"
SEARCH = "/api/message-finder/search"
INFO = "/api/message-finder/get-message-info"
NOW = datetime(2026, 3, 7, 16, 3, tzinfo=UTC)
HASH = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
INCIDENT_FIELDS = {
    "id",
    "code",
    "type",
    "reason",
    "identified",
    "successful",
    "failed",
    "restored",
    "create",
    "modified",
    "searchCriteria",
}


@pytest.fixture
def sim():
    with Simulator(port=0, seed=5, frozen_at=NOW) as simulator:
        yield simulator


def call(sim, path, body):
    response = post_api1(sim.url, path, body, date=sim.state.clock.now())
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def phish(sim):
    """One delivered phish to two internal mailboxes and one outside mailbox, plus a look-alike."""
    domain = sim.state.tracking.domains[0]
    message = sim.state.tracking.add(
        sender="ceo@spoof.example",
        recipients=[f"ann@{domain}", f"bob@{domain}", "carl@partner.example"],
        status="archived",
        message_id="phish-7@mail.spoof.example",
        attachments=[{"filename": "wire.pdf", "sha256": HASH}],
        urls=["https://login.account-verify.example.net/login"],
        received=NOW - timedelta(hours=2),
    )
    other = sim.state.tracking.add(
        sender="news@letters.example",
        recipients=[f"ann@{domain}"],
        status="archived",
        received=NOW - timedelta(hours=1),
    )
    return message, other


def test_create_by_message_id_identifies_every_copy_and_removes_them_over_time(sim, phish):
    message, other = phish
    item = {
        "reason": "Phish reported, SOAR case 12",
        "searchBy": "messageId",
        "hashOrMessageId": f"<{message.message_id}>",
    }

    created = call(sim, CREATE, {"data": [item]})

    assert created["fail"] == []
    [incident] = created["data"]
    assert set(incident) == INCIDENT_FIELDS
    assert (incident["type"], incident["reason"], incident["restored"]) == ("manual", item["reason"], 0)
    assert (incident["identified"], incident["successful"], incident["failed"]) == (3, 0, 0)
    assert incident["code"].startswith("TR-")
    assert incident["searchCriteria"]["messageId"] == f"<{message.message_id}>"
    assert incident["searchCriteria"]["start"] == format_api_date(NOW - timedelta(days=28))  # one calendar month
    assert incident["searchCriteria"]["end"] == format_api_date(NOW)

    counts = []
    for _ in range(3):
        sim.state.clock.advance(2)
        [now] = call(sim, GET, {"data": [{"id": incident["id"]}]})["data"]
        counts.append((now["successful"], now["failed"]))
    assert counts == [(1, 0), (2, 0), (2, 1)], "the outside mailbox cannot be remediated"
    assert now["modified"] == format_api_date(NOW + timedelta(seconds=6))
    assert other.removals == {}


def test_a_removed_message_shows_as_removed_in_message_tracking(sim, phish):
    message, _ = phish
    SimulatorClient(sim.url).set_remediation_step(0)
    call(sim, CREATE, {"data": [{"reason": "r", "searchBy": "url", "url": message.urls[0] + "/"}]})

    search = {"start": format_api_date(NOW - timedelta(hours=3)), "messageId": message.message_id}
    [tracked] = call(sim, SEARCH, {"data": [search]})["data"][0]["trackedEmails"]
    detail = call(sim, INFO, {"data": [{"id": message.id}]})["data"][0]

    assert (tracked["status"], tracked["info"]) == ("archived", "Message removed by Threat Remediation")
    events = {rcpt: d["deliveryMetaInfo"]["deliveryEvent"] for rcpt, d in detail["deliveredMessage"].items()}
    domain = sim.state.tracking.domains[0]
    assert events == {
        f"ann@{domain}": "Email Removed by Threat Remediation",
        f"bob@{domain}": "Email Removed by Threat Remediation",
        "carl@partner.example": "Email Delivered",
    }


@pytest.mark.parametrize("value", [HASH, HASH.upper()])
def test_create_by_any_hash_of_an_attachment(sim, phish, value):
    message, _ = phish
    attachment = message.attachments[0]
    for hash_value in (value, attachment.sha1, attachment.md5):
        [incident] = call(sim, CREATE, {"data": [{"reason": "r", "hashOrMessageId": hash_value}]})["data"]
        assert incident["searchCriteria"]["fileHash"] == hash_value
    identified = [i["identified"] for i in SimulatorClient(sim.url).remediation_incidents()]
    # Newest first: the internal copies being removed are not identified again; the outside one that fails is.
    assert identified == [1, 1, 3]


def test_only_delivered_messages_in_the_window_are_identified(sim, phish):
    message, _ = phish
    held = sim.state.tracking.add(
        sender="x@spoof.example", recipients=["h@held.example"], attachments=[{"filename": "a", "sha256": HASH}]
    )
    window = {"start": format_api_date(NOW - timedelta(hours=1)), "end": format_api_date(NOW)}

    [incident] = call(sim, CREATE, {"data": [{"reason": "r", "hashOrMessageId": HASH, **window}]})["data"]

    assert incident["identified"] == 0
    assert held.removals == {} and message.removals == {}


@pytest.mark.parametrize(
    ("item", "field", "code"),
    [
        ({"hashOrMessageId": HASH}, "reason", "err_validation_null"),
        ({"reason": " ", "hashOrMessageId": HASH}, "reason", "err_validation_blank"),
        ({"reason": "r"}, "hashOrMessageId", "err_validation_null"),
        ({"reason": "r", "hashOrMessageId": "abc"}, "hashOrMessageId", "err_validation_invalid_value"),
        (
            {"reason": "r", "searchBy": "messageId", "hashOrMessageId": "a@b"},
            "hashOrMessageId",
            "err_validation_invalid_value",
        ),
        ({"reason": "r", "searchBy": "url"}, "url", "err_validation_null"),
        ({"reason": "r", "searchBy": "subject", "hashOrMessageId": HASH}, "searchBy", "err_validation_invalid_value"),
        ({"reason": "r", "hashOrMessageId": HASH, "start": "yesterday"}, "start", "err_validation_invalid_date"),
        (
            {"reason": "r", "hashOrMessageId": HASH, "start": "2026-03-07T00:00:00Z", "end": "2026-03-06T00:00:00Z"},
            "end",
            "err_validation_invalid_value",
        ),
    ],
)
def test_invalid_create_items_are_refused_and_create_nothing(sim, item, field, code):
    response = post_api1(sim.url, CREATE, {"data": [item]}, date=NOW)
    assert response.json()["data"] == [] and response.json()["fail"][0]["key"] == item
    assert (first_error(response)["field"], first_error(response)["code"]) == (field, code)
    assert sim.state.remediation.all() == []


def test_get_incident_of_an_unknown_id_is_an_item_failure(sim):
    body = call(sim, GET, {"data": [{"id": "eNpUNKNOWN"}]})
    assert body["data"] == [] and body["fail"][0]["key"] == {"id": "eNpUNKNOWN"}
    assert body["fail"][0]["errors"][0]["code"] == "err_remediation_incident_not_found"


def test_find_incidents_filters_by_window_search_and_type_newest_first_and_pages(sim, phish):
    codes = []
    for reason in ("Campaign alpha", "Campaign beta", "Payroll scam"):
        [incident] = call(sim, CREATE, {"data": [{"reason": reason, "hashOrMessageId": HASH}]})["data"]
        codes.append(incident["code"])
        sim.state.clock.advance(60)

    def found(item, **pagination):
        body = {"data": [item], **({"meta": {"pagination": pagination}} if pagination else {})}
        answer = call(sim, FIND, body)
        assert answer["fail"] == []
        return [i["reason"] for i in answer["data"][0]["incidents"]], answer["meta"].get("pagination", {})

    assert found({"searchBy": {"fieldName": "reason", "value": "campaign"}})[0] == ["Campaign beta", "Campaign alpha"]
    assert found({"searchBy": [{"fieldName": "code", "value": codes[2]}]})[0] == ["Payroll scam"]
    assert found({"searchBy": {"fieldName": "file_hash", "value": HASH}})[0] == [
        "Payroll scam",
        "Campaign beta",
        "Campaign alpha",
    ]
    assert found({"start": format_api_date(NOW + timedelta(seconds=30))})[0] == ["Payroll scam", "Campaign beta"]
    assert found({"filterBy": {"fieldName": "type", "value": "automatic,manual"}})[0][:1] == ["Payroll scam"]
    assert found({"filterBy": [{"fieldName": "type", "value": "notify_only"}]})[0] == []
    first, pagination = found({"searchBy": {"fieldName": "all", "value": ""}}, pageSize=2)
    assert first == ["Payroll scam", "Campaign beta"] and pagination["totalCount"] == 3
    rest, _ = found({"searchBy": {"fieldName": "all", "value": ""}}, pageSize=2, pageToken=pagination["next"])
    assert rest == ["Campaign alpha"]


@pytest.mark.parametrize(
    ("item", "code"),
    [
        ({}, "err_validation_null"),
        ({"searchBy": {"fieldName": "subject", "value": "x"}}, "err_validation_invalid_value"),
        ({"filterBy": [{"fieldName": "type", "value": "sometimes"}]}, "err_validation_invalid_value"),
        ({"start": "soon"}, "err_validation_invalid_date"),
    ],
)
def test_find_incidents_needs_a_valid_field(sim, item, code):
    body = call(sim, FIND, {"data": [item]})
    assert body["data"] == [] and body["fail"][0]["key"] == item
    assert body["fail"][0]["errors"][0]["code"] == code


@pytest.mark.parametrize(
    ("path", "permission"),
    [
        (CREATE, "Services | Threat Remediation | Edit"),
        (GET, "Services | Threat Remediation | Read"),
        (FIND, "Services | Threat Remediation | Read"),
    ],
)
def test_remediation_endpoints_declare_the_documented_permission_for_both_apis(sim, path, permission):
    endpoints = {e["path"]: e for e in SimulatorClient(sim.url).endpoints()}
    assert (endpoints[path]["permission"], endpoints[path]["api1"], endpoints[path]["api2"]) == (permission, True, True)


def test_the_step_is_a_start_up_option(phish):
    with Simulator(port=0, seed=5, frozen_at=NOW, feature_options={"remediation": {"step_s": 0}}) as started:
        domain = started.state.tracking.domains[0]
        started.state.tracking.add(
            sender="x@spoof.example",
            recipients=[f"ann@{domain}"],
            status="archived",
            attachments=[{"filename": "a", "sha256": HASH}],
            received=NOW - timedelta(minutes=5),
        )
        [incident] = call(started, CREATE, {"data": [{"reason": "r", "hashOrMessageId": HASH}]})["data"]
        assert (incident["identified"], incident["successful"]) == (1, 1)
