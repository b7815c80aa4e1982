"""List Block Sender Policies' rows of the hardening matrices."""

from action_cases import ActionCase
from bad_input import accepted, fails, invalid, not_characters, refused, sent_item

POSITIVE = "It must be a positive whole number."

CASE = ActionCase(
    "ListBlockSenderPolicies",
    "/api/policy/blockedsenders/get-policy",
    "Gateway | Policies | Read",
    params=lambda sim: {},
    success=lambda p: "No block sender policies were found in Mimecast",
)
CASES = (CASE,)
REFUSED = [
    refused(CASE, "Max Policies To Return", "zero", "0", invalid("Max Policies To Return", "0", POSITIVE)),
    refused(CASE, "Max Policies To Return", "text", "all", invalid("Max Policies To Return", "all", POSITIVE)),
    refused(
        CASE,
        "Max Policies To Return",
        "too many",
        "5001",
        invalid("Max Policies To Return", "5001", "It must be at most 5000."),
    ),
    *not_characters(CASE, "Policy ID"),
]
# An id is sent as given; an unknown one fails as not found.
ACCEPTED = [
    accepted(
        CASE,
        "Policy ID",
        "unicode",
        "eNq✓-Müller",
        sent_item("id", "eNq✓-Müller"),
        outcome=fails('Mimecast found no block sender policy with ID "eNq✓-Müller".'),
    ),
]
