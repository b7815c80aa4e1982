"""Permit Sender's rows of the hardening matrices."""

from action_cases import ActionCase, mailbox
from bad_input import broken_addresses, mandatory, not_a_valid, refused

CASE = ActionCase(
    "PermitSender",
    "/api/managedsender/permit-or-block-sender",
    "Gateway | Managed Senders | Edit",
    params=lambda sim: {"Sender": "partner@example.org", "Recipient": mailbox(sim)},
    success=lambda p: f"Successfully permitted sender {p['Sender']} for recipient {p['Recipient']} in Mimecast",
    applied=lambda sim: len(sim.state.managed_senders.entries()),
)
CASES = (CASE,)
REFUSED = [
    refused(CASE, "Sender", "empty", "", mandatory("Sender")),
    refused(CASE, "Recipient", "domain only", "example.com", not_a_valid("Recipient", "example.com", "email address")),
    refused(
        CASE,
        "Recipient",
        "unicode",
        "алиса@пример.рф",
        not_a_valid("Recipient", "алиса@пример.рф", "email address"),
    ),
    *broken_addresses(CASE, "Sender"),
    *broken_addresses(CASE, "Recipient"),
]
ACCEPTED = []
