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
import random
import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from simulator import messages
from simulator.account import AccountState
from simulator.clock import SimClock
from simulator.held import HELD, HOLD_REASONS, HeldQueue, secure_id
from simulator.registry import feature_state
from simulator.tracked_message import Attachment, TrackedMessage

if TYPE_CHECKING:
    from simulator.state import SimulatorState

# Statuses the connector filters on, and every value API 2.0 accepts in a search.
STATUSES = ("delivery", "held", "accepted", "bounced", "deferred", "rejected", "archived")
SEARCH_STATUSES = messages.TRACKING_STATUSES
ROUTES = ("inbound", "outbound", "internal")
SEARCH_ROUTES = ("all", "internal", "outbound", "inbound", "external")
RISKS = ("negligible", "low", "medium", "high")
MAX_INDEXING_DELAY_S = 120
# get-message-info's `sent` is when Mimecast processed the message: at or after `received`, by at most this.
MAX_PROCESSING_S = 30
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
# Where generated messages link to (a message's body carries its URLs).
LINK_HOSTS = ("login.account-verify.example.net", "docs.files-share.example.info", "pay.billing-notice.example.org")
LINK_PATHS = ("login", "invoice/view", "s/Q3jhCqj0", "reset-password", "shared/document")
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
ATTACHMENT_TYPES = (
    ("invoice.pdf", "application/pdf"),
    ("statement.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("photo.jpg", "image/jpeg"),
    ("setup.exe", "application/x-msdownload"),
    ("notes.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
)


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
            header_date=entry.received - timedelta(seconds=rng.randint(1, 30)),
            processing_s=self._processing_delay(number),
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
            urls=self._generated_urls(number, entry.sender.rpartition("@")[2]),
        )
        entry.sender_ip = entry.sender_ip or message.sender_ip
        self._messages[message.id] = message

    def _processing_delay(self, number: int) -> int:
        # A stream of its own, so the other generated values stay what they were for a seed.
        return random.Random(f"processing:{self._seed}:{number}").randint(0, MAX_PROCESSING_S)

    @staticmethod
    def _pick(rng: random.Random, weights: dict) -> Any:
        return rng.choices(list(weights), weights=list(weights.values()))[0]

    def _message_id(self, number: int, sender: str) -> str:
        digest = hashlib.sha256(f"mid:{self._seed}:{number}".encode()).hexdigest()
        return f"{digest[:24]}.{number}@mail.{sender.rpartition('@')[2]}"

    @staticmethod
    def _attachments(rng: random.Random, count: int, number: int) -> list[Attachment]:
        chosen = rng.sample(ATTACHMENT_TYPES, count)
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
                        urls=self._generated_urls(number, sender_domain),
                    )
                )
        return added

    def _generated_urls(self, number: int, sender_domain: str) -> list[str]:
        # A stream of its own, so the other generated values stay what they were for a seed.
        rng = random.Random(f"urls:{self._seed}:{number}")
        if rng.random() >= 0.4:
            return []
        host = rng.choice((f"www.{sender_domain}", *LINK_HOSTS))
        return [f"https://{host}/{rng.choice(LINK_PATHS)}?ref={number}"]

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
        processing_s: int | None = None,
        urls: list[str] | None = None,
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
                header_date=when - timedelta(seconds=rng.randint(0, 20)),
                processing_s=self._processing_delay(number) if processing_s is None else int(processing_s),
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
                urls=[str(url) for url in urls or []],
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
                        sender_ip=sender_ip,
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
        url: str | None = None,
    ) -> list[TrackedMessage]:
        """Visible messages received in [start, end] matching every given condition, newest first (uncapped)."""
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
            if url and not any(url.strip().casefold() in link.casefold() for link in message.urls):
                continue
            found.append(message)
        found.sort(key=lambda m: (m.received, m.id), reverse=True)
        return found


@messages.status_lookup("tracking")
def tracked_message_status(state: SimulatorState, message_id: str) -> str | None:
    """The status message tracking shows for a tracking id (report-message and other id-taking functions)."""
    store = state.features.get("tracking")
    message = store.get(message_id) if store is not None else None
    return message.current_status(store.held_queue)[0] if message is not None else None
