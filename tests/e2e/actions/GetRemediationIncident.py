"""Get Remediation Incident's rows of the hardening matrices."""

from action_cases import ActionCase
from bad_input import accepted, fails, mandatory, not_characters, refused, sent_item


def incident(sim) -> dict[str, str]:
    created = sim.state.remediation.create(
        {"reason": "Phish", "searchBy": "hash", "hashOrMessageId": "a" * 64}, sim.state.clock.now()
    )
    return {"Incident ID": created.id}


CASE = ActionCase(
    "GetRemediationIncident",
    "/api/ttp/remediation/get-incident",
    "Services | Threat Remediation | Read",
    params=incident,
    success=lambda p: (
        'Remediation incident "TR-0001-00001-A" in Mimecast: 0 message(s) identified, 0 removed, 0 failed, 0 '
        "restored; every identified message is handled"
    ),
)
CASES = (CASE,)
REFUSED = [
    refused(CASE, "Incident ID", "empty", "", mandatory("Incident ID")),
    *not_characters(CASE, "Incident ID"),
]
# An id is sent as given; an unknown one fails as not found.
ACCEPTED = [
    accepted(
        CASE,
        "Incident ID",
        "unicode",
        "TR-✓-Müller",
        sent_item("id", "TR-✓-Müller"),
        outcome=fails('Mimecast found no remediation incident with ID "TR-✓-Müller"'),
    ),
]
