from MimecastActionRunner import ActionContext, ActionResult, run_action
from MimecastConstants import DETAILS_FOUND_MESSAGE, DETAILS_NOT_FOUND_MESSAGE, TRACKING_ID
from MimecastExceptions import MimecastApiError
from MimecastSpecs import OBJECT_RESULT, ActionSpec, AiSpec, ParamSpec, WidgetSpec

DELIVERY_TABLE = "Delivery"
ATTACHMENTS_TABLE = "Attachments"
TRACKING_ID_PARAM = ParamSpec(
    TRACKING_ID,
    mandatory=True,
    description=(
        "The message's tracking ID: the 'id' of a Search Message Tracking result, or the tracking_id of the "
        "Message Tracking connector's events."
    ),
    ai_description="Tracking ID of the message.",
)
RESULT_EXAMPLE = {
    "recipientInfo": {
        "messageInfo": {
            "fromHeader": "payroll@northwind-hr.example",
            "fromEnvelope": "bounce-7731@mailer.northwind-hr.example",
            "to": ["alex.rivera@example.com", "robin.novak@example.com"],
            "cc": [],
            "subject": "Action required: confirm your payroll details",
            "sent": "2025-04-16T15:32:49+0000",
            "processed": "2025-04-16T15:32:51+0000",
            "attachments": [],
        },
        "txInfo": {"queueDetailStatus": "Message Hold Applied - Content examination policy"},
    },
    "queueInfo": {
        "id": "us-smtp-inbound-Aqtq2HaSRyLNGTn1",
        "reason": "Fraud Alert",
    },
    "retentionInfo": {},
    "status": "held",
    "spamInfo": {
        "spamScore": 20,
        "detectionLevel": "relaxed",
        "spamProcessingDetail": {
            "rbl": {"allow": True, "info": ""},
            "greyEmail": False,
            "spf": {"allow": True, "info": "allow"},
            "dkim": {"allow": True, "info": "unknown"},
            "dmarc": {"allow": True, "info": "allow"},
            "permittedSender": {"allow": True, "info": "none"},
            "managedSender": {"allow": True, "info": "unknown"},
            "verdict": {
                "categories": [
                    {
                        "name": "spam",
                        "risk": "high",
                        "subcategories": [
                            {"augmentations": [], "name": "technology_feed", "risk": "high"},
                            {
                                "augmentations": [{"name": "body", "risk": "negligible"}],
                                "name": "content",
                                "risk": "negligible",
                            },
                        ],
                    },
                    {"name": "graymail", "risk": "negligible", "subcategories": []},
                ],
                "decision": "spam",
                "description": "",
                "risk": "high",
            },
        },
    },
    "id": "eNpNj9tugkAQht9l7yXuLgTEpBcoWompRsA0EBPCYQKbuqB7oNWm715om7Y3k0nm-2b-eUcSSi2AVWi",
    "heldMessages": [
        {
            "recipient": "alex.rivera@example.com",
            "id": "eNpVzskOgjAABNB_6VUOUCwFEg8qLqSKYMTlZBQqoLYspWA0_rtw9PxmMvMBgkayolkMbCCWIQsO6wdZ",
        },
        {
            "recipient": "robin.novak@example.com",
            "id": "eNpVzrEOgjAABNB_6aoDtNaCiQMKGkKCGBXiZKKtAtIKpQXE-O_i6PzucvcBLbtoyQoKHEDxK8XpO5L3",
        },
    ],
}
SPEC = ActionSpec(
    "Get Message Details",
    description=(
        "Get one tracked message's details from Mimecast: its delivery to each recipient, the spam verdict and "
        "risk, its attachments with their SHA-256 hashes, and for a held message the held-queue ID of each "
        "recipient's copy (what Release Message and Reject Message take). Calls "
        "/api/message-finder/get-message-info (permission 'Gateway | Tracking | Read') and, for a held message, "
        "/api/gateway/get-hold-message-list (permission 'Account | Dashboard | Read'). JSON result: Mimecast's "
        "details item; a held message adds heldMessages, a list of {recipient, id}."
    ),
    params=(TRACKING_ID_PARAM,),
    result_example=RESULT_EXAMPLE,
    documentation_anchor="get_message_details",
    ai=AiSpec(
        description=(
            "### General description\n"
            "Reads the details Mimecast keeps about one tracked message: sender, recipients, subject, delivery per "
            "recipient, spam verdict and risk, attachments with hashes, queue reason, and the held-queue IDs of a "
            "held message.\n"
            "\n"
            "### When to use it\n"
            "After Search Message Tracking or a Message Tracking connector alert, to judge one message (its risk "
            "and verdict, its attachment hashes for threat intelligence) and, for a held one, to get the "
            "held-queue ID Release Message or Reject Message takes.\n"
            "\n"
            "### What it changes in Mimecast\n"
            "Nothing: it only reads.\n"
            "\n"
            "### Parameters\n"
            "Tracking ID (required): the message's tracking ID, not its Internet Message-ID.\n"
            "\n"
            "### Flow\n"
            "1. Calls /api/message-finder/get-message-info.\n"
            "2. For a held message, reads the held queue around its time and matches each recipient's entry.\n"
            "3. Returns the details; an unknown tracking ID completes with a not-found message."
        ),
        short_description="Gets one tracked Mimecast message's delivery, risk, attachments and held-queue IDs.",
        capabilities="Reads a message's tracking details and the held queue; writes nothing.",
        fetches_data=True,
        enrichment=True,
        outcomes=("search_email",),
    ),
    widget=WidgetSpec(
        (
            "Shows the tracked message a Get Message Details step looked up: sender, recipients, subject, risk, "
            "queue reason and status, and for a held message the held-queue ID to copy into Release Message or "
            "Reject Message."
        ),
        OBJECT_RESULT,
    ),
)


def get_message_details(context: ActionContext) -> ActionResult:
    tracking_id = context.text(TRACKING_ID_PARAM) or ""
    try:
        details = context.manager.get_message_details(tracking_id)
    except MimecastApiError as exc:
        # Mimecast names no code for an unknown id; every *_not_found code is read as one.
        if not exc.codes or not all(code.endswith("not_found") for code in exc.codes):
            raise
        return ActionResult(DETAILS_NOT_FOUND_MESSAGE.format(tracking_id=tracking_id), result_value=False)
    message = DETAILS_FOUND_MESSAGE.format(tracking_id=tracking_id)
    if details.held:
        message += ". Held-queue ID(s): " + ", ".join(f"{held_id} ({to})" for to, held_id in details.held)
    elif details.held_note:
        message += f". The message is held, but no held-queue ID was found: {details.held_note}"
    return ActionResult(
        message,
        details.to_json(),
        ((DELIVERY_TABLE, details.to_table()), (ATTACHMENTS_TABLE, details.attachment_rows())),
    )


if __name__ == "__main__":
    run_action(SPEC, get_message_details)
