"""Report Message's rows of the hardening matrices (the function exists only in API 1.0)."""

from action_cases import ActionCase
from bad_input import UNICODE_TEXT, accepted, invalid, mandatory, refused, sent_item

CASE = ActionCase(
    "ReportMessage",
    "/api/message-finder/report-message",
    "Archive | View Logs | Read",
    params=lambda sim: {"Message ID": sim.state.held.held()[0].tracking_id, "Report As": "Phishing"},
    success=lambda p: f'Successfully reported the following messages with ID "{p["Message ID"]}" in Mimecast',
    applied=lambda sim: len(sim.state.messages.reports),
    api="api1",
)
CASES = (CASE,)
REFUSED = [
    refused(CASE, "Message ID", "whitespace", "  ", mandatory("Message ID")),
    refused(
        CASE,
        "Report As",
        "two options",
        "Spam, Phishing",
        invalid("Report As", "Spam, Phishing", "Allowed values: Spam, Malware, Phishing."),
    ),
]
ACCEPTED = [
    accepted(CASE, "Comment", "unicode", UNICODE_TEXT, sent_item("comment", UNICODE_TEXT)),
    accepted(CASE, "Report As", "other case", "MALWARE", sent_item("type", "malware")),
]
