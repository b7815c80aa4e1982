"""Simple Archive Search's rows of the hardening matrices."""

from action_cases import ARCHIVE_FOUND, DEFAULT_FIELDS, ActionCase
from bad_input import (
    ENTITY_TEXT,
    FULLWIDTH_DATE,
    LONG,
    TIME_HELP,
    UNICODE_TEXT,
    accepted,
    archive_query,
    archive_window,
    control_character,
    invalid,
    not_characters,
    refused,
    terms,
)

CUSTOM = {"Time Frame": "Custom", "Start Time": "2025-03-01T00:00:00Z"}
CASE = ActionCase(
    "SimpleArchiveSearch",
    "/api/archive/search",
    "Archive | Search Logs | Read",
    params=lambda sim: {"Time Frame": "Last Month", "Max Emails To Return": "5"},
    success=lambda p: ARCHIVE_FOUND,
)
CASES = (CASE,)
REFUSED = [
    refused(
        CASE,
        "Start Time",
        "time out of range",
        "9999-12-31T23:59:59-23:59",
        'Invalid value for "Start Time": "9999-12-31T23:59:59-23:59" is outside the years 1 to 9999 once converted '
        "to UTC.",
        **{"Time Frame": "Custom"},
    ),
    refused(
        CASE,
        "End Time",
        "unicode digits",
        FULLWIDTH_DATE,
        invalid("End Time", FULLWIDTH_DATE, TIME_HELP),
        **CUSTOM,
    ),
    refused(
        CASE,
        "Start Time",
        "very long",
        "2" * 100_000,
        invalid("Start Time", "2" * 80 + "…", TIME_HELP),
        **{"Time Frame": "Custom"},
    ),
    refused(
        CASE,
        "Max Emails To Return",
        "wrong type",
        "12.5",
        invalid("Max Emails To Return", "12.5", "It must be a positive whole number."),
    ),
    refused(
        CASE,
        "Max Emails To Return",
        "very long",
        "9" * 100_000,
        invalid("Max Emails To Return", "9" * 80 + "…", "It must be a positive whole number."),
    ),
    refused(
        CASE,
        "Time Frame",
        "wrong type",
        "7",
        invalid(
            "Time Frame", "7", "Allowed values: Last Hour, Last 6 Hours, Last 24 Hours, Last Week, Last Month, Custom."
        ),
    ),
    refused(
        CASE,
        "Fields To Return",
        "control character",
        "id,\x07subject",
        control_character("Fields To Return"),
    ),
    refused(
        CASE,
        "Mailboxes",
        "control character",
        "ceo@corp.example\x1b",
        control_character("Mailboxes"),
    ),
    refused(CASE, "To", "control character", "ceo@corp.example\x00", control_character("To")),
    refused(
        CASE,
        "From",
        "unicode",
        "jöhn@exämple.org",
        'Invalid value for "From": "jöhn@exämple.org" is not an email address or a domain. Give one email address '
        "(sender@example.com) or domain (example.com) per value, separated by commas; search operators are not "
        "allowed.",
    ),
    *not_characters(CASE, "Subject"),
    *not_characters(CASE, "From"),
    *not_characters(CASE, "Fields To Return"),
]
ACCEPTED = [
    accepted(CASE, "Subject", "unicode", UNICODE_TEXT, archive_query(text=terms("subject", UNICODE_TEXT))),
    accepted(CASE, "Subject", "very long", LONG, archive_query(text=terms("subject", LONG))),
    accepted(CASE, "Subject", "XML entities", ENTITY_TEXT, archive_query(text=terms("subject", ENTITY_TEXT))),
    accepted(
        CASE,
        "From",
        "domain and spacing",
        " @Example.ORG , xn--exmple-cua.org\n",
        archive_query(text=terms("from", "@Example.ORG", "xn--exmple-cua.org")),
    ),
    accepted(
        CASE,
        "Mailboxes",
        "very long",
        ",".join(f"user{n}@corp.example" for n in range(5000)),
        archive_query(mailboxes=[f"user{n}@corp.example" for n in range(5000)]),
    ),
    accepted(CASE, "Fields To Return", "empty", "", archive_query(return_fields=DEFAULT_FIELDS)),
    accepted(CASE, "Fields To Return", "unicode", "id, sübject", archive_query(return_fields=["id", "sübject"])),
    accepted(CASE, "Max Emails To Return", "whitespace", "  7 \n", archive_query(page_size=7)),
    accepted(CASE, "Time Frame", "other case", "last MONTH", archive_window(days=range(28, 32))),
]
