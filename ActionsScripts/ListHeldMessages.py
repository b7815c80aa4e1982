from MimecastActionRunner import ActionContext, ActionResult, list_result, run_action
from MimecastArchiveQuery import END_TIME_PARAM, START_TIME_PARAM
from MimecastConstants import (
    FINDER_MAX_MESSAGES,
    HELD_FOUND_MESSAGE,
    HELD_NOT_FOUND_MESSAGE,
    REASON,
    RECIPIENT,
    SENDER,
    SUBJECT,
)
from MimecastDataModels import utc_timestamp
from MimecastFinderOperations import HeldSearch
from MimecastFinderParams import (
    MAX_MESSAGES_PARAM,
    TIME_FRAME_PARAM,
    max_messages,
    one_line,
    time_window,
)
from MimecastSpecs import ActionSpec, AiSpec, ParamSpec

TABLE = "Held Messages"
SENDER_PARAM = ParamSpec(
    SENDER,
    description="Text the sender contains: its envelope or header address, or its display name.",
    ai_description="Text of the sender's address or name.",
)
RECIPIENT_PARAM = ParamSpec(
    RECIPIENT,
    description="Text the recipient contains: its address or display name.",
    ai_description="Text of the recipient's address or name.",
)
SUBJECT_PARAM = ParamSpec(
    SUBJECT, description="Text the subject contains.", ai_description="Text the subject contains."
)
REASON_PARAM = ParamSpec(
    REASON,
    description="Text the hold reason contains, e.g. Fraud Alert or Spam Signature (its code matches too).",
    ai_description="Text of the hold reason.",
)
RESULT_EXAMPLE = [
    {
        "id": "eNpVzskOgjAABNB_6VUOUCwFEg8qLqSKYMTlZBQqoLYspWA0_rtw9PxmMvMBgkayolkMbCCWIQsO6wdZ7S55JuX2aCZBxhY8Icgx",
        "reason": "Fraud Alert",
        "reasonId": "FRAUD_ALERT",
        "reasonCode": "fraud_alert",
        "from": {"emailAddress": "payroll@northwind-hr.example", "displayableName": "Payroll"},
        "fromHeader": {"emailAddress": "payroll@northwind-hr.example", "displayableName": "Payroll"},
        "to": {"emailAddress": "alex.rivera@example.com", "displayableName": "Alex Rivera"},
        "toHeader": {"emailAddress": "alex.rivera@example.com", "displayableName": "Alex Rivera"},
        "subject": "Action required: confirm your payroll details",
        "route": "INBOUND",
        "hasAttachments": False,
        "size": 10240,
        "dateReceived": "2025-04-16T15:32:49+0000",
        "policyInfo": "Impersonation Protection",
    }
]
SPEC = ActionSpec(
    "List Held Messages",
    description=(
        "List the messages in Mimecast's held queue (every recipient's) received within the time frame, filtered "
        "by sender, recipient, subject and hold reason, newest first. Each message's 'id' is the held-queue ID "
        "that Release Message and Reject Message take. Calls /api/gateway/get-hold-message-list as an "
        "administrator, which needs the permission 'Account | Dashboard | Read'."
    ),
    params=(
        SENDER_PARAM,
        RECIPIENT_PARAM,
        SUBJECT_PARAM,
        REASON_PARAM,
        TIME_FRAME_PARAM,
        START_TIME_PARAM,
        END_TIME_PARAM,
        MAX_MESSAGES_PARAM,
    ),
    result_example=RESULT_EXAMPLE,
    documentation_anchor="list_held_messages",
    ai=AiSpec(
        description=(
            "### General description\n"
            "Lists the messages Mimecast holds for review (its held queue), with their held-queue IDs, hold "
            "reasons, senders, recipients and subjects.\n"
            "\n"
            "### When to use it\n"
            "To find the held-queue ID Release Message or Reject Message needs, or to see what else a sender or a "
            "policy is holding.\n"
            "\n"
            "### What it changes in Mimecast\n"
            "Nothing: the list is read-only.\n"
            "\n"
            "### Parameters\n"
            "Sender, Recipient, Subject and Reason each match text the field contains (any case); every filter "
            "given must match. Time Frame as in the archive searches. Max Messages To Return caps the result "
            f"(default 50, at most {FINDER_MAX_MESSAGES}).\n"
            "\n"
            "### Flow\n"
            "1. Validates the parameters and resolves the time frame to a UTC range.\n"
            "2. Calls /api/gateway/get-hold-message-list (Mimecast applies one filter, the action the others) and "
            "follows its pages until enough messages are found.\n"
            "3. Returns the messages newest first; finding none is still a success."
        ),
        short_description="Lists held Mimecast messages with their held-queue IDs, by sender, subject or reason.",
        capabilities="Reads the held queue; writes nothing.",
        fetches_data=True,
        outcomes=("search_email",),
    ),
)


def list_held_messages(context: ActionContext) -> ActionResult:
    search = HeldSearch(
        *time_window(context),
        sender=one_line(SENDER, context.text(SENDER_PARAM)),
        recipient=one_line(RECIPIENT, context.text(RECIPIENT_PARAM)),
        subject=one_line(SUBJECT, context.text(SUBJECT_PARAM)),
        reason=one_line(REASON, context.text(REASON_PARAM)),
    )
    limit = max_messages(context)
    context.logger.info(
        f"Listing messages held from {utc_timestamp(search.start)} to {utc_timestamp(search.end)} (UTC), "
        f"at most {limit}"
    )
    found = context.manager.find_held_messages(search, limit)
    return list_result(found, HELD_FOUND_MESSAGE.format(count=len(found)), HELD_NOT_FOUND_MESSAGE, TABLE, "messages")


if __name__ == "__main__":
    run_action(SPEC, list_held_messages)
