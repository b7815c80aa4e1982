"""Archive search without a server: the Simple query builder, time frames, the Advanced query check, paging."""

import json
import re
from datetime import UTC, datetime

import pytest
import requests_mock as rm
from defusedxml.ElementTree import fromstring
from hypothesis import example, given
from hypothesis import strategies as st
from test_manager import ROOT, manager, token

from MimecastArchiveQuery import SimpleArchiveQuery, checked_advanced_query, time_frame_range
from MimecastConstants import (
    END_BEFORE_START_MESSAGE,
    START_TIME_REQUIRED_MESSAGE,
    TIME_FRAME_CUSTOM,
    TIME_FRAME_LAST_6_HOURS,
    TIME_FRAME_LAST_24_HOURS,
    TIME_FRAME_LAST_HOUR,
    TIME_FRAME_LAST_MONTH,
    TIME_FRAME_LAST_WEEK,
)
from MimecastExceptions import MimecastApiError, MimecastValidationError

NOW = datetime(2025, 3, 31, 12, 0, tzinfo=UTC)
START = datetime(2025, 3, 31, 11, 0, tzinfo=UTC)
SEARCH_URL = f"{ROOT}/api/archive/search"
# Any text XML 1.0 can carry (no control characters other than tab, line feed and carriage return).
XML_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufffe\uffff").filter(
        lambda c: c in "\t\n\r" or ord(c) >= 0x20
    ),
    min_size=1,
)


@pytest.mark.parametrize(
    ("time_frame", "start"),
    [
        (TIME_FRAME_LAST_HOUR, datetime(2025, 3, 31, 11, 0, tzinfo=UTC)),
        (TIME_FRAME_LAST_6_HOURS, datetime(2025, 3, 31, 6, 0, tzinfo=UTC)),
        (TIME_FRAME_LAST_24_HOURS, datetime(2025, 3, 30, 12, 0, tzinfo=UTC)),
        (TIME_FRAME_LAST_WEEK, datetime(2025, 3, 24, 12, 0, tzinfo=UTC)),
        (TIME_FRAME_LAST_MONTH, datetime(2025, 2, 28, 12, 0, tzinfo=UTC)),  # one calendar month, clamped
    ],
)
def test_relative_time_frames_are_rolling_windows_ending_now(time_frame, start):
    assert time_frame_range(time_frame, NOW) == (start, NOW)


def test_custom_time_frame():
    end = datetime(2025, 3, 31, 11, 30, tzinfo=UTC)
    assert time_frame_range(TIME_FRAME_CUSTOM, NOW, START, end) == (START, end)
    assert time_frame_range(TIME_FRAME_CUSTOM, NOW, START) == (START, NOW)
    with pytest.raises(MimecastValidationError, match=re.escape(START_TIME_REQUIRED_MESSAGE)):
        time_frame_range(TIME_FRAME_CUSTOM, NOW, None, end)
    with pytest.raises(MimecastValidationError) as same:
        time_frame_range(TIME_FRAME_CUSTOM, NOW, end, end)
    assert str(same.value) == END_BEFORE_START_MESSAGE
    with pytest.raises(MimecastValidationError) as future:
        time_frame_range(TIME_FRAME_CUSTOM, NOW, datetime(2025, 4, 1, tzinfo=UTC))
    assert str(future.value).startswith(END_BEFORE_START_MESSAGE)
    assert "Without an End Time the search ends now (2025-03-31T12:00:00+0000)" in str(future.value)


def query(**overrides) -> SimpleArchiveQuery:
    values = {"fields": ["id", "subject"], "start": START, "end": NOW, **overrides}
    return SimpleArchiveQuery(**values)


def test_simple_query_has_mimecasts_shape():
    xml = query(mailboxes=["ceo@corp.example"], senders=["a@x.example", "b@y.example"], subject="Hi").to_xml(50)

    assert xml.startswith('<?xml version="1.0"?><xmlquery trace="iql,muse">')
    root = fromstring(xml)
    metadata = root.find("metadata")
    assert metadata.attrib == {
        "query-type": "emailarchive",
        "archive": "true",
        "active": "false",
        "page-size": "50",
        "startrow": "0",
    }
    assert [(m.text, m.attrib) for m in metadata.find("mailboxes")] == [
        ("ceo@corp.example", {"include-aliases": "true"})
    ]
    assert [f.text for f in metadata.find("return-fields")] == ["id", "subject"]
    muse = root.find("muse")
    assert [t.text for t in muse.findall("text")] == ["from:a@x.example or from:b@y.example", "subject:Hi"]
    assert muse.find("date").attrib == {
        "select": "between",
        "from": "2025-03-31T11:00:00+0000",
        "to": "2025-03-31T12:00:00+0000",
    }
    assert [child.tag for child in muse] == ["text", "text", "date", "docs", "route"]


def test_without_filters_there_is_no_text_and_no_mailboxes():
    root = fromstring(query().to_xml(10))
    assert root.find("metadata/mailboxes") is None and root.find("muse/text") is None


@example(senders=["a@x.example</text><text>from:*"], recipients=['"q"&<r>'], subject="carriage\r\nreturn\r")
@given(senders=st.lists(XML_TEXT, max_size=3), recipients=st.lists(XML_TEXT, max_size=3), subject=XML_TEXT)
def test_no_value_can_change_the_query_structure(senders, recipients, subject):
    root = fromstring(query(senders=senders, recipients=recipients, subject=subject, mailboxes=senders).to_xml(5))

    texts = [t.text for t in root.iter("text")]
    expected = [
        *([" or ".join(f"from:{s}" for s in senders)] if senders else []),
        *([" or ".join(f"to:{r}" for r in recipients)] if recipients else []),
        f"subject:{subject}",
    ]
    assert texts == expected
    assert [m.text for m in root.iter("mailbox")] == senders
    assert [child.tag for child in root] == ["metadata", "muse"]


@pytest.mark.parametrize(
    ("overrides", "parameter"),
    [
        ({"subject": "bell\x07"}, '"Subject"'),
        ({"senders": ["a@x.example\x00"]}, '"From"'),
        ({"recipients": ["\x1b"]}, '"To"'),
        ({"mailboxes": ["\x0c"]}, '"Mailboxes"'),
        ({"fields": ["id\x01"]}, '"Fields To Return"'),
    ],
)
def test_control_characters_are_refused_naming_the_parameter(overrides, parameter):
    with pytest.raises(MimecastValidationError, match=f"^{parameter} contains a control character"):
        query(**overrides).check()


def test_no_field_to_return_is_refused():
    with pytest.raises(MimecastValidationError, match='"Fields To Return" must name at least one field'):
        query(fields=[]).check()


ADVANCED_REFUSED = '"XML Query" was refused and nothing was sent to Mimecast: '


@pytest.mark.parametrize(
    ("xml", "reason"),
    [
        ("<!DOCTYPE xmlquery><xmlquery/>", "it contains a DOCTYPE declaration"),
        ('<!DOCTYPE x [<!ENTITY name "v">]><xmlquery>&name;</xmlquery>', 'it declares the entity "name".'),
        (
            '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xmlquery>&xxe;</xmlquery>',
            'it declares the entity "xxe", an external reference to "file:///etc/passwd"',
        ),
        (
            '<!DOCTYPE xmlquery SYSTEM "http://attacker.example/q.dtd"><xmlquery/>',
            'it refers to an external document type definition ("http://attacker.example/q.dtd")',
        ),
        (
            '<xmlquery xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd"/></xmlquery>',
            'it uses the XInclude namespace "http://www.w3.org/2001/XInclude", which pulls in external content.',
        ),
        (
            '<xmlquery xmlns:xi="http://www.w3.org/2003/XInclude"><xi:include href="file:///etc/passwd"/></xmlquery>',
            'it uses the XInclude namespace "http://www.w3.org/2003/XInclude", which pulls in external content.',
        ),
        (
            '<xmlquery><muse><include xmlns="http://www.w3.org/2003/XInclude" href="/etc/passwd"/></muse></xmlquery>',
            'it uses the XInclude namespace "http://www.w3.org/2003/XInclude"',
        ),
        (
            '<xmlquery xmlns:XI="HTTP://WWW.W3.ORG/2001/XINCLUDE"><XI:include href="/etc/passwd"/></xmlquery>',
            'it uses the XInclude namespace "HTTP://WWW.W3.ORG/2001/XINCLUDE"',
        ),
        (
            '<xmlquery xmlns:xi="http://www.w3.org/2001/XInclude"><muse/></xmlquery>',
            'it uses the XInclude namespace "http://www.w3.org/2001/XInclude"',
        ),
        (
            '<xmlquery xmlns:xlink="http://www.w3.org/1999/xlink"><muse xlink:type="simple" '
            'xlink:href="http://attacker.example/" xlink:actuate="onLoad"/></xmlquery>',
            'it uses the XML namespace "http://www.w3.org/1999/xlink". A Mimecast archive query uses no namespaces;',
        ),
        (
            '<xmlquery xmlns="urn:other"><muse/></xmlquery>',
            'it uses the XML namespace "urn:other". A Mimecast archive query uses no namespaces; remove it.',
        ),
        (
            '<xmlquery xml:base="http://attacker.example/"><muse/></xmlquery>',
            "it uses the attribute xml:base. A Mimecast archive query uses no xml: attributes (xml:base changes where",
        ),
        (
            '<xmlquery><muse xml:lang="en"/></xmlquery>',
            "it uses the attribute xml:lang. A Mimecast archive query uses no xml: attributes",
        ),
        (
            '<?xml-stylesheet type="text/xsl" href="http://attacker.example/q.xsl"?><xmlquery/>',
            'it contains the processing instruction "<?xml-stylesheet type="text/xsl" href="http://attacker.example/q.',
        ),
        (
            "<xmlquery><muse><?php system('id'); ?></muse></xmlquery>",
            "it contains the processing instruction \"<?php system('id'); ?>\"",
        ),
        (
            '<?xml version="1.0"?>\n<xmlquery>\n  <muse><text>a & b</text></muse>\n</xmlquery>',
            'it is not well-formed XML: not well-formed (invalid token) at line 3, column 18 near "<muse><text>a & b',
        ),
        ("<xmlquery><muse></xmlquery>", "it is not well-formed XML: mismatched tag at line 1, column 19"),
        ("<query/>", "its root element is <query>; a Mimecast archive query is an <xmlquery> document."),
    ],
)
def test_advanced_query_refusals_say_what_is_wrong(xml, reason):
    with pytest.raises(MimecastValidationError) as refused:
        checked_advanced_query(xml)
    assert str(refused.value).startswith(ADVANCED_REFUSED + reason)


def test_advanced_query_is_passed_unchanged():
    xml = '<?xml version="1.0"?>\n<xmlquery trace="iql,muse"><muse><text>subject:a &amp; b</text></muse></xmlquery>'
    assert checked_advanced_query(xml) is xml


def page(items, next_token=None, flat=False):
    pagination = {"pageSize": len(items), "recordStart": 0, **({"next": next_token} if next_token else {})}
    data = items if flat else [{"items": items, "queryDuration": 3}]
    return {"json": {"meta": {"status": 200, "pagination": pagination}, "data": data, "fail": []}}


def emails(prefix, count):
    return [{"id": f"{prefix}{i}", "subject": "s"} for i in range(count)]


def sent(history):
    return [json.loads(r.text) for r in history if r.path == "/api/archive/search"]


def test_pages_ask_for_what_is_still_wanted_up_to_500_and_follow_next(clock):
    with rm.Mocker() as m:
        m.post(f"{ROOT}/oauth/token", **token())
        m.post(SEARCH_URL, [page(emails("a", 500), "t1"), page(emails("b", 500), "t2"), page(emails("c", 500), "t3")])
        found = manager(clock).search_archive("<xmlquery/>", 1100)
        bodies = sent(m.request_history)

    assert [e.id for e in found] == [
        *(f"a{i}" for i in range(500)),
        *(f"b{i}" for i in range(500)),
        *(f"c{i}" for i in range(100)),
    ]
    assert [b["meta"]["pagination"] for b in bodies] == [
        {"pageSize": 500},
        {"pageSize": 500, "pageToken": "t1"},
        {"pageSize": 100, "pageToken": "t2"},
    ]
    assert all(b["data"] == [{"admin": True, "query": "<xmlquery/>"}] for b in bodies)


def test_paging_stops_when_results_end_or_next_repeats(clock):
    with rm.Mocker() as m:
        m.post(f"{ROOT}/oauth/token", **token())
        m.post(SEARCH_URL, [page(emails("a", 2), "t1"), page(emails("b", 1))])
        assert len(manager(clock).search_archive("<q/>", 50)) == 3
        m.post(SEARCH_URL, [page(emails("a", 2), "same"), page(emails("b", 2), "same")])
        assert len(manager(clock).search_archive("<q/>", 50)) == 4
        m.post(SEARCH_URL, [page([], "t1")])
        assert manager(clock).search_archive("<q/>", 50) == []


def test_the_documented_flat_data_shape_is_read_too(clock):
    with rm.Mocker() as m:
        m.post(f"{ROOT}/oauth/token", **token())
        m.post(SEARCH_URL, [page(emails("f", 2), flat=True)])
        assert [e.id for e in manager(clock).search_archive("<q/>", 5)] == ["f0", "f1"]


def test_fail_in_the_answer_is_raised_with_mimecasts_text(clock):
    body = {
        "meta": {"status": 200},
        "data": [],
        "fail": [
            {
                "key": {"admin": True, "query": "x"},
                "errors": [{"field": "query", "code": "err_invalid_search_xml", "message": "Invalid search XML"}],
            }
        ],
    }
    with rm.Mocker() as m:
        m.post(f"{ROOT}/oauth/token", **token())
        m.post(SEARCH_URL, json=body)
        with pytest.raises(MimecastApiError) as raised:
            manager(clock).search_archive("x", 5)
    assert "Invalid search XML (err_invalid_search_xml, field query)" in str(raised.value)


def test_archive_email_table_row_keeps_every_field_and_reads_the_recipients():
    from MimecastDataModels import ArchiveEmail

    item = {
        "id": "i1",
        "displaytoaddresslist": [
            {"displayableName": "Ann Lee", "emailAddress": "ann@corp.example"},
            {"displayableName": "", "emailAddress": "bob@corp.example"},
        ],
        "size": 10,
    }
    email = ArchiveEmail.from_json(item)
    assert email.to_json() is item
    assert email.to_table() == {
        "id": "i1",
        "displaytoaddresslist": "Ann Lee <ann@corp.example>; bob@corp.example",
        "size": 10,
    }


@pytest.mark.parametrize(
    ("overrides", "parameter"),
    [
        ({"senders": ["a@x.example or subject:invoice"]}, "From"),
        ({"recipients": ["b@y.example", "to:*"]}, "To"),
        ({"mailboxes": ["ceo@corp.example\u2003or from:x@y.example"]}, "Mailboxes"),
        ({"senders": ["*"]}, "From"),
    ],
)
def test_each_from_to_and_mailbox_value_must_be_one_address_or_domain(overrides, parameter):
    with pytest.raises(MimecastValidationError, match=rf'^Invalid value for "{parameter}": .* is not an email address'):
        query(**overrides).check()


@pytest.mark.parametrize(
    "subject",
    [
        "x or from:y",
        "x\nOR\nsubject:",
        "x or\u00a0to :y",
        "(or cc:y)",
        "or body:z",
        "x or\u3000bcc:y",
        "x\u2028or recipients:y",
        "x Or Attachment:y",
    ],
)
def test_a_subject_that_opens_an_alternative_on_another_field_is_refused(subject):
    with pytest.raises(MimecastValidationError, match=r'^Invalid value for "Subject": .* second, separate condition'):
        query(subject=subject).check()


@pytest.mark.parametrize(
    "subject",
    [
        "Color from: the team",
        "Invoice or unpaid",
        "Re: Fwd: or",
        "Actor: or",
        "Approve or Reject: PO 1234",
        "Yes or No: vote",
        "Re: or Fwd: hello",
        "or:x",
        "Invoice or tomorrow: due",
    ],
)
def test_other_subjects_stay_one_term(subject):
    assert query(subject=subject).check().subject == subject
