"""Create Block Sender Policy's rows of the hardening matrices."""

from action_cases import ISSUE_POLICY_PARAMS, ActionCase
from bad_input import (
    ENTITY_TEXT,
    LONG,
    LONG_EMAIL,
    UNICODE_TEXT,
    accepted,
    dot_hint,
    invalid,
    mandatory,
    not_a_valid,
    not_characters,
    one_line,
    refused,
    sent_item,
)

CASE = ActionCase(
    "CreateBlockSenderPolicy",
    "/api/policy/blockedsenders/create-policy",
    "Gateway | Policies | Edit",
    params=lambda sim: dict(ISSUE_POLICY_PARAMS),
    success=lambda p: "Successfully created a block sender policy in Mimecast",
    applied=lambda sim: len(sim.state.blocked_sender_policies.all()),
)
CASES = (CASE,)
REFUSED = [
    # A line break inside an address or domain, and a trailing dot, are refused wherever one is taken.
    *(
        refused(
            CASE,
            parameter,
            f"{kind} {what}",
            value,
            not_a_valid(parameter, one_line(value), what) + dot_hint(value),
            **{f"{parameter} Type": address_type},
        )
        for parameter in ("Sender", "Recipient")
        for what, address_type, values in (
            ("email address", "Email Address", ("x\n@example.org", "x@example.org.")),
            ("domain", "Email Domain", ("example\n.org", "example.org.")),
        )
        for kind, value in zip(("newline", "trailing dot"), values, strict=True)
    ),
    *not_characters(CASE, "Description"),
    *not_characters(CASE, "Sender", **{"Sender Type": "Header Display Name"}),
    refused(CASE, "Description", "whitespace", "   ", mandatory("Description")),
    refused(
        CASE,
        "Sender",
        "unicode domain",
        "exämple.org",
        not_a_valid("Sender", "exämple.org", "domain"),
        **{"Sender Type": "Email Domain"},
    ),
    refused(
        CASE,
        "Sender",
        "whitespace",
        "  ",
        "Sender is required when Sender Type is Email Domain, Email Address, or Header Display Name.",
        **{"Sender Type": "Email Domain"},
    ),
    refused(
        CASE,
        "Recipient",
        "very long email",
        LONG_EMAIL,
        not_a_valid("Recipient", "a" * 80 + "…", "email address"),
        **{"Recipient Type": "Email Address"},
    ),
    refused(
        CASE,
        "Recipient",
        "single-label domain",
        "bob@localhost",
        not_a_valid("Recipient", "bob@localhost", "email address"),
        **{"Recipient Type": "Email Address"},
    ),
    refused(
        CASE,
        "Recipient Type",
        "invalid option",
        "Nobody",
        invalid(
            "Recipient Type",
            "Nobody",
            "Allowed values: Everyone, Email Address, Email Domain, Header Display Name, Internal Addresses, "
            "External Addresses.",
        ),
    ),
    refused(
        CASE,
        "Extracted Data",
        "invalid option",
        "Body",
        invalid("Extracted Data", "Body", "Allowed values: Both, From Envelope, From Headers."),
    ),
    refused(CASE, "Bidirectional", "wrong type", "yes", invalid("Bidirectional", "yes", "Use true or false.")),
    refused(CASE, "Enforced", "wrong type", "2", invalid("Enforced", "2", "Use true or false.")),
    refused(
        CASE,
        "End Time",
        "time out of range",
        "0001-01-01T00:00:00+01:00",
        'Invalid value for "End Time": "0001-01-01T00:00:00+01:00" is outside the years 1 to 9999 once converted to '
        "UTC.",
    ),
]
ACCEPTED = [
    accepted(CASE, "Description", "very long", LONG, sent_item("policy.description", LONG)),
    accepted(
        CASE,
        "Sender",
        "unicode display name",
        UNICODE_TEXT,
        sent_item("policy.from", {"type": "header_display_name", "headerDisplayName": UNICODE_TEXT}),
        **{"Sender Type": "Header Display Name"},
    ),
    accepted(CASE, "Comment", "XML entities", ENTITY_TEXT, sent_item("policy.comment", ENTITY_TEXT)),
    accepted(CASE, "Start Time", "whitespace", " \t ", sent_item("policy.fromEternal", True)),
]
