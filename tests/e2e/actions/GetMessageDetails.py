"""Get Message Details' rows of the hardening matrices."""

from action_cases import ActionCase
from bad_input import accepted, completes_unsuccessfully, mandatory, not_characters, refused, sent_item


def delivered_id(sim) -> str:
    now = sim.state.clock.now()
    return next(m.id for m in sim.state.tracking.all() if m.visible_at <= now and m.status == "archived")


CASE = ActionCase(
    "GetMessageDetails",
    "/api/message-finder/get-message-info",
    "Gateway | Tracking | Read",
    params=lambda sim: {"Tracking ID": delivered_id(sim)},
    success=lambda p: (
        f'Successfully retrieved the details of the message with tracking ID "{p["Tracking ID"]}" from Mimecast'
    ),
)
CASES = (CASE,)
REFUSED = [
    refused(CASE, "Tracking ID", "empty", "", mandatory("Tracking ID")),
    *not_characters(CASE, "Tracking ID"),
]
ACCEPTED = [
    # An unknown id completes, not found (is_success false): nothing to retry, nothing to fix in the instance.
    accepted(
        CASE,
        "Tracking ID",
        "unicode",
        "eNq✓-Müller",
        sent_item("id", "eNq✓-Müller"),
        outcome=completes_unsuccessfully('No message with tracking ID "eNq✓-Müller" was found in Mimecast'),
    ),
]
