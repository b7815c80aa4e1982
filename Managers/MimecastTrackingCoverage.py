"""How a run searches its window when Mimecast answers only in part: in pieces whose every answer is complete.

Mimecast documents no paging for message-finder search and answers at most SEARCH_CAP messages. Pure logic
without the SDK or HTTP; docs/CONNECTOR_DESIGN.md ("One run", step 2) explains the pieces.
"""

from collections.abc import Callable, Sequence
from typing import NamedTuple

from MimecastDataModels import TrackedEmail

# Mimecast documents no paging for message-finder search, and answers at most this many messages: an answer this
# long may have been cut short. A window is searched in pieces narrow enough that every answer is shorter.
SEARCH_CAP = 500
# The next piece is sized to hold about this many messages at the density of the one before.
SEARCH_TARGET = 400
# Rounds of searches (each: every domain in both directions) one run may make; the run's time budget comes first.
MAX_SEARCH_ROUNDS = 100


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
