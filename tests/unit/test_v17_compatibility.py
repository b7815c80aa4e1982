"""Events of ours that rules written for Google's Mimecast integration (v17) still resolve on.

v17's message event is the `get-message-info` answer flattened at the top level; its default mapping rules
(tests/samples/v17/mapping_rules.json) read those names. Our Message event carries them next to our own, so
v17's rules and ours both resolve on the events built from Mimecast's published answers.
"""

import json
from pathlib import Path

import pytest
from suite_helpers import mimecast_sample

from MimecastConstants import EVENT_FIELDS, EVENT_MESSAGE, EVENT_TYPE
from MimecastDataModels import MessageInfo, TrackedEmail
from MimecastTrackingAlerts import AlertSettings, build_alert
from MimecastTrackingEvents import _DETAIL_KEYS_NOT_FLATTENED, V17_HELD_MESSAGE_ID, _without, flatten

ROOT = Path(__file__).resolve().parents[2]
V17_RULES = json.loads((ROOT / "tests" / "samples" / "v17" / "mapping_rules.json").read_text())["rules"]
OUR_RULES = json.loads((ROOT / "DefaultMappingRules" / "integration_mapping_rules.json").read_text())
SETTINGS = AlertSettings(default_environment="Default Environment")
ATTACHMENT = {"filename": "invoice.pdf", "contentType": "application/pdf", "size": 1234, "sha256": "ab" * 32}


def _data(name: str) -> dict:
    return mimecast_sample(name)["data"][0]


def _pair(search: str, details: str, attachment: bool = False) -> tuple[TrackedEmail, MessageInfo]:
    answer = _data(details)
    if attachment:
        answer = json.loads(json.dumps(answer))
        answer["recipientInfo"].setdefault("messageInfo", {})["attachments"] = [ATTACHMENT]
    return TrackedEmail.from_json(_data(search)["trackedEmails"][0]), MessageInfo.from_json(answer)


# Each published search entry with the published answer of the same kind of message.
SAMPLE_FILES = {
    "archived": ("message_finder_search.json", "message_finder_get_message_info_archived.json"),
    "held": ("message_finder_search_held.json", "message_finder_get_message_info_held.json"),
    "held with risk": ("message_finder_search_held.json", "message_finder_get_message_info_held_with_risk.json"),
    "bounced": ("message_finder_search_rejected.json", "message_finder_get_message_info_bounced.json"),
}
SAMPLES = {name: _pair(*files) for name, files in SAMPLE_FILES.items()}
HELD_ID = "eNpHELDQUEUEID"


def events(name: str, attachment: bool = False) -> list[dict]:
    """The alert's events for a sample (with one attachment added to the answer: Attachment events too)."""
    tracked, info = _pair(*SAMPLE_FILES[name], attachment=attachment)
    held = {tracked.recipient_addresses[0]: HELD_ID} if tracked.status == "held" else {}
    return build_alert(tracked, info, held, SETTINGS).events


def resolve(event: dict, fields: list[str]) -> object:
    """What a mapping rule reads: its first field the event has with a value."""
    for field in fields:
        if field and event.get(field) not in (None, ""):
            return event[field]
    return None


def v17_rule_ids() -> list:
    return [
        pytest.param(rule, id=f"{rule['target']}<-{rule['primary_field']}")
        for rule in V17_RULES
        if rule["primary_field"] or rule["secondary_field"] or rule["third_field"]
    ]


def test_v17_has_the_seven_rules_that_read_a_field():
    targets = [param.values[0]["target"] for param in v17_rule_ids()]
    assert targets == [
        "EmailSubject",
        "StartTime",
        "EndTime",
        "SourceUserName",
        "DestinationUserName",
        "Name",
        "CategoryOutcome",
    ]


@pytest.mark.parametrize("sample", SAMPLES)
@pytest.mark.parametrize("rule", v17_rule_ids())
def test_every_v17_rule_that_reads_a_field_resolves_on_our_message_event(rule, sample):
    message = events(sample)[0]
    assert message[EVENT_TYPE] == EVENT_MESSAGE and rule["event_name"] in (None, EVENT_MESSAGE)

    value = resolve(message, [rule["primary_field"], rule["secondary_field"], rule["third_field"]])

    assert value not in (None, ""), (rule["target"], sample)


@pytest.mark.parametrize("sample", SAMPLES)
def test_the_message_event_carries_the_answer_flattened_at_the_top_level_as_v17_did(sample):
    _, info = SAMPLES[sample]
    v17_event = flatten(_without(info.raw, _DETAIL_KEYS_NOT_FLATTENED), "")
    v17_event = {key.removeprefix("_"): value for key, value in v17_event.items()}
    message = events(sample)[0]

    for key, value in v17_event.items():
        if key in EVENT_FIELDS:
            continue  # our stable name wins (`status` is both)
        assert message[key] == value, key
        assert message[f"details_{key}"] == value, key
    assert len(v17_event) > 5


def test_a_v17_name_never_replaces_ours():
    tracked, info = SAMPLES["archived"]
    raw = {**info.raw, "status": "from the answer", "subject": "from the answer"}
    message = build_alert(tracked, MessageInfo.from_json(raw), {}, SETTINGS).events[0]
    assert message["status"] == tracked.status == "archived"
    assert message["subject"] == tracked.subject
    assert message["details_subject"] == "from the answer"


def test_the_fields_v17_rules_read_come_from_the_answer_when_it_has_them():
    tracked, info = SAMPLES["archived"]
    raw = json.loads(json.dumps(info.raw))
    raw["recipientInfo"]["messageInfo"]["subject"] = "Subject as the details show it"
    raw["recipientInfo"]["txInfo"] = {"to": "klay@corp.example", "txEvent": "Email Delivered"}
    message = build_alert(tracked, MessageInfo.from_json(raw), {}, SETTINGS).events[0]
    assert message["recipientInfo_messageInfo_subject"] == "Subject as the details show it"
    assert message["recipientInfo_txInfo_to"] == "klay@corp.example"
    assert message["recipientInfo_txInfo_txEvent"] == "Email Delivered"
    assert message["subject"] == tracked.subject


def test_without_details_the_fields_v17_rules_read_come_from_the_search_entry():
    tracked, _ = SAMPLES["held"]
    message = build_alert(tracked, None, {}, SETTINGS).events[0]
    assert message["recipientInfo_messageInfo_subject"] == tracked.subject == "Multiple malicious attachments"
    assert message["recipientInfo_messageInfo_fromEnvelope"] == tracked.sender
    assert message["recipientInfo_txInfo_to"] == "xxx@abc.com"
    assert message["recipientInfo_txInfo_txEvent"] == "Message Hold Applied - Content examination policy"
    assert message["received_time"] == "2025-04-16T16:07:14+0000"


def test_a_held_message_carries_its_held_queue_id_under_v17s_name_too():
    held = events("held")[0]
    assert held[V17_HELD_MESSAGE_ID] == held["held_message_id"] == HELD_ID
    assert V17_HELD_MESSAGE_ID not in events("archived")[0]


def test_the_parts_left_out_of_details_are_left_out_at_the_top_level_too():
    message = events("held with risk")[0]
    for path in _DETAIL_KEYS_NOT_FLATTENED:
        name = "_".join(path)
        assert not any(key == name or key.startswith(name + "_") for key in message), name


def test_our_default_rules_cover_every_target_v17_maps_on_message_events():
    ours = {rule["SecurityEventFieldName"] for rule in OUR_RULES if rule["EventName"] == EVENT_MESSAGE}
    v17 = {param.values[0]["target"] for param in v17_rule_ids()}
    assert v17 <= ours, v17 - ours


@pytest.mark.parametrize("sample", SAMPLES)
@pytest.mark.parametrize(
    "rule",
    [pytest.param(rule, id=f"{rule['EventName']}.{rule['SecurityEventFieldName']}") for rule in OUR_RULES],
)
def test_every_default_rule_of_ours_resolves_on_the_events_it_names(rule, sample):
    built = [event for event in events(sample, attachment=True) if event[EVENT_TYPE] == rule["EventName"]]
    assert built, rule["EventName"]
    fields = [
        rule["RawDataPrimaryFieldMatchTerm"],
        rule["RawDataSecondaryFieldMatchTerm"],
        rule["RawDataThirdFieldMatchTerm"],
    ]
    for event in built:
        assert resolve(event, fields) not in (None, ""), (rule["SecurityEventFieldName"], sample)
