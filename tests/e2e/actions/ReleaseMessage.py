"""Release Message's rows of the hardening matrices: a plain release, and one to the sandbox (API 1.0 only)."""

from action_cases import ActionCase, held_id, left_queue
from bad_input import NOT_HELD, accepted, fails, invalid, mandatory, not_characters, refused, sent_item


def released(p: dict[str, str]) -> str:
    return f'Successfully released message with ID "{p["Message ID"]}" in Mimecast'


CASE = ActionCase(
    "ReleaseMessage",
    "/api/gateway/hold-release",
    "Account | Monitoring | Held | Edit",
    params=lambda sim: {"Message ID": held_id(sim)},
    success=released,
    applied=left_queue("released", sandbox=False),
)
TO_SANDBOX = ActionCase(
    "ReleaseToSandbox",
    "/api/message-finder/release-held-email-to-sandbox",
    "Account | Monitoring | Held | Edit",
    params=lambda sim: {"Message ID": held_id(sim), "Release To Sandbox": "true"},
    success=released,
    applied=left_queue("released", sandbox=True),
    api="api1",
)
CASES = (CASE, TO_SANDBOX)
REFUSED = [
    refused(CASE, "Message ID", "empty", "", mandatory("Message ID")),
    refused(CASE, "Release To Sandbox", "wrong type", "1", invalid("Release To Sandbox", "1", "Use true or false.")),
    *not_characters(CASE, "Message ID"),
]
ACCEPTED = [
    accepted(
        CASE,
        "Message ID",
        "unicode",
        "eNq✓-Müller",
        sent_item("id", "eNq✓-Müller"),
        outcome=fails('Mimecast did not release the message with ID "eNq✓-Müller"', NOT_HELD),
    ),
]
