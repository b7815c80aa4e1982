"""Filters, alerts and events of the connector (MimecastTrackingAlerts), from Mimecast's samples."""

import contextlib
import signal
import threading
from datetime import UTC, datetime, timedelta

import pytest
from suite_helpers import mimecast_sample

import MimecastTrackingAlerts
import MimecastTrackingEvents
import MimecastTrackingMatch
from MimecastDataModels import HeldQueueEntry, MessageInfo, TrackedEmail, internet_message_id
from MimecastTrackingAlerts import (
    AlertSettings,
    alert_for,
    allowlist_rejection,
    build_alert,
    filter_rejection,
    match_held_ids,
    resolve_environment,
)
from MimecastTrackingEvents import flatten


def sample(name):
    return mimecast_sample(name)["data"][0]


HELD_TRACKED = TrackedEmail.from_json(sample("message_finder_search_held.json")["trackedEmails"][0])
HELD_INFO = MessageInfo.from_json(sample("message_finder_get_message_info_held_with_risk.json"))
ARCHIVED_TRACKED = TrackedEmail.from_json(sample("message_finder_search.json")["trackedEmails"][0])
ARCHIVED_INFO = MessageInfo.from_json(sample("message_finder_get_message_info_archived.json"))
DEFAULTS = AlertSettings(default_environment="Default Environment")


def info_with(risk=None, reason=None):
    raw = {"id": "x", "status": "held", "queueInfo": {"reason": reason}}
    if risk:
        raw["spamInfo"] = {"spamProcessingDetail": {"verdict": {"risk": risk}}}
    return MessageInfo.from_json(raw)


def test_held_alert_from_the_samples():
    alert = build_alert(HELD_TRACKED, HELD_INFO, {"xxx@abc.com": "eNpHELD1"}, DEFAULTS)
    assert alert.name == "Held Message"
    assert alert.ticket_id == "Test_Id_1"
    assert alert.display_id.startswith("Mimecast_") and len(alert.display_id) > 20
    assert alert.rule_generator == "Fraud Alert" and alert.reason == "Fraud Alert"
    assert alert.description == "Message Hold Applied - Content examination policy"
    assert (alert.device_vendor, alert.device_product) == ("Mimecast", "Mimecast")
    received = int(datetime(2025, 4, 16, 16, 7, 14, tzinfo=UTC).timestamp() * 1000)
    assert alert.start_time == alert.end_time == received
    assert alert.priority == 80
    assert alert.environment == "Default Environment"


def test_message_event_carries_the_documented_fields():
    alert = build_alert(HELD_TRACKED, HELD_INFO, {"xxx@abc.com": "eNpHELD1"}, DEFAULTS)
    message = alert.events[0]
    assert message["event_type"] == "Message"
    expected = {
        "tracking_id": "Test_Id_1",
        "status": "held",
        "route": "outbound",
        "info": "Message Hold Applied - Content examination policy",
        "sender": "test.ipl@app.onmicrosoft.com",
        "sender_header": "test.ipl@app.onmicrosoft.com",
        "recipients": "xxx@abc.com",
        "subject": "Multiple malicious attachments",
        "sender_ip": "40.93.64.20",
        "internet_message_id": "TTTTTTTTTTTTTEEEEEEEEEESSSSSSSSSSSSSSSTTTTTTTTTTT@TTTEESSSTTT.xxx05.dev.outlook.com",
        "risk": "high",
        "queue_reason": "Fraud Alert",
        "queue_detail_status": "Message Hold Applied - Content examination policy",
        "held_message_id": "eNpHELD1",
        "held_message_ids": "eNpHELD1",
        "received": "2025-04-16T16:07:14+0000",
        "details_available": True,
    }
    assert {key: message[key] for key in expected} == expected
    assert message["tracked_fromEnv_emailAddress"] == "test.ipl@app.onmicrosoft.com"
    assert message["details_queueInfo_reason"] == "Fraud Alert"
    assert "details_recipientInfo_messageInfo_htmlBody" not in message
    assert all(not isinstance(value, dict | list) for event in alert.events for value in event.values()), "flat"


def test_one_recipient_event_per_recipient_with_its_held_id_and_attachment_events():
    tracked = TrackedEmail.from_json(
        {
            **HELD_TRACKED.raw,
            "to": [{"emailAddress": "a@corp.example", "displayableName": "A"}, {"emailAddress": "b@corp.example"}],
        }
    )
    info = MessageInfo.from_json(
        {
            **HELD_INFO.raw,
            "recipientInfo": {
                **HELD_INFO.raw["recipientInfo"],
                "messageInfo": {
                    **HELD_INFO.raw["recipientInfo"]["messageInfo"],
                    "attachments": [
                        {"filename": "x.exe", "contentType": "application/x-msdownload", "size": 9, "sha256": "ab"}
                    ],
                },
            },
        }
    )
    alert = build_alert(tracked, info, {"b@corp.example": "eNpB"}, DEFAULTS)
    types = [event["event_type"] for event in alert.events]
    assert types == ["Message", "Recipient", "Recipient", "Attachment"]
    recipients = alert.events[1:3]
    assert [(e["recipient"], e["recipient_name"], e["held_message_id"]) for e in recipients] == [
        ("a@corp.example", "A", ""),
        ("b@corp.example", "", "eNpB"),
    ]
    attachment = alert.events[3]
    assert (attachment["file_name"], attachment["file_type"], attachment["file_size"], attachment["file_hash"]) == (
        "x.exe",
        "application/x-msdownload",
        9,
        "ab",
    )
    assert alert.events[0]["held_message_id"] == "eNpB"
    for event in alert.events:
        assert event["tracking_id"] == "Test_Id_1" and event["start_time"] == alert.start_time


def test_delivered_message_recipient_event_has_the_delivery_event_and_no_risk_means_informational():
    alert = build_alert(ARCHIVED_TRACKED, ARCHIVED_INFO, {}, DEFAULTS)
    assert alert.name == "Archived Message"
    assert alert.priority == -1
    assert alert.rule_generator == "Mimecast Email" and alert.reason is None
    [recipient] = [e for e in alert.events if e["event_type"] == "Recipient"]
    assert recipient["recipient"] == "klay@paloaltonetworks.mime.integration.com"
    assert alert.events[0]["held_message_id"] == ""


@pytest.mark.parametrize(("risk", "priority"), [("negligible", -1), ("low", 40), ("medium", 60), ("high", 80)])
def test_priority_follows_the_risk(risk, priority):
    assert build_alert(HELD_TRACKED, info_with(risk), {}, DEFAULTS).priority == priority


def test_alert_without_details_is_built_from_the_search_data():
    alert = build_alert(HELD_TRACKED, None, {}, DEFAULTS)
    assert alert.events[0]["details_available"] is False
    assert alert.events[0]["subject"] == "Multiple malicious attachments"
    assert alert.priority == -1 and alert.description is None


def test_queue_reason_filter_is_case_insensitive_and_drops_messages_without_reason():
    settings = AlertSettings(queue_reasons=frozenset({"fraud alert"}))
    assert filter_rejection(info_with(reason="FRAUD Alert"), settings) is None
    assert "Queue Reason Filter" in filter_rejection(info_with(reason="Spam Signature"), settings)
    assert filter_rejection(info_with(reason=None), settings) is not None
    assert filter_rejection(None, settings) is not None


def test_lowest_risk_and_messages_without_risk():
    medium_up = AlertSettings(lowest_risk="medium")
    assert filter_rejection(info_with("high"), medium_up) is None
    assert filter_rejection(info_with("medium"), medium_up) is None
    assert "below the Lowest Risk To Fetch" in filter_rejection(info_with("low"), medium_up)
    assert filter_rejection(info_with(None), medium_up) is None, "without risk: kept when ingesting those"
    strict = AlertSettings(lowest_risk="medium", ingest_without_risk=False)
    assert "no risk" in filter_rejection(info_with(None), strict)
    assert "no risk" in filter_rejection(info_with("unheard-of"), strict)


def test_allowlist_and_blocklist_on_the_info_text():
    blocklist = AlertSettings(allowlist=("message hold applied - content examination policy",))
    assert "blocklist" in allowlist_rejection(HELD_TRACKED, blocklist)
    assert allowlist_rejection(ARCHIVED_TRACKED, blocklist) is None
    allowlist = AlertSettings(allowlist=("Indexed and archived",), allowlist_is_blocklist=False)
    assert allowlist_rejection(ARCHIVED_TRACKED, allowlist) is None
    assert "not on the allowlist" in allowlist_rejection(HELD_TRACKED, allowlist)
    assert allowlist_rejection(HELD_TRACKED, AlertSettings(allowlist=(), allowlist_is_blocklist=False)) is None


def test_environment_from_a_field_narrowed_by_the_regex():
    event = {"sender": "x@emea.corp.example", "empty": ""}
    base = {"default_environment": "Default"}
    assert resolve_environment(event, AlertSettings(**base)) == ("Default", None)
    assert resolve_environment(event, AlertSettings(**base, environment_field="sender")).name == "x@emea.corp.example"
    by_group = AlertSettings(**base, environment_field="sender", environment_pattern=r"@(\w+)\.")
    assert resolve_environment(event, by_group) == ("emea", None)
    no_group = AlertSettings(**base, environment_field="sender", environment_pattern=r"emea|apac")
    assert resolve_environment(event, no_group).name == "emea"
    no_match = AlertSettings(**base, environment_field="sender", environment_pattern=r"amer")
    assert resolve_environment(event, no_match).name == "x@emea.corp.example"
    assert resolve_environment(event, AlertSettings(**base, environment_field="empty")).name == "Default"
    assert resolve_environment(event, AlertSettings(**base, environment_field="missing")).name == "Default"


def test_device_product_from_its_field_and_event_class_under_another_name():
    settings = AlertSettings(device_product_field="route", event_class_field="event_name")
    alert = build_alert(HELD_TRACKED, HELD_INFO, {}, settings)
    assert alert.device_product == "outbound"
    assert [e["event_name"] for e in alert.events] == [e["event_type"] for e in alert.events]


def held_entry(
    entry_id, recipient, subject="Multiple malicious attachments", seconds=0, sender="test.ipl@app.onmicrosoft.com"
):
    return HeldQueueEntry.from_json(
        {
            "id": entry_id,
            "from": {"emailAddress": sender},
            "fromHeader": {"emailAddress": sender},
            "to": {"emailAddress": recipient},
            "subject": subject,
            "dateReceived": (HELD_TRACKED.received + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S+0000"),
        }
    )


def test_held_ids_are_matched_by_recipient_sender_subject_and_time():
    tracked = TrackedEmail.from_json(
        {**HELD_TRACKED.raw, "to": [{"emailAddress": "a@corp.example"}, {"emailAddress": "B@corp.example"}]}
    )
    entries = [
        held_entry("other-subject", "a@corp.example", subject="Else"),
        held_entry("too-late", "a@corp.example", seconds=600),
        held_entry("other-sender", "a@corp.example", sender="x@y.example"),
        held_entry("near", "a@corp.example", seconds=30),
        held_entry("exact", "a@corp.example"),
        held_entry("b", "b@corp.example", seconds=-5),
    ]
    taken: set[str] = set()
    assert match_held_ids(tracked, entries, taken) == {"a@corp.example": "exact", "B@corp.example": "b"}
    assert match_held_ids(tracked, entries, taken) == {"a@corp.example": "near"}, "an id goes to one message only"


def test_internet_message_id_folded_or_escaped():
    folded = "<pre>\nFrom: a@b.example\r\nMessage-ID:\r\n &lt;abc.123@mail.b.example&gt;\r\nDate: x\r\n\n</pre>"
    assert internet_message_id(folded) == "abc.123@mail.b.example"
    assert internet_message_id("<pre>\nSubject: Message-ID: <nope>\r\n</pre>") is None
    assert internet_message_id(None) is None


def test_flatten_joins_keys_and_numbers_list_items():
    assert flatten({"a": {"b": [1, {"c": None}]}, "d": True}, "x") == {"x_a_b_1": 1, "x_a_b_2_c": "", "x_d": True}


def test_an_optional_group_that_did_not_take_part_gives_the_whole_match():
    """`(foo)?bar` matches "bar" without its group: the environment is the match, and nothing fails."""
    settings = AlertSettings(
        default_environment="Default", environment_field="subject", environment_pattern=r"(foo)?bar"
    )
    assert resolve_environment({"subject": "a bar b"}, settings).name == "bar"
    assert resolve_environment({"subject": "a foobar b"}, settings).name == "foo"
    empty_group = AlertSettings(default_environment="Default", environment_field="subject", environment_pattern="x(y*)")
    assert resolve_environment({"subject": "x"}, empty_group).name == "Default", "an empty group names no environment"
    tracked = TrackedEmail.from_json({**HELD_TRACKED.raw, "subject": "bar"})
    alert, problems = alert_for(tracked, HELD_INFO, {}, settings)
    assert (alert.environment, problems) == ("bar", [])


def nested(depth):
    value = "deep"
    for _ in range(depth):
        value = {"k": value}
    return value


def test_data_nested_deeper_than_the_recursion_limit_is_flattened():
    """How deep Mimecast's JSON nests is its business: flattening it must not exhaust Python's stack."""
    tracked = TrackedEmail.from_json({**HELD_TRACKED.raw, "extra": nested(5000)})
    alert, problems = alert_for(tracked, HELD_INFO, {}, DEFAULTS)
    assert problems == []
    [deep_key] = [key for key in alert.events[0] if key.startswith("tracked_extra_")]
    assert deep_key == "tracked_extra" + "_k" * 5000 and alert.events[0][deep_key] == "deep"


# The module each step of building an alert lives in (where the step is looked up when it runs).
HOME_OF = {
    "flatten": MimecastTrackingEvents,
    "utc_timestamp": MimecastTrackingEvents,
    "resolve_environment": MimecastTrackingAlerts,
    "match_pattern": MimecastTrackingMatch,
}


@pytest.mark.parametrize("failing", ["flatten", "utc_timestamp", "resolve_environment", "match_pattern"])
def test_a_message_whose_alert_cannot_be_built_still_gets_a_degraded_alert(monkeypatch, failing):
    """Whatever goes wrong with one message's data, it becomes an alert (in the default environment, with what
    could be built) and the problem is returned for the log; nothing is raised."""
    settings = AlertSettings(default_environment="Default", environment_field="sender", environment_pattern="@(.+)")

    def broken(*args, **kwargs):
        raise ValueError("unexpected data")

    expected_display_id = build_alert(HELD_TRACKED, None, {}, DEFAULTS).display_id
    monkeypatch.setattr(HOME_OF[failing], failing, broken)
    alert, problems = alert_for(HELD_TRACKED, HELD_INFO, {"xxx@abc.com": "eNpHELD1"}, settings)
    assert alert.ticket_id == HELD_TRACKED.id and alert.display_id == expected_display_id
    assert alert.name == "Held Message" and alert.start_time == alert.end_time > 0
    assert alert.environment == "Default"
    assert len(problems) == 1 and "ValueError: unexpected data" in problems[0], problems
    message = alert.events[0]
    assert (message["event_type"], message["tracking_id"], message["subject"]) == (
        "Message",
        HELD_TRACKED.id,
        HELD_TRACKED.subject,
    )


class Hung(Exception):
    pass


@contextlib.contextmanager
def fails_if_still_running_after(seconds):
    """Turns a hang into a failure: a wall-clock alarm (SIGALRM; the code under test uses the CPU-time one)
    interrupts the block if it is still running. Not a timing assertion: the block either ends within a fraction
    of a second or would run for hours. A watchdog thread could not do it: `re` holds the GIL while it matches.
    """

    def hung(_signum, _frame):
        raise Hung(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


CATASTROPHIC = AlertSettings(default_environment="Default", environment_field="subject", environment_pattern="^(a+)+$")


def test_a_pattern_that_backtracks_on_an_attackers_value_is_stopped_and_the_message_goes_to_the_default():
    pattern = MimecastTrackingMatch.EnvironmentPattern(CATASTROPHIC.environment_pattern)
    with fails_if_still_running_after(30):
        environment = resolve_environment({"subject": "a" * 40 + "!"}, CATASTROPHIC, pattern)
    assert environment.name == "Default"
    assert environment.problem.startswith("the Environment Regex Pattern took more than 0.1 s of CPU time")
    assert '"subject"' in environment.problem
    assert resolve_environment({"subject": "aaaa"}, CATASTROPHIC, pattern) == ("aaaa", None), "other values still match"
    assert pattern.timed_out == 1 and not pattern.exhausted


def test_alert_for_an_attackers_subject_ends_with_the_problem_reported():
    tracked = TrackedEmail.from_json({**HELD_TRACKED.raw, "subject": "a" * 40 + "!"})
    with fails_if_still_running_after(30):
        alert, problems = alert_for(tracked, HELD_INFO, {}, CATASTROPHIC)
    assert alert.environment == "Default" and alert.events[0]["subject"] == "a" * 40 + "!"
    assert len(problems) == 1 and "took more than" in problems[0]


def test_a_run_stops_spending_time_on_a_pattern_that_keeps_running_out_of_time():
    pattern = MimecastTrackingMatch.EnvironmentPattern(CATASTROPHIC.environment_pattern)
    with fails_if_still_running_after(60):
        for _ in range(MimecastTrackingMatch.MAX_TIMED_OUT_MATCHES):
            assert not pattern.exhausted
            assert resolve_environment({"subject": "a" * 40 + "!"}, CATASTROPHIC, pattern).name == "Default"
    assert pattern.exhausted


def test_matching_outside_the_main_thread_is_refused_rather_than_left_unbounded():
    results = []
    worker = threading.Thread(target=lambda: results.append(resolve_environment({"subject": "aaaa"}, CATASTROPHIC)))
    worker.start()
    worker.join()
    [environment] = results
    assert environment.name == "Default" and "outside the main thread" in environment.problem


def test_a_value_too_long_to_match_in_bounded_time_goes_to_the_default_environment():
    """`re` checks for its alarm only between steps, and with `a*x` one step scans the whole value."""
    settings = AlertSettings(default_environment="Default", environment_field="subject", environment_pattern="a*x")
    environment = resolve_environment({"subject": "a" * 1_000_000}, settings)
    assert environment.name == "Default"
    assert environment.problem == (
        'its "subject" value is longer than 10,000 characters, too long for the Environment Regex Pattern, so it goes '
        "to the default environment"
    )
    assert resolve_environment({"subject": "a" * 9_999 + "x"}, settings).name == "a" * 9_999 + "x"
