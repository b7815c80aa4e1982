"""Message tracking: the messages Mimecast processed, as message-finder search and get-message-info show them.

Messages flow over time for several domains (the account's and others), inbound, outbound and internal,
in every status the connector filters on. A message becomes searchable `indexing_delay_s` after its
`received` time (at most MAX_INDEXING_DELAY_S for generated messages), as Mimecast's tracking index lags
behind mail flow; generated data also holds messages received in the near future, so a running simulator
produces a stream. A held message has one held-queue entry per recipient, created in the held queue with
the message's tracking id; the held queue's own seeded entries are mirrored here as held messages, so the
two features agree.
"""

from __future__ import annotations

import hashlib
import html
import random
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from simulator import messages
from simulator.account import AccountState
from simulator.clock import SimClock
from simulator.dates import format_api_date
from simulator.held import HELD, HOLD_REASONS, REJECTED, HeldQueue, secure_id
from simulator.registry import feature_state

if TYPE_CHECKING:
    from simulator.state import SimulatorState

# Statuses the connector filters on, and every value API 2.0 accepts in a search.
STATUSES = ("delivery", "held", "accepted", "bounced", "deferred", "rejected", "archived")
SEARCH_STATUSES = messages.TRACKING_STATUSES
ROUTES = ("inbound", "outbound", "internal")
SEARCH_ROUTES = ("all", "internal", "outbound", "inbound", "external")
RISKS = ("negligible", "low", "medium", "high")
MAX_INDEXING_DELAY_S = 120
RETENTION_DAYS = 30
# Undocumented in Mimecast's docs; the simulator returns at most this many tracked emails per search, newest first.
DEFAULT_SEARCH_LIMIT = 1000
DEFAULT_SIZE = 60

EXTERNAL_DOMAINS = (
    "mailer.example.net",
    "billing-notice.example.org",
    "files-share.example.info",
    "partner.example.org",
)
OTHER_INTERNAL_DOMAINS = ("simulated.example.com",)
_USERS = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi")
_SUBJECTS = (
    "Invoice #{n} overdue",
    "Q{q} board pack",
    "Your mailbox is almost full",
    "Urgent: wire transfer & approval <today>",
    "Shared document: Q{q} results",
    "Delivery failed: action required",
    "Lunch on Friday?",
    "Password expires today",
)
_INFO = {
    "delivery": ("Queued for delivery", "Delivery in progress"),
    "accepted": ("Accepted for processing", "Message accepted"),
    "archived": ("Indexed and archived",),
    "rejected": ("Envelope Rejected", "Rejected by Anti-Spoofing policy", "Rejected by DNS Block List"),
    "bounced": ("Hard Bounce - 550 5.1.1 User unknown", "Hard Bounce - 552 5.2.2 Mailbox full"),
    "deferred": ("Deferred - 451 4.7.1 Greylisted, try again later", "Deferred - 421 4.4.2 Connection timed out"),
}
_QUEUE_REASONS = {
    "rejected": ("Anti-Spoofing", "DNS Block List", "Spam Signature"),
    "bounced": ("Recipient address rejected", "Mailbox full"),
    "deferred": ("Remote server unavailable", "Greylisting"),
}
_STATUS_WEIGHTS = {
    "archived": 25,
    "delivery": 12,
    "accepted": 8,
    "held": 25,
    "rejected": 12,
    "bounced": 10,
    "deferred": 8,
}
_RISK_WEIGHTS = {None: 30, "negligible": 25, "low": 20, "medium": 15, "high": 10}
_ATTACHMENTS = (
    ("invoice.pdf", "application/pdf"),
    ("statement.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("photo.jpg", "image/jpeg"),
    ("setup.exe", "application/x-msdownload"),
    ("notes.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
)


@dataclass
class Attachment:
    filename: str
    content_type: str
    size: int
    sha256: str

    @property
    def extension(self) -> str:
        return self.filename.rpartition(".")[2] if "." in self.filename else ""

    def to_json(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "extension": self.extension,
            "contentType": self.content_type,
            "size": self.size,
            "sha256": self.sha256,
        }


@dataclass
class TrackedMessage:
    id: str
    status: str
    info: str
    route: str
    sender: str
    recipients: list[tuple[str, str]]
    subject: str
    received: datetime
    sent: datetime
    sender_ip: str
    message_id: str
    header_from: str = ""
    sender_name: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    spam_score: int = 0
    detection_level: str = "relaxed"
    risk: str | None = None
    queue_reason: str | None = None
    queue_detail_status: str | None = None
    queue_id: str | None = None
    indexing_delay_s: float = 0.0
    held_ids: list[str] = field(default_factory=list)
    fold_message_id: bool = False

    @property
    def visible_at(self) -> datetime:
        return self.received + timedelta(seconds=self.indexing_delay_s)

    @property
    def from_header(self) -> str:
        return self.header_from or self.sender

    def current_status(self, held: HeldQueue | None) -> tuple[str, str]:
        """(status, info): a held message released or rejected in the held queue is no longer held."""
        if self.status != HELD or not self.held_ids or held is None:
            return self.status, self.info
        entries = [entry for entry in (held.get(held_id) for held_id in self.held_ids) if entry is not None]
        if not entries or any(entry.status == HELD for entry in entries):
            return self.status, self.info
        if all(entry.status == REJECTED for entry in entries):
            return "rejected", "Rejected by administrator"
        return "archived", "Released from hold"

    def search_item(self, held: HeldQueue | None = None) -> dict[str, Any]:
        """One entry of `trackedEmails[]` in /api/message-finder/search."""
        status, info = self.current_status(held)
        return {
            "info": info,
            "id": self.id,
            "status": status,
            "fromEnv": {"emailAddress": self.sender},
            "fromHdr": {"displayableName": self.sender_name, "emailAddress": self.from_header},
            "to": [{"displayableName": name, "emailAddress": address} for address, name in self.recipients],
            "received": format_api_date(self.received),
            "subject": self.subject,
            "senderIP": self.sender_ip,
            "attachments": bool(self.attachments),
            "route": self.route,
            "sent": format_api_date(self.sent),
            "spamScore": self.spam_score,
            "detectionLevel": self.detection_level,
        }

    def transmission_info(self) -> str:
        """The header dump Mimecast shows: HTML-escaped inside <pre>, CRLF line ends, folded headers."""
        to_header = ", ".join(address for address, _ in self.recipients)
        message_id = (
            f"Message-ID:\r\n <{self.message_id}>" if self.fold_message_id else f"Message-ID: <{self.message_id}>"
        )
        boundary = f"--_NmP-{hashlib.sha256(self.id.encode()).hexdigest()[:16]}-Part_1"
        lines = [
            f"Received: from mail.{self.sender.rpartition('@')[2]} ([{self.sender_ip}]) by\r\n relay.mimecast.com "
            f"with ESMTP with STARTTLS (version=TLSv1.2,\r\n cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384); "
            f"{self.received:%a, %d %b %Y %H:%M:%S} +0000",
            f"From: {f'{self.sender_name} <{self.from_header}>' if self.sender_name else self.from_header}",
            f"To: {to_header}",
            f"Subject: {self.subject}",
            message_id,
            f"Date: {self.sent:%a, %d %b %Y %H:%M:%S} +0000",
            "MIME-Version: 1.0",
            f"X-Mimecast-Spam-Score: {self.spam_score}",
            f'Content-Type: multipart/mixed;\r\n boundary="{boundary}"',
        ]
        return "<pre>\n" + html.escape("\r\n".join(lines) + "\r\n") + "\n</pre>"

    def message_info(self, load_content: bool) -> dict[str, Any]:
        info: dict[str, Any] = {
            "fromHeader": self.from_header,
            "fromEnvelope": self.sender,
            "to": [address for address, _ in self.recipients],
            "cc": [],
            "subject": self.subject,
            "sent": format_api_date(self.sent),
            "processed": format_api_date(self.received),
            "transmissionInfo": self.transmission_info(),
            "attachments": [attachment.to_json() for attachment in self.attachments],
        }
        if load_content:
            info["textBody"] = f"Hello,\r\n{self.subject}\r\n"
            info["htmlBody"] = f"<html><body><p>{html.escape(self.subject)}</p></body></html>"
        return info

    def components(self) -> list[dict[str, Any]]:
        digest = hashlib.sha256(self.id.encode()).hexdigest()
        parts = [
            {
                "type": "Email Transmission File",
                "name": "transmission.eml",
                "extension": "eml",
                "mimeType": "message/rfc822-stubbed",
                "size": 1400 + len(self.subject),
                "hash": digest,
            }
        ]
        parts.extend(
            {
                "type": "File Attachment",
                "name": attachment.filename,
                "extension": attachment.extension,
                "mimeType": attachment.content_type,
                "size": attachment.size,
                "hash": attachment.sha256,
            }
            for attachment in self.attachments
        )
        return parts

    def details(self, held: HeldQueue | None = None, load_content: bool = False) -> dict[str, Any]:
        """`data[0]` of /api/message-finder/get-message-info (structure of the reference samples)."""
        status, _info = self.current_status(held)
        received, sent = format_api_date(self.received), format_api_date(self.sent)
        components = self.components()
        attachment_bytes = sum(a.size for a in self.attachments)
        recipient_info: dict[str, Any] = {
            "messageInfo": self.message_info(load_content),
            "recipientMetaInfo": {
                "receiptEvent": "Email Received",
                "spamEvent": "na",
                "messageExpiresIn": 7,
                "processingServer": "us-mta-101.us.mimecast.lan",
                "transmissionSize": 5000 + attachment_bytes,
                "binaryEmailSize": 5100 + attachment_bytes,
                "remoteIp": self.sender_ip,
                "remoteHost": f"mail.{self.sender.rpartition('@')[2]}",
                "remoteServerGreeting": f"EHLO mail.{self.sender.rpartition('@')[2]}",
                "receiptAcknowledgement": "250 Received OK",
                "transmissionStart": received,
                "transmissionEnd": received,
                "encryptionInfo": "TLS",
                "components": components,
            },
        }
        if status in ("held", "bounced", "deferred", "rejected"):
            tx_info: dict[str, Any] = {
                "transmissionComponents": [
                    {"fileType": part["type"], "fileName": part["name"], "txSize": part["size"], "hash": part["hash"]}
                    for part in components
                ]
            }
            if self.queue_detail_status:
                tx_info = {"queueDetailStatus": self.queue_detail_status, **tx_info}
            recipient_info["txInfo"] = tx_info
        detail: dict[str, Any] = {"recipientInfo": recipient_info}
        if status in ("delivery", "archived", "accepted"):
            delivered_info = {**self.message_info(False), "route": self.route}
            detail["deliveredMessage"] = {
                address: {
                    "messageInfo": delivered_info,
                    "policyInfo": [
                        {"policyType": "Spam Scanning", "policyName": "Relaxed Spam Detection", "inherited": False},
                        {"policyType": "Secure Receipt", "policyName": "Opportunistic TLS", "inherited": False},
                    ],
                    "deliveryMetaInfo": {
                        "deliveryEvent": "Email Delivered",
                        "emailAddress": address,
                        "messageExpiresIn": 7,
                        "processingServer": "us-mta-101.us.mimecast.lan",
                        "transmissionSize": 5200,
                        "remoteIp": "10.0.0.25",
                        "remoteHost": f"mx.{address.rpartition('@')[2]}",
                        "remoteServerGreeting": "220 ESMTP ready",
                        "receiptAcknowledgement": "250 OK: message queued",
                        "transmissionStart": sent,
                        "transmissionEnd": sent,
                        "encryptionInfo": "TLS",
                        "components": components[:1],
                    },
                }
                for address, _ in self.recipients
            }
        if self.queue_reason or self.queue_id:
            detail["queueInfo"] = {
                "id": self.queue_id or f"us-smtp-inbound-{self.id[3:19]}",
                "reason": self.queue_reason,
            }
        detail["retentionInfo"] = {
            "currentPurgeDate": format_api_date(self.received + timedelta(days=30)),
            "purgeBasedOn": "original",
            "originalPurgeDate": format_api_date(self.received + timedelta(days=30)),
            "retentionAdjustmentDays": -1,
            "litigationHoldInfo": [],
            "fbrStamps": [],
            "smartTags": [],
            "fbrExpireCheck": [],
            "audits": [],
        }
        detail["status"] = status
        spam: dict[str, Any] = {"spamScore": self.spam_score, "detectionLevel": self.detection_level}
        if self.risk is not None or self.spam_score % 2 == 0:
            processing: dict[str, Any] = {
                "rbl": {"allow": True, "info": ""},
                "greyEmail": False,
                "spf": {"allow": True, "info": "pass"},
                "dkim": {"allow": True, "info": "unknown"},
                "dmarc": {"allow": True, "info": "pass"},
                "permittedSender": {"allow": True, "info": "none"},
                "managedSender": {"allow": True, "info": "unknown"},
            }
            if self.risk is not None:
                processing["verdict"] = {
                    "categories": [{"name": "spam", "risk": self.risk, "subcategories": []}],
                    "decision": "spam" if self.risk in ("medium", "high") else "clean",
                    "description": "",
                    "risk": self.risk,
                }
            spam["spamProcessingDetail"] = processing
        detail["spamInfo"] = spam
        detail["id"] = self.id
        return detail

    def describe(self, held: HeldQueue | None = None) -> dict[str, Any]:
        """Everything, for tests and the admin route."""
        return {
            **self.search_item(held),
            "risk": self.risk,
            "queueReason": self.queue_reason,
            "queueDetailStatus": self.queue_detail_status,
            "messageId": self.message_id,
            "visibleAt": format_api_date(self.visible_at),
            "heldIds": list(self.held_ids),
        }


def _address_matches(value: str, addresses: list[str]) -> bool:
    """`value` is an address (exact, case-insensitive) or a domain (the addresses' domain part)."""
    wanted = value.strip().casefold()
    if "@" in wanted:
        return any(address.casefold() == wanted for address in addresses)
    return any(address.rpartition("@")[2].casefold() == wanted for address in addresses)


def _route_matches(route: str, wanted: set[str]) -> bool:
    return "all" in wanted or route in wanted or ("external" in wanted and route != "internal")


@feature_state("tracking")
class TrackingStore:
    """Tracked messages by tracking id; the held queue (when present) gets an entry per held recipient."""

    def __init__(
        self, *, seed: int, clock: SimClock, features: dict[str, Any] | None = None, size: int = DEFAULT_SIZE
    ) -> None:
        features = features or {}
        self._seed = seed
        self._clock = clock
        self._lock = threading.RLock()
        self._messages: dict[str, TrackedMessage] = {}
        self._counter = 0
        # Importing AccountState and HeldQueue above registers them first, so they are built before this store.
        self._held: HeldQueue | None = features.get("held")
        account: AccountState | None = features.get("account")
        self.domains: list[str] = [*(account.domains if account else []), *OTHER_INTERNAL_DOMAINS]
        self.search_limit = DEFAULT_SEARCH_LIMIT
        self._rng = random.Random(f"tracking:{seed}")
        if self._held is not None:
            for entry in sorted(self._held.all(), key=lambda m: m.id):
                self._mirror_held(entry)
        now = clock.now()
        self.generate(size // 3, now - timedelta(hours=36), now - timedelta(hours=1))
        self.generate(size // 3, now - timedelta(hours=1), now)
        self.generate(size - 2 * (size // 3), now + timedelta(seconds=1), now + timedelta(hours=1))

    def _next_number(self) -> int:
        self._counter += 1
        return self._counter

    def _mirror_held(self, entry: Any) -> None:
        rng = self._rng
        number = self._next_number()
        message = TrackedMessage(
            id=entry.tracking_id,
            status=HELD,
            info=entry.reason,
            route=entry.route.lower(),
            sender=entry.sender,
            recipients=[(entry.recipient, entry.recipient_name)],
            subject=entry.subject,
            received=entry.received,
            sent=entry.received - timedelta(seconds=rng.randint(1, 30)),
            sender_ip=f"203.0.113.{rng.randint(2, 254)}",
            message_id=self._message_id(number, entry.sender),
            header_from=entry.header_from,
            sender_name=entry.sender_name,
            attachments=self._attachments(rng, 1 if entry.has_attachments else 0, number),
            spam_score=rng.randint(0, 40),
            risk=self._pick(rng, _RISK_WEIGHTS),
            queue_reason=entry.policy_info,
            queue_detail_status=entry.reason,
            indexing_delay_s=rng.uniform(0, MAX_INDEXING_DELAY_S),
            held_ids=[entry.id],
        )
        self._messages[message.id] = message

    @staticmethod
    def _pick(rng: random.Random, weights: dict) -> Any:
        return rng.choices(list(weights), weights=list(weights.values()))[0]

    def _message_id(self, number: int, sender: str) -> str:
        digest = hashlib.sha256(f"mid:{self._seed}:{number}".encode()).hexdigest()
        return f"{digest[:24]}.{number}@mail.{sender.rpartition('@')[2]}"

    @staticmethod
    def _attachments(rng: random.Random, count: int, number: int) -> list[Attachment]:
        chosen = rng.sample(_ATTACHMENTS, count)
        return [
            Attachment(
                name, content_type, rng.randint(2_000, 900_000), hashlib.sha256(f"{name}:{number}".encode()).hexdigest()
            )
            for name, content_type in chosen
        ]

    def generate(self, count: int, start: datetime, end: datetime) -> list[TrackedMessage]:
        """Add `count` realistic messages received between `start` and `end` (deterministic for the seed)."""
        added = []
        with self._lock:
            rng = self._rng
            span = max((end - start).total_seconds(), 0.0)
            for _ in range(count):
                route = rng.choice(ROUTES)
                status = self._pick(rng, _STATUS_WEIGHTS)
                internal = rng.choice(self.domains) if self.domains else "simulated.example.com"
                external = rng.choice(EXTERNAL_DOMAINS)
                sender_domain = external if route == "inbound" else internal
                recipient_domain = external if route == "outbound" else internal
                # A held message gets one held-queue entry per recipient; generated ones keep one recipient so
                # that a tracking id names exactly one held-queue entry (what id-taking functions expect).
                users = rng.sample(_USERS, 1 if status == HELD else rng.randint(1, 3))
                sender_user = rng.choice(("billing", "noreply", "it-support", "ceo", "hr", *_USERS))
                if status == HELD:
                    info, queue_reason = rng.choice(HOLD_REASONS)
                    detail_status = info
                else:
                    info = rng.choice(_INFO[status])
                    reasons = _QUEUE_REASONS.get(status)
                    queue_reason = rng.choice(reasons) if reasons else None
                    detail_status = info if reasons else None
                number = self._counter + 1
                received = start + timedelta(seconds=int(rng.uniform(0, span)))
                added.append(
                    self.add(
                        sender=f"{sender_user}@{sender_domain}",
                        recipients=[(f"{user}@{recipient_domain}", user.capitalize()) for user in users],
                        subject=rng.choice(_SUBJECTS).format(n=1000 + number, q=rng.randint(1, 4)),
                        status=status,
                        info=info,
                        route=route,
                        received=received,
                        indexing_delay_s=rng.uniform(0, MAX_INDEXING_DELAY_S),
                        risk=self._pick(rng, _RISK_WEIGHTS),
                        queue_reason=queue_reason,
                        queue_detail_status=detail_status,
                        sender_ip=(
                            f"198.51.100.{rng.randint(2, 254)}"
                            if route == "inbound"
                            else f"10.20.{rng.randint(0, 255)}.{rng.randint(2, 254)}"
                        ),
                        attachment_count=rng.choice((0, 0, 1, 2)),
                        spam_score=rng.randint(0, 60),
                        detection_level=rng.choice(("relaxed", "moderate", "aggressive", "")),
                        fold_message_id=rng.random() < 0.2,
                    )
                )
        return added

    def add(
        self,
        *,
        sender: str,
        recipients: list[str | tuple[str, str]] | str,
        subject: str = "Tracked message",
        status: str = HELD,
        route: str = "inbound",
        received: datetime | None = None,
        info: str | None = None,
        indexing_delay_s: float = 0.0,
        risk: str | None = None,
        queue_reason: str | None = None,
        queue_detail_status: str | None = None,
        sender_ip: str = "198.51.100.7",
        attachments: list[dict] | None = None,
        attachment_count: int = 0,
        tracking_id: str | None = None,
        message_id: str | None = None,
        header_from: str = "",
        sender_name: str = "",
        spam_score: int = 0,
        detection_level: str = "relaxed",
        fold_message_id: bool = False,
        hold_policy: str | None = None,
    ) -> TrackedMessage:
        """Track a message (and hold it per recipient when `status` is held). Times are on the simulator clock."""
        if status not in SEARCH_STATUSES:
            raise ValueError(f"status must be one of {', '.join(SEARCH_STATUSES)}")
        if route not in ROUTES:
            raise ValueError(f"route must be one of {', '.join(ROUTES)}")
        if risk is not None and risk not in RISKS:
            raise ValueError(f"risk must be one of {', '.join(RISKS)} or null")
        if isinstance(recipients, str):
            recipients = [recipients]
        pairs = [(r, "") if isinstance(r, str) else (str(r[0]), str(r[1])) for r in recipients]
        if not pairs:
            raise ValueError("a message needs at least one recipient")
        with self._lock:
            number = self._next_number()
            when = (received or self._clock.now()).replace(microsecond=0)
            rng = random.Random(f"tracking:{self._seed}:{number}")
            if status == HELD and info is None:
                info, default_policy = HOLD_REASONS[number % len(HOLD_REASONS)]
                queue_reason = queue_reason or default_policy
                queue_detail_status = queue_detail_status or info
            message = TrackedMessage(
                id=tracking_id or secure_id("tracking", self._seed, number),
                status=status,
                info=info if info is not None else _INFO.get(status, ("Processing",))[0],
                route=route,
                sender=sender,
                recipients=pairs,
                subject=subject,
                received=when,
                sent=when - timedelta(seconds=rng.randint(0, 20)),
                sender_ip=sender_ip,
                message_id=message_id or self._message_id(number, sender),
                header_from=header_from,
                sender_name=sender_name,
                attachments=(
                    [
                        Attachment(
                            a["filename"],
                            a.get("contentType", "application/octet-stream"),
                            int(a.get("size", 1000)),
                            a.get("sha256") or hashlib.sha256(a["filename"].encode()).hexdigest(),
                        )
                        for a in attachments
                    ]
                    if attachments
                    else self._attachments(rng, attachment_count, number)
                ),
                spam_score=spam_score,
                detection_level=detection_level,
                risk=risk,
                queue_reason=queue_reason,
                queue_detail_status=queue_detail_status,
                indexing_delay_s=float(indexing_delay_s),
                fold_message_id=fold_message_id,
            )
            if message.id in self._messages:
                raise ValueError(f"a message with tracking id {message.id} exists already")
            if status == HELD and self._held is not None:
                policy = hold_policy or queue_reason or HOLD_REASONS[0][1]
                for address, name in pairs:
                    entry = self._held.add(
                        sender=sender,
                        recipient=address,
                        recipient_name=name,
                        subject=subject,
                        reason=message.info,
                        policy_info=policy,
                        received=when,
                        tracking_id=message.id,
                        route=route.upper(),
                        header_from=header_from,
                        sender_name=sender_name,
                        has_attachments=bool(message.attachments),
                        size=5000 + sum(a.size for a in message.attachments),
                    )
                    message.held_ids.append(entry.id)
            self._messages[message.id] = message
            return message

    def get(self, tracking_id: str) -> TrackedMessage | None:
        with self._lock:
            return self._messages.get(tracking_id)

    def visible(self, tracking_id: str, now: datetime) -> TrackedMessage | None:
        message = self.get(tracking_id)
        return message if message is not None and message.visible_at <= now else None

    def all(self) -> list[TrackedMessage]:
        with self._lock:
            return sorted(self._messages.values(), key=lambda m: (m.received, m.id))

    @property
    def held_queue(self) -> HeldQueue | None:
        return self._held

    def search(
        self,
        now: datetime,
        *,
        start: datetime,
        end: datetime,
        statuses: list[str] | None = None,
        routes: list[str] | None = None,
        sender: str | None = None,
        recipient: str | None = None,
        subject: str | None = None,
        sender_ip: str | None = None,
        message_id: str | None = None,
        attachments: bool | None = None,
    ) -> list[TrackedMessage]:
        """Visible messages received in [start, end] matching every given condition, newest first, capped."""
        wanted_routes = set(routes or ["all"])
        found = []
        for message in self.all():
            if message.visible_at > now or not start <= message.received <= end:
                continue
            status, _ = message.current_status(self._held)
            if statuses and status not in statuses:
                continue
            if not _route_matches(message.route, wanted_routes):
                continue
            if sender and not _address_matches(sender, [message.sender, message.from_header]):
                continue
            if recipient and not _address_matches(recipient, [address for address, _ in message.recipients]):
                continue
            if subject and subject.casefold() not in message.subject.casefold():
                continue
            if sender_ip and sender_ip.strip() != message.sender_ip:
                continue
            if message_id and message_id.strip().strip("<>") != message.message_id:
                continue
            if attachments and not message.attachments:
                continue
            found.append(message)
        found.sort(key=lambda m: (m.received, m.id), reverse=True)
        return found[: self.search_limit]


@messages.status_lookup("tracking")
def tracked_message_status(state: SimulatorState, message_id: str) -> str | None:
    """The status message tracking shows for a tracking id (report-message and other id-taking functions)."""
    store = state.features.get("tracking")
    message = store.get(message_id) if store is not None else None
    return message.current_status(store.held_queue)[0] if message is not None else None
