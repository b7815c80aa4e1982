"""The held queue: messages Mimecast holds for review, by held-queue id (what hold-release/hold-reject take).

Each held message also carries the message-finder tracking id of the same message, so the tracking
feature and the message-finder endpoints can refer to it; the hold list itself never shows it, as
in Mimecast.
"""

from __future__ import annotations

import base64
import hashlib
import random
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from simulator import messages
from simulator.account import tenant_domains
from simulator.clock import SimClock
from simulator.dates import format_api_date
from simulator.registry import feature_state

if TYPE_CHECKING:
    from simulator.state import SimulatorState

HELD = "held"
RELEASED = "released"
REJECTED = "rejected"

# Hold reasons as Mimecast words them (reason text, policy name shown in policyInfo).
HOLD_REASONS = (
    ("Message Hold Applied - Spam Signature policy", "Relaxed Spam Detection"),
    ("Message Hold Applied - Content examination policy", "Malicious Attachment"),
    ("Message Hold Applied - Attachment Management policy", "Block Dangerous File Types"),
    ("Message Hold Applied - Impersonation Protection policy", "Impersonation Protect"),
    ("Message Hold Applied - Fraud Alert policy", "Fraud Alert"),
)
_SUBJECTS = (
    "Invoice #{n} overdue",
    "Your mailbox is almost full",
    "Urgent wire transfer request",
    "Shared document: Q{q} results",
    "Delivery failed: action required",
    "Password expires today",
)
_EXTERNAL_DOMAINS = ("mailer.example.net", "billing-notice.example.org", "files-share.example.info")
_USERS = ("alice", "bob", "carol", "dave", "erin", "frank")


def secure_id(kind: str, seed: int, number: int | str) -> str:
    """A Mimecast-looking opaque id (`eNp…`), deterministic for a seed, kind and number (or other key)."""
    digest = hashlib.sha256(f"{kind}:{seed}:{number}".encode()).digest() * 3
    return "eNp" + base64.urlsafe_b64encode(digest).decode().rstrip("=")[:117]


@dataclass
class HeldMessage:
    id: str
    tracking_id: str
    reason: str
    policy_info: str
    sender: str
    recipient: str
    subject: str
    received: datetime
    route: str = "INBOUND"
    sender_name: str = ""
    recipient_name: str = ""
    header_from: str = ""
    has_attachments: bool = False
    size: int = 4096
    sender_ip: str = ""
    held_group: str = "administrator"  # which queue holds it: administrator, moderator, user or cluster
    status: str = HELD
    outcome: dict[str, Any] = field(default_factory=dict)

    @property
    def reason_id(self) -> str:
        return self.reason.upper().replace(" - ", "_").replace(" ", "_")

    @property
    def reason_code(self) -> str:
        return self.reason_id.lower()

    def to_json(self) -> dict[str, Any]:
        """The item of /api/gateway/get-hold-message-list."""
        return {
            "id": self.id,
            "reason": self.reason,
            "reasonId": self.reason_id,
            "reasonCode": self.reason_code,
            "from": {"emailAddress": self.sender, "displayableName": self.sender_name},
            "fromHeader": {"emailAddress": self.header_from or self.sender, "displayableName": self.sender_name},
            "to": {"emailAddress": self.recipient, "displayableName": self.recipient_name},
            "subject": self.subject,
            "route": self.route,
            "hasAttachments": self.has_attachments,
            "size": self.size,
            "dateReceived": format_api_date(self.received),
            "policyInfo": self.policy_info,
        }

    def describe(self) -> dict[str, Any]:
        """Everything, for tests and the admin route (includes the tracking id and outcome)."""
        return {
            **self.to_json(),
            "trackingId": self.tracking_id,
            "senderIP": self.sender_ip,
            "heldGroup": self.held_group,
            "status": self.status,
            "outcome": self.outcome,
        }


@feature_state("held")
class HeldQueue:
    """Held messages by held-queue id; a released or rejected message leaves the queue."""

    def __init__(self, *, seed: int, clock: SimClock, size: int = 12) -> None:
        self._seed = seed
        self._clock = clock
        self._lock = threading.RLock()
        self._messages: dict[str, HeldMessage] = {}
        self._counter = 0
        rng = random.Random(f"held:{seed}")
        now = clock.now()
        domain = tenant_domains(seed)[0]
        for number in range(size):
            reason, policy = rng.choice(HOLD_REASONS)
            user = rng.choice(_USERS)
            self.add(
                sender=f"{rng.choice(('billing', 'noreply', 'it-support', 'ceo'))}@{rng.choice(_EXTERNAL_DOMAINS)}",
                recipient=f"{user}@{domain}",
                recipient_name=user.capitalize(),
                subject=rng.choice(_SUBJECTS).format(n=1000 + number, q=rng.randint(1, 4)),
                reason=reason,
                policy_info=policy,
                received=now - timedelta(minutes=rng.randint(5, 7 * 24 * 60)),
                has_attachments=rng.random() < 0.4,
                size=rng.randint(2_000, 250_000),
            )

    def add(
        self,
        *,
        sender: str,
        recipient: str,
        subject: str,
        reason: str = HOLD_REASONS[0][0],
        policy_info: str = HOLD_REASONS[0][1],
        received: datetime | None = None,
        tracking_id: str | None = None,
        route: str = "INBOUND",
        **details: Any,
    ) -> HeldMessage:
        """Hold a message. `details`: sender_name, recipient_name, header_from, has_attachments, size, sender_ip,
        held_group."""
        with self._lock:
            self._counter += 1
            message = HeldMessage(
                id=secure_id("held", self._seed, self._counter),
                tracking_id=tracking_id or secure_id("tracking-held", self._seed, self._counter),
                reason=reason,
                policy_info=policy_info,
                sender=sender,
                recipient=recipient,
                subject=subject,
                received=(received or self._clock.now()).replace(microsecond=0),
                route=route,
                **details,
            )
            self._messages[message.id] = message
            return message

    def get(self, held_id: str) -> HeldMessage | None:
        with self._lock:
            return self._messages.get(held_id)

    def by_tracking_id(self, tracking_id: str) -> HeldMessage | None:
        with self._lock:
            return next((m for m in self._messages.values() if m.tracking_id == tracking_id), None)

    def find(self, message_id: str) -> HeldMessage | None:
        """The message by held-queue id or by the tracking id of the same message."""
        return self.get(message_id) or self.by_tracking_id(message_id)

    def held(self) -> list[HeldMessage]:
        """Messages in the queue now, newest first (as the hold list shows them).

        Message tracking schedules messages received in the near future; they join the queue on arrival.
        """
        now = self._clock.now()
        with self._lock:
            waiting = [m for m in self._messages.values() if m.status == HELD and m.received <= now]
        return sorted(waiting, key=lambda m: (m.received, m.id), reverse=True)

    def all(self) -> list[HeldMessage]:
        with self._lock:
            return list(self._messages.values())

    def release(self, held_id: str, **outcome: Any) -> bool:
        """True when the message was held and is now released; False when unknown or no longer held."""
        return self._leave(held_id, RELEASED, outcome)

    def reject(self, held_id: str, **outcome: Any) -> bool:
        """True when the message was held and is now rejected; `outcome` records message/reasonType/notify."""
        return self._leave(held_id, REJECTED, outcome)

    def _leave(self, held_id: str, status: str, outcome: dict[str, Any]) -> bool:
        with self._lock:
            message = self._messages.get(held_id)
            if message is None or message.status != HELD:
                return False
            message.status = status
            message.outcome = {**outcome, "at": format_api_date(self._clock.now())}
            return True


# A released message is delivered and then archived, as message tracking shows it.
_TRACKING_STATUS = {HELD: messages.HELD, RELEASED: messages.ARCHIVED, REJECTED: messages.REJECTED}


@messages.status_lookup("held")
def held_message_status(state: SimulatorState, message_id: str) -> str | None:
    queue = state.features.get("held")
    message = queue.find(message_id) if queue is not None else None
    return _TRACKING_STATUS[message.status] if message is not None else None
