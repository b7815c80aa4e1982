"""Managed senders: per-recipient permit / block entries (`/api/managedsender/permit-or-block-sender`).

One entry per (sender, recipient) pair: permitting a blocked sender turns the same entry into a permit,
with the same id, as Mimecast's `MTOKEN:` ids do (managedsender_permit.json / managedsender_block.json).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simulator.clock import SimClock
from simulator.dates import format_api_date
from simulator.held import secure_id
from simulator.registry import feature_state

PERMIT = "permit"
BLOCK = "block"
ENTRY_TYPES = {PERMIT: "Permit", BLOCK: "Block"}


@dataclass
class ManagedSender:
    id: str
    sender: str
    to: str
    type: str
    updated: str

    def to_json(self) -> dict[str, Any]:
        """The response item."""
        return {"id": self.id, "sender": self.sender, "to": self.to, "type": self.type}

    def describe(self) -> dict[str, Any]:
        return {**self.to_json(), "updated": self.updated}


@feature_state("managed_senders")
class ManagedSenders:
    def __init__(self, *, seed: int, clock: SimClock) -> None:
        self._seed = seed
        self._clock = clock
        self._entries: dict[str, ManagedSender] = {}

    def apply(self, sender: str, to: str, action: str) -> ManagedSender:
        """Permit or block `sender` for the internal recipient `to`; returns the entry created or changed."""
        key = f"{to.lower()}|{sender.lower()}"
        entry = ManagedSender(
            id="MTOKEN:" + secure_id("managed-sender", self._seed, key),
            sender=sender,
            to=to,
            type=ENTRY_TYPES[action],
            updated=format_api_date(self._clock.now()),
        )
        self._entries.pop(key, None)
        self._entries[key] = entry
        return entry

    def entries(self) -> list[ManagedSender]:
        """Every entry, most recently created or changed last."""
        return list(self._entries.values())
