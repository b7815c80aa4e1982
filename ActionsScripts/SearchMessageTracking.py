from collections import Counter

from MimecastActionRunner import ActionContext, ActionResult, run_action
from MimecastArchiveQuery import END_TIME_PARAM, START_TIME_PARAM
from MimecastConstants import (
    FINDER_MAX_MESSAGES,
    INTERNET_MESSAGE_ID,
    RECIPIENT,
    ROUTE,
    SENDER,
    SENDER_IP,
    SUBJECT,
    TRACKING_FOUND_MESSAGE,
    TRACKING_NOT_FOUND_MESSAGE,
)
from MimecastDataModels import utc_timestamp
from MimecastExceptions import MimecastValidationError
from MimecastFinderOperations import TrackingSearch
from MimecastFinderParams import (
    MAX_MESSAGES_PARAM,
    TIME_FRAME_PARAM,
    choices,
    internet_message_id,
    ip_address,
    max_messages,
    one_line,
    time_window,
)
from MimecastParameters import require_address_or_domain
from MimecastSpecs import ActionSpec, AiSpec, ParamSpec

ROUTES = ("Inbound", "Outbound", "Internal")
TABLE = "Tracked Messages"

SENDER_PARAM = ParamSpec(
    SENDER,
    description="The sender: one email address or domain (envelope or header sender).",
    ai_description="Sender address or domain.",
)
RECIPIENT_PARAM = ParamSpec(
    RECIPIENT,
    description="A recipient: one email address or domain.",
    ai_description="Recipient address or domain.",
)
SUBJECT_PARAM = ParamSpec(
    SUBJECT, description="Text the subject contains.", ai_description="Text the subject contains."
)
MESSAGE_ID_PARAM = ParamSpec(
    INTERNET_MESSAGE_ID,
    description=(
        "The Internet Message-ID (the Message-ID header), with or without its angle brackets. It cannot be combined "
        "with Sender, Recipient, Subject or Sender IP."
    ),
    ai_description="Internet Message-ID header value.",
)
SENDER_IP_PARAM = ParamSpec(
    SENDER_IP, description="The IP address the message came from (IPv4 or IPv6).", ai_description="Source IP address."
)
ROUTE_PARAM = ParamSpec(
    ROUTE,
    description="Comma-separated routes to include: Inbound, Outbound, Internal. Empty: every route.",
    ai_description="Inbound, Outbound and/or Internal.",
    value_format="CSV",
)
CRITERIA = (SENDER, RECIPIENT, SUBJECT, INTERNET_MESSAGE_ID, SENDER_IP)
CRITERION_REQUIRED = (
    'At least one search criterion is required: give "Sender", "Recipient", "Subject", "Internet Message ID" or '
    '"Sender IP".'
)
RESULT_EXAMPLE = [
    {
        "id": "eNpNj9tugkAQht9lryXuLgTEpBcoWompRsA0EBPCYQKbuqB7oNWm715om7Y3k0nm",
        "status": "held",
        "info": "Message Hold Applied - Content examination policy",
        "fromEnv": {"emailAddress": "payroll@northwind-hr.example"},
        "fromHdr": {"displayableName": "Payroll", "emailAddress": "payroll@northwind-hr.example"},
        "to": [{"displayableName": "Alex Rivera", "emailAddress": "alex.rivera@example.com"}],
        "received": "2025-04-16T15:32:49+0000",
        "sent": "2025-04-16T15:32:49+0000",
        "subject": "Action required: confirm your payroll details",
        "senderIP": "203.0.113.7",
        "attachments": False,
        "route": "inbound",
        "spamScore": 20,
        "detectionLevel": "relaxed",
    },
    {
        "id": "eNpNj9tugkAQht9lryXuLgTEpBcoWompRsA0EBPCYQKbuqB7oNWm715om7Y3k0nq",
        "status": "archived",
        "info": "Indexed and archived",
        "fromEnv": {"emailAddress": "payroll@northwind-hr.example"},
        "fromHdr": {"displayableName": "Payroll", "emailAddress": "payroll@northwind-hr.example"},
        "to": [{"displayableName": "Robin Novak", "emailAddress": "robin.novak@example.com"}],
        "received": "2025-04-16T15:31:02+0000",
        "sent": "2025-04-16T15:31:02+0000",
        "subject": "Action required: confirm your payroll details",
        "senderIP": "203.0.113.7",
        "attachments": False,
        "route": "inbound",
        "spamScore": 2,
        "detectionLevel": "relaxed",
    },
]
SPEC = ActionSpec(
    "Search Message Tracking",
    description=(
        "Find every message Mimecast's message tracking knows that matches a sender, recipient, subject, "
        "Internet Message-ID or sender IP (at least one of them), on the chosen routes, received within the time "
        "frame (Mimecast tracks about 30 days). Returns the messages newest first with their tracking IDs (for Get "
        "Message Details), status, route and info, and counts them per status in the output message. Calls "
        "/api/message-finder/search, which needs the permission 'Gateway | Tracking | Read'."
    ),
    params=(
        SENDER_PARAM,
        RECIPIENT_PARAM,
        SUBJECT_PARAM,
        MESSAGE_ID_PARAM,
        SENDER_IP_PARAM,
        ROUTE_PARAM,
        TIME_FRAME_PARAM,
        START_TIME_PARAM,
        END_TIME_PARAM,
        MAX_MESSAGES_PARAM,
    ),
    result_example=RESULT_EXAMPLE,
    documentation_anchor="search_message_tracking",
    ai=AiSpec(
        description=(
            "### General description\n"
            "Searches Mimecast's message tracking for messages by sender, recipient, subject, Internet Message-ID "
            "or sender IP, and returns each one's tracking ID, status (delivered, held, rejected, archived, ...), "
            "route and info.\n"
            "\n"
            "### When to use it\n"
            "When a phish was delivered: to find every copy of it (same sender, subject or Message-ID) before "
            "remediating, or to see what happened to a reported message. The tracking IDs are the input of Get "
            "Message Details.\n"
            "\n"
            "### What it changes in Mimecast\n"
            "Nothing: the search is read-only.\n"
            "\n"
            "### Parameters\n"
            "At least one of Sender, Recipient, Subject, Internet Message ID and Sender IP; Internet Message ID is "
            "used alone. Sender and Recipient are one address or domain each. Route narrows to Inbound, Outbound "
            "or Internal. Time Frame as in the archive searches (at most about 30 days back). Max Messages To "
            f"Return caps the result (default 50, at most {FINDER_MAX_MESSAGES}).\n"
            "\n"
            "### Flow\n"
            "1. Validates the parameters and resolves the time frame to a UTC range.\n"
            "2. Calls /api/message-finder/search, following Mimecast's pages when it gives any.\n"
            "3. Returns the messages newest first; finding none is still a success."
        ),
        short_description="Finds tracked Mimecast messages by sender, recipient, subject, Message-ID or IP; read-only.",
        capabilities="Reads message tracking records that match the criteria; writes nothing.",
        fetches_data=True,
        outcomes=("search_email",),
    ),
)


def search_message_tracking(context: ActionContext) -> ActionResult:
    sender, recipient = context.text(SENDER_PARAM), context.text(RECIPIENT_PARAM)
    search = TrackingSearch(
        *time_window(context, tracking=True),
        sender=require_address_or_domain(SENDER, sender) if sender else None,
        recipient=require_address_or_domain(RECIPIENT, recipient) if recipient else None,
        subject=one_line(SUBJECT, context.text(SUBJECT_PARAM)),
        internet_message_id=internet_message_id(INTERNET_MESSAGE_ID, context.text(MESSAGE_ID_PARAM)),
        sender_ip=ip_address(SENDER_IP, context.text(SENDER_IP_PARAM)),
        routes=choices(ROUTE, context.csv(ROUTE_PARAM), ROUTES),
    )
    values = (search.sender, search.recipient, search.subject, search.internet_message_id, search.sender_ip)
    given = [name for name, value in zip(CRITERIA, values, strict=True) if value]
    if not given:
        raise MimecastValidationError(CRITERION_REQUIRED)
    if search.internet_message_id and len(given) > 1:
        others = ", ".join(f'"{name}"' for name in given if name != INTERNET_MESSAGE_ID)
        raise MimecastValidationError(
            f'"{INTERNET_MESSAGE_ID}" is searched alone: Mimecast takes a Message-ID or the other criteria, not both. '
            f"Clear {others}, or clear the Message-ID."
        )
    limit = max_messages(context)
    context.logger.info(
        f"Searching messages received from {utc_timestamp(search.start)} to {utc_timestamp(search.end)} (UTC), "
        f"at most {limit}"
    )
    found = context.manager.search_message_tracking(search, limit)
    if not found:
        return ActionResult(TRACKING_NOT_FOUND_MESSAGE, [], items="messages")
    counts = Counter(email.status or "unknown" for email in found)
    statuses = ", ".join(f"{count} {status}" for status, count in counts.most_common())
    return ActionResult(
        TRACKING_FOUND_MESSAGE.format(count=len(found), statuses=statuses),
        [email.to_json() for email in found],
        ((TABLE, [email.to_table() for email in found]),),
        items="messages",
    )


if __name__ == "__main__":
    run_action(SPEC, search_message_tracking)
