"""How the connector searches a window Mimecast answers only in part (MimecastTrackingCoverage.cover_window), with the
bookkeeping of MimecastTracking, against a model of Mimecast's message-finder search: at most SEARCH_CAP messages
per search, newest first, as the simulator does it (Mimecast documents no paging).

The invariant, over dense arrival schedules (bursts of thousands in one second, ~90 messages a minute for hours,
a long first run, catching up after an outage, messages Mimecast indexes late): while older unprocessed messages
exist, every run processes Max Messages To Return of them (or all there are); only a second in which one search
matches SEARCH_CAP messages or more may lose mail, and then that second is reported. Examples:
DENSE_SEARCH_EXAMPLES (default 40).
"""

import bisect
import os
from collections import Counter
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from MimecastDataModels import TrackedEmail
from MimecastTracking import (
    OVERLAP_S,
    TrackingState,
    commit,
    plan_window,
    select_candidates,
)
from MimecastTrackingCoverage import MAX_SEARCH_ROUNDS, SEARCH_CAP, cover_window

EXAMPLES = int(os.environ.get("DENSE_SEARCH_EXAMPLES", "40"))
NOW = 1_772_899_380  # 2026-03-07T16:03:00Z
RECIPIENT, SENDER = 0, 1


class Mimecast:
    """Tracked messages of one domain; search k (recipient, sender) answers at most SEARCH_CAP, newest first.

    `whole_seconds`: received times are whole seconds, as Mimecast shows them and as the simulator keeps them;
    otherwise Mimecast is assumed to keep finer times than it shows (a message may fall inside a second).
    """

    def __init__(self, arrivals, whole_seconds=False):
        # arrivals: (received, seconds until visible, searches that match it).
        self.whole_seconds = whole_seconds
        if whole_seconds:
            arrivals = [(int(received), delay, searches) for received, delay, searches in arrivals]
        else:
            # Strictly inside its second: a time on the boundary would belong to two one-second searches.
            arrivals = [(int(r) + 0.05 + 0.9 * (r - int(r)), delay, searches) for r, delay, searches in arrivals]
        self.messages = []
        for number, (received, delay, searches) in enumerate(sorted(arrivals, key=lambda a: a[0])):
            iso = datetime.fromtimestamp(int(received), UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
            tracked = TrackedEmail.from_json({"id": f"eNpM{number:07d}", "received": iso, "status": "held"})
            self.messages.append((received, received + delay, searches, tracked))
        self.received = [m[0] for m in self.messages]
        self.now = NOW
        self.searches = 0

    def search(self, start, end):
        self.searches += 1
        low, high = bisect.bisect_left(self.received, start), bisect.bisect_right(self.received, end)
        answers = [[], []]
        for _received, visible_at, searches, tracked in reversed(self.messages[low:high]):
            if visible_at > self.now:
                continue
            for k in searches:
                if len(answers[k]) < SEARCH_CAP:
                    answers[k].append(tracked)
            if all(len(answer) >= SEARCH_CAP for answer in answers):
                break
        return answers

    def over_cap_seconds(self):
        """Seconds where some search matches SEARCH_CAP messages or more: the only mail that may be lost.

        A second s is [s, s] with whole seconds, otherwise [s, s + 1] (the finest search there is).
        """
        seconds = set()
        for s in {int(m[0]) for m in self.messages}:
            end = s if self.whole_seconds else s + 1
            low, high = bisect.bisect_left(self.received, s), bisect.bisect_right(self.received, end)
            per_search = Counter(k for m in self.messages[low:high] for k in m[2])
            if any(count >= SEARCH_CAP for count in per_search.values()):
                seconds.add(s)
        return seconds


def one_run(mimecast, state, max_messages, hours, processed):
    """One committed run, as the connector does it; returns (new state, batch ids, the coverage)."""
    window = plan_window(state, mimecast.now, hours)

    def enough(found):
        return len(select_candidates(state, window, found).candidates) >= max_messages

    coverage = cover_window(mimecast.search, window.start, window.end, window.checkpoint, enough, lambda: True)
    window = window._replace(end=coverage.end)
    candidates = select_candidates(state, window, coverage.found).candidates
    batch = candidates[:max_messages]
    result = commit(state, window, candidates, {c.id: True for c in batch})
    assert not result.withdrawn
    for candidate in batch:
        processed[candidate.id] += 1
    return result.state, [c.id for c in batch], coverage, window


def pending(mimecast, processed, window, cut):
    """Visible messages received in the window, not processed yet, outside the seconds that may be cut."""
    return [
        m[3].id
        for m in mimecast.messages
        if m[1] <= mimecast.now
        and window.start <= m[0] <= mimecast.now
        and not processed[m[3].id]
        and int(m[0]) not in cut
    ]


def drive(arrivals, plan, hours=6, quiet_runs=40, whole_seconds=False):
    """Runs the plan, then quiet runs (a larger Max Messages To Return, to drain what is left); checks the invariant
    on every run, and at the end that each message was processed once unless its second was reported."""
    mimecast = Mimecast(arrivals, whole_seconds)
    over_cap = mimecast.over_cap_seconds()
    processed: Counter[str] = Counter()
    reported: set[int] = set()
    state = TrackingState()
    runs = [*plan, *[(120, 2000)] * quiet_runs]
    for gap, max_messages in runs:
        mimecast.now += gap
        waiting = pending(mimecast, processed, plan_window(state, mimecast.now, hours), over_cap)
        state, batch, coverage, _window = one_run(mimecast, state, max_messages, hours, processed)
        assert set(coverage.cut) <= over_cap, "only a second that truly holds too many messages is reported"
        reported.update(coverage.cut)
        assert coverage.rounds <= MAX_SEARCH_ROUNDS
        assert len(batch) >= min(max_messages, len(waiting)), (
            f"a run processed {len(batch)} of {len(waiting)} waiting messages (Max Messages To Return {max_messages})"
        )
    duplicates = [tracking_id for tracking_id, count in processed.items() if count > 1]
    assert not duplicates
    lost = [m for m in mimecast.messages if not processed[m[3].id]]
    assert all(int(m[0]) in reported for m in lost), "a message is lost only in a second that was reported"
    return mimecast, processed, reported


def spread(start, minutes, per_minute, searches=(RECIPIENT,)):
    """`per_minute` messages a minute for `minutes` minutes from `start`, evenly inside each second."""
    total = int(minutes * per_minute)
    step = 60.0 / per_minute if per_minute else 0
    return [(start + i * step, 0, searches) for i in range(total)]


def test_dense_mail_over_a_long_first_run_moves_max_messages_to_return_every_run():
    """The red-team case: ~90 messages a minute for six hours (and 40 the other way), a first run looking six hours
    back. Every second of the window holds mail, so no fixed number of bisections finds a complete piece: the
    first version searched [checkpoint, checkpoint + 1 s] run after run while older mail waited."""
    first_run_start = NOW + 60 - 6 * 3600
    arrivals = [*spread(first_run_start + 1, 360, 90), *spread(first_run_start + 1, 360, 40, (SENDER,))]
    mimecast = Mimecast(arrivals)
    processed: Counter[str] = Counter()
    state = TrackingState()
    for run in range(25):
        mimecast.now += 60
        state, batch, coverage, _window = one_run(mimecast, state, 100, 6, processed)
        assert len(batch) == 100, f"run {run + 1} processed {len(batch)}"
        assert coverage.cut == [] and coverage.rounds <= MAX_SEARCH_ROUNDS
    assert processed.total() == 2500 and max(processed.values()) == 1
    oldest_first = sorted(mimecast.messages, key=lambda m: (int(m[0]), m[3].id))
    assert {m[3].id for m in oldest_first[:2500]} == set(processed), "the 2,500 oldest, none skipped"
    assert state.checkpoint == int(oldest_first[2500][0]), "the checkpoint waits at the oldest message not processed"


def test_catching_up_after_a_day_long_outage_moves_max_messages_to_return_every_run():
    """The connector was off for a day while ~90 messages a minute arrived; its checkpoint is a day back."""
    outage_start = NOW - 86_400
    arrivals = [*spread(outage_start + 1, 24 * 60, 90), *spread(outage_start + 1, 24 * 60, 30, (SENDER,))]
    mimecast = Mimecast(arrivals, whole_seconds=True)
    state = TrackingState(checkpoint=outage_start, floor=(outage_start - 3600, ""))
    processed: Counter[str] = Counter()
    for run in range(10):
        mimecast.now += 60
        state, batch, coverage, _window = one_run(mimecast, state, 250, 1, processed)
        assert len(batch) == 250, f"run {run + 1} processed {len(batch)}"
        assert coverage.cut == [] and coverage.rounds <= 30, coverage.rounds
    oldest_first = sorted(mimecast.messages, key=lambda m: (int(m[0]), m[3].id))
    assert set(processed) == {m[3].id for m in oldest_first[:2500]} and max(processed.values()) == 1


@pytest.mark.parametrize("whole_seconds", [False, True])
def test_a_second_with_more_than_the_cap_loses_only_its_own_mail_and_is_reported(whole_seconds):
    burst = [(NOW - 1800 + 0.3 + i / 2000, 0, (RECIPIENT,)) for i in range(900)]
    around = spread(NOW - 2400, 30, 20)
    mimecast, processed, reported = drive([*burst, *around], [(60, 200)] * 5, hours=1, whole_seconds=whole_seconds)
    assert reported == {NOW - 1800}
    in_that_second = [m for m in mimecast.messages if int(m[0]) == NOW - 1800]
    lost = [m for m in mimecast.messages if not processed[m[3].id]]
    assert len(in_that_second) == 901, "the burst and one message of the steady flow"
    assert len(lost) == 901 - SEARCH_CAP and all(m in in_that_second for m in lost)


def test_two_seconds_under_the_cap_together_lose_nothing_with_whole_second_times():
    """[s, s + 1] holds two whole seconds: 300 and 300 fill one answer, but each second alone fits."""
    pair = [(NOW - 1800, 0, (RECIPIENT,))] * 300 + [(NOW - 1799, 0, (RECIPIENT,))] * 300
    _mimecast, processed, reported = drive(pair, [(60, 100)] * 3, hours=1, whole_seconds=True)
    assert reported == set() and processed.total() == 600 and max(processed.values()) == 1


def test_one_search_suffices_while_every_answer_is_complete():
    mimecast = Mimecast(spread(NOW - 3000, 50, 5))
    mimecast.now += 60
    coverage = cover_window(mimecast.search, NOW - 3600, mimecast.now, NOW - 3600, lambda found: True, lambda: True)
    assert (coverage.rounds, mimecast.searches, coverage.end, coverage.cut) == (1, 1, mimecast.now, [])
    assert len(coverage.found) == 250


def test_the_new_part_is_covered_first_and_the_overlap_with_the_rounds_left():
    """With a search budget spent after a few rounds, the run still moves past its checkpoint."""
    dense_overlap = spread(NOW - OVERLAP_S, 10, 6000)
    new = spread(NOW + 1, 1, 30)
    mimecast = Mimecast([*dense_overlap, *new])
    mimecast.now = NOW + 120
    rounds = iter(range(100))
    coverage = cover_window(
        mimecast.search, NOW - OVERLAP_S, mimecast.now, NOW, lambda found: False, lambda: next(rounds) < 6
    )
    assert coverage.end == mimecast.now and NOW - OVERLAP_S <= coverage.overlap_end < NOW
    assert {t.id for t in coverage.found} >= {m[3].id for m in mimecast.messages if m[0] > NOW}


arrival_parts = st.lists(
    st.one_of(
        # a steady flow: (minutes back it starts, minutes, messages per minute, searches that match it)
        st.tuples(
            st.just("flow"),
            st.integers(0, 330),
            st.integers(1, 90),
            st.sampled_from([5, 30, 90, 200]),
            st.sampled_from([(RECIPIENT,), (SENDER,), (RECIPIENT, SENDER)]),
        ),
        # a burst in one second: (seconds back, messages, searches)
        st.tuples(
            st.just("burst"),
            st.integers(0, 5 * 3600 + 1800),  # inside the first run's six hours
            st.sampled_from([50, 300, 499, 500, 800, 1500]),
            st.just(0),
            st.sampled_from([(RECIPIENT,), (RECIPIENT, SENDER)]),
        ),
    ),
    min_size=1,
    max_size=3,
)
run_plans = st.lists(st.tuples(st.integers(20, 600), st.integers(1, 400)), min_size=1, max_size=8)


def arrivals_of(parts, late_every):
    arrivals = []
    for kind, back, size, per_minute, searches in parts:
        if kind == "flow":
            start = NOW - back * 60
            arrivals += spread(start, min(size, back or size), per_minute, searches)
        else:
            arrivals += [(NOW - back + 0.1 + i / (2 * size), 0, searches) for i in range(size)]
    if late_every:
        # Every n-th message is indexed late, by up to OVERLAP_S - 120 s (later than that is a documented limit).
        arrivals = [
            (received, (i * 37) % (OVERLAP_S - 120) if i % late_every == 0 else 0, searches)
            for i, (received, _delay, searches) in enumerate(arrivals)
        ]
    return [a for a in arrivals if a[0] <= NOW + 7200]


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(parts=arrival_parts, plan=run_plans, late_every=st.sampled_from([0, 0, 7, 50]), whole_seconds=st.booleans())
def test_every_run_processes_its_share_of_older_messages_and_only_a_reported_second_loses_any(
    parts, plan, late_every, whole_seconds
):
    arrivals = arrivals_of(parts, late_every)
    drive(arrivals, plan, hours=6, quiet_runs=60, whole_seconds=whole_seconds)
