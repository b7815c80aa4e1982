"""List Held Messages' rows of the hardening matrices."""

from action_cases import ActionCase
from bad_input import LONG, UNICODE_TEXT, accepted, invalid, not_characters, refused, sent_item

NONE_FOUND = "No held messages were found for the provided criteria in Mimecast"
CASE = ActionCase(
    "ListHeldMessages",
    "/api/gateway/get-hold-message-list",
    "Account | Dashboard | Read",
    params=lambda sim: {"Subject": "no message has this subject 7f3e"},
    success=lambda p: NONE_FOUND,
)
CASES = (CASE,)
REFUSED = [
    refused(
        CASE,
        "Reason",
        "control character",
        "Fraud\x1bAlert",
        'Invalid value for "Reason": "Fraud\\x1bAlert" contains a control character (a line break, tab or other); '
        "remove it.",
    ),
    refused(
        CASE,
        "Time Frame",
        "wrong type",
        "7",
        invalid(
            "Time Frame", "7", "Allowed values: Last Hour, Last 6 Hours, Last 24 Hours, Last Week, Last Month, Custom."
        ),
    ),
    refused(
        CASE,
        "Max Messages To Return",
        "wrong type",
        "12.5",
        invalid("Max Messages To Return", "12.5", "It must be a positive whole number."),
    ),
    *not_characters(CASE, "Sender"),
    *not_characters(CASE, "Subject"),
]
ACCEPTED = [
    accepted(CASE, "Subject", "unicode", UNICODE_TEXT, sent_item("searchBy.value", UNICODE_TEXT)),
    accepted(CASE, "Sender", "very long", LONG, sent_item("searchBy", {"fieldName": "sender", "value": LONG})),
]
