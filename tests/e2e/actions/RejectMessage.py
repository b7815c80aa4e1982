"""Reject Message's rows of the hardening matrices."""

from action_cases import ActionCase, held_id, left_queue
from bad_input import (
    ENTITY_TEXT,
    LONG,
    NOT_HELD,
    accepted,
    fails,
    invalid,
    mandatory,
    not_characters,
    refused,
    sent_item,
)

CASE = ActionCase(
    "RejectMessage",
    "/api/gateway/hold-reject",
    "Account | Monitoring | Held | Edit",
    params=lambda sim: {"Message ID": held_id(sim), "Reason": "Against Email Policy", "Note": "Phishing"},
    success=lambda p: f'Successfully rejected message with ID "{p["Message ID"]}" in Mimecast',
    applied=left_queue("rejected"),
)
CASES = (CASE,)
REFUSED = [
    refused(CASE, "Message ID", "whitespace", "\t \n", mandatory("Message ID")),
    refused(
        CASE,
        "Reason",
        "wrong type",
        "3",
        invalid(
            "Reason",
            "3",
            "Allowed values: Select One, Inappropriate Communication, Confidential Information, Against Email Policy, "
            "Restricted Content.",
        ),
    ),
    refused(CASE, "Notify Sender", "wrong type", "yes", invalid("Notify Sender", "yes", "Use true or false.")),
    *not_characters(CASE, "Note"),
]
ACCEPTED = [
    accepted(CASE, "Note", "very long", LONG, sent_item("message", LONG)),
    accepted(CASE, "Note", "XML entities", ENTITY_TEXT, sent_item("message", ENTITY_TEXT)),
    accepted(CASE, "Reason", "empty", "", sent_item("reasonType", None)),
    accepted(CASE, "Notify Sender", "other case", "TRUE", sent_item("notify", True)),
    accepted(
        CASE,
        "Message ID",
        "very long",
        LONG,
        sent_item("ids", [LONG]),
        outcome=fails(f'Mimecast did not reject the message with ID "{"x" * 1000}…"', NOT_HELD),
    ),
]
