"""Bad input for every parameter of every action, end to end.

Invalid input fails with the documented message and nothing reaches Mimecast; unusual but valid input
(unicode, very long, XML-looking text, odd case and spacing) is sent exactly as given. Cells other files
already prove are not repeated here: the invalid-input tests of test_e2e_triage.py and
test_e2e_archive_search.py (empty mandatory values, invalid options, emails, domains and times, end before
start, unsafe or malformed Advanced queries) and the query-structure test of test_e2e_archive_search.py.
"""

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from action_cases import ADVANCED_QUERY, CASES, ActionCase, assert_failed, assert_no_traceback
from suite_helpers import simulator_instance
from test_e2e_archive_search import DEFAULT_FIELDS

from simulator.server import Simulator

pytestmark = pytest.mark.e2e

CASE = {case.id: case for case in CASES}
LONG = "x" * 100_000
LONG_EMAIL = "a" * 100_000 + "@example.org"
ENTITY_TEXT = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><x>&xxe;</x>'
UNICODE_TEXT = "Счёт-фактура №7 — Müller 📎"
TIME_HELP = (
    "Use ISO 8601, e.g. 2025-03-07T16:03:00Z, 2025-03-07T16:03:00+02:00 or 2025-03-07 16:03 (UTC when no offset "
    "is given)."
)
FULLWIDTH_DATE = "\uff12\uff10\uff12\uff15-03-02"
CUSTOM = {"Time Frame": "Custom", "Start Time": "2025-03-01T00:00:00Z"}
# A failure that quotes a pasted value stays readable on the case wall.
SHOWN_MESSAGE_LIMIT = 2000


def invalid(name: str, value: str, rule: str) -> str:
    return f'Invalid value for "{name}": "{value}". {rule}'


def mandatory(name: str) -> str:
    return f'Parameter "{name}" is mandatory and was not provided.'


def not_a_valid(name: str, value: str, kind: str) -> str:
    return f'Invalid value for "{name}": "{value}" is not a valid {kind}.'


def one_line(value: str) -> str:
    """A value as messages show it: line breaks escaped."""
    return value.replace("\r", "\\r").replace("\n", "\\n")


def not_a_character(name: str, value: str, code: str) -> str:
    shown = "".join(f"\\u{ord(c):04x}" if 0xD800 <= ord(c) <= 0xDFFF else c for c in value)
    return (
        f'Invalid value for "{name}": "{shown}" contains {code}, which is not a Unicode character (a lone surrogate '
        "or a noncharacter). Remove it."
    )


def dot_hint(value: str) -> str:
    return " Remove the trailing dot." if value.endswith(".") else ""


def control_character(name: str) -> str:
    return f'"{name}" contains a control character that an XML query cannot carry; remove it.'


def refused(case_id: str, parameter: str, kind: str, value: str, reason: str, **others: str) -> Any:
    """A cell whose input is refused with `reason` (a prefix when it ends with "…") before any request."""
    return pytest.param(CASE[case_id], {**others, parameter: value}, reason, id=f"{case_id}-{parameter}-{kind}")


REFUSED = [
    refused(
        "SimpleArchiveSearch",
        "Start Time",
        "time out of range",
        "9999-12-31T23:59:59-23:59",
        'Invalid value for "Start Time": "9999-12-31T23:59:59-23:59" is outside the years 1 to 9999 once converted '
        "to UTC.",
        **{"Time Frame": "Custom"},
    ),
    refused(
        "SimpleArchiveSearch",
        "End Time",
        "unicode digits",
        FULLWIDTH_DATE,
        invalid("End Time", FULLWIDTH_DATE, TIME_HELP),
        **CUSTOM,
    ),
    refused(
        "SimpleArchiveSearch",
        "Start Time",
        "very long",
        "2" * 100_000,
        invalid("Start Time", "2" * 80 + "…", TIME_HELP),
        **{"Time Frame": "Custom"},
    ),
    refused(
        "SimpleArchiveSearch",
        "Max Emails To Return",
        "wrong type",
        "12.5",
        invalid("Max Emails To Return", "12.5", "It must be a positive whole number."),
    ),
    refused(
        "SimpleArchiveSearch",
        "Max Emails To Return",
        "very long",
        "9" * 100_000,
        invalid("Max Emails To Return", "9" * 80 + "…", "It must be a positive whole number."),
    ),
    refused(
        "SimpleArchiveSearch",
        "Time Frame",
        "wrong type",
        "7",
        invalid(
            "Time Frame", "7", "Allowed values: Last Hour, Last 6 Hours, Last 24 Hours, Last Week, Last Month, Custom."
        ),
    ),
    refused(
        "SimpleArchiveSearch",
        "Fields To Return",
        "control character",
        "id,\x07subject",
        control_character("Fields To Return"),
    ),
    refused(
        "SimpleArchiveSearch",
        "Mailboxes",
        "control character",
        "ceo@corp.example\x1b",
        control_character("Mailboxes"),
    ),
    refused("SimpleArchiveSearch", "To", "control character", "ceo@corp.example\x00", control_character("To")),
    refused(
        "SimpleArchiveSearch",
        "From",
        "unicode",
        "jöhn@exämple.org",
        'Invalid value for "From": "jöhn@exämple.org" is not an email address or a domain. Give one email address '
        "(sender@example.com) or domain (example.com) per value, separated by commas; search operators are not "
        "allowed.",
    ),
    refused("AdvancedArchiveSearch", "XML Query", "empty", "", mandatory("XML Query")),
    refused("AdvancedArchiveSearch", "XML Query", "whitespace", " \n\t ", mandatory("XML Query")),
    refused(
        "AdvancedArchiveSearch",
        "XML Query",
        "wrong type",
        '{"query": "subject:invoice"}',
        '"XML Query" was refused and nothing was sent to Mimecast: it is not well-formed XML: not well-formed '
        '(invalid token) at line 1, column 1 near "{"query": "subject:i".',
    ),
    refused(
        "AdvancedArchiveSearch",
        "XML Query",
        "XInclude",
        '<xmlquery xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd"/></xmlquery>',
        '"XML Query" was refused and nothing was sent to Mimecast: it uses the XInclude namespace '
        '"http://www.w3.org/2001/XInclude", which pulls in external content. External references are not allowed.',
    ),
    refused(
        "AdvancedArchiveSearch",
        "XML Query",
        "XInclude 2003",
        '<xmlquery xmlns:xi="http://www.w3.org/2003/XInclude"><muse><text><xi:include href="file:///etc/passwd" '
        'parse="text"/></text></muse></xmlquery>',
        '"XML Query" was refused and nothing was sent to Mimecast: it uses the XInclude namespace '
        '"http://www.w3.org/2003/XInclude", which pulls in external content. External references are not allowed.',
    ),
    refused(
        "AdvancedArchiveSearch",
        "XML Query",
        "xml:base",
        '<xmlquery xml:base="file:///etc/"><muse><text>subject:a</text></muse></xmlquery>',
        '"XML Query" was refused and nothing was sent to Mimecast: it uses the attribute xml:base. A Mimecast archive '
        "query uses no xml: attributes (xml:base changes where references are resolved); remove it.",
    ),
    refused(
        "AdvancedArchiveSearch",
        "XML Query",
        "billion laughs",
        '<!DOCTYPE q [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><xmlquery><muse><text>&b;</text>'
        "</muse></xmlquery>",
        '"XML Query" was refused and nothing was sent to Mimecast: it declares the entity "a". Entities are not '
        "allowed; write the value itself.",
    ),
    refused(
        "AdvancedArchiveSearch",
        "XML Query",
        "unicode root",
        "<запрос/>",
        '"XML Query" was refused and nothing was sent to Mimecast: its root element is <запрос>; a Mimecast archive '
        "query is an <xmlquery> document.",
    ),
    refused("RejectMessage", "Message ID", "whitespace", "\t \n", mandatory("Message ID")),
    refused(
        "RejectMessage",
        "Reason",
        "wrong type",
        "3",
        invalid(
            "Reason",
            "3",
            "Allowed values: Select One, Inappropriate Communication, Confidential Information, Against Email Policy, "
            "Restricted Content.",
        ),
    ),
    refused(
        "RejectMessage", "Notify Sender", "wrong type", "yes", invalid("Notify Sender", "yes", "Use true or false.")
    ),
    refused("ReleaseMessage", "Message ID", "empty", "", mandatory("Message ID")),
    refused(
        "ReleaseMessage",
        "Release To Sandbox",
        "wrong type",
        "1",
        invalid("Release To Sandbox", "1", "Use true or false."),
    ),
    refused("ReportMessage", "Message ID", "whitespace", "  ", mandatory("Message ID")),
    refused(
        "ReportMessage",
        "Report As",
        "two options",
        "Spam, Phishing",
        invalid("Report As", "Spam, Phishing", "Allowed values: Spam, Malware, Phishing."),
    ),
    refused(
        "BlockSender",
        "Sender",
        "unicode",
        "jöhn@exämple.org",
        not_a_valid("Sender", "jöhn@exämple.org", "email address"),
    ),
    refused("BlockSender", "Sender", "very long", LONG_EMAIL, not_a_valid("Sender", "a" * 80 + "…", "email address")),
    refused(
        "BlockSender",
        "Sender",
        "two addresses",
        "a@example.org, b@example.org",
        not_a_valid("Sender", "a@example.org, b@example.org", "email address"),
    ),
    refused("BlockSender", "Recipient", "whitespace", " \r\n ", mandatory("Recipient")),
    refused("PermitSender", "Sender", "empty", "", mandatory("Sender")),
    refused(
        "PermitSender",
        "Recipient",
        "domain only",
        "example.com",
        not_a_valid("Recipient", "example.com", "email address"),
    ),
    refused(
        "PermitSender",
        "Recipient",
        "unicode",
        "алиса@пример.рф",
        not_a_valid("Recipient", "алиса@пример.рф", "email address"),
    ),
    # A line break inside an address or domain, and a trailing dot, are refused wherever one is taken.
    *(
        refused(
            case_id, parameter, kind, value, not_a_valid(parameter, one_line(value), "email address") + dot_hint(value)
        )
        for case_id in ("BlockSender", "PermitSender")
        for parameter in ("Sender", "Recipient")
        for kind, value in (
            ("newline before @", "attacker\n@example.org"),
            ("newline in a label", "attacker@example\n.org"),
            ("trailing dot", "attacker@example.org."),
        )
    ),
    *(
        refused(
            "CreateBlockSenderPolicy",
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
    # What is not a character at all (a lone surrogate, a noncharacter) is refused in every text parameter.
    *(
        refused(case_id, parameter, kind, value, not_a_character(parameter, value, code), **others)
        for case_id, parameter, others in (
            ("SimpleArchiveSearch", "Subject", {}),
            ("SimpleArchiveSearch", "From", {}),
            ("SimpleArchiveSearch", "Fields To Return", {}),
            ("AdvancedArchiveSearch", "XML Query", {}),
            ("RejectMessage", "Note", {}),
            ("ReleaseMessage", "Message ID", {}),
            ("CreateBlockSenderPolicy", "Description", {}),
            ("CreateBlockSenderPolicy", "Sender", {"Sender Type": "Header Display Name"}),
        )
        for kind, value, code in (
            ("lone surrogate", "Invoice \ud800 due", "U+D800"),
            ("noncharacter", "Invoice \ufdd0", "U+FDD0"),
            ("last code point", "\U0010ffff", "U+10FFFF"),
        )
    ),
    refused("CreateBlockSenderPolicy", "Description", "whitespace", "   ", mandatory("Description")),
    refused(
        "CreateBlockSenderPolicy",
        "Sender",
        "unicode domain",
        "exämple.org",
        not_a_valid("Sender", "exämple.org", "domain"),
        **{"Sender Type": "Email Domain"},
    ),
    refused(
        "CreateBlockSenderPolicy",
        "Sender",
        "whitespace",
        "  ",
        "Sender is required when Sender Type is Email Domain, Email Address, or Header Display Name.",
        **{"Sender Type": "Email Domain"},
    ),
    refused(
        "CreateBlockSenderPolicy",
        "Recipient",
        "very long email",
        LONG_EMAIL,
        not_a_valid("Recipient", "a" * 80 + "…", "email address"),
        **{"Recipient Type": "Email Address"},
    ),
    refused(
        "CreateBlockSenderPolicy",
        "Recipient",
        "single-label domain",
        "bob@localhost",
        not_a_valid("Recipient", "bob@localhost", "email address"),
        **{"Recipient Type": "Email Address"},
    ),
    refused(
        "CreateBlockSenderPolicy",
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
        "CreateBlockSenderPolicy",
        "Extracted Data",
        "invalid option",
        "Body",
        invalid("Extracted Data", "Body", "Allowed values: Both, From Envelope, From Headers."),
    ),
    refused(
        "CreateBlockSenderPolicy",
        "Bidirectional",
        "wrong type",
        "yes",
        invalid("Bidirectional", "yes", "Use true or false."),
    ),
    refused("CreateBlockSenderPolicy", "Enforced", "wrong type", "2", invalid("Enforced", "2", "Use true or false.")),
    refused(
        "CreateBlockSenderPolicy",
        "End Time",
        "time out of range",
        "0001-01-01T00:00:00+01:00",
        'Invalid value for "End Time": "0001-01-01T00:00:00+01:00" is outside the years 1 to 9999 once converted to '
        "UTC.",
    ),
]


@pytest.fixture(scope="module")
def shared_sim() -> Iterator[Simulator]:
    with Simulator(port=0, feature_options={"archive": {"size": 200}}) as sim:
        yield sim


@pytest.fixture
def sim(shared_sim: Simulator) -> Simulator:
    shared_sim.state.reset()
    return shared_sim


def run_with(action_runner: Any, case: ActionCase, sim: Simulator, overrides: dict[str, str]) -> Any:
    params = {**case.params(sim), **overrides}
    return action_runner(case.action, params, instance=simulator_instance(sim.url, case.api))


@pytest.mark.parametrize(("case", "overrides", "reason"), REFUSED)
def test_invalid_input_fails_with_its_message_and_nothing_is_sent(action_runner, sim, case, overrides, reason):
    run = run_with(action_runner, case, sim, overrides)

    assert_failed(run, case)
    assert run.message == case.failure_prefix() + reason
    assert sim.state.log.entries() == []


# Unusual but valid input: what Mimecast received.


def archive_query(**expected: Any) -> Callable[[Simulator, ActionCase], None]:
    """The archive search Mimecast parsed has these parts (text terms, mailboxes, return fields, page size)."""

    def check(sim: Simulator, case: ActionCase) -> None:
        [query] = sim.state.archive.queries
        assert {key: query[key] for key in expected} == expected

    return check


def archive_window(days: range) -> Callable[[Simulator, ActionCase], None]:
    """The archive search covered a window of that many whole days."""

    def check(sim: Simulator, case: ActionCase) -> None:
        [query] = sim.state.archive.queries
        start, end = (datetime.fromisoformat(query["date"][end]) for end in ("from", "to"))
        assert (end - start).days in days

    return check


def terms(field: str, *values: str) -> list[list[dict[str, str]]]:
    return [[{"field": field, "value": value} for value in values]]


def sent_item(path: str, expected: Any) -> Callable[[Simulator, ActionCase], None]:
    """The request item Mimecast received has `expected` at `path` ("policy.description"; absent is None)."""

    def check(sim: Simulator, case: ActionCase) -> None:
        [entry] = sim.state.log.entries(path=case.path)
        value: Any = entry["body"]["data"][0]
        for key in path.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        assert value == expected

    return check


def accepted(case_id: str, parameter: str, kind: str, value: str, sent: Callable, outcome: str = "", **others: str):
    """A cell whose input is sent as given; `outcome` is the failure Mimecast's answer leads to, if any."""
    return pytest.param(CASE[case_id], {**others, parameter: value}, sent, outcome, id=f"{case_id}-{parameter}-{kind}")


NOT_HELD = "it is not held (it was already released or rejected) or no held message has this ID"
ACCEPTED = [
    accepted(
        "SimpleArchiveSearch", "Subject", "unicode", UNICODE_TEXT, archive_query(text=terms("subject", UNICODE_TEXT))
    ),
    accepted("SimpleArchiveSearch", "Subject", "very long", LONG, archive_query(text=terms("subject", LONG))),
    accepted(
        "SimpleArchiveSearch", "Subject", "XML entities", ENTITY_TEXT, archive_query(text=terms("subject", ENTITY_TEXT))
    ),
    accepted(
        "SimpleArchiveSearch",
        "From",
        "domain and spacing",
        " @Example.ORG , xn--exmple-cua.org\n",
        archive_query(text=terms("from", "@Example.ORG", "xn--exmple-cua.org")),
    ),
    accepted(
        "SimpleArchiveSearch",
        "Mailboxes",
        "very long",
        ",".join(f"user{n}@corp.example" for n in range(5000)),
        archive_query(mailboxes=[f"user{n}@corp.example" for n in range(5000)]),
    ),
    accepted("SimpleArchiveSearch", "Fields To Return", "empty", "", archive_query(return_fields=DEFAULT_FIELDS)),
    accepted(
        "SimpleArchiveSearch",
        "Fields To Return",
        "unicode",
        "id, sübject",
        archive_query(return_fields=["id", "sübject"]),
    ),
    accepted("SimpleArchiveSearch", "Max Emails To Return", "whitespace", "  7 \n", archive_query(page_size=7)),
    accepted("SimpleArchiveSearch", "Time Frame", "other case", "last MONTH", archive_window(days=range(28, 32))),
    accepted(
        "AdvancedArchiveSearch",
        "XML Query",
        "very long",
        ADVANCED_QUERY.replace("<muse>", f"<muse><text>subject:{LONG}</text>"),
        sent_item("query", ADVANCED_QUERY.replace("<muse>", f"<muse><text>subject:{LONG}</text>")),
    ),
    accepted(
        "AdvancedArchiveSearch",
        "XML Query",
        "unicode",
        ADVANCED_QUERY.replace("<muse>", f"<muse><text>subject:{UNICODE_TEXT}</text>"),
        archive_query(text=terms("subject", UNICODE_TEXT)),
    ),
    accepted("RejectMessage", "Note", "very long", LONG, sent_item("message", LONG)),
    accepted("RejectMessage", "Note", "XML entities", ENTITY_TEXT, sent_item("message", ENTITY_TEXT)),
    accepted("RejectMessage", "Reason", "empty", "", sent_item("reasonType", None)),
    accepted("RejectMessage", "Notify Sender", "other case", "TRUE", sent_item("notify", True)),
    accepted(
        "RejectMessage",
        "Message ID",
        "very long",
        LONG,
        sent_item("ids", [LONG]),
        outcome=f'Mimecast did not reject the message with ID "{"x" * 1000}…"',
    ),
    accepted(
        "ReleaseMessage",
        "Message ID",
        "unicode",
        "eNq✓-Müller",
        sent_item("id", "eNq✓-Müller"),
        outcome='Mimecast did not release the message with ID "eNq✓-Müller"',
    ),
    accepted("ReportMessage", "Comment", "unicode", UNICODE_TEXT, sent_item("comment", UNICODE_TEXT)),
    accepted("ReportMessage", "Report As", "other case", "MALWARE", sent_item("type", "malware")),
    accepted(
        "BlockSender",
        "Sender",
        "spacing and case",
        "  Attacker@Example.ORG \n",
        sent_item("sender", "Attacker@Example.ORG"),
    ),
    accepted("CreateBlockSenderPolicy", "Description", "very long", LONG, sent_item("policy.description", LONG)),
    accepted(
        "CreateBlockSenderPolicy",
        "Sender",
        "unicode display name",
        UNICODE_TEXT,
        sent_item("policy.from", {"type": "header_display_name", "headerDisplayName": UNICODE_TEXT}),
        **{"Sender Type": "Header Display Name"},
    ),
    accepted(
        "CreateBlockSenderPolicy", "Comment", "XML entities", ENTITY_TEXT, sent_item("policy.comment", ENTITY_TEXT)
    ),
    accepted("CreateBlockSenderPolicy", "Start Time", "whitespace", " \t ", sent_item("policy.fromEternal", True)),
]


@pytest.mark.parametrize(("case", "overrides", "sent", "outcome"), ACCEPTED)
def test_unusual_but_valid_input_is_sent_as_given(action_runner, sim, case, overrides, sent, outcome):
    run = run_with(action_runner, case, sim, overrides)

    if outcome:
        assert_failed(run, case, outcome, NOT_HELD)
        assert len(run.message) < SHOWN_MESSAGE_LIMIT
    else:
        assert run.completed and run.result_value is True, run.message
        assert_no_traceback(run)
    sent(sim, case)
    assert len(run.debug_output) < len(LONG), "a pasted value is logged in full"


def test_the_connectors_domains_refuse_a_trailing_dot_like_the_actions(shared_sim, connector_runner, store):
    """The connector's Domains use the same domain check (MimecastParameters.require_domain)."""
    from tracking_scenario import FAILED_RUN, TrackingScenario, assert_run_failed

    shared_sim.state.reset()
    scenario = TrackingScenario(shared_sim, connector_runner, store)
    scenario.message()

    run = scenario.run(Domains="corp.example, branch.example.")

    assert_run_failed(run, scenario, None)
    assert run.stderr.strip().splitlines()[-1] == FAILED_RUN + not_a_valid("Domains", "branch.example.", "domain") + (
        " Remove the trailing dot."
    )
    assert scenario.requests() == []


@pytest.mark.parametrize("value", ["yes", "off"])
@pytest.mark.parametrize("case", [CASE["Ping"], CASE["ReleaseMessage"]], ids=lambda case: case.id)
def test_an_unreadable_verify_ssl_in_the_instance_is_refused_like_the_connectors(action_runner, sim, case, value):
    """One rule for Verify SSL, actions and connector alike: true or false; anything else is refused by name,
    never guessed (an instance meant to turn verification off must not silently keep it, nor the reverse)."""
    params = case.params(sim)
    run = action_runner(case.action, params, instance=simulator_instance(sim.url, case.api, **{"Verify SSL": value}))

    assert_failed(run, case)
    assert run.message == case.failure_prefix() + invalid("Verify SSL", value, "Use true or false.")
    assert sim.state.log.entries() == []
