"""Fuzzing of parameter parsing and query building: any input is accepted or refused with a readable message.

Refusals are MimecastValidationErrors (never another exception, which the action runner would report as
an unexpected error), name the parameter and stay short whatever was pasted.
"""

import csv
import json
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from test_archive_search import XML_TEXT

from MimecastArchiveQuery import SimpleArchiveQuery, checked_advanced_query
from MimecastDataModels import table_lines
from MimecastExceptions import MimecastValidationError
from MimecastManager import utc_timestamp
from MimecastParameters import (
    parse_checkbox,
    parse_choice,
    parse_positive_int,
    parse_time,
    require_domain,
    require_email,
    split_csv,
)

OPTIONS = ("Select One", "Inappropriate Communication", "Against Email Policy")
PARSERS = {
    "time": parse_time,
    "positive integer": parse_positive_int,
    "option": lambda name, value: parse_choice(name, value, OPTIONS),
    "checkbox": parse_checkbox,
    "email": require_email,
    "domain": require_domain,
}
# Offsets Python accepts (strictly within a day), so both ends of the calendar are reachable.
OFFSETS = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(lambda minutes: timezone(timedelta(minutes=minutes)))
AWARE = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59), timezones=OFFSETS)
ISO_TEXT = st.builds(lambda moment, sep: moment.isoformat(sep=sep), AWARE, st.sampled_from(["T", " "]))
XML_PIECES = st.sampled_from(
    [
        "<xmlquery>",
        "</xmlquery>",
        "<muse>",
        "</muse>",
        "<text>",
        "</text>",
        "subject:a",
        "&",
        "&amp;",
        "&#0;",
        "&#x41;",
        "&e;",
        "<!DOCTYPE xmlquery>",
        "<!DOCTYPE x [",
        '<!ENTITY e "v">',
        '<!ENTITY e SYSTEM "file:///etc/passwd">',
        "]>",
        "<![CDATA[",
        "]]>",
        '<?xml version="1.0"?>',
        '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="x"/>',
        "<",
        '"',
        " ",
        "\n",
    ]
)
XML_LIKE = st.lists(st.one_of(XML_PIECES, st.text(max_size=3)), max_size=12).map("".join)


@pytest.mark.parametrize("parser", PARSERS.values(), ids=PARSERS)
@given(value=st.one_of(st.text(), ISO_TEXT))
@example(value="9999-12-31T23:59:59-23:59")
@example(value="0001-01-01T00:00:00+01:00")
@example(value="9" * 100_000)
def test_every_parser_accepts_or_refuses_naming_the_parameter_briefly(parser, value):
    try:
        parser("Some Parameter", value)
    except MimecastValidationError as exc:
        assert str(exc).startswith('Invalid value for "Some Parameter": ')
        assert len(str(exc)) < 300


@given(moment=AWARE, sep=st.sampled_from(["T", " "]))
def test_any_iso_8601_time_is_the_same_instant_in_utc_or_refused_as_out_of_range(moment, sep):
    try:
        parsed = parse_time("Start Time", moment.isoformat(sep=sep))
    except MimecastValidationError as exc:
        assert "is outside the years 1 to 9999 once converted to UTC" in str(exc)
        return
    assert parsed.tzinfo is UTC and parsed == moment


@given(moment=AWARE, form=st.sampled_from(["ordinal", "ordinal basic", "week", "lower case"]))
def test_ordinal_week_and_lower_case_forms_are_the_same_instant(moment, form):
    year, week, weekday = moment.isocalendar()
    time = moment.isoformat().partition("T")[2]
    text = {
        "ordinal": f"{moment.year:04d}-{moment.timetuple().tm_yday:03d}T{time}",
        "ordinal basic": f"{moment.year:04d}{moment.timetuple().tm_yday:03d}T{time}",
        "week": f"{year:04d}-W{week:02d}-{weekday}T{time}",
        "lower case": moment.isoformat().replace("T", "t").replace("+00:00", "z"),
    }[form]
    try:
        parsed = parse_time("Start Time", text)
    except MimecastValidationError as exc:
        assert "is outside the years 1 to 9999 once converted to UTC" in str(exc) or year != moment.year
        return
    assert parsed == moment


@given(moment=AWARE)
def test_mimecast_timestamps_always_have_four_digit_years_and_keep_the_instant(moment):
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        return  # parse_time refuses these before any timestamp is written
    text = utc_timestamp(moment)

    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000", text)
    assert datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z") == utc.replace(microsecond=0)


@given(
    number=st.integers(1, 999_999_999), before=st.sampled_from(["", " ", "\n", "+"]), after=st.sampled_from(["", " \n"])
)
def test_positive_integers_are_read_whatever_the_spacing(number, before, after):
    assert parse_positive_int("Max Emails To Return", f"{before}{number}{after}") == number


@given(option=st.sampled_from(OPTIONS), flips=st.lists(st.booleans(), min_size=30, max_size=30), pad=st.text(" \t"))
def test_options_are_matched_whatever_the_case_and_spacing(option, flips, pad):
    typed = "".join(c.swapcase() if flip else c for c, flip in zip(option, flips, strict=False))

    assert parse_choice("Reason", pad + typed + pad, OPTIONS) == option


@given(value=st.text())
def test_csv_items_are_trimmed_non_empty_and_keep_every_other_character(value):
    items = split_csv(value)

    assert all(item and item == item.strip() and not re.search(r"[,\r\n]", item) for item in items)
    assert re.sub(r"[\s,]", "", "".join(items)) == re.sub(r"[\s,]", "", value)


@given(value=st.text())
@example(value=" alice@example.com ")
@example(value="alice\n@example.com")
@example(value="alice@example\n.com")
@example(value="alice@example.com.")
def test_an_accepted_email_is_trimmed_ascii_without_spaces(value):
    try:
        email = require_email("Sender", value)
    except MimecastValidationError:
        return
    assert email == value.strip() and email.isascii() and not re.search(r"\s", email) and email.count("@") == 1
    assert not email.endswith(".")


@given(value=st.text())
@example(value="example.com\n")
@example(value="exa\n.example.com")
@example(value="example.com.")
def test_an_accepted_domain_is_ascii_labels_without_spaces_or_a_trailing_dot(value):
    try:
        domain = require_domain("Domains", value)
    except MimecastValidationError:
        return
    assert domain == value.strip() and re.fullmatch(r"([A-Za-z0-9-]+\.)+[A-Za-z0-9-]+", domain)


@given(query=st.one_of(XML_LIKE, st.text()))
@example(query='<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xmlquery>&e;</xmlquery>')
@example(query='<?xml version="1.0" encoding="utf-16"?><xmlquery/>')
def test_advanced_queries_pass_unchanged_or_are_refused_with_the_reason(query):
    try:
        assert checked_advanced_query(query) == query
    except MimecastValidationError as exc:
        assert str(exc).startswith('"XML Query" was refused and nothing was sent to Mimecast: ')
        assert len(str(exc)) < 400


LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
DOMAINS = st.builds(
    lambda labels, tld: ".".join([*labels, tld]),
    st.lists(LABEL, min_size=1, max_size=3),
    st.sampled_from(["org", "example", "xn--p1ai"]),
)
ADDRESSES = st.one_of(
    DOMAINS,
    DOMAINS.map(lambda domain: "@" + domain),
    st.builds(
        lambda local, domain: f"{local}@{domain}",
        st.from_regex(r"[A-Za-z0-9_%+'=/#&-]{1,9}(\.[A-Za-z0-9_%+'=/#&-]{1,9})?", fullmatch=True),
        DOMAINS,
    ),
)


@given(
    fields=st.lists(XML_TEXT, min_size=1, max_size=3),
    mailboxes=st.lists(ADDRESSES, max_size=3),
    senders=st.lists(st.one_of(ADDRESSES, XML_TEXT), max_size=3),
    subject=st.one_of(st.none(), XML_TEXT),
)
@example(fields=["id"], mailboxes=[], senders=["x@nowhere.example or subject:invoice"], subject=None)
@example(fields=["id"], mailboxes=[], senders=[], subject="Invoice or\u00a0from:x")
def test_every_simple_query_passes_the_advanced_query_check_or_is_refused_naming_the_parameter(
    fields, mailboxes, senders, subject
):
    start = datetime(2025, 3, 1, tzinfo=UTC)
    query = SimpleArchiveQuery(fields, start, start + timedelta(hours=1), mailboxes, senders, senders, subject)

    try:
        xml = query.check().to_xml(50)
    except MimecastValidationError as exc:
        assert re.match(r'"?(Invalid value for )?"(Fields To Return|Mailboxes|From|To|Subject)"', str(exc)), str(exc)
        return

    assert checked_advanced_query(xml) == xml
    for value in senders:
        assert value.count("@") <= 1 and not re.search(r"\s|[*?!:()<>\"]", value)


CELL_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
CELLS = st.one_of(st.none(), CELL_TEXT, st.integers(), st.booleans(), st.lists(CELL_TEXT, max_size=2))


@given(rows=st.lists(st.dictionaries(CELL_TEXT, CELLS, max_size=4), min_size=1, max_size=5))
@example(rows=[{"subject": '"'}, {"subject": "a"}, {"subject": "b"}])
@example(rows=[{"id": "1", "subject": 'x",evil,"y'}, {"id": "2", "subject": "line\r\nbreak"}])
@example(rows=[{"=cmd": "=1+1", "n": -5, "at": "@x", "plus": "+1", "minus": "-1", "tab": "\t1", "cr": "\r1"}])
def test_table_lines_read_back_exactly_one_row_per_item(rows):
    lines = table_lines(rows)

    read = list(csv.reader(lines))
    assert len(read) == len(rows) + 1 == len(lines)
    header = list(dict.fromkeys(key for row in rows for key in row))
    assert read[0] == [shown(key) for key in header]
    for cells, row in zip(read[1:], rows, strict=True):
        assert cells == [shown(row.get(key)) for key in header]


def shown(value):
    """What a table cell holds: the value, text with a leading apostrophe where a spreadsheet sees a formula."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value[:1] in tuple("=+-@\t\r\uff1d\uff0b\uff0d\uff20") else value
    return json.dumps(value) if isinstance(value, list) else str(value)
