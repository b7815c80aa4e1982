"""The simulated email archive behind /api/archive/search: seeded emails, the `xmlquery` grammar, matching.

Emails are generated from the seed the first time the archive is used, spread over the SPAN_DAYS days
before the simulator clock's instant at that moment (freeze the clock first for exact dates). Tests
add their own emails through the admin API. Every query the endpoint parses is kept (bounded) so a
test can see exactly which terms the simulator received.
"""

from __future__ import annotations

import base64
import random
import re
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from simulator.account import tenant_domains
from simulator.clock import SimClock
from simulator.dates import format_api_date
from simulator.messages import ARCHIVED, status_lookup
from simulator.registry import feature_state
from simulator.validation import ItemInvalid

DEFAULT_SIZE = 3000
SPAN_DAYS = 60
DEFAULT_PAGE_SIZE = 25
# The largest page the simulator serves; a larger pageSize / page-size is served as this many
# (500 worked on a live tenant; an unpaged call there was capped at 999).
MAX_PAGE_SIZE = 500
QUERY_HISTORY = 2000
FIELDS = (
    "attachmentcount",
    "status",
    "subject",
    "size",
    "receiveddate",
    "displayfrom",
    "displayfromaddress",
    "id",
    "displayto",
    "displaytoaddresslist",
    "smash",
)
TEXT_FIELDS = ("from", "to", "subject")
DATE_SELECTS = ("between", "last_year")
INVALID_XML = ("err_invalid_search_xml", "Invalid search XML")

_FIRST = ("alex", "sam", "jordan", "robin", "casey", "morgan", "taylor", "jamie", "avery", "riley", "quinn", "drew")
_LAST = ("rivera", "okafor", "lindqvist", "tanaka", "novak", "haddad", "moreau", "schmidt", "kowalski", "ito")
_EXTERNAL_DOMAINS = (
    "contoso-partners.example",
    "billing.northwind.example",
    "fabrikam.example.net",
    "news.tailspin.example",
    "litware-consulting.example",
    "secure-login-update.example.info",
    "shipping-notice.example.biz",
    "hr.wingtip.example",
)
_SUBJECTS = (
    "Invoice {n} is due",
    "Re: Quarterly report",
    "Meeting notes {day}",
    "Your password expires in 3 days",
    "Shipment {n} delayed",
    "Fwd: contract draft v{small}",
    "Payroll update for {month}",
    "Action required: verify your account",
    "Lunch on Friday?",
    "Weekly newsletter #{small}",
    "Re: Re: budget {month}",
    "Security alert: new sign-in",
    "Purchase order {n}",
    "Out of office",
)
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October")
# ` or ` separates alternatives only before a field prefix, so "subject:this or that" stays one term.
_OR_SPLIT = re.compile(r"\s+or\s+(?=(?:from|to|subject):)", re.IGNORECASE)
_TERM = re.compile(r"^(from|to|subject):(.*)$", re.IGNORECASE | re.DOTALL)


class QueryError(ItemInvalid):
    """The query cannot be searched; answered in `fail[]` with Mimecast's code and message."""

    def __init__(self, code: str, message: str, field_name: str = "query") -> None:
        super().__init__(field_name, code, message)


def parse_instant(text: str) -> datetime:
    """ISO 8601 as Mimecast and its clients write it (`+0000`, `Z`, `+00:00`, date only); naive is UTC."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass
class ArchivedEmail:
    id: str
    smash: str
    subject: str
    from_name: str
    from_address: str
    recipients: list[tuple[str, str]]  # (display name, address)
    received: datetime
    size: int
    attachment_count: int
    mailboxes: tuple[str, ...]
    status: str = "ARCHIVED"

    def value(self, name: str) -> Any:
        if name == "displaytoaddresslist":
            return [{"displayableName": n, "emailAddress": a} for n, a in self.recipients]
        return {
            "id": self.id,
            "smash": self.smash,
            "status": self.status,
            "subject": self.subject,
            "displayfrom": self.from_name or self.from_address,
            "displayfromaddress": self.from_address,
            "displayto": ", ".join(n or a for n, a in self.recipients),
            "receiveddate": format_api_date(self.received),
            "size": self.size,
            "attachmentcount": self.attachment_count,
        }[name]

    def item(self, fields: list[str]) -> dict[str, Any]:
        return {name: self.value(name) for name in fields}

    def describe(self) -> dict[str, Any]:
        return {**self.item(list(FIELDS)), "mailboxes": list(self.mailboxes)}


def _address_matches(term: str, address: str) -> bool:
    """`from:`/`to:` match: the whole address, or a domain (`example.com`, `@example.com`) and its subdomains."""
    wanted, address = term.strip().casefold(), address.casefold()
    if wanted == address:
        return True
    if "@" in wanted.lstrip("@"):
        return False
    domain = wanted.lstrip("@")
    own = address.rpartition("@")[2]
    return bool(domain) and (own == domain or own.endswith("." + domain))


@dataclass(frozen=True)
class TextTerm:
    field: str  # "from", "to", "subject" or "" for free text
    value: str

    @classmethod
    def parse(cls, text: str) -> TextTerm:
        match = _TERM.match(text.strip())
        if match:
            return cls(match.group(1).lower(), match.group(2).strip())
        return cls("", text.strip())

    def matches(self, email: ArchivedEmail) -> bool:
        if self.field == "from":
            return _address_matches(self.value, email.from_address)
        if self.field == "to":
            return any(_address_matches(self.value, address) for _, address in email.recipients)
        needle = self.value.casefold()
        if self.field == "subject":
            return needle in email.subject.casefold()
        haystack = [email.subject, email.from_name, email.from_address, *(a for _, a in email.recipients)]
        return any(needle in text.casefold() for text in haystack)

    def to_json(self) -> dict[str, str]:
        return {"field": self.field, "value": self.value}


@dataclass
class ArchiveQuery:
    """The parts of an `xmlquery` the simulator understands (see simulator/README.md, "Archive")."""

    page_size: int | None = None
    startrow: int = 0
    mailboxes: list[str] = field(default_factory=list)
    return_fields: list[str] | None = None
    text: list[list[TextTerm]] = field(default_factory=list)  # <text> elements (AND) of alternatives (OR)
    date_select: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None

    @classmethod
    def parse(cls, xml_text: str, now: datetime) -> ArchiveQuery:
        try:
            root = fromstring(xml_text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        except (ParseError, DefusedXmlException):
            raise QueryError(*INVALID_XML) from None
        if root.tag != "xmlquery":
            raise QueryError(*INVALID_XML)
        query = cls()
        metadata = root.find("metadata")
        if metadata is not None:
            query._read_metadata(metadata)
        muse = root.find("muse")
        if muse is not None:
            query._read_muse(muse, now)
        return query

    def _read_metadata(self, metadata: Any) -> None:
        if metadata.get("page-size") is not None:
            self.page_size = _attribute_int(metadata, "page-size", minimum=1)
        if metadata.get("startrow") is not None:
            self.startrow = _attribute_int(metadata, "startrow", minimum=0)
        mailboxes = metadata.find("mailboxes")
        if mailboxes is not None:
            self.mailboxes = [(m.text or "").strip() for m in mailboxes.findall("mailbox") if (m.text or "").strip()]
        fields = metadata.find("return-fields")
        if fields is not None:
            self.return_fields = [(f.text or "").strip() for f in fields.findall("return-field")]

    def _read_muse(self, muse: Any, now: datetime) -> None:
        for element in muse.findall("text"):
            content = (element.text or "").strip()
            if content:
                self.text.append([TextTerm.parse(part) for part in _OR_SPLIT.split(content) if part.strip()])
        date = muse.find("date")
        if date is None:
            return
        select = date.get("select") or "between"
        if select not in DATE_SELECTS:
            raise QueryError(*INVALID_XML)
        self.date_select = select
        if select == "last_year":
            self.date_from, self.date_to = now - relativedelta(years=1), now
            return
        try:
            self.date_from = parse_instant(date.get("from")) if date.get("from") else None
            self.date_to = parse_instant(date.get("to")) if date.get("to") else None
        except ValueError:
            raise QueryError(*INVALID_XML) from None

    def matches(self, email: ArchivedEmail) -> bool:
        if self.date_from is not None and email.received < self.date_from:
            return False
        if self.date_to is not None and email.received > self.date_to:
            return False
        if self.mailboxes:
            wanted = {m.casefold() for m in self.mailboxes}
            if not wanted.intersection(email.mailboxes):
                return False
        return all(any(term.matches(email) for term in group) for group in self.text)

    def fields(self) -> list[str]:
        """The requested fields Mimecast knows, in the order asked, once each; all of them when none are asked."""
        if not self.return_fields:
            return list(FIELDS)
        return list(dict.fromkeys(name for name in self.return_fields if name in FIELDS))

    def to_json(self) -> dict[str, Any]:
        return {
            "page_size": self.page_size,
            "startrow": self.startrow,
            "mailboxes": self.mailboxes,
            "return_fields": self.return_fields,
            "text": [[term.to_json() for term in group] for group in self.text],
            "date": {
                "select": self.date_select,
                "from": format_api_date(self.date_from) if self.date_from else None,
                "to": format_api_date(self.date_to) if self.date_to else None,
            }
            if self.date_select
            else None,
        }


def _attribute_int(element: Any, name: str, *, minimum: int) -> int:
    text = element.get(name).strip()
    if not text.isdigit() or int(text) < minimum:
        raise QueryError(*INVALID_XML)
    return int(text)


@feature_state("archive")
class ArchiveState:
    """The tenant's archive. `size` seeded emails (start-up option `archive.size`), plus emails tests add."""

    def __init__(self, *, seed: int, clock: SimClock, size: int = DEFAULT_SIZE) -> None:
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise ValueError(f"archive size must be a whole number >= 0, got {size!r}")
        self.seed = seed
        self.size = size
        self._clock = clock
        self._domain = tenant_domains(seed)[0]
        self._emails: list[ArchivedEmail] | None = None
        self._sorted = True
        self.anchor: datetime | None = None
        self.queries: deque[dict[str, Any]] = deque(maxlen=QUERY_HISTORY)

    @property
    def emails(self) -> list[ArchivedEmail]:
        """Newest first (ties: by id)."""
        if self._emails is None:
            self.anchor = self._clock.now()
            self._emails = _generate(self.seed, self.size, self.anchor, self._domain)
            self._sorted = False
        if not self._sorted:
            self._emails.sort(key=lambda e: (e.received, e.id), reverse=True)
            self._sorted = True
        return self._emails

    def regenerate(self, size: int | None = None) -> None:
        """Drop every email (added ones too) and seed `size` new ones (default: the current size) on next use."""
        if size is not None:
            if not isinstance(size, int) or isinstance(size, bool) or size < 0:
                raise ValueError(f"'size' must be a whole number >= 0, got {size!r}")
            self.size = size
        self._emails = None
        self.anchor = None

    def add(self, spec: dict[str, Any]) -> ArchivedEmail:
        email = _email_from_spec(spec, self._clock.now(), len(self.emails), self._domain)
        if self.find(email.id) is not None:
            raise ValueError(f"an email with id {email.id!r} is already archived")
        self.emails.append(email)
        self._sorted = False
        return email

    def find(self, email_id: str) -> ArchivedEmail | None:
        return next((email for email in self.emails if email.id == email_id), None)

    def search(self, query: ArchiveQuery) -> list[ArchivedEmail]:
        return [email for email in self.emails if query.matches(email)]

    def record(self, entry: dict[str, Any]) -> None:
        self.queries.append(entry)

    def describe(self) -> dict[str, Any]:
        emails = self.emails
        return {
            "size": self.size,
            "count": len(emails),
            "anchor": self.anchor.isoformat() if self.anchor else None,
            "span_days": SPAN_DAYS,
            "newest": format_api_date(emails[0].received) if emails else None,
            "oldest": format_api_date(emails[-1].received) if emails else None,
            "internal_domain": self._domain,
            "max_page_size": MAX_PAGE_SIZE,
        }


def _message_id(rng: random.Random) -> str:
    return "eNo" + base64.urlsafe_b64encode(rng.randbytes(60)).decode().rstrip("=")


def _person(rng: random.Random, domain: str) -> tuple[str, str]:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    return f"{first.title()} {last.title()}", f"{first}.{last}@{domain}"


def _generate(seed: int, size: int, anchor: datetime, domain: str) -> list[ArchivedEmail]:
    rng = random.Random(f"archive:{seed}")
    staff = [_person(rng, domain) for _ in range(40)]
    end = anchor.replace(second=0, microsecond=0)
    emails = []
    for _ in range(size):
        direction = rng.random()
        if direction < 0.6:
            sender = (
                ("", f"{rng.choice(('noreply', 'billing', 'support', 'info'))}@{rng.choice(_EXTERNAL_DOMAINS)}")
                if rng.random() < 0.5
                else _person(rng, rng.choice(_EXTERNAL_DOMAINS))
            )
            recipients = rng.sample(staff, rng.choice((1, 1, 1, 2, 3)))
            mailboxes = tuple(a for _, a in recipients)
        elif direction < 0.85:
            sender = rng.choice(staff)
            recipients = rng.sample([p for p in staff if p != sender], rng.choice((1, 1, 2)))
            mailboxes = (sender[1], *(a for _, a in recipients))
        else:
            sender = rng.choice(staff)
            recipients = [_person(rng, rng.choice(_EXTERNAL_DOMAINS))]
            mailboxes = (sender[1],)
        subject = rng.choice(_SUBJECTS).format(
            n=rng.randint(10000, 99999),
            small=rng.randint(2, 60),
            month=rng.choice(_MONTHS),
            day=f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}",
        )
        emails.append(
            ArchivedEmail(
                id=_message_id(rng),
                smash=rng.randbytes(20).hex(),
                subject=subject,
                from_name=sender[0],
                from_address=sender[1],
                recipients=list(recipients),
                received=end - timedelta(minutes=rng.randrange(SPAN_DAYS * 24 * 60)),
                size=max(800, min(25_000_000, int(rng.lognormvariate(9.3, 1.1)))),
                attachment_count=rng.choices((0, 1, 2, 3), weights=(60, 25, 10, 5))[0],
                mailboxes=tuple(m.casefold() for m in mailboxes),
            )
        )
    return emails


_SPEC_KEYS = {
    "id",
    "smash",
    "status",
    "subject",
    "displayfrom",
    "displayfromaddress",
    "displaytoaddresslist",
    "receiveddate",
    "size",
    "attachmentcount",
    "mailboxes",
}


def _email_from_spec(spec: dict[str, Any], now: datetime, number: int, domain: str) -> ArchivedEmail:
    """An email from Mimecast field names; every field is optional (defaults: received now, one internal recipient)."""
    unknown = sorted(set(spec) - _SPEC_KEYS)
    if unknown:
        raise ValueError(f"unknown email field(s) {', '.join(unknown)}; use {', '.join(sorted(_SPEC_KEYS))}")
    rng = random.Random(f"added:{number}:{spec.get('subject')}")
    recipients = []
    for entry in spec.get("displaytoaddresslist") or [f"user{number}@{domain}"]:
        if isinstance(entry, str):
            recipients.append(("", entry))
        elif isinstance(entry, dict) and isinstance(entry.get("emailAddress"), str):
            recipients.append((str(entry.get("displayableName") or ""), entry["emailAddress"]))
        else:
            raise ValueError("displaytoaddresslist items are addresses or {displayableName, emailAddress} objects")
    from_address = str(spec.get("displayfromaddress") or f"sender{number}@external.example")
    mailboxes = spec.get("mailboxes")
    if mailboxes is None:
        mailboxes = [a for _, a in recipients] + ([from_address] if from_address.endswith("@" + domain) else [])
    if not isinstance(mailboxes, list) or not all(isinstance(m, str) for m in mailboxes):
        raise ValueError("'mailboxes' must be a list of addresses")
    received = spec.get("receiveddate")
    return ArchivedEmail(
        id=str(spec.get("id") or _message_id(rng)),
        smash=str(spec.get("smash") or rng.randbytes(20).hex()),
        status=str(spec.get("status") or "ARCHIVED"),
        subject=str(spec.get("subject") or ""),
        from_name=str(spec.get("displayfrom") or ""),
        from_address=from_address,
        recipients=recipients,
        received=(parse_instant(received) if received else now).replace(microsecond=0),
        size=int(spec.get("size", 4096)),
        attachment_count=int(spec.get("attachmentcount", 0)),
        mailboxes=tuple(m.casefold() for m in mailboxes),
    )


@status_lookup("archive")
def _archived_status(state: Any, message_id: str) -> str | None:
    archive = state.features.get("archive")
    return ARCHIVED if archive is not None and archive.find(message_id) is not None else None
