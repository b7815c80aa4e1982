"""Permit URL's rows of the hardening matrices."""

from action_cases import ActionCase
from bad_input import UNICODE_TEXT, accepted, invalid, mandatory, refused, sent_item

CASE = ActionCase(
    "PermitURL",
    "/api/ttp/url/create-managed-url",
    "Services | Targeted Threat Protection - URL Protect | Edit",
    params=lambda sim: {"URL": "https://partner.example/invoice", "Disable Rewrite": "true"},
    success=lambda p: f'Successfully permitted the URL "{p["URL"]}" in Mimecast',
    applied=lambda sim: sum(entry.action == "permit" for entry in sim.state.managed_urls.all()),
)
CASES = (CASE,)
REFUSED = [
    refused(CASE, "URL", "empty", "", mandatory("URL")),
    refused(CASE, "Disable Rewrite", "wrong type", "2", invalid("Disable Rewrite", "2", "Use true or false.")),
    refused(
        CASE,
        "Disable User Awareness",
        "wrong type",
        "on",
        invalid("Disable User Awareness", "on", "Use true or false."),
    ),
]
ACCEPTED = [
    accepted(CASE, "Comment", "unicode", UNICODE_TEXT, sent_item("comment", UNICODE_TEXT)),
    accepted(CASE, "Disable User Awareness", "case", "TRUE", sent_item("disableUserAwareness", True)),
]
