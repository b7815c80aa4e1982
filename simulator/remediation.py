"""Threat remediation: incidents that remove delivered messages from mailboxes (/api/ttp/remediation/*).

An incident is created by Internet Message-ID, attachment hash (SHA-256, SHA-1 or MD5) or URL within a time
window. It identifies every copy (message, recipient) of a delivered (archived) tracked message that matches,
and removes them one by one, `step_s` seconds apart on the simulator clock, so the counts of get-incident
rise over time deterministically (freeze the clock and advance it in tests; `step_s=0` removes at once).
A copy in a mailbox of the tenant's domains is removed; one on another domain (outbound mail) fails.
Message tracking then shows the removed copies (see TrackedMessage.removals).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

from simulator.clock import SimClock
from simulator.dates import format_api_date
from simulator.held import secure_id
from simulator.registry import feature_state
from simulator.tracked_message import TrackedMessage
from simulator.tracking import TrackingStore
from simulator.validation import ItemInvalid, one_of, optional_date, required_string

SEARCH_BY = ("hash", "messageId", "url")
TYPES = ("notify_only", "automatic", "manual", "restored")
DEFAULT_STEP_S = 2.0
_HASH = re.compile(r"^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$")
REMOVED, FAILED = "removed", "failed"


@dataclass
class Copy:
    tracking_id: str
    recipient: str
    due: datetime
    outcome: str  # REMOVED or FAILED once `due` has passed


@dataclass
class Incident:
    id: str
    code: str
    reason: str
    type: str
    created: datetime
    criteria: dict[str, str]
    copies: list[Copy] = field(default_factory=list)

    def done(self, now: datetime) -> list[Copy]:
        return [copy for copy in self.copies if copy.due <= now]

    def to_json(self, now: datetime) -> dict[str, Any]:
        """The incident as create, get-incident and find-incidents answer it, counts as of `now`."""
        done = self.done(now)
        modified = max([self.created, *(copy.due for copy in done)])
        return {
            "id": self.id,
            "code": self.code,
            "type": self.type,
            "reason": self.reason,
            "identified": len(self.copies),
            "successful": sum(copy.outcome == REMOVED for copy in done),
            "failed": sum(copy.outcome == FAILED for copy in done),
            "restored": 0,
            "create": format_api_date(self.created),
            "modified": format_api_date(modified),
            "searchCriteria": dict(self.criteria),
        }

    def describe(self, now: datetime) -> dict[str, Any]:
        copies = [
            {
                "trackingId": c.tracking_id,
                "recipient": c.recipient,
                "due": format_api_date(c.due),
                "outcome": c.outcome if c.due <= now else "pending",
            }
            for c in self.copies
        ]
        return {**self.to_json(now), "copies": copies}


def _criterion(item: dict) -> tuple[str, str]:
    """(searchBy, the Message-ID / hash / URL to look for), or ItemInvalid."""
    search_by = one_of(item, "searchBy", SEARCH_BY, default="hash")
    if search_by == "url":
        return search_by, required_string(item, "url")
    value = required_string(item, "hashOrMessageId").strip()
    if search_by == "hash" and not _HASH.match(value):
        raise ItemInvalid("hashOrMessageId", "err_validation_invalid_value", "Not an MD5, SHA-1 or SHA-256 hash")
    if search_by == "messageId" and not (value.startswith("<") and value.endswith(">")):
        raise ItemInvalid("hashOrMessageId", "err_validation_invalid_value", "A Message-ID must be enclosed in < >")
    return search_by, value


def _matches(message: TrackedMessage, search_by: str, value: str) -> bool:
    if search_by == "messageId":
        return message.message_id == value[1:-1].strip()
    if search_by == "hash":
        return any(attachment.has_hash(value) for attachment in message.attachments)
    wanted = value.strip().rstrip("/").casefold()
    return any(url.rstrip("/").casefold() == wanted for url in message.urls)


@feature_state("remediation")
class RemediationIncidents:
    def __init__(
        self, *, seed: int, clock: SimClock, features: dict[str, Any] | None = None, step_s: float = DEFAULT_STEP_S
    ) -> None:
        # Importing TrackingStore above registers it first, so it is built before these incidents.
        self._tracking: TrackingStore | None = (features or {}).get("tracking")
        self._seed = seed
        self._clock = clock
        self.step_s = float(step_s)
        self._incidents: dict[str, Incident] = {}

    def create(self, item: dict, now: datetime) -> Incident:
        """Validate a create item, identify the matching copies and schedule their removal."""
        reason = required_string(item, "reason")
        search_by, value = _criterion(item)
        end = optional_date(item, "end") or now
        start = optional_date(item, "start") or end - relativedelta(months=1)
        if end < start:
            raise ItemInvalid("end", "err_validation_invalid_value", "end must not be before start")
        number = len(self._incidents) + 1
        criteria = {"from": "", "to": "", "start": format_api_date(start), "end": format_api_date(end)}
        criteria.update(messageId="", fileHash="", url="", subject="", restoreCode="", unremediateCode="")
        criteria[{"messageId": "messageId", "hash": "fileHash", "url": "url"}[search_by]] = value
        incident = Incident(
            id=secure_id("remediation", self._seed, number),
            code=f"TR-{self._seed % 10000:04d}-{number:05d}-A",
            reason=reason,
            type="manual",
            created=now,
            criteria=criteria,
        )
        for message in self._candidates(now, start, end):
            if not _matches(message, search_by, value):
                continue
            for address, _name in message.recipients:
                if address in message.removals:
                    continue  # already removed (or being removed) by an earlier incident
                due = now + timedelta(seconds=self.step_s * (len(incident.copies) + 1))
                internal = address.rpartition("@")[2].lower() in {d.lower() for d in self._tracking.domains}
                incident.copies.append(Copy(message.id, address, due, REMOVED if internal else FAILED))
                if internal:
                    message.removals[address] = (due, incident.code)
        self._incidents[incident.id] = incident
        return incident

    def _candidates(self, now: datetime, start: datetime, end: datetime) -> list[TrackedMessage]:
        """Delivered messages the tracking index shows, received within [start, end]."""
        if self._tracking is None:
            return []
        held = self._tracking.held_queue
        return [
            message
            for message in self._tracking.all()
            if message.visible_at <= now
            and start <= message.received <= end
            and message.current_status(held)[0] == "archived"
        ]

    def get(self, incident_id: str) -> Incident | None:
        return self._incidents.get(incident_id)

    def all(self) -> list[Incident]:
        """Every incident, newest first."""
        return sorted(self._incidents.values(), key=lambda i: (i.created, i.code), reverse=True)
