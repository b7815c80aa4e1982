"""Search Message Tracking's rows of the hardening matrices."""

from action_cases import ActionCase
from bad_input import LONG, UNICODE_TEXT, accepted, invalid, not_characters, refused, sent_item

NONE_FOUND = "No tracked messages were found for the provided criteria in Mimecast"
CRITERION = (
    'At least one search criterion is required: give "Sender", "Recipient", "Subject", "Internet Message ID" or '
    '"Sender IP".'
)
CASE = ActionCase(
    "SearchMessageTracking",
    "/api/message-finder/search",
    "Gateway | Tracking | Read",
    params=lambda sim: {"Subject": "no message has this subject 7f3e"},
    success=lambda p: NONE_FOUND,
)
CASES = (CASE,)
REFUSED = [
    refused(CASE, "Subject", "empty", "", CRITERION),
    refused(
        CASE,
        "Sender",
        "search operator",
        "*@bad.example",
        'Invalid value for "Sender": "*@bad.example" is not an email address or a domain. Give one email address '
        "(sender@example.com) or domain (example.com) per value, separated by commas; search operators are not "
        "allowed.",
    ),
    refused(
        CASE,
        "Sender IP",
        "wrong type",
        "203.0.113.300",
        'Invalid value for "Sender IP": "203.0.113.300" is not an IP address (e.g. 203.0.113.7 or 2001:db8::7).',
    ),
    refused(
        CASE,
        "Subject",
        "control character",
        "Invoice\ndue",
        'Invalid value for "Subject": "Invoice\\ndue" contains a control character (a line break, tab or other); '
        "remove it.",
    ),
    refused(
        CASE,
        "Route",
        "wrong type",
        "sideways",
        invalid("Route", "sideways", "Allowed values, comma-separated: Inbound, Outbound, Internal."),
    ),
    refused(
        CASE,
        "Max Messages To Return",
        "too large",
        "1001",
        'Invalid value for "Max Messages To Return": "1001". It must be at most 1000, the most this action returns; '
        "to see more, narrow the search (Time Frame and the filters).",
    ),
    *not_characters(CASE, "Subject"),
]
ACCEPTED = [
    accepted(CASE, "Subject", "unicode", UNICODE_TEXT, sent_item("advancedTrackAndTraceOptions.subject", UNICODE_TEXT)),
    accepted(CASE, "Subject", "very long", LONG, sent_item("advancedTrackAndTraceOptions.subject", LONG)),
    accepted(
        CASE,
        "Internet Message ID",
        "without brackets",
        "CAE0897Aq@mail.example.com",
        sent_item("messageId", "<CAE0897Aq@mail.example.com>"),
        Subject="",
    ),
    accepted(
        CASE, "Route", "other case and spacing", " INBOUND , internal ", sent_item("route", ["inbound", "internal"])
    ),
    accepted(
        CASE,
        "Sender IP",
        "IPv6 spelled long",
        "2001:DB8:0:0::7",
        sent_item("advancedTrackAndTraceOptions.senderIP", "2001:db8::7"),
    ),
]
