from datetime import UTC, datetime

from simulator.clock import SimClock
from simulator.held import HELD, REJECTED, RELEASED, HeldQueue

NOW = datetime(2026, 3, 7, 16, 3, tzinfo=UTC)


def queue(size=5):
    clock = SimClock()
    clock.freeze(NOW)
    return HeldQueue(seed=3, clock=clock, size=size)


def test_seeded_queue_is_deterministic_and_newest_first():
    first, second = queue(), queue()
    assert [m.to_json() for m in first.held()] == [m.to_json() for m in second.held()]
    received = [m.received for m in first.held()]
    assert received == sorted(received, reverse=True) and len(received) == 5


def test_hold_list_item_has_mimecast_fields_and_hides_the_tracking_id():
    q = queue(0)
    message = q.add(sender="a@x.example", recipient="b@y.example", subject="Hi", tracking_id="eNpTRACK")
    item = message.to_json()
    assert set(item) == {
        "id",
        "reason",
        "reasonId",
        "reasonCode",
        "from",
        "fromHeader",
        "to",
        "subject",
        "route",
        "hasAttachments",
        "size",
        "dateReceived",
        "policyInfo",
    }
    assert item["reasonId"] == "MESSAGE_HOLD_APPLIED_SPAM_SIGNATURE_POLICY"
    assert item["reasonCode"] == "message_hold_applied_spam_signature_policy"
    assert item["dateReceived"] == "2026-03-07T16:03:00+0000"
    assert "eNpTRACK" not in str(item)
    assert q.by_tracking_id("eNpTRACK") is message


def test_a_message_leaves_the_queue_once_and_only_once():
    q = queue(0)
    released, rejected = (q.add(sender="a@x.example", recipient="b@y.example", subject=s) for s in ("1", "2"))
    assert q.release(released.id) is True and q.release(released.id) is False
    assert q.reject(rejected.id, reasonType="INAPPROPRIATE COMMUNICATION", notify=True) is True
    assert q.reject(rejected.id) is False and q.release(rejected.id) is False
    assert q.release("unknown") is False
    assert q.held() == []
    assert (released.status, rejected.status) == (RELEASED, REJECTED)
    assert rejected.outcome["reasonType"] == "INAPPROPRIATE COMMUNICATION"
    assert HELD not in {m.status for m in q.all()}
