"""The cells of the bad-input matrix and how they are written; each action's cells are in its test data.

A refused cell's input fails with the documented message and nothing reaches Mimecast; an accepted cell's
unusual but valid input (unicode, very long, XML-looking text, odd case and spacing) is sent exactly as given,
and `sent` checks what Mimecast received.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

import pytest
from action_cases import ActionCase

from simulator.server import Simulator

LONG = "x" * 100_000
LONG_EMAIL = "a" * 100_000 + "@example.org"
ENTITY_TEXT = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><x>&xxe;</x>'
UNICODE_TEXT = "Счёт-фактура №7 — Müller 📎"
TIME_HELP = (
    "Use ISO 8601, e.g. 2025-03-07T16:03:00Z, 2025-03-07T16:03:00+02:00 or 2025-03-07 16:03 (UTC when no offset "
    "is given)."
)
FULLWIDTH_DATE = "\uff12\uff10\uff12\uff15-03-02"
NOT_HELD = "it is not held (it was already released or rejected) or no held message has this ID"


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


def refused(case: ActionCase, parameter: str, kind: str, value: str, reason: str, **others: str) -> Any:
    """A cell whose input is refused with `reason` (a prefix when it ends with "…") before any request."""
    return pytest.param(case, {**others, parameter: value}, reason, id=f"{case.id}-{parameter}-{kind}")


class Outcome(NamedTuple):
    """What Mimecast's answer to an accepted cell's input leads to: the run fails, or completes with `result_value`;
    each of `fragments` is in its message."""

    fragments: tuple[str, ...] = ()
    failed: bool = False
    result_value: bool = True


COMPLETES = Outcome()


def fails(*fragments: str) -> Outcome:
    """The run fails (state Failed, is_success false), its message holding each fragment."""
    return Outcome(fragments, failed=True)


def completes_unsuccessfully(*fragments: str) -> Outcome:
    """The run completes with is_success false (e.g. nothing found), its message holding each fragment."""
    return Outcome(fragments, result_value=False)


def accepted(
    case: ActionCase,
    parameter: str,
    kind: str,
    value: str,
    sent: Callable,
    outcome: Outcome = COMPLETES,
    **others: str,
) -> Any:
    """A cell whose input is sent as given; `outcome` is what Mimecast's answer leads to (by default success)."""
    return pytest.param(case, {**others, parameter: value}, sent, outcome, id=f"{case.id}-{parameter}-{kind}")


def not_characters(case: ActionCase, parameter: str, **others: str) -> list[Any]:
    """What is not a character at all (a lone surrogate, a noncharacter) is refused in every text parameter."""
    return [
        refused(case, parameter, kind, value, not_a_character(parameter, value, code), **others)
        for kind, value, code in (
            ("lone surrogate", "Invoice \ud800 due", "U+D800"),
            ("noncharacter", "Invoice \ufdd0", "U+FDD0"),
            ("last code point", "\U0010ffff", "U+10FFFF"),
        )
    ]


def broken_addresses(case: ActionCase, parameter: str) -> list[Any]:
    """A line break inside an address or domain, and a trailing dot, are refused wherever one is taken."""
    return [
        refused(
            case, parameter, kind, value, not_a_valid(parameter, one_line(value), "email address") + dot_hint(value)
        )
        for kind, value in (
            ("newline before @", "attacker\n@example.org"),
            ("newline in a label", "attacker@example\n.org"),
            ("trailing dot", "attacker@example.org."),
        )
    ]


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
