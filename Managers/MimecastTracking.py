"""The connector's exactly-once bookkeeping: state, search window, candidates, their outcomes, commit.

Pure logic without the SDK or HTTP, so it can be tested on its own; docs/CONNECTOR_DESIGN.md explains
why it neither loses nor duplicates a message. Two orders are used: candidates are processed by
(received, tracking id), oldest first; the state compares positions by *key* = (received, digest),
because it keeps digests, not ids. How the window is searched: MimecastTrackingCoverage.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import NamedTuple

from MimecastDataModels import TrackedEmail

STATE_KEY = "mimecast_tracking_state"
STATE_VERSION = 1
# Each window starts this long before the checkpoint: messages Mimecast indexes (or our clock sees) this late are found.
OVERLAP_S = 600
# At most this many remembered ids; a JSON entry is ~30 bytes, so the state stays under STATE_MAX_BYTES.
MAX_SEEN = 4000
STATE_MAX_BYTES = 131_072
# Mimecast searches at most ~30 days back; keep a margin so a start at the edge is not refused.
RETENTION_S = 30 * 86_400
RETENTION_MARGIN_S = 600
# A message whose details fail in this many runs (while other calls succeed) is alerted from the search data alone.
MAX_DETAIL_ATTEMPTS = 3
MAX_ATTEMPT_ENTRIES = 100
DIGEST_CHARS = 16
Key = tuple[int, str]


def digest(tracking_id: str) -> str:
    """Short stable fingerprint of a tracking id (Mimecast's ids are ~150 characters)."""
    return hashlib.sha256(tracking_id.encode("utf-8")).hexdigest()[:DIGEST_CHARS]


@dataclass
class TrackingState:
    """What survives between runs (one connector context property, written once at the end of a run).

    checkpoint: every candidate received before it was processed by a committed run, except messages
        that became visible later (found again because windows start OVERLAP_S before the checkpoint).
    floor: candidates at or below this key are never processed again (first-run start, retention clamp,
        or ids dropped to keep the state bounded).
    seen: digest -> received of processed messages still inside the window.
    attempts: digest -> runs in which the message's details could not be read.
    clock_offset: Mimecast's clock minus the SOAR host's, in seconds, as the last run measured it.
    """

    checkpoint: int | None = None
    floor: Key | None = None
    seen: dict[str, int] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)
    clock_offset: int = 0

    @classmethod
    def from_json(cls, text: str | None) -> "TrackingState":
        """The stored state; ValueError when it cannot be read (the caller decides how to start over)."""
        if not text:
            return cls()
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("v") != STATE_VERSION:
            raise ValueError(f"unknown connector state version {data.get('v') if isinstance(data, dict) else data!r}")
        floor = data.get("floor")
        return cls(
            checkpoint=int(data["checkpoint"]) if data.get("checkpoint") is not None else None,
            floor=(int(floor[0]), str(floor[1])) if floor else None,
            seen={str(k): int(v) for k, v in (data.get("seen") or {}).items()},
            attempts={str(k): int(v) for k, v in (data.get("attempts") or {}).items()},
            clock_offset=int(data.get("clock") or 0),
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "v": STATE_VERSION,
                "checkpoint": self.checkpoint,
                "floor": list(self.floor) if self.floor else None,
                "seen": dict(sorted(self.seen.items(), key=lambda item: (item[1], item[0]))),
                "attempts": self.attempts,
                "clock": self.clock_offset,
            },
            separators=(",", ":"),
        )

    def failed_before(self, tracking_id: str) -> int:
        return self.attempts.get(digest(tracking_id), 0)


class RunWindow(NamedTuple):
    """The search window of one run and the positions it starts from (unix seconds)."""

    start: int
    end: int
    checkpoint: int
    floor: Key
    first_run: bool
    clamped_from: int | None

    def is_before_floor(self, key: Key) -> bool:
        return key <= self.floor


def plan_window(state: TrackingState, now_s: int, max_hours_backwards: int) -> RunWindow:
    """First run: the last `max_hours_backwards`; later: OVERLAP_S before the checkpoint; never past retention."""
    if state.checkpoint is None:
        start = now_s - max_hours_backwards * 3600
        floor: Key = (start, "")
        checkpoint = start
    else:
        floor = state.floor or (0, "")
        checkpoint = state.checkpoint
        start = max(checkpoint - OVERLAP_S, floor[0])
    earliest = now_s - RETENTION_S + RETENTION_MARGIN_S
    clamped_from = None
    if start < earliest:
        clamped_from, start = start, earliest
        floor = max(floor, (earliest, ""))
        checkpoint = max(checkpoint, earliest)
    return RunWindow(start, max(now_s, start), checkpoint, floor, state.checkpoint is None, clamped_from)


class Candidate(NamedTuple):
    tracked: TrackedEmail
    received: int
    digest: str

    @property
    def id(self) -> str:
        return self.tracked.id

    @property
    def key(self) -> Key:
        return (self.received, self.digest)


class Selection(NamedTuple):
    """The messages the searches found, each once (the searches of both directions can return the same one)."""

    candidates: list[Candidate]
    already_seen: int
    below_floor: int
    undated: list[str]

    def summary(self) -> str:
        """One log line whose numbers add up: found = not processed yet + already processed + before + undated."""
        found = len(self.candidates) + self.already_seen + self.below_floor + len(self.undated)
        undated = f", {len(self.undated)} without a received time" if self.undated else ""
        return (
            f"{found} tracked message(s) found: {len(self.candidates)} not processed yet, {self.already_seen} "
            f"already processed, {self.below_floor} before the window{undated}."
        )


def select_candidates(state: TrackingState, window: RunWindow, found: Iterable[TrackedEmail]) -> Selection:
    """Merge the searches by tracking id, drop what was processed, order by (received, id)."""
    merged: dict[str, TrackedEmail] = {}
    for tracked in found:
        merged.setdefault(tracked.id, tracked)
    candidates, seen, below, undated = [], 0, 0, []
    for tracked in merged.values():
        if tracked.received is None:
            undated.append(tracked.id)
            continue
        candidate = Candidate(tracked, int(tracked.received.timestamp()), digest(tracked.id))
        if candidate.received < window.start or window.is_before_floor(candidate.key):
            below += 1
        elif candidate.digest in state.seen:
            seen += 1
        else:
            candidates.append(candidate)
    candidates.sort(key=lambda c: (c.received, c.id))
    return Selection(candidates, seen, below, undated)


class Outcome(Enum):
    """What a run did with one candidate. The commit follows from it: whether the candidate was processed (the
    checkpoint may pass it), remembered in `seen`, or counted as a failed attempt."""

    ALERTED = "alerted"  # its alert was built (and handed over, unless the platform's overflow check took it)
    FILTERED = "filtered"  # a filter dropped it after its details were read
    LISTED = "listed"  # the allowlist dropped it on the search data alone: the same answer next time
    FAILED = "failed"  # its details (or the hold list, if held) could not be read
    WAITING = "waiting"  # not reached: beyond the batch, out of time, or stopped by the rate limit

    @property
    def processed(self) -> bool:
        return self in (Outcome.ALERTED, Outcome.FILTERED, Outcome.LISTED)

    @property
    def remembered(self) -> bool:
        return self in (Outcome.ALERTED, Outcome.FILTERED)


def commit_outcomes(
    state: TrackingState,
    window: RunWindow,
    candidates: list[Candidate],
    outcomes: Mapping[str, Outcome],
    count_failures: bool,
) -> "Commit":
    """`commit` for a run whose candidates (tracking id -> outcome; absent: WAITING) ended as `outcomes`.

    `count_failures`: whether FAILED counts as an attempt (only when Mimecast answered other calls of the run).
    """
    processed = {tracking_id: outcome.remembered for tracking_id, outcome in outcomes.items() if outcome.processed}
    failed = [tracking_id for tracking_id, outcome in outcomes.items() if outcome is Outcome.FAILED]
    return commit(state, window, candidates, processed, failed, count_failures)


class Commit(NamedTuple):
    state: TrackingState
    # Processed this run but given back (their alerts must not be returned) so the state stays bounded.
    withdrawn: set[str]
    dropped: int


def commit(
    state: TrackingState,
    window: RunWindow,
    candidates: list[Candidate],
    processed: Mapping[str, bool],
    failed: Iterable[str] = (),
    count_failures: bool = False,
) -> Commit:
    """The state after this run, if the run is committed.

    `processed`: tracking id -> whether to remember it (True: alerted, overflowed or filtered after its
    details; False: filtered from the search data alone, which gives the same answer next time).
    `failed`: ids whose details could not be read; counted as an attempt when `count_failures`.
    """
    unprocessed = [c for c in candidates if c.id not in processed]
    first_open: Key | None = min((c.key for c in unprocessed), default=None)
    reached = min((c.received for c in unprocessed), default=window.end)
    checkpoint = max(window.checkpoint, min(window.end, reached))
    floor = window.floor
    new_entries = {c.digest: c.received for c in candidates if processed.get(c.id)}
    seen = {**state.seen, **new_entries}
    seen = _inside(seen, checkpoint, floor)

    dropped = 0
    if len(seen) > MAX_SEEN:
        droppable = sorted(
            (received, entry)
            for entry, received in seen.items()
            if first_open is None or (received, entry) < first_open
        )
        for key in droppable[: len(seen) - MAX_SEEN]:
            del seen[key[1]]
            floor = max(floor, key)
            dropped += 1
        seen = _inside(seen, checkpoint, floor)

    withdrawn: set[str] = set()
    if len(seen) > MAX_SEEN:
        newest_first = sorted((c for c in candidates if c.digest in new_entries), key=lambda c: c.key, reverse=True)
        for candidate in newest_first:
            if len(seen) <= MAX_SEEN:
                break
            if candidate.digest in seen:
                del seen[candidate.digest]
                withdrawn.add(candidate.id)

    open_digests = {c.digest for c in unprocessed} | {c.digest for c in candidates if c.id in withdrawn}
    attempts = {d: n for d, n in state.attempts.items() if d in open_digests}
    if count_failures:
        for tracking_id in failed:
            d = digest(tracking_id)
            if d in open_digests:
                attempts[d] = attempts.get(d, 0) + 1
    if len(attempts) > MAX_ATTEMPT_ENTRIES:
        attempts = dict(sorted(attempts.items(), key=lambda item: -item[1])[:MAX_ATTEMPT_ENTRIES])
    return Commit(TrackingState(checkpoint, floor, seen, attempts, state.clock_offset), withdrawn, dropped)


def _inside(seen: dict[str, int], checkpoint: int, floor: Key) -> dict[str, int]:
    """Entries that a later window can still return: received within OVERLAP_S of the checkpoint, above the floor."""
    start = max(checkpoint - OVERLAP_S, floor[0])
    return {d: r for d, r in seen.items() if r >= start and (r, d) > floor}
