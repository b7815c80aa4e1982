import importlib.util
from datetime import UTC, datetime
from pathlib import Path

import pytest

from MimecastExceptions import MimecastValidationError
from MimecastParameters import (
    EscapingLogger,
    TypedParameters,
    excerpt,
    is_domain,
    is_email,
    parse_checkbox,
    parse_choice,
    parse_positive_int,
    parse_time,
    printable,
    require_domain,
    require_email,
    split_csv,
)


def test_csv_splits_on_commas_and_newlines_and_drops_empties():
    assert split_csv("subject,\n status ,,\r\nid\n\n") == ["subject", "status", "id"]
    assert split_csv("") == [] and split_csv(None) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-07T16:03:00Z", datetime(2025, 3, 7, 16, 3, tzinfo=UTC)),
        ("2025-03-07T16:03:00+02:00", datetime(2025, 3, 7, 14, 3, tzinfo=UTC)),
        ("2025-03-07 16:03", datetime(2025, 3, 7, 16, 3, tzinfo=UTC)),
        ("2025-03-07", datetime(2025, 3, 7, tzinfo=UTC)),
        ("20250307T160300Z", datetime(2025, 3, 7, 16, 3, tzinfo=UTC)),
        (" 2025-03-07T16:03:00.123-05:00 ", datetime(2025, 3, 7, 21, 3, 0, 123000, tzinfo=UTC)),
        # ordinal dates (day of the year), extended and basic
        ("2025-066", datetime(2025, 3, 7, tzinfo=UTC)),
        ("2025066T1603Z", datetime(2025, 3, 7, 16, 3, tzinfo=UTC)),
        ("2025-066T16:03:00+01:00", datetime(2025, 3, 7, 15, 3, tzinfo=UTC)),
        ("2024-366", datetime(2024, 12, 31, tzinfo=UTC)),
        ("2025-001 00:00", datetime(2025, 1, 1, tzinfo=UTC)),
        # week dates
        ("2025-W10-5T16:03Z", datetime(2025, 3, 7, 16, 3, tzinfo=UTC)),
        ("2025W105", datetime(2025, 3, 7, tzinfo=UTC)),
        # lower-case designators
        ("2025-03-07t16:03:00z", datetime(2025, 3, 7, 16, 3, tzinfo=UTC)),
        ("2025-w10-5t16:03z", datetime(2025, 3, 7, 16, 3, tzinfo=UTC)),
        ("2025-066t16:03Z", datetime(2025, 3, 7, 16, 3, tzinfo=UTC)),
        # a comma before the fraction, an offset of hours only or without a colon
        ("2025-03-07T16:03:00,5+0200", datetime(2025, 3, 7, 14, 3, 0, 500000, tzinfo=UTC)),
        ("2025-03-07T16:03-02", datetime(2025, 3, 7, 18, 3, tzinfo=UTC)),
    ],
)
def test_time_accepts_iso_8601_with_or_without_offset(text, expected):
    assert parse_time("Start Time", text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "yesterday",
        "07/03/2025",
        "2025-13-01",
        "2025-03-07T25:00",
        "2025-366",  # 2025 has 365 days
        "2025-000",
        "2025-03",  # reduced precision: a month is not an instant
        "2025",
        "\uff12\uff10\uff12\uff15-066",  # full-width digits
        "2025-066x",
    ],
)
def test_invalid_time_names_parameter_and_format(text):
    with pytest.raises(MimecastValidationError) as raised:
        parse_time("Start Time", text)
    assert '"Start Time"' in str(raised.value) and "ISO 8601" in str(raised.value)


@pytest.mark.parametrize("text", ["0", "-5", "abc", "1.5", "", "99999999999"])
def test_positive_int_rejects_non_positive_or_non_integer(text):
    with pytest.raises(MimecastValidationError, match='"Max Emails To Return"'):
        parse_positive_int("Max Emails To Return", text)


def test_positive_int_accepts_whitespace_around_digits():
    assert parse_positive_int("Max", " 25 ") == 25


def test_choice_is_case_insensitive_and_lists_options_when_invalid():
    assert parse_choice("Report As", "phishing", ("Spam", "Malware", "Phishing")) == "Phishing"
    with pytest.raises(MimecastValidationError, match="Allowed values: Spam, Malware, Phishing"):
        parse_choice("Report As", "Virus", ("Spam", "Malware", "Phishing"))


def test_checkbox():
    assert parse_checkbox("X", "TRUE") is True and parse_checkbox("X", "false") is False
    with pytest.raises(MimecastValidationError, match="true or false"):
        parse_checkbox("X", "yes")


@pytest.mark.parametrize("value", ["a@example.org", "first.last+tag@sub.example.co.uk", "x@xn--bcher-kva.example"])
def test_valid_emails(value):
    assert is_email(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "a",
        "a@",
        "@example.org",
        "a@example",
        "a..b@example.org",
        "a@-example.org",
        "a b@example.org",
        "a@example.org>",
        "<a@example.org>",
        "a@exa_mple.org",
    ],
)
def test_invalid_emails(value):
    assert not is_email(value)


def test_domains():
    assert is_domain("example.org") and is_domain("mail.example.co.uk")
    assert not is_domain("example") and not is_domain("-bad.org") and not is_domain("bad..org")


# A newline or another line break before "@", inside a label or at the end, and a trailing dot: each must fail
# whole-value matching (a `$` anchor accepts a final newline).
HIDDEN_BREAKS = ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x85", "\u2028"]


@pytest.mark.parametrize("brk", HIDDEN_BREAKS, ids=repr)
@pytest.mark.parametrize(
    "template",
    ["a{}@example.org", "a@exa{}.org", "a@example{}.org", "a@example.org{}", "a@sub{}.example.org", "{}a@example.org"],
)
def test_emails_with_a_line_break_anywhere_are_refused(template, brk):
    assert not is_email(template.format(brk))


@pytest.mark.parametrize("brk", HIDDEN_BREAKS, ids=repr)
@pytest.mark.parametrize("template", ["example.org{}", "exa{}.org", "example{}.org", "{}example.org", "a.b{}.c.org"])
def test_domains_with_a_line_break_anywhere_are_refused(template, brk):
    assert not is_domain(template.format(brk))


@pytest.mark.parametrize("value", ["example.org.", "mail.example.org.", "example.org..", "."])
def test_a_trailing_dot_is_not_a_domain(value):
    assert not is_domain(value) and not is_email(f"alice@{value}")


@pytest.mark.parametrize(
    ("check", "value"),
    [
        (require_email, "alice@example.org."),
        (require_email, "alice\n@example.org"),
        (require_email, "alice@exa\n.org"),
        (require_domain, "example.org."),
        (require_domain, "exa\n.org"),
    ],
)
def test_refusals_name_the_parameter(check, value):
    with pytest.raises(MimecastValidationError) as raised:
        check("Sender", value)
    assert str(raised.value).startswith('Invalid value for "Sender": ')


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("line one\nline two", "line one\\nline two"),
        ("a\r\nb\tc", "a\\r\\nb\\tc"),
        ("\x00\x1b[2K\x7f", "\\x00\\x1b[2K\\x7f"),
        ("next line\x85", "next line\\x85"),
        ("sep\u2028par\u2029", "sep\\u2028par\\u2029"),
        ("\u202eevil\u2066x\u2069\u200f", "\\u202eevil\\u2066x\\u2069\\u200f"),
        ("lone \ud800 surrogate", "lone \\ud800 surrogate"),
        ("Müller 📎 — Счёт", "Müller 📎 — Счёт"),
    ],
)
def test_printable_escapes_every_character_that_could_break_or_hide_a_line(value, shown):
    assert printable(value) == shown
    assert excerpt(value) == shown


def test_an_excerpt_is_cut_before_it_is_escaped():
    assert excerpt("\n" * 100, limit=3) == "\\n\\n\\n…"


def test_the_escaping_logger_writes_every_line_printable():
    lines = []

    class SdkLogger:
        def info(self, msg):
            lines.append(("info", msg))

        def warn(self, msg):
            lines.append(("warn", msg))

        def error(self, msg):
            lines.append(("error", msg))

    logger = EscapingLogger(SdkLogger())
    logger.info("Note: a\nSuccessfully released")
    logger.warn("x\r")
    logger.warning("\u2028")
    logger.error("Traceback (most recent call last):\n  File ...")
    assert lines == [
        ("info", "Note: a\\nSuccessfully released"),
        ("warn", "x\\r"),
        ("warn", "\\u2028"),
        ("error", "Traceback (most recent call last):\\n  File ..."),
    ]


def script_spec(stem):
    """The SPEC an action script declares (a script imports without the SDK)."""
    path = Path(__file__).resolve().parents[2] / "ActionsScripts" / f"{stem}.py"
    spec = importlib.util.spec_from_file_location(f"spec_of_{stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SPEC


REJECT_MESSAGE = script_spec("RejectMessage")


class Params(TypedParameters):
    def __init__(self, **values):
        super().__init__(REJECT_MESSAGE)
        self.values = values

    def raw(self, name):
        return self.values.get(name)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("Phish \ud800", "U+D800"),
        ("\udfff trailing half", "U+DFFF"),
        ("high then low reversed \udc00\ud800", "U+DC00"),
        ("non\ufdd0character", "U+FDD0"),
        ("end of plane \uffff", "U+FFFF"),
        ("\ufffe", "U+FFFE"),
        ("plane 16 \U0010fffe", "U+10FFFE"),
        ("plane 1 \U0001ffff", "U+1FFFF"),
    ],
)
def test_a_text_parameter_refuses_what_is_not_a_character_naming_the_parameter(value, shown):
    with pytest.raises(MimecastValidationError) as raised:
        Params(Note=value).text("Note")
    text = str(raised.value)
    assert text.startswith('Invalid value for "Note": ') and shown in text
    assert all(not 0xD800 <= ord(c) <= 0xDFFF for c in text)


@pytest.mark.parametrize("value", ["Müller 📎 — Счёт", "tab\tand\nlines\r\n", "\ufffd replacement", "\U0001f600"])
def test_a_text_parameter_keeps_every_real_character(value):
    assert Params(Note=value).text("Note") == value.strip()


def test_positive_int_with_a_maximum_refuses_more_and_says_why():
    assert parse_positive_int("Max Emails To Return", "5000", 5000, "the most there is") == 5000
    with pytest.raises(MimecastValidationError) as raised:
        parse_positive_int("Max Emails To Return", " 5001 ", 5000, "the most there is")
    assert str(raised.value) == (
        'Invalid value for "Max Emails To Return": "5001". It must be at most 5000, the most there is.'
    )


def test_a_parameter_is_read_by_its_spec_object_as_by_its_name():
    reason, notify = REJECT_MESSAGE.param("Reason"), REJECT_MESSAGE.param("Notify Sender")
    params = Params(**{"Message ID": " abc ", "Reason": "against email POLICY", "Notify Sender": "TRUE"})

    assert params.text(REJECT_MESSAGE.param("Message ID")) == params.text("Message ID") == "abc"
    assert params.choice(reason) == params.choice("Reason") == "Against Email Policy"
    assert params.checkbox(notify) is params.checkbox("Notify Sender") is True
    assert Params().choice(reason) == "Select One"
    with pytest.raises(MimecastValidationError) as raised:
        Params().text(REJECT_MESSAGE.param("Message ID"))
    assert str(raised.value) == 'Parameter "Message ID" is mandatory and was not provided.'


def test_a_spec_object_the_spec_does_not_declare_is_refused():
    note = REJECT_MESSAGE.param("Note")

    with pytest.raises(KeyError, match='"Note" is not the parameter the spec declares'):
        Params(Note="x").text(note._replace(default="something else"))
    with pytest.raises(KeyError, match='has no parameter "Comment"'):
        Params(Comment="x").text(note._replace(name="Comment"))
