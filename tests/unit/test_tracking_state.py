"""The connector's exactly-once bookkeeping (MimecastTracking) without the SDK, HTTP or a simulator."""

import json
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import MimecastTracking
from MimecastDataModels import TrackedEmail
from MimecastTracking import (
    MAX_DETAIL_ATTEMPTS,
    MAX_SEEN,
    OVERLAP_S,
    RETENTION_S,
    STATE_MAX_BYTES,
    Outcome,
    TrackingState,
    commit,
    commit_outcomes,
    digest,
    plan_window,
    select_candidates,
)

NOW = 1_772_899_380  # 2026-03-07T16:03:00Z


def tracked(number: int, received: int) -> TrackedEmail:
    iso = datetime.fromtimestamp(received, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
    return TrackedEmail.from_json({"id": f"eNpMESSAGE{number:06d}", "received": iso, "status": "held"})


def test_first_run_window_is_max_hours_backwards_up_to_now():
    window = plan_window(TrackingState(), NOW, 3)
    assert (window.start, window.end, window.first_run) == (NOW - 3 * 3600, NOW, True)
    assert window.clamped_from is None


def test_later_runs_start_the_overlap_before_the_checkpoint():
    window = plan_window(TrackingState(checkpoint=NOW - 120, floor=(NOW - 7200, "")), NOW, 1)
    assert (window.start, window.end, window.first_run) == (NOW - 120 - OVERLAP_S, NOW, False)


def test_the_window_never_starts_before_mimecasts_retention():
    window = plan_window(TrackingState(checkpoint=NOW - 40 * 86_400), NOW, 1)
    assert window.start == NOW - RETENTION_S + MimecastTracking.RETENTION_MARGIN_S
    assert window.clamped_from == NOW - 40 * 86_400 - OVERLAP_S
    assert window.floor == (window.start, "")


def test_candidates_are_merged_by_id_without_processed_ones_and_ordered_by_received_then_id():
    state = TrackingState(checkpoint=NOW - 60, floor=(NOW - 3600, ""), seen={digest("eNpMESSAGE000003"): NOW - 50})
    window = plan_window(state, NOW, 1)
    found = [
        tracked(2, NOW - 10),
        tracked(1, NOW - 10),
        tracked(3, NOW - 50),
        tracked(2, NOW - 10),
        tracked(4, NOW - 30),
    ]
    selection = select_candidates(state, window, found)
    assert [c.id for c in selection.candidates] == ["eNpMESSAGE000004", "eNpMESSAGE000001", "eNpMESSAGE000002"]
    assert selection.already_seen == 1


def test_candidates_outside_the_window_or_at_the_floor_are_left_out():
    state = TrackingState(checkpoint=NOW - 60, floor=(NOW - 100, digest("eNpMESSAGE000002")))
    window = plan_window(state, NOW, 1)
    old = tracked(1, NOW - 60 - OVERLAP_S - 1)
    at_floor = tracked(2, NOW - 100)
    selection = select_candidates(state, window, [old, at_floor, tracked(3, NOW - 5)])
    assert [c.id for c in selection.candidates] == ["eNpMESSAGE000003"]
    assert selection.below_floor == 2


def test_the_summary_counts_each_message_once_and_adds_up():
    """A message both searches return (internal mail) is one message; every message found is counted once."""
    state = TrackingState(checkpoint=NOW - 60, floor=(NOW - 3600, ""), seen={digest("eNpMESSAGE000003"): NOW - 50})
    window = plan_window(state, NOW, 1)
    internal = tracked(1, NOW - 10)
    undated = TrackedEmail.from_json({"id": "eNpUNDATED", "received": "not a date", "status": "held"})
    found = [internal, tracked(2, NOW - 20), internal, tracked(3, NOW - 50), tracked(4, NOW - 5000), undated, undated]
    selection = select_candidates(state, window, found)
    assert selection.summary() == (
        "5 tracked message(s) found: 2 not processed yet, 1 already processed, 1 before the window, "
        "1 without a received time."
    )
    assert select_candidates(state, window, [internal, internal]).summary() == (
        "1 tracked message(s) found: 1 not processed yet, 0 already processed, 0 before the window."
    )


def test_a_fully_processed_run_moves_the_checkpoint_to_the_window_end_and_remembers_the_ids():
    state = TrackingState()
    window = plan_window(state, NOW, 1)
    candidates = select_candidates(state, window, [tracked(1, NOW - 30), tracked(2, NOW - 20)]).candidates
    result = commit(state, window, candidates, {c.id: True for c in candidates})
    assert result.state.checkpoint == NOW
    assert set(result.state.seen) == {c.digest for c in candidates}


def test_the_checkpoint_stops_at_the_first_message_not_processed():
    state = TrackingState()
    window = plan_window(state, NOW, 1)
    candidates = select_candidates(state, window, [tracked(n, NOW - 100 + n) for n in range(5)]).candidates
    result = commit(state, window, candidates, {c.id: True for c in candidates[:2]})
    assert result.state.checkpoint == NOW - 98
    assert len(result.state.seen) == 2


def test_the_checkpoint_never_moves_back_for_a_late_message_left_unprocessed():
    state = TrackingState(checkpoint=NOW - 60, floor=(NOW - 3600, ""))
    window = plan_window(state, NOW, 1)
    late = select_candidates(state, window, [tracked(1, NOW - 300)]).candidates
    result = commit(state, window, late, {})
    assert result.state.checkpoint == NOW - 60


def test_messages_filtered_from_the_search_data_alone_are_not_remembered():
    state = TrackingState()
    window = plan_window(state, NOW, 1)
    candidates = select_candidates(state, window, [tracked(1, NOW - 30), tracked(2, NOW - 20)]).candidates
    result = commit(state, window, candidates, {candidates[0].id: False, candidates[1].id: True})
    assert result.state.checkpoint == NOW
    assert list(result.state.seen) == [candidates[1].digest]


def test_remembered_ids_are_forgotten_once_no_window_can_return_them():
    state = TrackingState(checkpoint=NOW - 700, floor=(NOW - 3600, ""), seen={"aaaa": NOW - 650, "bbbb": NOW - 500})
    window = plan_window(state, NOW, 1)
    result = commit(state, window, [], {})
    assert result.state.seen == {"bbbb": NOW - 500}


def test_failed_detail_attempts_are_counted_only_when_mimecast_answered_other_calls():
    state = TrackingState()
    window = plan_window(state, NOW, 1)
    candidates = select_candidates(state, window, [tracked(1, NOW - 30)]).candidates
    outage = commit(state, window, candidates, {}, failed=[candidates[0].id], count_failures=False)
    assert outage.state.attempts == {}
    counted = commit(state, window, candidates, {}, failed=[candidates[0].id], count_failures=True)
    assert counted.state.failed_before(candidates[0].id) == 1
    done = commit(counted.state, window, candidates, {candidates[0].id: True})
    assert done.state.attempts == {}
    assert MAX_DETAIL_ATTEMPTS >= 2


def test_keeping_the_state_bounded_never_passes_a_message_not_processed(monkeypatch):
    monkeypatch.setattr(MimecastTracking, "MAX_SEEN", 3)
    state = TrackingState(checkpoint=NOW - 300, floor=(NOW - 3600, ""), seen={"0" * 16: NOW - 290})
    window = plan_window(state, NOW, 1)
    candidates = select_candidates(state, window, [tracked(n, NOW - 200 + n) for n in range(6)]).candidates
    first, processed = candidates[0], candidates[1:]
    result = commit(state, window, candidates, {c.id: True for c in processed}, failed=[first.id])
    assert result.state.floor < first.key, "the floor may only pass remembered ids older than the first open message"
    assert result.dropped == 1
    assert result.withdrawn == {c.id for c in processed[-2:]}, "the newest processed ones are given back"
    assert len(result.state.seen) == 3
    assert result.state.checkpoint == first.received


def test_each_outcome_says_whether_the_candidate_is_processed_remembered_or_counted():
    state = TrackingState(checkpoint=NOW - 300, floor=(NOW - 3600, ""))
    window = plan_window(state, NOW, 1)
    found = [tracked(n, NOW - 200 + n) for n in range(5)]
    candidates = select_candidates(state, window, found).candidates
    alerted, filtered, listed, failed, waiting = candidates
    outcomes = {
        alerted.id: Outcome.ALERTED,
        filtered.id: Outcome.FILTERED,
        listed.id: Outcome.LISTED,
        failed.id: Outcome.FAILED,
    }

    result = commit_outcomes(state, window, candidates, outcomes, count_failures=True)

    assert set(result.state.seen) == {digest(alerted.id), digest(filtered.id)}
    assert result.state.checkpoint == failed.tracked.received.timestamp()
    assert result.state.failed_before(failed.id) == 1 and result.state.failed_before(waiting.id) == 0
    assert result == commit(
        state, window, candidates, {alerted.id: True, filtered.id: True, listed.id: False}, [failed.id], True
    )
    assert [o for o in Outcome if o.processed] == [Outcome.ALERTED, Outcome.FILTERED, Outcome.LISTED]
    assert [o for o in Outcome if o.remembered] == [Outcome.ALERTED, Outcome.FILTERED]


def test_state_round_trips_and_an_unknown_version_is_refused():
    state = TrackingState(checkpoint=NOW, floor=(NOW - 60, "abcd"), seen={"abcd": NOW - 5}, attempts={"ef01": 2})
    assert TrackingState.from_json(state.to_json()) == state
    assert TrackingState.from_json(None) == TrackingState()
    with pytest.raises(ValueError):
        TrackingState.from_json(json.dumps({"v": 99}))


def test_state_after_10000_ingested_messages_stays_under_its_bound():
    """Steady flow, a burst far above MAX_SEEN inside one overlap, and 3000 messages in one second."""
    state = TrackingState()
    now = NOW
    pending: list[TrackedEmail] = []
    schedule = [(now + minute * 60, 40) for minute in range(100)]  # 4000 over 100 minutes
    schedule += [(now + 100 * 60 + second, 1) for second in range(3000)]  # 3000 within 50 minutes
    schedule += [(now + 160 * 60, 3000)]  # 3000 in the same second
    number = 0
    for received, count in schedule:
        for _ in range(count):
            pending.append(tracked(number, received))
            number += 1
    assert number == 10_000
    alerted: set[str] = set()
    largest = 0
    clock = now
    for _ in range(400):
        clock += 60
        window = plan_window(state, clock, 1)
        visible = [t for t in pending if t.received.timestamp() <= clock]
        candidates = select_candidates(state, window, visible).candidates
        batch = candidates[:500]
        result = commit(state, window, candidates, {c.id: True for c in batch})
        alerted.update(c.id for c in batch if c.id not in result.withdrawn)
        state = result.state
        largest = max(largest, len(state.to_json()))
        if len(alerted) == number:
            break
    assert len(alerted) == 10_000
    assert len(state.seen) <= MAX_SEEN
    assert largest <= STATE_MAX_BYTES


messages = st.lists(
    st.tuples(st.integers(0, 1800), st.integers(0, OVERLAP_S - 60)),  # (received offset, indexing delay)
    max_size=40,
)
run_plans = st.lists(
    st.tuples(
        st.integers(1, 240),  # seconds since the previous run
        st.integers(1, 6),  # budget (Max Messages To Return)
        st.booleans(),  # the run crashes before its state is written
        st.integers(0, 3),  # failed detail calls in the run
    ),
    min_size=1,
    max_size=40,
)


def simulate(schedule, plan, seed_state=None):
    """Runs over generated arrivals: returns (ids alerted by committed runs, in order; all ids)."""
    arrivals = [(tracked(n, NOW + offset), NOW + offset + delay) for n, (offset, delay) in enumerate(schedule)]
    state = seed_state or TrackingState()
    clock = NOW
    alerted: list[str] = []
    quiet = [(120, 1000, False, 0)] * (2 + 2 * OVERLAP_S // 120 + 1800 // 120)
    for gap, budget, crash, failures in [*plan, *quiet]:
        clock += gap
        window = plan_window(state, clock, 1)
        visible = [t for t, visible_at in arrivals if visible_at <= clock]
        candidates = select_candidates(state, window, visible).candidates
        batch = candidates[:budget]
        # What a run does with its candidates, as the connector's step names it: the commit follows from it.
        outcomes = {c.id: Outcome.FAILED for c in batch[:failures]}
        outcomes.update({c.id: Outcome.ALERTED for c in batch[failures:]})
        result = commit_outcomes(state, window, candidates, outcomes, count_failures=len(batch) > failures)
        if crash:
            continue
        alerted.extend(c.id for c in batch[failures:] if c.id not in result.withdrawn)
        state = result.state
    return alerted, [t.id for t, _ in arrivals]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(schedule=messages, plan=run_plans)
def test_bookkeeping_alerts_every_message_exactly_once(schedule, plan):
    alerted, everything = simulate(schedule, plan)
    assert sorted(alerted) == sorted(everything)


@settings(max_examples=150, deadline=None, database=None)
@given(schedule=messages, plan=run_plans)
def test_a_tiny_state_bound_never_duplicates_and_loses_only_late_indexed_messages(schedule, plan):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(MimecastTracking, "MAX_SEEN", 3)
        alerted, _everything = simulate(schedule, plan)
    assert len(alerted) == len(set(alerted))
    on_time = {f"eNpMESSAGE{n:06d}" for n, (_offset, delay) in enumerate(schedule) if delay == 0}
    assert on_time <= set(alerted)
