"""Delete Block Sender Policy's rows of the hardening matrices."""

from action_cases import ActionCase
from bad_input import accepted, fails, mandatory, not_characters, refused, sent_item

DESCRIPTION = "Created by a playbook, to be undone"
POLICY = {
    "option": "block_sender",
    "policy": {
        "description": DESCRIPTION,
        "fromPart": "both",
        "from": {"type": "everyone"},
        "to": {"type": "everyone"},
    },
}


def created_policy(sim) -> dict[str, str]:
    return {"Policy ID": sim.state.blocked_sender_policies.create(POLICY).id}


def deleted(sim) -> int:
    """How many policies were deleted (only the case's write deletes one)."""
    policies = sim.state.blocked_sender_policies
    return policies.created - len(policies.all())


CASE = ActionCase(
    "DeleteBlockSenderPolicy",
    "/api/policy/blockedsenders/delete-policy",
    "Gateway | Policies | Edit",
    params=created_policy,
    success=lambda p: f'Successfully deleted the block sender policy with ID "{p["Policy ID"]}" in Mimecast',
    applied=deleted,
)
CASES = (CASE,)
REFUSED = [
    refused(CASE, "Policy ID", "whitespace", " \t ", mandatory("Policy ID")),
    *not_characters(CASE, "Policy ID"),
]
# An id is sent as given; an unknown one fails as not found, and nothing is deleted.
ACCEPTED = [
    accepted(
        CASE,
        "Policy ID",
        "unicode",
        "eNq✓-Müller",
        sent_item("id", "eNq✓-Müller"),
        outcome=fails('Mimecast found no block sender policy with ID "eNq✓-Müller"', "nothing was deleted"),
    ),
]
