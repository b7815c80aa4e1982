"""Triage actions against the simulator: the scripts run in process (tests/action_harness.py, through the runner
code that builds what the platform shows), except what the real SDK's output and log files must show (a value
cannot forge a log line) and a result beyond the platform's maximum JSON result size, which run as platform
subprocesses."""

import pytest
from action_cases import ISSUE_POLICY_PARAMS, failure
from suite_helpers import simulator_instance

TOKEN = "/oauth/token"
HOLD_RELEASE = "/api/gateway/hold-release"
HOLD_REJECT = "/api/gateway/hold-reject"
SANDBOX = "/api/message-finder/release-held-email-to-sandbox"
REPORT = "/api/message-finder/report-message"
SENDERS = "/api/managedsender/permit-or-block-sender"
CREATE_POLICY = "/api/policy/blockedsenders/create-policy"
NOT_HELD = "it is not held (it was already released or rejected) or no held message has this ID"
API1_NEEDED = "needs Mimecast API 1.0 keys"
SENDER_REQUIRED = "Sender is required when Sender Type is Email Domain, Email Address, or Header Display Name."
RECIPIENT_REQUIRED = "Recipient is required when Recipient Type is Email Domain, Email Address, or Header Display Name."
BOTH_APIS = pytest.mark.parametrize("api", ["api1", "api2"])


@pytest.fixture
def instance(simulator, api):
    """The simulator instance for the test's `api` parameter."""
    return simulator_instance(simulator.url, api)


@pytest.fixture
def held(simulator):
    return simulator.state.held.held()


@pytest.fixture
def mailbox(simulator):
    return f"alice@{simulator.state.account.domains[0]}"


def api_calls(client):
    """What reached Mimecast's functions: (path, body) of every request but the token request."""
    return [(entry["path"], entry["body"]) for entry in client.log() if entry["path"] != TOKEN]


@BOTH_APIS
def test_release_message_releases_the_held_message(action_in_process, instance, simulator_client, held, api):
    message = held[0]

    run = action_in_process("Release Message", {"Message ID": message.id}, instance=instance)

    assert run.completed and run.result_value is True
    assert run.message == f'Successfully released message with ID "{message.id}" in Mimecast'
    assert run.json_result == {"id": message.id, "release": True}
    assert message.status == "released" and message.outcome["sandbox"] is False
    assert message.id not in {m["id"] for m in simulator_client.get("/_sim/held", {"status": "held"})["messages"]}
    assert api_calls(simulator_client) == [(HOLD_RELEASE, {"data": [{"id": message.id}]})]


@BOTH_APIS
def test_reject_message_sends_reason_note_and_notify_as_documented(
    action_in_process, instance, simulator_client, held, api
):
    message = held[0]
    params = {
        "Message ID": message.id,
        "Reason": "Confidential Information",
        "Note": "Contains customer data",
        "Notify Sender": "true",
    }

    run = action_in_process("Reject Message", params, instance=instance)

    assert run.completed and run.message == f'Successfully rejected message with ID "{message.id}" in Mimecast'
    assert run.json_result == {"id": message.id, "reject": True}
    assert message.status == "rejected"
    assert message.id not in {m["id"] for m in simulator_client.get("/_sim/held", {"status": "held"})["messages"]}
    sent = {
        "ids": [message.id],
        "notify": True,
        "message": "Contains customer data",
        "reasonType": "MESSAGE CONTAINS CONFIDENTIAL INFORMATION",
    }
    assert api_calls(simulator_client) == [(HOLD_REJECT, {"data": [sent]})]


@pytest.mark.parametrize(
    ("reason", "reason_type"),
    [
        ("Select One", None),
        ("Inappropriate Communication", "INAPPROPRIATE COMMUNICATION"),
        ("Against Email Policy", "MESSAGE GOES AGAINST EMAIL POLICIES"),
        ("Restricted Content", "REVIEWER DISAPPROVES OF CONTENT"),
    ],
)
def test_reject_reason_mapping_and_select_one_sends_no_reason(
    action_in_process, api2_instance, simulator_client, held, reason, reason_type
):
    run = action_in_process("Reject Message", {"Message ID": held[0].id, "Reason": reason}, instance=api2_instance)

    assert run.completed
    [(path, body)] = api_calls(simulator_client)
    expected = {"ids": [held[0].id], "notify": False, **({"reasonType": reason_type} if reason_type else {})}
    assert (path, body) == (HOLD_REJECT, {"data": [expected]})
    assert held[0].outcome["reasonType"] == reason_type


@pytest.mark.parametrize("action", ["Release Message", "Reject Message"])
@pytest.mark.parametrize("case", ["already released", "unknown id"])
def test_a_message_that_is_not_held_fails_and_says_so(action_in_process, api2_instance, simulator, held, action, case):
    message_id = held[0].id if case == "already released" else "eNpNOSUCHHELDMESSAGE"
    if case == "already released":
        simulator.state.held.release(message_id)

    run = action_in_process(action, {"Message ID": message_id}, instance=api2_instance)

    assert run.failed and run.result_value is False
    verb = action.split()[0].lower()
    assert run.message.startswith(failure(action, f'Mimecast did not {verb} the message with ID "{message_id}"'))
    assert NOT_HELD in run.message
    assert run.json_result is None


@pytest.mark.parametrize("by", ["id", "tracking_id"])
def test_release_to_sandbox_with_api1_keys(action_in_process, api1_instance, simulator_client, held, by):
    message_id = getattr(held[0], by)

    run = action_in_process(
        "Release Message", {"Message ID": message_id, "Release To Sandbox": "true"}, instance=api1_instance
    )

    assert run.completed and run.message == f'Successfully released message with ID "{message_id}" in Mimecast'
    assert run.json_result == {"id": message_id, "release": True, "sandbox": True}
    assert held[0].status == "released" and held[0].outcome["sandbox"] is True
    assert api_calls(simulator_client) == [(SANDBOX, {"data": [{"id": message_id}]})]


def test_release_to_sandbox_of_a_released_message_fails_and_says_so(action_in_process, api1_instance, simulator, held):
    simulator.state.held.release(held[0].id)

    run = action_in_process(
        "Release Message", {"Message ID": held[0].id, "Release To Sandbox": "true"}, instance=api1_instance
    )

    assert run.failed and NOT_HELD in run.message
    assert "Message is not held (status released) (err_message_not_held, field id)" in run.message


def test_api2_release_to_sandbox_fails_before_any_call_and_the_message_stays_held(
    action_in_process, api2_instance, simulator_client, held
):
    run = action_in_process(
        "Release Message", {"Message ID": held[0].id, "Release To Sandbox": "true"}, instance=api2_instance
    )

    assert run.failed
    assert run.message.startswith(failure("Release Message", f"Release To Sandbox {API1_NEEDED}"))
    assert "the message stays held" in run.message
    assert "Application ID, Application Key, Access Key, Secret Key" in run.message
    assert simulator_client.log() == []
    assert held[0].status == "held"


@pytest.mark.parametrize("status", ["held", "archived", "bounced"])
def test_report_message_with_api1_keys(action_in_process, api1_instance, simulator_client, held, status):
    message_id = held[0].tracking_id if status == "held" else f"eNp{status.upper()}MESSAGE"
    if status != "held":
        simulator_client.post("/_sim/messages", {"id": message_id, "status": status})
    params = {"Message ID": message_id, "Report As": "Phishing", "Comment": "Credential lure"}

    run = action_in_process("Report Message", params, instance=api1_instance)

    assert run.completed
    assert run.message == f'Successfully reported the following messages with ID "{message_id}" in Mimecast'
    assert run.json_result == {"id": message_id, "type": "phishing", "reported": True}
    [report] = simulator_client.get("/_sim/messages")["reports"]
    assert (report["id"], report["status"], report["type"], report["comment"]) == (
        message_id,
        status,
        "phishing",
        "Credential lure",
    )
    assert api_calls(simulator_client) == [
        (REPORT, {"data": [{"id": message_id, "type": "phishing", "comment": "Credential lure"}]})
    ]


def test_report_of_a_rejected_message_fails_naming_the_reportable_statuses(
    action_in_process, api1_instance, simulator, held
):
    simulator.state.held.reject(held[0].id)

    run = action_in_process("Report Message", {"Message ID": held[0].id}, instance=api1_instance)

    assert run.failed and "Only messages with status Held, Archived or Bounced can be reported." in run.message
    assert simulator.state.messages.reports == []


def test_api2_report_message_fails_before_any_call(action_in_process, api2_instance, simulator_client, held):
    run = action_in_process("Report Message", {"Message ID": held[0].id}, instance=api2_instance)

    assert run.failed and run.message.startswith(failure("Report Message", f"Report Message {API1_NEEDED}"))
    assert simulator_client.log() == []


@BOTH_APIS
@pytest.mark.parametrize(
    ("action", "entry_type", "verb"), [("Block Sender", "Block", "blocked"), ("Permit Sender", "Permit", "permitted")]
)
def test_block_and_permit_sender_create_a_managed_sender_entry(
    action_in_process, instance, simulator_client, mailbox, api, action, entry_type, verb
):
    run = action_in_process(action, {"Sender": "attacker@example.org", "Recipient": mailbox}, instance=instance)

    assert run.completed
    assert run.message == f"Successfully {verb} sender attacker@example.org for recipient {mailbox} in Mimecast"
    [entry] = simulator_client.get("/_sim/managed-senders")["entries"]
    assert run.json_result == {k: entry[k] for k in ("id", "sender", "to", "type")}
    assert (entry["sender"], entry["to"], entry["type"]) == ("attacker@example.org", mailbox, entry_type)
    assert entry["id"].startswith("MTOKEN:")
    assert api_calls(simulator_client) == [
        (SENDERS, {"data": [{"sender": "attacker@example.org", "to": mailbox, "action": entry_type.lower()}]})
    ]


def test_block_sender_for_a_recipient_outside_the_account_fails_with_mimecasts_reason(
    action_in_process, api2_instance, simulator
):
    run = action_in_process(
        "Block Sender",
        {"Sender": "attacker@example.org", "Recipient": "bob@elsewhere.example.net"},
        instance=api2_instance,
    )

    assert run.failed
    assert "0003 Forbidden To Perform Operation For Address (err_xdk_operation_forbidden_for_address)" in run.message
    assert "The recipient must be an internal address" in run.message
    assert simulator.state.managed_senders.entries() == []


@BOTH_APIS
def test_the_playbook_example_creates_an_eternal_bidirectional_enforced_block_for_that_address(
    action_in_process, instance, simulator_client, api
):
    run = action_in_process("Create Block Sender Policy", ISSUE_POLICY_PARAMS, instance=instance)

    assert run.completed and run.message == "Successfully created a block sender policy in Mimecast"
    [stored] = simulator_client.get("/_sim/blocked-sender-policies")["policies"]
    assert run.json_result == stored
    policy = stored["policy"]
    assert stored["option"] == "block_sender"
    assert policy["from"] == {"type": "individual_email_address", "emailAddress": "attacker@example.org"}
    assert policy["to"] == {"type": "everyone"}
    assert (policy["fromPart"], policy["bidirectional"], policy["enforced"], policy["enabled"]) == (
        "both",
        True,
        True,
        True,
    )
    assert (policy["fromDate"], policy["toDate"]) == ("1900-01-01T00:00:00+0000", "2100-01-01T23:59:59+0000")
    assert policy["description"] == "Block Sender Policy from SecOps automation." and "comment" not in policy
    [(path, body)] = api_calls(simulator_client)
    assert path == CREATE_POLICY
    assert body["data"][0]["policy"] == {
        "description": "Block Sender Policy from SecOps automation.",
        "fromPart": "both",
        "from": {"type": "individual_email_address", "emailAddress": "attacker@example.org"},
        "to": {"type": "everyone"},
        "bidirectional": True,
        "enforced": True,
        "enabled": True,
        "fromEternal": True,
        "toEternal": True,
    }


def test_policy_fields_dates_and_options_are_mapped(action_in_process, api1_instance, simulator):
    params = {
        "Response": "No Action",
        "Description": "Payroll lookalikes",
        "Extracted Data": "From Headers",
        "Sender": "example.org",
        "Sender Type": "Email Domain",
        "Recipient": "Payroll Team",
        "Recipient Type": "Header Display Name",
        "Comment": "Case 42",
        "Bidirectional": "false",
        "Enforced": "false",
        "Start Time": "2031-03-07T18:03:00+02:00",
        "End Time": "2031-03-08 16:03",
    }

    run = action_in_process("Create Block Sender Policy", params, instance=api1_instance)

    assert run.completed
    [stored] = simulator.state.blocked_sender_policies.all()
    assert stored.option == "no_action"
    expected = {
        "fromPart": "header_from",
        "from": {"type": "email_domain", "emailDomain": "example.org"},
        "to": {"type": "header_display_name", "headerDisplayName": "Payroll Team"},
        "comment": "Case 42",
        "bidirectional": False,
        "enforced": False,
        "fromEternal": False,
        "toEternal": False,
        "fromDate": "2031-03-07T16:03:00+0000",
        "toDate": "2031-03-08T16:03:00+0000",
    }
    assert {k: stored.policy[k] for k in expected} == expected
    assert run.message == NO_ACTION_CREATED


NO_ACTION_CREATED = (
    "Successfully created a block sender policy in Mimecast. Its Response is No Action: it does not block or "
    "change the mail it matches."
)


def test_a_block_policy_keeps_the_documented_message_and_a_no_action_policy_says_it_takes_no_action(
    action_in_process, api2_instance, simulator
):
    blocked = action_in_process("Create Block Sender Policy", ISSUE_POLICY_PARAMS, instance=api2_instance)
    no_action = action_in_process(
        "Create Block Sender Policy", {**ISSUE_POLICY_PARAMS, "Response": "No Action"}, instance=api2_instance
    )

    assert blocked.completed and blocked.message == "Successfully created a block sender policy in Mimecast"
    assert no_action.completed and no_action.message == NO_ACTION_CREATED
    assert [policy.option for policy in simulator.state.blocked_sender_policies.all()] == ["block_sender", "no_action"]


@pytest.mark.parametrize(
    ("times", "shown_end"),
    [
        ({"End Time": "2020-01-01T00:00:00Z"}, "2020-01-01T00:00:00+0000"),
        ({"Start Time": "2019-06-01", "End Time": "2020-01-01 00:00"}, "2020-01-01T00:00:00+0000"),
        ({"End Time": "2021-066T12:00:00+02:00"}, "2021-03-07T10:00:00+0000"),
    ],
)
def test_a_policy_whose_end_time_has_passed_is_refused_before_anything_is_sent(
    action_in_process, api2_instance, simulator_client, times, shown_end
):
    run = action_in_process("Create Block Sender Policy", {**ISSUE_POLICY_PARAMS, **times}, instance=api2_instance)

    assert run.failed and run.result_value is False
    assert run.message.startswith(
        failure(
            "Create Block Sender Policy",
            f'"End Time" ({shown_end}) is in the past, so the policy would never apply. Give a future End Time, '
            "or leave it empty for a policy without an end (now is ",
        )
    ), run.message
    assert simulator_client.log() == []
    assert "Successfully" not in run.debug_output


def test_a_policy_that_started_in_the_past_and_ends_in_the_future_is_created(
    action_in_process, api2_instance, simulator
):
    times = {"Start Time": "2020-01-01T00:00:00Z", "End Time": "2099-01-01T00:00:00Z"}

    run = action_in_process("Create Block Sender Policy", {**ISSUE_POLICY_PARAMS, **times}, instance=api2_instance)

    assert run.completed and run.message == "Successfully created a block sender policy in Mimecast"
    [stored] = simulator.state.blocked_sender_policies.all()
    assert (stored.policy["fromDate"], stored.policy["toDate"]) == (
        "2020-01-01T00:00:00+0000",
        "2099-01-01T00:00:00+0000",
    )


VALIDATIONS = [
    ("Reject Message", {}, 'Parameter "Message ID" is mandatory and was not provided.'),
    ("Release Message", {"Message ID": "  "}, 'Parameter "Message ID" is mandatory and was not provided.'),
    ("Report Message", {}, 'Parameter "Message ID" is mandatory and was not provided.'),
    (
        "Reject Message",
        {"Message ID": "eNp1", "Reason": "Spam"},
        'Invalid value for "Reason": "Spam". Allowed values: Select One, Inappropriate Communication, '
        "Confidential Information, Against Email Policy, Restricted Content.",
    ),
    (
        "Reject Message",
        {"Message ID": "eNp1", "Notify Sender": "maybe"},
        'Invalid value for "Notify Sender": "maybe". Use true or false.',
    ),
    (
        "Report Message",
        {"Message ID": "eNp1", "Report As": "Scam"},
        'Invalid value for "Report As": "Scam". Allowed values: Spam, Malware, Phishing.',
    ),
    (
        "Block Sender",
        {"Sender": "attacker", "Recipient": "alice@example.com"},
        'Invalid value for "Sender": "attacker" is not a valid email address.',
    ),
    (
        "Permit Sender",
        {"Sender": "a@example.org", "Recipient": "alice@"},
        'Invalid value for "Recipient": "alice@" is not a valid email address.',
    ),
    ("Block Sender", {"Recipient": "alice@example.com"}, 'Parameter "Sender" is mandatory and was not provided.'),
    *[
        (
            "Create Block Sender Policy",
            {**ISSUE_POLICY_PARAMS, "Sender": "", "Sender Type": sender_type},
            SENDER_REQUIRED,
        )
        for sender_type in ("Email Address", "Email Domain", "Header Display Name")
    ],
    ("Create Block Sender Policy", {**ISSUE_POLICY_PARAMS, "Recipient Type": "Email Domain"}, RECIPIENT_REQUIRED),
    (
        "Create Block Sender Policy",
        {**ISSUE_POLICY_PARAMS, "Sender": "attacker.example.org"},
        'Invalid value for "Sender": "attacker.example.org" is not a valid email address.',
    ),
    (
        "Create Block Sender Policy",
        {**ISSUE_POLICY_PARAMS, "Recipient Type": "Email Domain", "Recipient": "@example.com"},
        'Invalid value for "Recipient": "@example.com" is not a valid domain.',
    ),
    (
        "Create Block Sender Policy",
        {**ISSUE_POLICY_PARAMS, "Start Time": "next Tuesday"},
        'Invalid value for "Start Time": "next Tuesday". Use ISO 8601, e.g. 2025-03-07T16:03:00Z, '
        "2025-03-07T16:03:00+02:00 or 2025-03-07 16:03 (UTC when no offset is given).",
    ),
    (
        "Create Block Sender Policy",
        {**ISSUE_POLICY_PARAMS, "Start Time": "2026-03-08T00:00:00Z", "End Time": "2026-03-08T01:00:00+02:00"},
        '"End Time" should be later than "Start Time".',
    ),
    (
        "Create Block Sender Policy",
        {**ISSUE_POLICY_PARAMS, "Sender Type": "Anyone"},
        'Invalid value for "Sender Type": "Anyone". Allowed values: Everyone, Email Address, Email Domain, '
        "Header Display Name, Internal Addresses, External Addresses.",
    ),
    (
        "Create Block Sender Policy",
        {**ISSUE_POLICY_PARAMS, "Response": "Quarantine"},
        'Invalid value for "Response": "Quarantine". Allowed values: No Action, Block Sender.',
    ),
    (
        "Create Block Sender Policy",
        {**ISSUE_POLICY_PARAMS, "Description": ""},
        'Parameter "Description" is mandatory and was not provided.',
    ),
]


@pytest.mark.parametrize(("action", "params", "reason"), VALIDATIONS)
def test_invalid_input_fails_with_its_message_and_nothing_is_sent(
    action_in_process, api2_instance, simulator_client, action, params, reason
):
    run = action_in_process(action, params, instance=api2_instance)

    assert run.failed and run.result_value is False
    assert run.message == failure(action, reason)
    assert simulator_client.log() == []


FORGED = 'Successfully released message with ID "eNoFORGED" in Mimecast'


def logged_lines(run):
    """Every line a person reading the run's logs sees: the debug output and the log file."""
    return run.debug_output.splitlines() + run.log_path.read_text().splitlines()


@pytest.mark.parametrize("brk", ["\n", "\r", "\r\n", "\u2028", "\x85", "\x1b[2K\r"], ids=repr)
def test_a_parameter_value_cannot_forge_a_log_line(action_runner, api2_instance, simulator, brk):
    message_id = f"eNoNOTHELD{brk}{FORGED}"

    run = action_runner("Release Message", {"Message ID": message_id}, instance=api2_instance)

    assert run.failed and NOT_HELD in run.message
    assert not any(line.startswith(FORGED) for line in logged_lines(run)), run.debug_output
    shown = brk.encode("unicode_escape").decode()
    assert f"Message ID: eNoNOTHELD{shown}{FORGED}" in run.debug_output
    assert f'with ID "eNoNOTHELD{shown}{FORGED}"' in run.message
    assert all(brk not in line for line in [run.message, *logged_lines(run)])


def test_a_multi_line_note_is_sent_as_written_and_logged_on_one_line(action_runner, api2_instance, simulator, held):
    note = f"Phishing.\n{FORGED}"

    run = action_runner("Reject Message", {"Message ID": held[0].id, "Note": note}, instance=api2_instance)

    assert run.completed and held[0].outcome["message"] == note
    assert "Note: Phishing.\\n" + FORGED in run.debug_output
    assert not any(line.startswith(FORGED) for line in logged_lines(run))


def test_a_mimecast_text_cannot_forge_a_log_line(action_runner, api2_instance, simulator, held):
    from fault_injection import inject

    inject(simulator, "fail", HOLD_RELEASE, code="err_id", message=f"Invalid id\n{FORGED}", retryable=False)

    run = action_runner("Release Message", {"Message ID": held[0].id}, instance=api2_instance)

    assert run.failed and f"Invalid id\\n{FORGED}" in run.message
    assert not any(line.startswith(FORGED) for line in logged_lines(run)), run.debug_output


def test_a_write_whose_result_is_too_large_for_the_platform_completes_without_it(
    action_runner, api1_instance, simulator_client
):
    message_id = "eNp" + "A" * 1_200_000
    simulator_client.post("/_sim/messages", {"id": message_id, "status": "archived"})

    run = action_runner("Report Message", {"Message ID": message_id}, instance=api1_instance, max_json_result_mb=1)

    assert run.completed and run.result_value is True, run.message[:300]
    assert run.message.endswith(
        " The JSON result was left out: it is larger than the platform's maximum JSON result size (1 MB)."
    )
    assert run.json_result is None and run.output["ResultObjectJson"] is not None
    [report] = simulator_client.get("/_sim/messages")["reports"]
    assert report["id"] == message_id
