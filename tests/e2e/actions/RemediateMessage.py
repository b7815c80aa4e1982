"""Remediate Message's rows of the hardening matrices."""

from datetime import timedelta

from action_cases import ActionCase
from bad_input import LONG, UNICODE_TEXT, accepted, invalid, mandatory, not_characters, refused, sent_item

MESSAGE_ID = "phish-7@mail.spoof.example"
ID_RULE = "Give the Internet Message-ID of the message (the Message-ID header), e.g. <abc123@example.com>."


def delivered_phish(sim) -> dict[str, str]:
    """A delivered phish in two mailboxes; the case remediates it by its Internet Message-ID."""
    domain = sim.state.tracking.domains[0]
    sim.state.tracking.add(
        sender="ceo@spoof.example",
        recipients=[f"ann@{domain}", f"bob@{domain}"],
        status="archived",
        message_id=MESSAGE_ID,
        received=sim.state.clock.now() - timedelta(hours=2),
    )
    return {"Internet Message ID": MESSAGE_ID, "Reason": "Phish reported by a user"}


def created(p: dict[str, str]) -> str:
    # The code is the simulator's first one; the counts are those of an incident just created (2 s steps).
    return (
        'Successfully created remediation incident "TR-0001-00001-A" in Mimecast: 2 message(s) identified, 0 '
        "removed and 0 failed so far. Mimecast is still working on 2: follow them with Get Remediation Incident"
    )


CASE = ActionCase(
    "RemediateMessage",
    "/api/ttp/remediation/create",
    "Services | Threat Remediation | Edit",
    params=delivered_phish,
    success=created,
    applied=lambda sim: len(sim.state.remediation.all()),
)
CASES = (CASE,)
REFUSED = [
    refused(CASE, "Reason", "whitespace", " \n ", mandatory("Reason")),
    refused(CASE, "Internet Message ID", "inner space", "<a b@x>", invalid("Internet Message ID", "<a b@x>", ID_RULE)),
    refused(CASE, "Internet Message ID", "only brackets", "<>", invalid("Internet Message ID", "<>", ID_RULE)),
    refused(
        CASE,
        "File Hash",
        "with a Message-ID too",
        "z" * 64,
        'Give only one of "Internet Message ID", "File Hash" or "URL": "Internet Message ID" and "File Hash" were '
        "given. One incident searches by one of them.",
    ),
    refused(
        CASE,
        "File Hash",
        "not hex",
        "z" * 64,
        invalid("File Hash", "z" * 64, "Give the MD5, SHA-1 or SHA-256 of the file, in hexadecimal."),
        **{"Internet Message ID": ""},
    ),
    refused(
        CASE,
        "Internet Message ID",
        "empty with nothing else",
        "",
        'Give one of "Internet Message ID", "File Hash" or "URL": none was given.',
    ),
    refused(
        CASE,
        "End Time",
        "before start",
        "2020-01-01T00:00:00Z",
        '"End Time" should be later than "Start Time".',
        **{"Start Time": "2021-01-01T00:00:00Z"},
    ),
    *not_characters(CASE, "Reason"),
]
ACCEPTED = [
    accepted(
        CASE, "Internet Message ID", "brackets added", MESSAGE_ID, sent_item("hashOrMessageId", f"<{MESSAGE_ID}>")
    ),
    accepted(CASE, "Reason", "unicode", UNICODE_TEXT, sent_item("reason", UNICODE_TEXT)),
    accepted(CASE, "Reason", "very long", LONG, sent_item("reason", LONG)),
]
