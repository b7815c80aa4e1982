"""The connector's exactly-once bookkeeping: state, search window (and its search: cover_window), candidates, commit.

Pure logic without the SDK or HTTP, so it can be tested on its own; docs/CONNECTOR_DESIGN.md explains
why it neither loses nor duplicates a message. Two orders are used: candidates are processed by
(received, tracking id), oldest first; the state compares positions by *key* = (received, digest),
because it keeps digests, not ids.
"""

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
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
# Mimecast documents no paging for message-finder search, and answers at most this many messages: an answer this
# long may have been cut short. A window is searched in pieces narrow enough that every answer is shorter.
SEARCH_CAP = 500
# The next piece is sized to hold about this many messages at the density of the one before.
SEARCH_TARGET = 400
# Rounds of searches (each: every domain in both directions) one run may make; the run's time budget comes first.
MAX_SEARCH_ROUNDS = 100

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


# One round of searches over [start, end]: the answer of each search (every domain, both directions).
Search = Callable[[int, int], Sequence[Sequence[TrackedEmail]]]


class Coverage(NamedTuple):
    """What the searches of a run returned, and how much of its window they covered completely."""

    found: list[TrackedEmail]
    # [start, end] was searched in pieces whose every answer was complete, except the `cut` seconds.
    end: int
    # Seconds s whose piece [s, s + 1] still had an answer of SEARCH_CAP messages: Mimecast may have left some out.
    cut: list[int]
    # The part before the checkpoint was searched up to here; less than the checkpoint when the run ran out of rounds.
    overlap_end: int
    rounds: int


def cover_window(
    search: Search,
    start: int,
    end: int,
    checkpoint: int,
    enough: Callable[[list[TrackedEmail]], bool],
    may_continue: Callable[[], bool],
) -> Coverage:
    """Search [start, end] in pieces that Mimecast answers in full, from the checkpoint forward first.

    One search of the whole window is enough unless an answer holds SEARCH_CAP messages. Then the new part
    [checkpoint, end] is covered piece by piece from the checkpoint: a piece whose answer is full is halved, a
    complete one is kept and the next is sized by its density, until `enough(found)` says the run has work
    enough, the window ends, or `may_continue()` says the run's search time is spent. A piece of one second that
    is still full is taken as it is (`cut`). The new part comes first so that every run moves on; the part before
    the checkpoint (searched again for messages Mimecast indexes late) is covered next, with the rounds left.
    """
    first = search(start, end)
    if _complete(first):
        return Coverage(_within(first, start, end), end, [], max(start, min(checkpoint, end)), 1)
    split = max(start, min(checkpoint, end))
    pieces = _Pieces(search, may_continue)
    # When the new part is the whole window, that first search said it is full.
    new_end, found = pieces.cover(split, end, enough, full_end=end if split == start else None)
    overlap_end, overlap = pieces.cover(start, split, lambda _found: False)
    return Coverage(overlap + found, new_end, pieces.cut, overlap_end, pieces.rounds)


class _Pieces:
    def __init__(self, search: Search, may_continue: Callable[[], bool]) -> None:
        self._search = search
        self._may_continue = may_continue
        self.rounds = 1
        self.cut: list[int] = []

    def cover(
        self, start: int, end: int, enough: Callable[[list[TrackedEmail]], bool], full_end: int | None = None
    ) -> tuple[int, list[TrackedEmail]]:
        """(how far [start, end] got covered, what its pieces returned); `full_end`: [start, full_end] is known full.

        Each piece starts where the last one ended. Its end is first guessed from the density of the last piece
        (about SEARCH_TARGET messages); a full answer bisects between the largest complete end and the smallest
        full one, until the piece holds at least half of SEARCH_TARGET or cannot grow: finding the edge of a dense
        part takes log2 of the window's seconds rounds (22 for 30 days), and a steady flow one round per piece.
        """
        covered, found = start, list[TrackedEmail]()
        guess = end - start
        while covered < end and self._budget_left():
            if found and enough(found):
                break
            complete_end: int | None = None
            complete: Sequence[Sequence[TrackedEmail]] = ()
            full = full_end
            piece_end = min(end, covered + max(1, guess)) if full is None else max(covered + 1, (covered + full) // 2)
            while True:
                answers = self._search(covered, piece_end)
                self.rounds += 1
                if _complete(answers):
                    complete_end, complete = piece_end, answers
                    filled = _largest(answers) >= SEARCH_TARGET // 2
                    if piece_end == end or full is None or filled or full - piece_end <= 1:
                        break
                else:
                    full = piece_end
                    if full - (complete_end or covered) <= 1:
                        break
                if not self._budget_left():
                    break
                piece_end = max(covered + 1, ((complete_end or covered) + full) // 2)
            full_end = None
            if complete_end is None:
                if full != covered + 1:
                    break
                found += self._one_second(covered, answers)
                covered, guess = covered + 1, 1
                continue
            found += _within(complete, covered, complete_end)
            width = complete_end - covered
            guess = width * SEARCH_TARGET // max(_largest(complete), 1)
            if full is not None:
                guess = min(guess, full - complete_end)
            covered = complete_end
        return covered, found

    def _budget_left(self) -> bool:
        return self.rounds < MAX_SEARCH_ROUNDS and self._may_continue()

    def _one_second(self, second: int, answers: Sequence[Sequence[TrackedEmail]]) -> list[TrackedEmail]:
        """The messages of `second`, whose piece [second, second + 1] still had a full answer.

        Mimecast's times are whole seconds, so that piece holds two of them: [second, second] asks for this one
        alone. If its answer is full too, or the full answer showed a message of this second that it lacks
        (Mimecast keeps finer times than it shows), the second is `cut`: what Mimecast left out is missed.
        """
        of_this_second = _within(answers, second, second)
        if not self._budget_left():
            self.cut.append(second)
            return of_this_second
        alone = self._search(second, second)
        self.rounds += 1
        shown = {t.id for answer in alone for t in answer}
        if not _complete(alone) or any(t.id not in shown for t in of_this_second if t.received is not None):
            self.cut.append(second)
        return of_this_second + _within(alone, second, second)


def _largest(answers: Sequence[Sequence[TrackedEmail]]) -> int:
    return max((len(answer) for answer in answers), default=0)


def _complete(answers: Sequence[Sequence[TrackedEmail]]) -> bool:
    return _largest(answers) < SEARCH_CAP


def _within(answers: Sequence[Sequence[TrackedEmail]], start: int, end: int) -> list[TrackedEmail]:
    """Messages received in [start, end]; undated ones are kept (they are reported, never alerted)."""
    return [
        tracked
        for answer in answers
        for tracked in answer
        if tracked.received is None or start <= tracked.received.timestamp() <= end
    ]
