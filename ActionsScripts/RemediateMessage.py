from MimecastActionRunner import ActionContext, ActionResult, run_action
from MimecastConstants import END_BEFORE_START_MESSAGE, END_TIME, INCIDENT_TABLE, REMEDIATE_SUCCESS_MESSAGE, START_TIME
from MimecastExceptions import MimecastValidationError
from MimecastResponseParameters import file_hash, internet_message_id, web_url
from MimecastSpecs import ActionSpec, AiSpec, ParamSpec

MESSAGE_ID_PARAM = ParamSpec(
    "Internet Message ID",
    description=(
        "The Internet Message-ID of the delivered message (its Message-ID header, e.g. <abc123@example.com>; the "
        "angle brackets are added when missing). Give exactly one of Internet Message ID, File Hash and URL."
    ),
    ai_description="Message-ID header of the message; one of the three criteria.",
)
FILE_HASH_PARAM = ParamSpec(
    "File Hash",
    description="The MD5, SHA-1 or SHA-256 of an attachment (not an image): every message carrying it is removed.",
    ai_description="Attachment hash; one of the three criteria.",
)
URL_PARAM = ParamSpec(
    "URL",
    description="A URL contained in the message: every message containing it is removed.",
    ai_description="URL in the message; one of the three criteria.",
)
REASON_PARAM = ParamSpec(
    "Reason",
    mandatory=True,
    description="Why the message is removed; Mimecast keeps it with the incident.",
    ai_description="Reason stored with the remediation incident.",
)
START_TIME_PARAM = ParamSpec(
    START_TIME,
    description="The earliest message to remove, ISO 8601 (UTC when no offset is given). Empty: one month back.",
    ai_description="Start of the window; Mimecast's default is one month back.",
    value_format="ISO 8601",
)
END_TIME_PARAM = ParamSpec(
    END_TIME,
    description="The latest message to remove, ISO 8601, later than Start Time. Empty: now.",
    ai_description="End of the window; now when empty.",
    value_format="ISO 8601",
)
CRITERIA = ((MESSAGE_ID_PARAM, "messageId", internet_message_id), (FILE_HASH_PARAM, "hash", file_hash))
CRITERIA_NAMES = '"Internet Message ID", "File Hash" or "URL"'
SPEC = ActionSpec(
    "Remediate Message",
    description=(
        "Remove a delivered message from the recipients' mailboxes with a Mimecast threat remediation incident "
        "(POST /api/ttp/remediation/create), by Internet Message ID, File Hash or URL (exactly one), with a "
        "reason. Works with API 1.0 and API 2.0 credentials. Needs the permission 'Services | Threat "
        "Remediation | Edit'. Mimecast removes the copies after creating the incident: run Get Remediation "
        "Incident with the id of the JSON result to follow the counts. A write: never sent twice; when its "
        "outcome is unknown, check the remediation incidents in Mimecast before running it again. JSON result: "
        "the incident as Mimecast returns it (id, code, type, reason, identified, successful, failed, restored, "
        "create, modified, searchCriteria)."
    ),
    params=(MESSAGE_ID_PARAM, FILE_HASH_PARAM, URL_PARAM, REASON_PARAM, START_TIME_PARAM, END_TIME_PARAM),
    result_example={
        "id": "eNo1jrsOgjAAAP-lM0Npi4KJg_EFvoJIRd2wVCwoxRYkaPx3cXC-remediation",
        "code": "TR-0007-00001-A",
        "type": "manual",
        "reason": "Phishing reported by user, SOAR case 1234",
        "identified": 3,
        "successful": 0,
        "failed": 0,
        "restored": 0,
        "create": "2026-01-31T12:00:00+0000",
        "modified": "2026-01-31T12:00:00+0000",
        "searchCriteria": {
            "from": "",
            "to": "",
            "start": "2026-01-01T00:00:00+0000",
            "end": "2026-01-31T12:00:00+0000",
            "messageId": "<CAE0897Aqtq2HaSRyLNGTn=QBgKhR5Tuc@mail.example.com>",
            "fileHash": "",
            "url": "",
            "subject": "",
            "restoreCode": "",
            "unremediateCode": "",
        },
    },
    documentation_anchor="remediate_message",
    ai=AiSpec(
        description=(
            "### General description\n"
            "Creates a Mimecast threat remediation incident that removes a delivered message from every "
            "recipient's mailbox, found by its Internet Message-ID, an attachment's hash or a URL it contains. "
            "Returns the incident: its id, code and how many messages were identified, removed and failed.\n"
            "\n"
            "### When to use it\n"
            "When a phish was delivered: after finding its copies, to pull them out of the mailboxes.\n"
            "\n"
            "### What it changes in Mimecast\n"
            "Creates a remediation incident; Mimecast removes the matching messages from the mailboxes.\n"
            "\n"
            "### Parameters\n"
            "Exactly one of Internet Message ID, File Hash (MD5, SHA-1 or SHA-256) and URL; Reason is required; "
            "Start Time and End Time narrow the window (End later than Start). Checked before the call.\n"
            "\n"
            "### Flow\n"
            "1. Validates the parameters (angle brackets added to a Message-ID without them).\n"
            "2. Calls /api/ttp/remediation/create once (a write is never retried).\n"
            "3. Returns the incident; Get Remediation Incident follows its counts."
        ),
        short_description="Removes a delivered message from mailboxes with a Mimecast remediation incident.",
        capabilities="Creates a remediation incident in Mimecast; returns the incident Mimecast created.",
        changes_in_mimecast="Creates a threat remediation incident that removes the matching delivered messages.",
        remediation=True,
        outcomes=("delete_email",),
    ),
)


def criterion(context: ActionContext) -> tuple[str, str]:
    """(searchBy, value) of the one criterion given; none or several is refused, naming them."""
    given = [(param, by, check) for param, by, check in CRITERIA if context.text(param)]
    url = context.text(URL_PARAM)
    names = [f'"{param.name}"' for param, _, _ in given] + (['"URL"'] if url else [])
    if not names:
        raise MimecastValidationError(f"Give one of {CRITERIA_NAMES}: none was given.")
    if len(names) > 1:
        raise MimecastValidationError(
            f"Give only one of {CRITERIA_NAMES}: {' and '.join(names)} were given."
            " One incident searches by one of them."
        )
    if url:
        return "url", web_url(URL_PARAM.name, url)
    param, search_by, check = given[0]
    return search_by, check(param.name, context.text(param) or "")


def remediate_message(context: ActionContext) -> ActionResult:
    search_by, value = criterion(context)
    reason = context.text(REASON_PARAM) or ""
    start, end = context.time(START_TIME_PARAM), context.time(END_TIME_PARAM)
    if start and end and end <= start:
        raise MimecastValidationError(END_BEFORE_START_MESSAGE)
    incident = context.manager.remediate_message(search_by, value, reason, start=start, end=end)
    message = REMEDIATE_SUCCESS_MESSAGE.format(
        code=incident.code or incident.id,
        identified=incident.identified,
        removed=incident.removed,
        failed=incident.failed,
    )
    if incident.pending:
        message += f". Mimecast is still working on {incident.pending}: follow them with Get Remediation Incident"
    elif not incident.identified:
        message += ". No delivered message matched yet: check the criterion and the time window"
    return ActionResult(message, incident.to_json(), ((INCIDENT_TABLE, [incident.to_table()]),))


if __name__ == "__main__":
    run_action(SPEC, remediate_message)
