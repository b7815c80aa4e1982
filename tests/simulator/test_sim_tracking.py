"""Message tracking in the simulator: generated data, message-finder search, get-message-info, admin routes."""

import html
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from simtest_helpers import post_api1, sample

from simulator.client import SimulatorClient
from simulator.clock import SimClock
from simulator.dates import format_api_date
from simulator.held import HeldQueue
from simulator.messages import message_status
from simulator.server import Simulator
from simulator.tracking import RISKS, ROUTES, STATUSES, TrackingStore

SEARCH = "/api/message-finder/search"
INFO = "/api/message-finder/get-message-info"
NOW = datetime(2026, 3, 7, 16, 3, tzinfo=UTC)


@pytest.fixture
def sim():
    with Simulator(port=0, seed=5, frozen_at=NOW) as simulator:
        yield simulator


def post(sim, path, item):
    response = post_api1(sim.url, path, {"data": [item]}, date=NOW)
    assert response.status_code == 200, response.text
    return response.json()


def tracked(sim, **item):
    body = post(sim, SEARCH, item)
    assert body["fail"] == [], body["fail"]
    return body["data"][0]["trackedEmails"]


def when(minutes_ago: float) -> str:
    return format_api_date(NOW - timedelta(minutes=minutes_ago))


def store(seed=5, size=90):
    clock = SimClock()
    clock.freeze(NOW)
    held = HeldQueue(seed=seed, clock=clock)
    return TrackingStore(seed=seed, clock=clock, features={"held": held}, size=size), held


def test_generated_data_is_deterministic_and_covers_every_status_route_and_risk():
    first, _ = store()
    second, _ = store()
    assert [m.describe() for m in first.all()] == [m.describe() for m in second.all()]
    messages = first.all()
    assert set(STATUSES) <= {m.status for m in messages}
    assert set(ROUTES) == {m.route for m in messages}
    assert {*RISKS, None} == {m.risk for m in messages}
    assert Counter(len(m.recipients) > 1 for m in messages)[True] > 5
    assert any(m.attachments for m in messages)
    assert any(m.received > NOW for m in messages), "upcoming messages make a stream over time"
    assert any(NOW - timedelta(hours=1) <= m.received <= NOW and m.status == "held" for m in messages)


def test_every_held_message_has_one_held_queue_entry_per_recipient_with_its_tracking_id():
    tracking, held = store()
    held_messages = [m for m in tracking.all() if m.status == "held"]
    assert held_messages
    for message in held_messages:
        entries = [held.get(held_id) for held_id in message.held_ids]
        assert sorted(e.recipient for e in entries) == sorted(address for address, _ in message.recipients)
        assert {e.tracking_id for e in entries} == {message.id}
        assert {e.subject for e in entries} == {message.subject}
        assert {e.received for e in entries} == {message.received}


def test_the_held_queues_own_entries_are_tracked_as_held_messages():
    tracking, held = store()
    for entry in held.all():
        message = tracking.get(entry.tracking_id)
        assert message is not None and message.status == "held"
        assert entry.id in message.held_ids


def test_search_by_domain_in_both_directions_window_and_status(sim):
    tracking = sim.state.tracking
    inbound = tracking.add(
        sender="a@outside.example", recipients=["x@corp.example"], route="inbound", received=NOW - timedelta(minutes=5)
    )
    outbound = tracking.add(
        sender="y@corp.example",
        recipients=["b@outside.example"],
        route="outbound",
        status="archived",
        received=NOW - timedelta(minutes=4),
    )
    internal = tracking.add(
        sender="y@corp.example", recipients=["x@corp.example"], route="internal", received=NOW - timedelta(minutes=3)
    )
    tracking.add(sender="old@outside.example", recipients=["x@corp.example"], received=NOW - timedelta(minutes=90))

    window = {"start": when(60), "end": when(0)}
    to_corp = tracked(sim, **window, advancedTrackAndTraceOptions={"to": "corp.example"})
    assert [m["id"] for m in to_corp] == [internal.id, inbound.id], "newest first; the 90-minute-old one is outside"
    from_corp = tracked(sim, **window, advancedTrackAndTraceOptions={"from": "CORP.example"})
    assert [m["id"] for m in from_corp] == [internal.id, outbound.id]
    held_only = tracked(sim, **window, status=["held"], advancedTrackAndTraceOptions={"from": "corp.example"})
    assert [m["id"] for m in held_only] == [internal.id]
    by_address = tracked(
        sim, **window, advancedTrackAndTraceOptions={"to": "x@corp.example", "from": "a@outside.example"}
    )
    assert [m["id"] for m in by_address] == [inbound.id]
    external = tracked(sim, **window, route=["external"], advancedTrackAndTraceOptions={"to": "corp.example"})
    assert [m["id"] for m in external] == [inbound.id]


def test_tracked_email_has_the_fields_of_the_sample(sim):
    message = sim.state.tracking.add(
        sender="a@outside.example",
        recipients=[("x@corp.example", "X"), ("z@corp.example", "Z")],
        received=NOW - timedelta(minutes=5),
        attachment_count=1,
    )
    [item] = tracked(sim, start=when(10), advancedTrackAndTraceOptions={"to": "corp.example"})
    expected_keys = set(sample("message_finder_search.json")["data"][0]["trackedEmails"][0])
    assert set(item) == expected_keys
    assert item["id"] == message.id and item["attachments"] is True
    assert [t["emailAddress"] for t in item["to"]] == ["x@corp.example", "z@corp.example"]
    assert item["received"] == format_api_date(NOW - timedelta(minutes=5))


def test_a_message_is_searchable_only_after_its_indexing_delay(sim):
    message = sim.state.tracking.add(
        sender="a@outside.example",
        recipients=["x@late.example"],
        received=NOW - timedelta(seconds=30),
        indexing_delay_s=90,
    )
    search = {"start": when(10), "advancedTrackAndTraceOptions": {"to": "late.example"}}
    assert tracked(sim, **search) == []
    assert post(sim, INFO, {"id": message.id})["fail"][0]["errors"][0]["code"] == "err_tracking_message_not_found"
    sim.state.clock.advance(60)
    assert [m["id"] for m in tracked(sim, **search)] == [message.id]
    assert post(sim, INFO, {"id": message.id})["data"][0]["id"] == message.id


def test_start_older_than_30_days_is_mimecasts_invalid_start_date_failure(sim):
    item = {"start": format_api_date(NOW - timedelta(days=31)), "advancedTrackAndTraceOptions": {"from": "a.example"}}
    body = post(sim, SEARCH, item)
    expected = sample("error_message_finder_invalid_start_date.json")
    assert body["meta"]["status"] == 200 and body["data"] == []
    assert body["fail"][0]["errors"] == expected["fail"][0]["errors"]
    assert body["fail"][0]["key"] == item
    assert tracked(sim, start=format_api_date(NOW - timedelta(days=29)))


def test_invalid_status_or_route_is_a_validation_failure(sim):
    body = post(sim, SEARCH, {"status": ["held", "quarantined"]})
    assert body["fail"][0]["errors"][0]["field"] == "status"
    body = post(sim, SEARCH, {"route": ["sideways"]})
    assert body["fail"][0]["errors"][0]["code"] == "err_validation_invalid_value"


def test_search_needs_exactly_one_item(sim):
    response = post_api1(sim.url, SEARCH, {"data": [{}, {}]}, date=NOW)
    assert response.status_code == 400


def test_search_returns_at_most_the_limit_newest_first(sim):
    tracking = sim.state.tracking
    added = [
        tracking.add(sender="a@outside.example", recipients=["x@cap.example"], received=NOW - timedelta(seconds=s))
        for s in range(1, 8)
    ]
    SimulatorClient(sim.url).post("/_sim/tracking/settings", {"search_limit": 3})
    found = tracked(sim, start=when(10), advancedTrackAndTraceOptions={"to": "cap.example"})
    assert [m["id"] for m in found] == [m.id for m in added[:3]]


def test_message_info_has_the_structure_of_the_samples(sim):
    message = sim.state.tracking.add(
        sender="a@outside.example",
        recipients=["x@corp.example"],
        subject='Pay <now> & "quick"',
        status="held",
        received=NOW - timedelta(minutes=1),
        risk="medium",
        queue_reason="Fraud Alert",
        attachment_count=2,
    )
    detail = post(sim, INFO, {"id": message.id})["data"][0]
    held_sample = sample("message_finder_get_message_info_held_with_risk.json")["data"][0]
    assert set(held_sample) <= set(detail)
    assert detail["queueInfo"]["reason"] == "Fraud Alert"
    assert detail["recipientInfo"]["txInfo"]["queueDetailStatus"] == message.info
    assert detail["spamInfo"]["spamProcessingDetail"]["verdict"]["risk"] == "medium"
    assert detail["recipientInfo"]["messageInfo"]["subject"] == 'Pay <now> & "quick"'
    dump = detail["recipientInfo"]["messageInfo"]["transmissionInfo"]
    assert dump.startswith("<pre>\n") and dump.endswith("\n</pre>")
    assert "<now>" not in dump and "&lt;now&gt; &amp; &quot;quick&quot;" in dump
    found = re.search(r"(?i)message-id:\s*<([^>]+)>", html.unescape(dump))
    assert found and found.group(1) == message.message_id
    assert len(detail["recipientInfo"]["messageInfo"]["attachments"]) == 2
    assert "textBody" not in detail["recipientInfo"]["messageInfo"]
    with_content = post(sim, INFO, {"id": message.id, "loadContent": "true"})["data"][0]
    assert "textBody" in with_content["recipientInfo"]["messageInfo"]


def test_delivered_message_info_has_per_recipient_delivery_and_no_verdict_without_risk(sim):
    message = sim.state.tracking.add(
        sender="a@outside.example",
        recipients=["x@corp.example", "y@corp.example"],
        status="archived",
        received=NOW - timedelta(minutes=1),
        spam_score=3,
    )
    detail = post(sim, INFO, {"id": message.id})["data"][0]
    assert sorted(detail["deliveredMessage"]) == ["x@corp.example", "y@corp.example"]
    assert "queueInfo" not in detail
    assert "verdict" not in detail["spamInfo"].get("spamProcessingDetail", {})


def test_unknown_id_is_an_item_failure(sim):
    body = post(sim, INFO, {"id": "eNpUNKNOWN"})
    assert body["data"] == [] and body["fail"][0]["key"] == {"id": "eNpUNKNOWN"}


def test_a_released_held_message_is_no_longer_held_in_tracking(sim):
    message = sim.state.tracking.add(
        sender="a@outside.example", recipients=["x@rel.example"], status="held", received=NOW - timedelta(minutes=1)
    )
    search = {"start": when(10), "advancedTrackAndTraceOptions": {"to": "rel.example"}}
    assert tracked(sim, **search)[0]["status"] == "held"
    sim.state.held.release(message.held_ids[0])
    assert tracked(sim, **search)[0]["status"] == "archived"
    assert tracked(sim, **search, status=["held"]) == []
    assert message_status(sim.state, message.id) == "archived"


def test_admin_routes_add_generate_and_list(sim):
    with SimulatorClient(sim.url) as client:
        added = client.post(
            "/_sim/tracking",
            {
                "sender": "a@outside.example",
                "recipients": ["x@admin.example", ["y@admin.example", "Y"]],
                "status": "held",
                "received": format_api_date(NOW - timedelta(minutes=2)),
                "risk": "high",
                "indexing_delay_s": 5,
            },
        )
        assert added["status"] == "held" and len(added["heldIds"]) == 2
        generated = client.post("/_sim/tracking/generate", {"count": 4, "minutes": 30})["messages"]
        assert len(generated) == 4
        listed = {m["id"] for m in client.get("/_sim/tracking")["messages"]}
        assert {added["id"], *(m["id"] for m in generated)} <= listed
        held_ids = {m["id"] for m in client.get("/_sim/held")["messages"]}
        assert set(added["heldIds"]) <= held_ids


def test_tracking_calls_count_against_the_rate_limit_bucket(sim):
    with SimulatorClient(sim.url) as client:
        client.set_rate_limit(2, 60000)
    statuses = [post_api1(sim.url, SEARCH, {"data": [{}]}, date=NOW).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_search_sent_equals_received_and_message_info_sent_is_at_or_after_it(sim):
    added = sim.state.tracking.add(
        sender="a@outside.example", recipients=["x@sent.example"], received=NOW - timedelta(minutes=2), processing_s=21
    )
    [item] = tracked(sim, start=when(10), advancedTrackAndTraceOptions={"to": "sent.example"})
    info = post(sim, INFO, {"id": added.id})["data"][0]["recipientInfo"]["messageInfo"]

    assert item["sent"] == item["received"] == format_api_date(NOW - timedelta(minutes=2))
    assert info["sent"] == info["processed"] == format_api_date(NOW - timedelta(minutes=2) + timedelta(seconds=21))


def test_every_generated_message_is_sent_at_or_after_it_was_received(sim):
    items = tracked(sim, start=when(36 * 60))
    assert len(items) > 10
    processing = []
    for item in items:
        info = post(sim, INFO, {"id": item["id"]})["data"][0]["recipientInfo"]["messageInfo"]
        assert item["sent"] == item["received"]
        assert info["sent"] >= item["received"], item["id"]
        processing.append(info["sent"] != item["received"])
    assert any(processing), "some messages take a few seconds to be processed"


@pytest.fixture
def filterable(sim):
    """Three messages to the same domain that differ in every filter field."""
    tracking = sim.state.tracking
    common = {"recipients": ["x@filter.example"], "status": "archived"}
    phish = tracking.add(
        sender="ceo@spoof.example",
        subject="Urgent wire transfer",
        route="inbound",
        sender_ip="203.0.113.66",
        message_id="phish-1@mail.spoof.example",
        urls=["https://login.account-verify.example.net/login?u=1"],
        attachments=[{"filename": "wire.pdf"}],
        received=NOW - timedelta(minutes=3),
        **common,
    )
    newsletter = tracking.add(
        sender="news@letters.example",
        subject="Weekly newsletter",
        route="inbound",
        sender_ip="198.51.100.9",
        urls=["https://letters.example/read"],
        received=NOW - timedelta(minutes=2),
        **common,
    )
    internal = tracking.add(
        sender="bob@filter.example",
        subject="Lunch? (wire it later)",
        route="internal",
        sender_ip="10.20.0.5",
        received=NOW - timedelta(minutes=1),
        **common,
    )
    return phish, newsletter, internal


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"advancedTrackAndTraceOptions": {"subject": "WIRE"}}, ["internal", "phish"]),
        ({"advancedTrackAndTraceOptions": {"senderIP": "203.0.113.66"}}, ["phish"]),
        ({"advancedTrackAndTraceOptions": {"from": "spoof.example"}}, ["phish"]),
        ({"messageId": "<phish-1@mail.spoof.example>"}, ["phish"]),
        ({"messageId": "phish-1@mail.spoof.example"}, ["phish"]),
        ({"route": ["internal"]}, ["internal"]),
        ({"advancedTrackAndTraceOptions": {"route": "internal"}}, ["internal"]),
        ({"advancedTrackAndTraceOptions": {"route": ["inbound"], "status": ["archived"]}}, ["newsletter", "phish"]),
        ({"advancedTrackAndTraceOptions": {"url": "account-verify.example.net/login"}}, ["phish"]),
        ({"url": "letters.example"}, ["newsletter"]),
        ({"attachments": True}, ["phish"]),
        ({"advancedTrackAndTraceOptions": {"attachments": True, "from": "news@letters.example"}}, []),
        ({"searchReason": "SOAR case 1234", "advancedTrackAndTraceOptions": {"subject": "newsletter"}}, ["newsletter"]),
        # Both peers refuse messageId with advanced options client-side; Mimecast's answer is not known.
        ({"messageId": "phish-1@mail.spoof.example", "advancedTrackAndTraceOptions": {"subject": "lunch"}}, []),
    ],
)
def test_search_filters_newest_first(sim, filterable, item, expected):
    names = dict(zip((m.id for m in filterable), ("phish", "newsletter", "internal"), strict=True))
    item = {"start": when(10), **item}
    item.setdefault("advancedTrackAndTraceOptions", {})["to"] = "filter.example"

    found = [names[m["id"]] for m in tracked(sim, **item)]

    assert found == expected


@pytest.mark.parametrize(
    ("options", "field", "code"),
    [
        ({"subject": 7}, "subject", "err_validation_invalid_type"),
        ({"route": "sideways"}, "route", "err_validation_invalid_value"),
        ({"status": ["quarantined"]}, "status", "err_validation_invalid_value"),
        ({"attachments": "yes"}, "attachments", "err_validation_invalid_type"),
        ({"start": "last week"}, "start", "err_validation_invalid_date"),
    ],
)
def test_invalid_fields_inside_the_advanced_options_fail_with_the_item_as_sent(sim, options, field, code):
    item = {"advancedTrackAndTraceOptions": {"to": "filter.example", **options}}
    body = post(sim, SEARCH, item)
    assert body["data"] == [] and body["fail"][0]["key"] == item
    assert (body["fail"][0]["errors"][0]["field"], body["fail"][0]["errors"][0]["code"]) == (field, code)


def test_a_messages_links_are_in_its_body(sim, filterable):
    phish = filterable[0]
    message_info = post(sim, INFO, {"id": phish.id, "loadContent": "true"})["data"][0]["recipientInfo"]["messageInfo"]
    assert "https://login.account-verify.example.net/login?u=1" in message_info["textBody"]
    assert 'href="https://login.account-verify.example.net/login?u=1"' in message_info["htmlBody"]
    generated = [m for m in sim.state.tracking.all() if m.urls]
    assert generated and len(generated) < len(sim.state.tracking.all())
