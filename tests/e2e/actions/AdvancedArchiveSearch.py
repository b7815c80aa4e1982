"""Advanced Archive Search's rows of the hardening matrices."""

from action_cases import ARCHIVE_FOUND, ActionCase
from bad_input import LONG, UNICODE_TEXT, accepted, archive_query, mandatory, not_characters, refused, sent_item, terms

ADVANCED_QUERY = (
    '<?xml version="1.0"?><xmlquery trace="iql,muse"><metadata query-type="emailarchive" archive="true" '
    'active="false" page-size="5" startrow="0"><smartfolders/><return-fields><return-field>id</return-field>'
    '</return-fields></metadata><muse><date select="last_year"/></muse></xmlquery>'
)
CASE = ActionCase(
    "AdvancedArchiveSearch",
    "/api/archive/search",
    "Archive | Search Logs | Read",
    params=lambda sim: {"XML Query": ADVANCED_QUERY},
    success=lambda p: ARCHIVE_FOUND,
)
CASES = (CASE,)
REFUSED = [
    refused(CASE, "XML Query", "empty", "", mandatory("XML Query")),
    refused(CASE, "XML Query", "whitespace", " \n\t ", mandatory("XML Query")),
    refused(
        CASE,
        "XML Query",
        "wrong type",
        '{"query": "subject:invoice"}',
        '"XML Query" was refused and nothing was sent to Mimecast: it is not well-formed XML: not well-formed '
        '(invalid token) at line 1, column 1 near "{"query": "subject:i".',
    ),
    refused(
        CASE,
        "XML Query",
        "XInclude",
        '<xmlquery xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd"/></xmlquery>',
        '"XML Query" was refused and nothing was sent to Mimecast: it uses the XInclude namespace '
        '"http://www.w3.org/2001/XInclude", which pulls in external content. External references are not allowed.',
    ),
    refused(
        CASE,
        "XML Query",
        "XInclude 2003",
        '<xmlquery xmlns:xi="http://www.w3.org/2003/XInclude"><muse><text><xi:include href="file:///etc/passwd" '
        'parse="text"/></text></muse></xmlquery>',
        '"XML Query" was refused and nothing was sent to Mimecast: it uses the XInclude namespace '
        '"http://www.w3.org/2003/XInclude", which pulls in external content. External references are not allowed.',
    ),
    refused(
        CASE,
        "XML Query",
        "xml:base",
        '<xmlquery xml:base="file:///etc/"><muse><text>subject:a</text></muse></xmlquery>',
        '"XML Query" was refused and nothing was sent to Mimecast: it uses the attribute xml:base. A Mimecast archive '
        "query uses no xml: attributes (xml:base changes where references are resolved); remove it.",
    ),
    refused(
        CASE,
        "XML Query",
        "billion laughs",
        '<!DOCTYPE q [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><xmlquery><muse><text>&b;</text>'
        "</muse></xmlquery>",
        '"XML Query" was refused and nothing was sent to Mimecast: it declares the entity "a". Entities are not '
        "allowed; write the value itself.",
    ),
    refused(
        CASE,
        "XML Query",
        "unicode root",
        "<запрос/>",
        '"XML Query" was refused and nothing was sent to Mimecast: its root element is <запрос>; a Mimecast archive '
        "query is an <xmlquery> document.",
    ),
    *not_characters(CASE, "XML Query"),
]
ACCEPTED = [
    accepted(
        CASE,
        "XML Query",
        "very long",
        ADVANCED_QUERY.replace("<muse>", f"<muse><text>subject:{LONG}</text>"),
        sent_item("query", ADVANCED_QUERY.replace("<muse>", f"<muse><text>subject:{LONG}</text>")),
    ),
    accepted(
        CASE,
        "XML Query",
        "unicode",
        ADVANCED_QUERY.replace("<muse>", f"<muse><text>subject:{UNICODE_TEXT}</text>"),
        archive_query(text=terms("subject", UNICODE_TEXT)),
    ),
]
