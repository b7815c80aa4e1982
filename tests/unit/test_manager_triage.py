"""The Manager's triage methods against requests-mock: request bodies, how refusals are worded, API 1.0 guards."""

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
import requests_mock as rm
from test_manager import API1, ROOT, assert_no_secret, manager, shown_by_an_action, token

from MimecastDataModels import PolicyAddress
from MimecastExceptions import (
    MimecastApiError,
    MimecastAuthenticationError,
    MimecastNotFoundError,
    MimecastResponseError,
    MimecastServerError,
    MimecastUnsupportedError,
)

RELEASE = f"{ROOT}/api/gateway/hold-release"
REJECT = f"{ROOT}/api/gateway/hold-reject"
SANDBOX = f"{ROOT}/api/message-finder/release-held-email-to-sandbox"
REPORT = f"{ROOT}/api/message-finder/report-message"
SENDERS = f"{ROOT}/api/managedsender/permit-or-block-sender"
CREATE_POLICY = f"{ROOT}/api/policy/blockedsenders/create-policy"
EMPTY = {"meta": {"status": 200}, "data": [], "fail": []}


def answer(*items, fail=()):
    return {"json": {"meta": {"status": 200}, "data": list(items), "fail": list(fail)}}


def item_error(code, message, field="id"):
    return {"key": {"id": "x"}, "errors": [{"field": field, "code": code, "message": message, "retryable": False}]}


def sent(m):
    return json.loads(m.request_history[-1].text)


def test_reject_sends_only_the_fields_given(clock):
    with rm.Mocker() as m:
        m.post(REJECT, [answer({"id": "h1", "reject": True}), answer({"id": "h2", "reject": True})])
        mgr = manager(clock, API1)
        full = mgr.reject_held_message(
            "h1", note="Policy", reason_type="INAPPROPRIATE COMMUNICATION", notify_sender=True
        )
        first = json.loads(m.request_history[0].text)
        bare = mgr.reject_held_message("h2")
        second = sent(m)
    assert first == {
        "data": [{"ids": ["h1"], "notify": True, "message": "Policy", "reasonType": "INAPPROPRIATE COMMUNICATION"}]
    }
    assert second == {"data": [{"ids": ["h2"], "notify": False}]}
    assert full.to_json() == {"id": "h1", "reject": True} and bare.message_id == "h2"


@pytest.mark.parametrize(
    ("call", "url", "flag"),
    [("release_held_message", RELEASE, "release"), ("reject_held_message", REJECT, "reject")],
)
def test_false_flag_with_empty_fail_says_the_message_is_not_held(clock, call, url, flag):
    with rm.Mocker() as m:
        m.post(url, **answer({"id": "1234", flag: False}))
        with pytest.raises(MimecastNotFoundError) as raised:
            getattr(manager(clock, API1), call)("1234")
    text = str(raised.value)
    assert f'Mimecast did not {flag} the message with ID "1234" ({flag}: false)' in text
    assert "it is not held (it was already released or rejected) or no held message has this ID" in text


def test_the_item_for_the_requested_id_is_the_one_judged(clock):
    with rm.Mocker() as m:
        m.post(REJECT, **answer({"id": "other", "reject": False}, {"id": "mine", "reject": True}))
        assert manager(clock, API1).reject_held_message("mine").to_json() == {"id": "mine", "reject": True}


def test_fail_entry_in_http_200_is_worded_as_not_held_with_mimecasts_text(clock):
    with rm.Mocker() as m:
        m.post(RELEASE, **answer(fail=[item_error("err_validation_invalid_id", "Invalid id")]))
        with pytest.raises(MimecastNotFoundError) as raised:
            manager(clock, API1).release_held_message("x")
    assert (
        'did not release the message with ID "x" (Invalid id (err_validation_invalid_id, field id)): it is not held'
        in str(raised.value)
    )
    assert raised.value.codes == ("err_validation_invalid_id",)


def test_authentication_and_server_errors_are_not_reworded_and_writes_are_not_retried(clock):
    with rm.Mocker() as m:
        m.post(RELEASE, [{"status_code": 503, "json": {"meta": {"status": 503}, "fail": []}}])
        with pytest.raises(MimecastServerError) as server:
            manager(clock, API1).release_held_message("h1")
        assert m.call_count == 1
    with rm.Mocker() as m:
        m.post(RELEASE, status_code=401, json={"meta": {"status": 401}, "fail": []})
        with pytest.raises(MimecastAuthenticationError):
            manager(clock, API1).release_held_message("h1")
    assert "not retried" in str(server.value)


@pytest.mark.parametrize(
    ("call", "args"),
    [("release_held_message_to_sandbox", ("h1",)), ("report_message", ("h1", "spam"))],
)
def test_api1_only_functions_fail_under_api2_before_any_request(clock, call, args):
    with rm.Mocker() as m:
        with pytest.raises(MimecastUnsupportedError) as raised:
            getattr(manager(clock), call)(*args)
        assert m.call_count == 0
    text = str(raised.value)
    assert "needs Mimecast API 1.0 keys" in text and "API 2.0 (Client ID, Client Secret)" in text
    assert "Application ID, Application Key, Access Key, Secret Key" in text
    assert ("the message stays held" in text) == (call == "release_held_message_to_sandbox")
    assert_no_secret(text)


def test_sandbox_release_and_report_answer_a_result_when_mimecast_sends_no_item(clock):
    with rm.Mocker() as m:
        m.post(SANDBOX, json=EMPTY)
        m.post(REPORT, json=EMPTY)
        mgr = manager(clock, API1)
        released = mgr.release_held_message_to_sandbox("t1")
        assert sent(m) == {"data": [{"id": "t1"}]}
        reported = mgr.report_message("t1", "phishing")
        assert sent(m) == {"data": [{"id": "t1", "type": "phishing"}]}
        mgr.report_message("t1", "spam", "Seen in three mailboxes")
        assert sent(m) == {"data": [{"id": "t1", "type": "spam", "comment": "Seen in three mailboxes"}]}
    assert released.to_json() == {"id": "t1", "release": True, "sandbox": True}
    assert reported.to_json() == {"id": "t1", "type": "phishing", "reported": True}


def test_report_refusal_names_the_reportable_statuses(clock):
    with rm.Mocker() as m:
        m.post(REPORT, **answer(fail=[item_error("err_message_not_found", "Message not found")]))
        with pytest.raises(MimecastNotFoundError) as raised:
            manager(clock, API1).report_message("t1", "spam")
    assert "Only messages with status Held, Archived or Bounced can be reported." in str(raised.value)


def test_block_and_permit_send_the_documented_item_and_return_the_entry(clock):
    entry = {"id": "MTOKEN:abc", "sender": "a@evil.example", "to": "b@corp.example", "type": "Block"}
    with rm.Mocker() as m:
        m.post(f"{ROOT}/oauth/token", **token())
        m.post(SENDERS, [answer(entry), answer({**entry, "type": "Permit"})])
        mgr = manager(clock)
        blocked = mgr.block_sender("a@evil.example", "b@corp.example")
        assert sent(m) == {"data": [{"sender": "a@evil.example", "to": "b@corp.example", "action": "block"}]}
        permitted = mgr.permit_sender("a@evil.example", "b@corp.example")
        assert sent(m)["data"][0]["action"] == "permit"
    assert (blocked.id, blocked.recipient, blocked.type, permitted.type) == (
        "MTOKEN:abc",
        "b@corp.example",
        "Block",
        "Permit",
    )
    assert blocked.to_json() == entry


def test_recipient_outside_the_account_gets_a_hint(clock):
    forbidden = {
        "errors": [
            {
                "code": "err_xdk_operation_forbidden_for_address",
                "message": "0003 Forbidden To Perform Operation For Address",
            }
        ]
    }
    with rm.Mocker() as m:
        m.post(SENDERS, **answer(fail=[forbidden]))
        with pytest.raises(MimecastApiError) as raised:
            manager(clock, API1).block_sender("a@evil.example", "b@elsewhere.example")
    assert "0003 Forbidden To Perform Operation For Address" in str(raised.value)
    assert "The recipient must be an internal address" in str(raised.value)


def test_policy_request_maps_dates_to_utc_and_eternal_flags(clock):
    created = {"option": "no_action", "id": "eNo1", "policy": {"description": "d"}}
    with rm.Mocker() as m:
        m.post(CREATE_POLICY, **answer(created))
        policy = manager(clock, API1).create_blocked_sender_policy(
            option="no_action",
            description="d",
            from_part="header_from",
            sender=PolicyAddress("email_domain", "example.org"),
            recipient=PolicyAddress("header_display_name", "Payroll"),
            comment="case 7",
            bidirectional=False,
            enforced=False,
            start=datetime(2026, 3, 7, 18, 3, tzinfo=timezone(timedelta(hours=2))),
        )
        body = sent(m)
    assert body == {
        "data": [
            {
                "option": "no_action",
                "policy": {
                    "description": "d",
                    "fromPart": "header_from",
                    "from": {"type": "email_domain", "emailDomain": "example.org"},
                    "to": {"type": "header_display_name", "headerDisplayName": "Payroll"},
                    "bidirectional": False,
                    "enforced": False,
                    "enabled": True,
                    "fromEternal": False,
                    "toEternal": True,
                    "comment": "case 7",
                    "fromDate": "2026-03-07T16:03:00+0000",
                },
            }
        ]
    }
    assert policy.to_json() == created and policy.id == "eNo1" and policy.policy == {"description": "d"}


def test_policy_address_carries_a_value_only_for_the_types_that_need_one():
    assert PolicyAddress("everyone", "ignored").to_json() == {"type": "everyone"}
    assert PolicyAddress("individual_email_address", "a@b.example").to_json() == {
        "type": "individual_email_address",
        "emailAddress": "a@b.example",
    }
    assert not PolicyAddress("internal_addresses").needs_value


# Success is judged by what Mimecast answered about the request: an answer about something else is a failure that
# says what Mimecast answered and to check Mimecast (the write may or may not have been applied).
CHECK_MIMECAST = "before running the action again."


@pytest.mark.parametrize(
    ("call", "url", "flag"), [("release_held_message", RELEASE, "release"), ("reject_held_message", REJECT, "reject")]
)
@pytest.mark.parametrize(
    ("items", "answered"),
    [
        ([{"id": "other", "release": True, "reject": True}], 'it is about the message with ID "other"'),
        ([{"release": True, "reject": True}], "it is about a message without an ID"),
        ([{"id": "mine\n", "release": True, "reject": True}], 'it is about the message with ID "mine\\n"'),
        ([{"id": "MINE", "release": True, "reject": True}], 'it is about the message with ID "MINE"'),
    ],
)
def test_an_answer_about_another_message_is_not_a_success(clock, call, url, flag, items, answered):
    with rm.Mocker() as m:
        m.post(url, **answer(*items))
        with pytest.raises(MimecastResponseError) as raised:
            getattr(manager(clock, API1), call)("mine")
    text = shown_by_an_action(raised.value)
    path = url.removeprefix(ROOT)
    assert text.startswith(
        f'Mimecast\'s answer to {path} does not confirm that it did {flag} the message with ID "mine": {answered}.'
    )
    assert text.endswith(f"Check the message in Mimecast {CHECK_MIMECAST}")


@pytest.mark.parametrize(("call", "url"), [("release_held_message_to_sandbox", SANDBOX), ("report_message", REPORT)])
def test_sandbox_release_and_report_answering_about_another_message_fail(clock, call, url):
    args = ("mine",) if call == "release_held_message_to_sandbox" else ("mine", "spam")
    with rm.Mocker() as m:
        m.post(url, **answer({"id": "other"}))
        with pytest.raises(MimecastResponseError, match=r'does not confirm .*: it is about the message with ID "o'):
            getattr(manager(clock, API1), call)(*args)


@pytest.mark.parametrize(
    ("call", "url", "item", "said"),
    [
        ("release_held_message_to_sandbox", SANDBOX, {"id": "mine", "release": False}, "release: false"),
        ("report_message", REPORT, {"id": "mine", "reported": False}, "reported: false"),
    ],
)
def test_sandbox_release_and_report_with_a_false_flag_fail(clock, call, url, item, said):
    args = ("mine",) if call == "release_held_message_to_sandbox" else ("mine", "spam")
    with rm.Mocker() as m:
        m.post(url, **answer(item))
        with pytest.raises(MimecastNotFoundError, match=f'Mimecast did not .* with ID "mine".*\\({said}\\)'):
            getattr(manager(clock, API1), call)(*args)


ENTRY = {"id": "MTOKEN:abc", "sender": "a@evil.example", "to": "b@corp.example", "type": "Block"}


@pytest.mark.parametrize(
    ("action", "answered", "said"),
    [
        ("block", {"type": "Permit"}, 'type "Permit" (asked: Block)'),
        ("permit", {"type": "Block"}, 'type "Block" (asked: Permit)'),
        ("block", {"type": ""}, 'type "" (asked: Block)'),
        ("block", {"sender": "c@evil.example"}, 'sender "c@evil.example" (asked: a@evil.example)'),
        ("block", {"to": "someone@corp.example"}, 'recipient "someone@corp.example" (asked: b@corp.example)'),
        ("block", {"id": ""}, "no entry ID"),
        (
            "block",
            {"type": "Permit", "to": "x@corp.example"},
            'type "Permit" (asked: Block); recipient "x@corp.example"',
        ),
    ],
)
def test_a_managed_sender_entry_other_than_asked_is_not_a_success(clock, action, answered, said):
    entry = {**ENTRY, "type": action.title(), **answered}
    with rm.Mocker() as m:
        m.post(SENDERS, **answer(entry))
        with pytest.raises(MimecastResponseError) as raised:
            getattr(manager(clock, API1), f"{action}_sender")("a@evil.example", "b@corp.example")
    text = shown_by_an_action(raised.value)
    assert text.startswith(
        f"Mimecast's answer to /api/managedsender/permit-or-block-sender does not confirm the {action.title()} entry "
        f"asked for: it answered {said}"
    ), text
    assert text.endswith(f"Check the managed senders of b@corp.example in Mimecast {CHECK_MIMECAST}")


def test_a_managed_sender_entry_in_other_case_is_the_one_asked_for(clock):
    entry = {**ENTRY, "sender": "A@Evil.Example", "to": "B@CORP.example", "type": "BLOCK"}
    with rm.Mocker() as m:
        m.post(SENDERS, **answer(entry))
        assert manager(clock, API1).block_sender("a@evil.example", "b@corp.example").to_json() == entry


POLICY_ASKED = {
    "option": "block_sender",
    "description": "d",
    "from_part": "both",
    "sender": PolicyAddress("individual_email_address", "a@evil.example"),
    "recipient": PolicyAddress("email_domain", "corp.example"),
    "bidirectional": True,
    "enforced": True,
    "start": datetime(2030, 1, 1, tzinfo=UTC),
}
POLICY_ANSWER = {
    "option": "block_sender",
    "id": "eNo1",
    "policy": {
        "description": "d",
        "fromPart": "both",
        "from": {"type": "individual_email_address", "emailAddress": "a@evil.example"},
        "to": {"type": "email_domain", "emailDomain": "corp.example"},
        "fromType": "individual_email_address",
        "fromValue": "a@evil.example",
        "toType": "email_domain",
        "toValue": "corp.example",
        "fromEternal": False,
        "toEternal": True,
        "fromDate": "2030-01-01T00:00:00+0000",
        "toDate": "2100-01-01T23:59:59+0000",
        "override": False,
        "bidirectional": True,
        "conditions": {},
        "enabled": True,
        "enforced": True,
    },
}


def policy_answer(option=None, **policy):
    return {**POLICY_ANSWER, **({"option": option} if option else {}), "policy": {**POLICY_ANSWER["policy"], **policy}}


@pytest.mark.parametrize(
    ("answered", "said"),
    [
        (policy_answer(enabled=False), "enabled false (asked: true)"),
        (policy_answer(option="no_action"), 'option "no_action" (asked: "block_sender")'),
        (policy_answer(enforced=False), "enforced false (asked: true)"),
        (policy_answer(bidirectional=False), "bidirectional false (asked: true)"),
        (policy_answer(fromPart="envelope_from"), 'fromPart "envelope_from" (asked: "both")'),
        (
            policy_answer(**{"from": {"type": "individual_email_address", "emailAddress": "b@evil.example"}}),
            'from {"type": "individual_email_address", "emailAddress": "b@evil.example"} (asked: ',
        ),
        (policy_answer(**{"to": {"type": "everyone"}}), 'to {"type": "everyone"} (asked: '),
        (policy_answer(toType="everyone"), 'toType "everyone" (asked: "email_domain")'),
        (policy_answer(fromValue="x@evil.example"), 'fromValue "x@evil.example" (asked: "a@evil.example")'),
        (policy_answer(fromDate="2029-01-01T00:00:00+0000"), 'fromDate "2029-01-01T00:00:00+0000" (asked: "2030-'),
        (policy_answer(toEternal=False, toDate="2031-01-01T00:00:00+0000"), "toEternal false (asked: true)"),
        (policy_answer(description="other"), 'description "other" (asked: "d")'),
        ({**POLICY_ANSWER, "id": ""}, "no policy ID"),
        ({"option": "block_sender", "id": "eNo1"}, "no policy"),
    ],
)
def test_a_policy_other_than_asked_is_not_a_success(clock, answered, said):
    with rm.Mocker() as m:
        m.post(CREATE_POLICY, **answer(answered))
        with pytest.raises(MimecastResponseError) as raised:
            manager(clock, API1).create_blocked_sender_policy(**POLICY_ASKED)
    text = shown_by_an_action(raised.value)
    assert text.startswith(
        "Mimecast's answer to /api/policy/blockedsenders/create-policy does not confirm the policy asked for: it "
        f"answered {said}"
    ), text
    assert f"Check the Blocked Senders policies in Mimecast {CHECK_MIMECAST}" in text


def test_a_policy_answered_as_asked_is_a_success_whatever_the_case_of_addresses(clock):
    answered = policy_answer(
        **{"from": {"type": "individual_email_address", "emailAddress": "A@Evil.Example"}, "toValue": "CORP.example"}
    )
    with rm.Mocker() as m:
        m.post(CREATE_POLICY, **answer(answered))
        assert manager(clock, API1).create_blocked_sender_policy(**POLICY_ASKED).to_json() == answered
