"""Block Sender's rows of the hardening matrices."""

from action_cases import ActionCase, mailbox
from bad_input import LONG_EMAIL, accepted, broken_addresses, mandatory, not_a_valid, refused, sent_item

CASE = ActionCase(
    "BlockSender",
    "/api/managedsender/permit-or-block-sender",
    "Gateway | Managed Senders | Edit",
    params=lambda sim: {"Sender": "attacker@example.org", "Recipient": mailbox(sim)},
    success=lambda p: f"Successfully blocked sender {p['Sender']} for recipient {p['Recipient']} in Mimecast",
    applied=lambda sim: len(sim.state.managed_senders.entries()),
)
CASES = (CASE,)
REFUSED = [
    refused(CASE, "Sender", "unicode", "jöhn@exämple.org", not_a_valid("Sender", "jöhn@exämple.org", "email address")),
    refused(CASE, "Sender", "very long", LONG_EMAIL, not_a_valid("Sender", "a" * 80 + "…", "email address")),
    refused(
        CASE,
        "Sender",
        "two addresses",
        "a@example.org, b@example.org",
        not_a_valid("Sender", "a@example.org, b@example.org", "email address"),
    ),
    refused(CASE, "Recipient", "whitespace", " \r\n ", mandatory("Recipient")),
    *broken_addresses(CASE, "Sender"),
    *broken_addresses(CASE, "Recipient"),
]
ACCEPTED = [
    accepted(
        CASE,
        "Sender",
        "spacing and case",
        "  Attacker@Example.ORG \n",
        sent_item("sender", "Attacker@Example.ORG"),
    ),
]
