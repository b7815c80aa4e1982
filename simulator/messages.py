"""Message statuses across features, for the functions that take the id of any message (report-message).

Mimecast knows a message in several places: the held queue, the archive, message tracking. Each simulator
feature that holds messages registers a lookup, `fn(state, message_id) -> status | None`, with
`@status_lookup("<feature>")`; `message_status(state, id)` asks ids declared through the admin API first,
then every lookup in registration order, and answers the first status found. Statuses use message
tracking's vocabulary (`TRACKING_STATUSES`).

Registering a feature (e.g. in simulator/archive.py, next to its state class):

    @status_lookup("archive")
    def _archived_status(state, message_id):
        archive = state.features.get("archive")
        return ARCHIVED if archive is not None and archive.find(message_id) else None
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from simulator.clock import SimClock
from simulator.dates import format_api_date
from simulator.registry import feature_state

if TYPE_CHECKING:
    from simulator.state import SimulatorState

HELD = "held"
ARCHIVED = "archived"
BOUNCED = "bounced"
REJECTED = "rejected"
DELIVERY = "delivery"
# /api/message-finder/search `status` values (Mimecast's API 2.0 documentation).
TRACKING_STATUSES = (
    "processing",
    DELIVERY,
    "system",
    HELD,
    "accepted",
    "bulk_processing",
    "bulk_delivery",
    BOUNCED,
    "deferred",
    REJECTED,
    ARCHIVED,
)

StatusLookup = Callable[["SimulatorState", str], str | None]
_LOOKUPS: dict[str, StatusLookup] = {}


def status_lookup(feature: str) -> Callable[[StatusLookup], StatusLookup]:
    """Register the function that tells the status of a message `feature` knows (None: not known there)."""

    def register(lookup: StatusLookup) -> StatusLookup:
        _LOOKUPS[feature] = lookup
        return lookup

    return register


def registered_lookups() -> tuple[str, ...]:
    return tuple(_LOOKUPS)


def message_status(state: SimulatorState, message_id: str) -> str | None:
    declared = state.features.get("messages")
    if declared is not None and (status := declared.status(message_id)) is not None:
        return status
    for lookup in _LOOKUPS.values():
        status = lookup(state, message_id)
        if status is not None:
            return status
    return None


@feature_state("messages")
class MessageDirectory:
    """Message ids declared by tests with a status, and every message reported to Mimecast."""

    def __init__(self, *, seed: int, clock: SimClock) -> None:
        self._clock = clock
        self._declared: dict[str, str] = {}
        self.reports: list[dict[str, Any]] = []

    def declare(self, message_id: str, status: str) -> None:
        if not isinstance(message_id, str) or not message_id.strip():
            raise ValueError("'id' must be a non-empty string")
        if status not in TRACKING_STATUSES:
            raise ValueError(f"'status' must be one of {', '.join(TRACKING_STATUSES)}")
        self._declared[message_id] = status

    def status(self, message_id: str) -> str | None:
        return self._declared.get(message_id)

    def declared(self) -> dict[str, str]:
        return dict(self._declared)

    def report(self, message_id: str, status: str, report_type: str, comment: str | None) -> dict[str, Any]:
        entry = {
            "id": message_id,
            "status": status,
            "type": report_type,
            "comment": comment,
            "at": format_api_date(self._clock.now()),
        }
        self.reports.append(entry)
        return entry
