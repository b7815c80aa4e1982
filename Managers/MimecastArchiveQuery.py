"""Mimecast archive queries (`xmlquery`): the Simple search's builder and time frames, the Advanced query check.

The Simple query is built with an XML library, so a user value can never change the query's
structure: `<`, `&` and quotes become character references, and every From/To/Subject value stays the
text of its own `<text>` element. An Advanced query is parsed with a hardened parser before anything
is sent: no DOCTYPE, no entity, no external reference, no namespace, no xml: attribute, no processing
instruction.
"""

import re
from datetime import datetime
from typing import Any, NamedTuple
from xml.etree.ElementTree import Element, SubElement, TreeBuilder, tostring
from xml.parsers.expat import ErrorString

from dateutil.relativedelta import relativedelta
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser, ParseError, fromstring

from MimecastConstants import (
    END_BEFORE_START_MESSAGE,
    END_TIME,
    FIELDS_TO_RETURN,
    FROM,
    MAILBOXES,
    START_TIME,
    START_TIME_REQUIRED_MESSAGE,
    SUBJECT,
    TIME_FRAME,
    TIME_FRAME_CUSTOM,
    TIME_FRAME_LAST_6_HOURS,
    TIME_FRAME_LAST_24_HOURS,
    TIME_FRAME_LAST_HOUR,
    TIME_FRAME_LAST_MONTH,
    TIME_FRAME_LAST_WEEK,
    TIME_FRAMES,
    TO,
    XML_QUERY,
)
from MimecastDataModels import utc_timestamp
from MimecastExceptions import MimecastValidationError
from MimecastParameters import excerpt, printable, require_address_or_domain
from MimecastSpecs import DDL, ParamSpec

# Rolling windows ending now; a month is one calendar month back (31 March -> 28/29 February).
TIME_FRAME_WINDOWS = {
    TIME_FRAME_LAST_HOUR: relativedelta(hours=1),
    TIME_FRAME_LAST_6_HOURS: relativedelta(hours=6),
    TIME_FRAME_LAST_24_HOURS: relativedelta(hours=24),
    TIME_FRAME_LAST_WEEK: relativedelta(days=7),
    TIME_FRAME_LAST_MONTH: relativedelta(months=1),
}
XML_DECLARATION = '<?xml version="1.0"?>'
# The namespace of xml:base, xml:lang and the like (bound to the prefix xml without a declaration).
XML_NAMESPACE = "{http://www.w3.org/XML/1998/namespace}"
# Characters XML 1.0 cannot carry at all, not even as character references.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# In Mimecast's search text, "or" before a field name and a colon starts another alternative ("... or from:x"),
# so a Subject holding one would match mail on that other field: any spacing, any case. Only search field names
# count, so an ordinary subject such as "Approve or Reject: PO 1234" stays a subject.
SEARCH_FIELDS = ("from", "to", "cc", "bcc", "subject", "body", "sender", "recipient", "attachment", "filename")
_ALTERNATIVE = re.compile(rf"(?<!\w)or\s+(?:{'|'.join(SEARCH_FIELDS)})s?\s*:", re.IGNORECASE)
_EXCERPT_CHARS = 40


# The time frame parameters of the archive searches (Search Message Tracking and List Held Messages take
# them too, with another default Time Frame).
TIME_FRAME_PARAM = ParamSpec(
    TIME_FRAME,
    DDL,
    TIME_FRAME_LAST_HOUR,
    mandatory=True,
    options=TIME_FRAMES,
    description=(
        "Received-time window, ending now (UTC): Last Week is 7 days, Last Month one calendar month back. "
        "Custom uses Start Time and End Time."
    ),
    ai_description="Last Hour, Last 6 Hours, Last 24 Hours, Last Week, Last Month or Custom.",
)
START_TIME_PARAM = ParamSpec(
    START_TIME,
    description=(
        "Start of the Custom time frame, ISO 8601 (e.g. 2025-03-07T16:03:00Z, 2025-03-07T16:03:00+02:00 or "
        "2025-03-07 16:03; UTC when no offset is given). Required when Time Frame is Custom; ignored "
        "otherwise."
    ),
    ai_description="Start of a Custom time frame; required with Custom.",
    value_format="ISO 8601",
)
END_TIME_PARAM = ParamSpec(
    END_TIME,
    description=(
        "End of the Custom time frame, ISO 8601 like Start Time. Empty: now. Ignored unless Time Frame is Custom."
    ),
    ai_description="End of a Custom time frame; now when empty.",
    value_format="ISO 8601",
)


def time_frame_range(
    time_frame: str, now: datetime, start: datetime | None = None, end: datetime | None = None
) -> tuple[datetime, datetime]:
    """The UTC range a Time Frame stands for; Start/End Time are used only with Custom (End defaults to now)."""
    if time_frame != TIME_FRAME_CUSTOM:
        return now - TIME_FRAME_WINDOWS[time_frame], now
    if start is None:
        raise MimecastValidationError(START_TIME_REQUIRED_MESSAGE)
    if end is None:
        if start >= now:
            raise MimecastValidationError(
                f"{END_BEFORE_START_MESSAGE} Without an End Time the search ends now ({utc_timestamp(now)}), "
                f"which is not later than the Start Time ({utc_timestamp(start)})."
            )
        return start, now
    if start >= end:
        raise MimecastValidationError(END_BEFORE_START_MESSAGE)
    return start, end


def chosen_time_frame(context: Any) -> tuple[str, datetime, datetime]:
    """The action's Time Frame choice and its UTC range, from its Time Frame, Start Time and End Time parameters."""
    time_frame = context.choice(TIME_FRAME)
    if time_frame == TIME_FRAME_CUSTOM:
        start, end = time_frame_range(time_frame, context.now(), context.time(START_TIME), context.time(END_TIME))
    else:
        start, end = time_frame_range(time_frame, context.now())
        if context.text(START_TIME) or context.text(END_TIME):
            context.logger.info(
                f'"{START_TIME}" and "{END_TIME}" are used only when "{TIME_FRAME}" is Custom; ignored.'
            )
    return time_frame, start, end


class SimpleArchiveQuery(NamedTuple):
    """What the Simple Archive Search asks: the values are the user's, unescaped; `to_xml` escapes them."""

    fields: list[str]
    start: datetime
    end: datetime
    mailboxes: list[str] = []
    senders: list[str] = []
    recipients: list[str] = []
    subject: str | None = None

    def check(self) -> "SimpleArchiveQuery":
        """Refuse what cannot be expressed in XML at all (control characters); the rest is escaped."""
        if not self.fields:
            raise MimecastValidationError(f'"{FIELDS_TO_RETURN}" must name at least one field, e.g. id,subject.')
        for name, values in (
            (FIELDS_TO_RETURN, self.fields),
            (MAILBOXES, self.mailboxes),
            (FROM, self.senders),
            (TO, self.recipients),
            (SUBJECT, [self.subject] if self.subject else []),
        ):
            if any(_NOT_XML.search(value) for value in values):
                raise MimecastValidationError(
                    f'"{name}" contains a control character that an XML query cannot carry; remove it.'
                )
        # Each From / To / Mailboxes value becomes one term: an address or a domain, nothing the grammar reads.
        for name, values in ((MAILBOXES, self.mailboxes), (FROM, self.senders), (TO, self.recipients)):
            for value in values:
                require_address_or_domain(name, value)
        alternative = _ALTERNATIVE.search(self.subject or "")
        if alternative:
            found = printable(alternative.group())
            raise MimecastValidationError(
                f'Invalid value for "{SUBJECT}": "{excerpt(self.subject)}" contains "{found}". '
                "Mimecast's search would read it as a second, separate condition on another field, not as part of "
                "the subject. Search for the words before or after it instead."
            )
        return self

    def to_xml(self, page_size: int) -> str:
        root = Element("xmlquery", {"trace": "iql,muse"})
        metadata = SubElement(
            root,
            "metadata",
            {
                "query-type": "emailarchive",
                "archive": "true",
                "active": "false",
                "page-size": str(page_size),
                "startrow": "0",
            },
        )
        if self.mailboxes:
            mailboxes = SubElement(metadata, "mailboxes")
            for mailbox in self.mailboxes:
                SubElement(mailboxes, "mailbox", {"include-aliases": "true"}).text = mailbox
        SubElement(metadata, "smartfolders")
        return_fields = SubElement(metadata, "return-fields")
        for name in self.fields:
            SubElement(return_fields, "return-field").text = name
        muse = SubElement(root, "muse")
        # One <text> per filter: Mimecast ANDs them; the values of one filter are OR-ed inside it.
        if self.senders:
            SubElement(muse, "text").text = " or ".join(f"from:{sender}" for sender in self.senders)
        if self.recipients:
            SubElement(muse, "text").text = " or ".join(f"to:{recipient}" for recipient in self.recipients)
        if self.subject:
            SubElement(muse, "text").text = f"subject:{self.subject}"
        SubElement(
            muse, "date", {"select": "between", "from": utc_timestamp(self.start), "to": utc_timestamp(self.end)}
        )
        SubElement(muse, "docs", {"select": "optional"})
        SubElement(muse, "route")
        # ElementTree writes a carriage return in text as is, and XML parsers turn it into a line feed.
        return XML_DECLARATION + tostring(root, encoding="unicode").replace("\r", "&#13;")


def checked_advanced_query(xml_query: str) -> str:
    """The query unchanged when it is a well-formed, safe `<xmlquery>` document; else why it is refused."""
    refused = f'"{XML_QUERY}" was refused and nothing was sent to Mimecast:'
    try:
        # defusedxml's defaults refuse entity declarations and external references with their own
        # error; the second pass then refuses any DOCTYPE that is left.
        fromstring(xml_query, forbid_dtd=False, forbid_entities=True, forbid_external=True)
        tree = _QueryTree()
        parser = DefusedXMLParser(target=tree, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        parser.feed(xml_query)
        root = parser.close()
    except DTDForbidden as exc:
        if exc.sysid or exc.pubid:
            raise MimecastValidationError(
                f"{refused} it refers to an external document type definition "
                f'("{exc.sysid or exc.pubid}"). External references are not allowed; remove the DOCTYPE.'
            ) from None
        raise MimecastValidationError(
            f"{refused} it contains a DOCTYPE declaration. Document type definitions are not allowed; "
            "remove the <!DOCTYPE ...> part."
        ) from None
    except EntitiesForbidden as exc:
        external = exc.sysid or exc.pubid
        if external:
            raise MimecastValidationError(
                f'{refused} it declares the entity "{exc.name}", an external reference to "{external}". '
                "Entities and external references are not allowed."
            ) from None
        raise MimecastValidationError(
            f'{refused} it declares the entity "{exc.name}". Entities are not allowed; write the value itself.'
        ) from None
    except ExternalReferenceForbidden as exc:
        raise MimecastValidationError(
            f'{refused} it refers to the external resource "{exc.sysid or exc.pubid}". External references are '
            "not allowed."
        ) from None
    except ParseError as exc:
        raise MimecastValidationError(f"{refused} it is not well-formed XML: {_where(xml_query, exc)}") from None
    _refuse_what_can_reach_outside(tree, root, refused)
    if root.tag != "xmlquery":
        raise MimecastValidationError(
            f"{refused} its root element is <{root.tag}>; a Mimecast archive query is an <xmlquery> document."
        )
    return xml_query


class _QueryTree(TreeBuilder):
    """The parsed tree, plus what ElementTree leaves out of it: namespace declarations, processing instructions."""

    def __init__(self) -> None:
        super().__init__()
        self.namespaces: list[str] = []
        self.instructions: list[str] = []

    def start_ns(self, prefix: str, uri: str) -> None:
        self.namespaces.append(uri)

    # Records the instruction instead of building an element for it (typeshed declares an Element result).
    def pi(self, target: str, text: str | None = None) -> None:  # type: ignore[override]
        self.instructions.append(f"<?{target} {text}?>" if text else f"<?{target}?>")


def _refuse_what_can_reach_outside(tree: _QueryTree, root: Element, refused: str) -> None:
    """A Mimecast query is plain elements and attributes: no namespace (XInclude, XLink, any other), no xml:base
    or other xml: attribute, no processing instruction. Each of those is a way a processor may be made to fetch
    or include outside content, so each is refused, whatever its spelling."""
    for uri in tree.namespaces:
        if "xinclude" in uri.lower():
            raise MimecastValidationError(
                f'{refused} it uses the XInclude namespace "{excerpt(uri)}", which pulls in external content. '
                "External references are not allowed."
            )
    if tree.namespaces:
        raise MimecastValidationError(
            f'{refused} it uses the XML namespace "{excerpt(tree.namespaces[0])}". A Mimecast archive query uses no '
            "namespaces; remove it."
        )
    for element in root.iter():
        for name in element.attrib:
            if name.startswith(XML_NAMESPACE):
                raise MimecastValidationError(
                    f"{refused} it uses the attribute xml:{excerpt(name.removeprefix(XML_NAMESPACE))}. A Mimecast "
                    "archive query uses no xml: attributes (xml:base changes where references are resolved); "
                    "remove it."
                )
    if tree.instructions:
        raise MimecastValidationError(
            f'{refused} it contains the processing instruction "{excerpt(tree.instructions[0])}", which can make a '
            "processor fetch or run something. A Mimecast archive query has none; remove it."
        )


def _where(text: str, exc: ParseError) -> str:
    """Expat's reason, the 1-based line and column, and the text around that place."""
    line, column = exc.position
    reason = ErrorString(exc.code) if exc.code else str(exc)
    lines = text.splitlines() or [""]
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    excerpt = source[max(0, column - _EXCERPT_CHARS // 2) : column + _EXCERPT_CHARS // 2].strip()
    near = f' near "{excerpt}"' if excerpt else ""
    return f"{reason} at line {line}, column {column + 1}{near}."
