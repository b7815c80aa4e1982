"""Held-message triage in the simulator: hold-release, hold-reject, release to sandbox, report-message and
the message-status registry the message functions share."""

import pytest
from simtest_helpers import first_error, sample

from simulator import messages

RELEASE = "/api/gateway/hold-release"
REJECT = "/api/gateway/hold-reject"
SANDBOX = "/api/message-finder/release-held-email-to-sandbox"
REPORT = "/api/message-finder/report-message"
REJECT_HELD_EMAIL = "/api/message-finder/reject-held-email"
HOLD_LIST = "/api/gateway/get-hold-message-list"
NOT_RELEASED = sample("hold_release_not_released.json")


def body(*items):
    return {"data": list(items)}


def held(sim, count):
    return sim.state.held.held()[:count]


@pytest.mark.parametrize("api", ["api1", "api2"])
def test_release_answers_like_mimecast_and_the_message_leaves_the_queue_once(sim, request, api):
    call = request.getfixturevalue(api)
    [message] = held(sim, 1)

    first = call(RELEASE, body({"id": message.id}))
    again = call(RELEASE, body({"id": message.id}))
    unknown = call(RELEASE, body({"id": "1234"}))

    assert first.status_code == 200
    assert first.json() == {**sample("hold_release.json"), "data": [{"id": message.id, "release": True}]}
    assert again.json() == {**NOT_RELEASED, "data": [{"id": message.id, "release": False}]}
    assert unknown.json() == NOT_RELEASED
    assert message.status == "released" and message not in sim.state.held.held()


def test_reject_records_the_documented_fields_and_answers_per_id(sim, api2):
    target, other = held(sim, 2)
    sim.state.held.release(other.id)
    item = {
        "ids": [target.id, other.id],
        "message": "Not allowed here",
        "reasonType": "MESSAGE GOES AGAINST EMAIL POLICIES",
        "notify": True,
    }

    response = api2(REJECT, body(item))

    assert response.json()["data"] == [{"id": target.id, "reject": True}, {"id": other.id, "reject": False}]
    assert response.json()["fail"] == []
    assert target.status == "rejected"
    assert {k: target.outcome[k] for k in ("message", "reasonType", "notify")} == {
        "message": "Not allowed here",
        "reasonType": "MESSAGE GOES AGAINST EMAIL POLICIES",
        "notify": True,
    }
    partial = api2(REJECT, body({"ids": ["1234", "1233"]})).json()
    assert partial["data"] == [{"id": "1234", "reject": False}, {"id": "1233", "reject": False}]


def test_reject_without_reason_or_message_defaults_notify_to_false(sim, api1):
    [message] = held(sim, 1)
    assert api1(REJECT, body({"ids": [message.id]})).json()["data"] == [{"id": message.id, "reject": True}]
    assert (message.outcome["reasonType"], message.outcome["message"], message.outcome["notify"]) == (None, None, False)


@pytest.mark.parametrize(
    ("item", "field", "code"),
    [
        ({"reasonType": "SPAM"}, "reasonType", "err_validation_invalid_value"),
        ({"reasonType": "inappropriate_communication"}, "reasonType", "err_validation_invalid_value"),
        ({"notify": "yes"}, "notify", "err_validation_invalid_type"),
        ({"message": ""}, "message", "err_validation_blank"),
        ({"ids": None}, "ids", "err_validation_null"),
        ({"ids": []}, "ids", "err_validation_invalid_type"),
    ],
)
def test_an_invalid_reject_item_is_a_fail_entry_and_rejects_nothing(sim, api2, item, field, code):
    [message] = held(sim, 1)
    sent = {"ids": [message.id], **item}

    response = api2(REJECT, body(sent))

    assert response.status_code == 200
    assert response.json()["data"] == []
    assert response.json()["fail"][0]["key"] == sent
    assert (first_error(response)["field"], first_error(response)["code"]) == (field, code)
    assert message.status == "held"


def test_release_item_without_id_is_a_validation_failure(api1):
    response = api1(RELEASE, body({}))
    assert response.json()["fail"] == [
        {
            "key": {},
            "errors": [
                {
                    "field": "id",
                    "code": "err_validation_null",
                    "message": "This field is mandatory and cannot be null",
                    "retryable": False,
                }
            ],
        }
    ]


@pytest.mark.parametrize("by", ["id", "tracking_id"])
def test_release_to_sandbox_takes_the_held_or_the_tracking_id(sim, api1, by):
    [message] = held(sim, 1)

    response = api1(SANDBOX, body({"id": getattr(message, by)}))

    assert response.json() == sample("message_finder_release_held_email_to_sandbox.json")
    assert message.status == "released" and message.outcome["sandbox"] is True


def test_release_to_sandbox_of_a_message_not_held_or_unknown_fails(sim, api1):
    [message] = held(sim, 1)
    sim.state.held.reject(message.id)

    response = api1(SANDBOX, body({"id": message.id}, {"id": "unknown"}))

    assert [(f["key"]["id"], f["errors"][0]["code"]) for f in response.json()["fail"]] == [
        (message.id, "err_message_not_held"),
        ("unknown", "err_message_not_found"),
    ]
    assert message.status == "rejected"


@pytest.mark.parametrize("by", ["id", "tracking_id"])
def test_reject_held_email_rejects_the_held_message_the_hold_list_and_hold_release_see(sim, admin, api1, by):
    [message] = held(sim, 1)
    item = {"id": getattr(message, by), "notify": True, "notes": "Phish", "reason": "inappropriate_communication"}

    response = api1(REJECT_HELD_EMAIL, body(item))

    assert response.json() == sample("message_finder_reject_held_email.json")
    assert message.status == "rejected"
    assert {k: message.outcome[k] for k in ("notes", "notify", "reason")} == {
        "notes": "Phish",
        "notify": True,
        "reason": "inappropriate_communication",
    }
    listed = api1(HOLD_LIST, {"meta": {"pagination": {"pageSize": 500}}, "data": [{"admin": True}]}).json()["data"]
    assert message.id not in {entry["id"] for entry in listed}
    assert api1(RELEASE, body({"id": message.id})).json()["data"] == [{"id": message.id, "release": False}]
    assert admin.get("/_sim/messages", {"id": message.tracking_id})["status"] == "rejected"


def test_reject_held_email_refuses_what_is_not_held_unknown_or_invalid(sim, api1):
    first, second = held(sim, 2)
    sim.state.held.release(first.id)

    response = api1(
        REJECT_HELD_EMAIL,
        body({"id": first.id}, {"id": "unknown"}, {"id": second.id, "reason": "spam"}, {"notify": False}),
    )

    assert response.status_code == 200 and response.json()["data"] == []
    assert [(f["key"], f["errors"][0]["field"], f["errors"][0]["code"]) for f in response.json()["fail"]] == [
        ({"id": first.id}, "id", "err_message_not_held"),
        ({"id": "unknown"}, "id", "err_message_not_found"),
        ({"id": second.id, "reason": "spam"}, "reason", "err_validation_invalid_value"),
        ({"notify": False}, "id", "err_validation_null"),
    ]
    assert (first.status, second.status) == ("released", "held")


@pytest.mark.parametrize("path", [SANDBOX, REPORT, REJECT_HELD_EMAIL])
def test_the_api1_only_message_functions_do_not_exist_for_api2(sim, api2, path):
    [message] = held(sim, 1)
    response = api2(path, body({"id": message.id, "type": "spam"}))
    assert response.status_code == 404 and first_error(response)["code"] == "not_found"
    assert message.status == "held" and sim.state.messages.reports == []


def test_report_accepts_held_archived_and_bounced_messages_and_records_the_report(sim, admin, api1):
    [message] = held(sim, 1)
    admin.post("/_sim/messages", {"id": "eNpARCHIVED", "status": "archived"})
    admin.post("/_sim/messages", {"id": "eNpBOUNCED", "status": "bounced"})

    response = api1(
        REPORT,
        body(
            {"id": message.tracking_id, "type": "phishing", "comment": "Credential lure"},
            {"id": "eNpARCHIVED", "type": "spam"},
            {"id": "eNpBOUNCED", "type": "malware"},
        ),
    )

    assert response.json() == sample("message_finder_report_message.json")
    reports = admin.get("/_sim/messages")["reports"]
    assert [(r["id"], r["status"], r["type"], r["comment"]) for r in reports] == [
        (message.tracking_id, "held", "phishing", "Credential lure"),
        ("eNpARCHIVED", "archived", "spam", None),
        ("eNpBOUNCED", "bounced", "malware", None),
    ]
    assert message.status == "held"


def test_report_refuses_other_statuses_unknown_ids_and_unknown_types(sim, admin, api1):
    rejected = held(sim, 1)[0]
    sim.state.held.reject(rejected.id)
    admin.post("/_sim/messages", {"id": "eNpDELIVERING", "status": "delivery"})

    response = api1(
        REPORT,
        body(
            {"id": rejected.id, "type": "spam"},
            {"id": "eNpDELIVERING", "type": "spam"},
            {"id": "eNpNOBODY", "type": "spam"},
            {"id": "eNpBOUNCED", "type": "scam"},
        ),
    )

    assert [(f["errors"][0]["field"], f["errors"][0]["code"]) for f in response.json()["fail"]] == [
        ("id", "err_message_status_not_reportable"),
        ("id", "err_message_status_not_reportable"),
        ("id", "err_message_not_found"),
        ("type", "err_validation_invalid_value"),
    ]
    assert "status rejected" in response.json()["fail"][0]["errors"][0]["message"]
    assert sim.state.messages.reports == []


def test_message_status_registry_asks_declared_ids_then_each_feature(sim, admin, monkeypatch):
    [message] = held(sim, 1)
    monkeypatch.setattr(messages, "_LOOKUPS", dict(messages._LOOKUPS))

    @messages.status_lookup("archive")
    def archive(state, message_id):
        return messages.ARCHIVED if message_id.startswith("eNpARC") else None

    assert admin.get("/_sim/messages", {"id": message.id}) == {"id": message.id, "status": "held"}
    assert admin.get("/_sim/messages", {"id": "eNpARC-1"})["status"] == "archived"
    assert admin.get("/_sim/messages", {"id": "eNpNONE"})["status"] is None
    admin.post("/_sim/messages", {"id": "eNpARC-1", "status": "bounced"})
    assert admin.get("/_sim/messages", {"id": "eNpARC-1"})["status"] == "bounced"
    sim.state.held.release(message.id)
    assert messages.message_status(sim.state, message.tracking_id) == "archived"
    assert admin.get("/_sim/messages")["lookups"] == ["held", "tracking", "archive"]


def test_declaring_a_status_outside_tracking_vocabulary_is_refused(admin):
    with pytest.raises(Exception, match="'status' must be one of processing, delivery"):
        admin.post("/_sim/messages", {"id": "eNpX", "status": "delivered"})


def test_held_admin_route_lists_only_held_messages_in_hold_list_order(sim, admin):
    first, second = held(sim, 2)
    sim.state.held.release(first.id)

    listed = admin.get("/_sim/held", {"status": "held"})["messages"]
    released = admin.get("/_sim/held", {"status": "released"})["messages"]

    assert [m["id"] for m in listed] == [m.id for m in sim.state.held.held()]
    assert listed[0]["id"] == second.id
    assert [(m["id"], m["status"]) for m in released] == [(first.id, "released")]
