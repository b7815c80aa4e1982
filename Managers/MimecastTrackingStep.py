"""One run of the Message Tracking connector as a pure step: state, settings, a Manager and a clock in; the alerts
and the state to commit out (`run_step`). No SDK import: MimecastConnectorRunner is the edge that reads the state,
hands the alerts over and writes the state.

Searches (MimecastTrackingSearches) -> candidates -> held-queue ids and details (concurrent, paced, stopped before
the timeout) -> filters and alerts. Each candidate ends with a named outcome (MimecastTracking.Outcome), and the
commit and the counts follow from the outcomes.
"""

import dataclasses
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, NamedTuple

from MimecastConnectorSettings import ConnectorSettings, RunClock
from MimecastDataModels import HeldQueueEntry, MessageInfo
from MimecastExceptions import MimecastPermissionError, MimecastRateLimitError
from MimecastManager import MimecastManager
from MimecastTracking import (
    MAX_DETAIL_ATTEMPTS,
    Candidate,
    Outcome,
    TrackingState,
    commit_outcomes,
    select_candidates,
)
from MimecastTrackingAlerts import (
    HELD_MATCH_TOLERANCE_S,
    TrackingAlert,
    alert_for,
    allowlist_rejection,
    filter_rejection,
    match_held_ids,
)
from MimecastTrackingMatch import MAX_TIMED_OUT_MATCHES, EnvironmentPattern
from MimecastTrackingSearches import StopRun, TrackingSearches, classify

HELD = "held"


@dataclass
class Processing:
    """The candidates' outcomes (tracking id -> Outcome; a candidate not in it is WAITING) and the alerts built."""

    outcomes: dict[str, Outcome] = field(default_factory=dict)
    alerts: list[TrackingAlert] = field(default_factory=list)
    details_read: int = 0

    @property
    def filtered(self) -> int:
        return sum(1 for outcome in self.outcomes.values() if outcome in (Outcome.FILTERED, Outcome.LISTED))

    @property
    def processed(self) -> int:
        return sum(1 for outcome in self.outcomes.values() if outcome.processed)


class HeldQueue(NamedTuple):
    """The hold list as the run could read it: `entries` None when it failed (held messages wait)."""

    entries: list[HeldQueueEntry] | None
    refused: bool = False  # a missing permission: held messages are alerted without held-queue ids
    failure_counts: bool = True  # a rate-limited hold list says nothing about the messages


class StepResult(NamedTuple):
    """What the edge hands over and commits; `state` None: nothing is handed over and the state is kept."""

    alerts: list[TrackingAlert]
    state: TrackingState | None
    filtered: int = 0
    left: int = 0


def run_step(
    state: TrackingState,
    settings: ConnectorSettings,
    manager: MimecastManager,
    clock: RunClock,
    logger: Any,
    test_run: bool = False,
) -> StepResult:
    """One run from `state`: the alerts to hand over and the state to write after them (see TrackingStep)."""
    return TrackingStep(settings, manager, clock, logger, test_run).run(state)


class TrackingStep(TrackingSearches):
    def __init__(
        self, settings: ConnectorSettings, manager: MimecastManager, clock: RunClock, logger: Any, test_run: bool
    ) -> None:
        self.settings = settings
        self.manager = manager
        self.clock = clock
        self.logger = logger
        self.test_run = test_run
        # A test run fetches details one at a time and stops at the first message that passes the filters.
        self.concurrency = 1 if test_run else settings.concurrency

    def run(self, state: TrackingState) -> StepResult:
        try:
            with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="mimecast") as pool:
                self.pool = pool
                found, window, clock_offset = self.search_on_mimecast_time(state)
                selection = select_candidates(state, window, found)
                self.logger.info(selection.summary())
                for tracking_id in selection.undated:
                    self.logger.warn(f"Tracked message {tracking_id} has no readable received time; it is skipped.")
                processing = self.process(state, selection.candidates)
        except StopRun as stop:
            self.logger.error(f"{stop} Nothing was handed over; the next run tries again from the same point.")
            return StepResult([], None)
        result = commit_outcomes(
            dataclasses.replace(state, clock_offset=clock_offset),
            window,
            selection.candidates,
            processing.outcomes,
            count_failures=processing.details_read > 0,
        )
        if result.dropped:
            self.logger.warn(
                f"{result.dropped} remembered message id(s) were dropped to keep the state bounded; messages "
                "Mimecast indexes later than that point are no longer picked up."
            )
        if result.withdrawn:
            self.logger.info(f"{len(result.withdrawn)} message(s) are left for the next run to keep the state bounded.")
        alerts = [alert for alert in processing.alerts if alert.ticket_id not in result.withdrawn]
        if self.test_run:
            alerts = alerts[:1]
        left = len(selection.candidates) - processing.processed + len(result.withdrawn)
        return StepResult(alerts, result.state, processing.filtered, left)

    # Details, held-queue ids, filters and alerts

    def process(self, state: TrackingState, candidates: list[Candidate]) -> Processing:
        settings = self.settings.alert
        done = Processing()
        queue = []
        for candidate in candidates:
            rejection = allowlist_rejection(candidate.tracked, settings)
            if rejection:
                done.outcomes[candidate.id] = Outcome.LISTED
                self.logger.info(f"Skipping {candidate.id}: {rejection}.")
            else:
                queue.append(candidate)
        batch = queue[: self.settings.max_messages]
        held_batch = [c for c in batch if c.tracked.status == HELD]
        held_lookup = self.pool.submit(self.held_entries, held_batch) if held_batch else None
        infos, failed = self.fetch_details(batch)
        done.details_read = len(infos)
        held = self.held_queue(held_lookup)
        taken: set[str] = set()
        pattern = EnvironmentPattern(settings.environment_pattern)
        for position, candidate in enumerate(batch):
            if pattern.exhausted:
                self.logger.warn(
                    f"The Environment Regex Pattern ran out of time on {MAX_TIMED_OUT_MATCHES} messages in this run; "
                    f"{len(batch) - position} message(s) are left for the next run."
                )
                break
            if candidate.id not in infos and candidate.id not in failed:
                continue  # WAITING: not reached, or refused by the rate limit
            held_missing = candidate.tracked.status == HELD and held.entries is None
            if candidate.id in failed or held_missing:
                if candidate.id not in failed and not held.failure_counts:
                    continue  # WAITING: the hold list was rate-limited
                if not (done.details_read and state.failed_before(candidate.id) + 1 >= MAX_DETAIL_ATTEMPTS):
                    done.outcomes[candidate.id] = Outcome.FAILED
                    continue
                self.logger.warn(
                    f"Giving up on the {'held-queue id' if held_missing else 'details'} of {candidate.id} after "
                    f"{MAX_DETAIL_ATTEMPTS} runs: {failed.get(candidate.id) or 'held queue unavailable'}. "
                    "Its alert is built from what is known."
                )
            info = infos.get(candidate.id)
            rejection = filter_rejection(info, settings)
            if rejection:
                done.outcomes[candidate.id] = Outcome.FILTERED
                self.logger.info(f"Skipping {candidate.id}: {rejection}.")
                continue
            entries = held.entries
            held_ids = match_held_ids(candidate.tracked, entries or [], taken) if entries else {}
            if candidate.tracked.status == HELD and entries is not None and not held_ids and not held.refused:
                self.logger.warn(f"Held message {candidate.id} is not in the held queue (any more); no held-queue id.")
            alert, problems = alert_for(candidate.tracked, info, held_ids, settings, pattern)
            for problem in problems:
                self.logger.warn(f"Message {candidate.id}: {problem}.")
            done.outcomes[candidate.id] = Outcome.ALERTED
            done.alerts.append(alert)
        return done

    def held_queue(self, lookup: "Future[list[HeldQueueEntry]] | None") -> HeldQueue:
        """The hold list the run asked for (none asked: empty), or why it is missing."""
        if lookup is None:
            return HeldQueue([])
        try:
            return HeldQueue(lookup.result())
        except MimecastPermissionError as exc:
            self.logger.error(
                f"{exc} Held messages are alerted without their held-queue id, which Release Message and Reject "
                "Message take."
            )
            return HeldQueue([], refused=True)
        except Exception as exc:
            if classify(exc) != "failed":
                raise
            self.logger.warn(f"The held queue could not be read: {exc} Held messages are retried next run.")
            return HeldQueue(None, failure_counts=not isinstance(exc, MimecastRateLimitError))

    def held_entries(self, held: list[Candidate]) -> list[HeldQueueEntry]:
        """The hold list around the held candidates' received times."""
        received = [c.tracked.received for c in held if c.tracked.received]
        start = min(received) - timedelta(seconds=HELD_MATCH_TOLERANCE_S)
        end = max(received) + timedelta(seconds=HELD_MATCH_TOLERANCE_S)
        return self.manager.list_held_messages(start, end)

    def fetch_details(self, batch: list[Candidate]) -> tuple[dict[str, MessageInfo], dict[str, str]]:
        """Details in candidate order, at most `concurrency` at a time, no new call after the soft deadline.

        Returns the details read and the failures that count towards giving up on a message; a message
        in neither (not reached, or refused by the rate limit) simply waits for the next run.
        """
        infos: dict[str, MessageInfo] = {}
        failed: dict[str, str] = {}
        in_flight: dict[Future, Candidate] = {}
        position = 0
        stop = False
        while True:
            while not stop and position < len(batch) and len(in_flight) < self.concurrency:
                if not self.clock.new_work_allowed():
                    self.logger.warn(
                        f"Stopping early to finish before the script timeout ({self.settings.timeout_s} s): "
                        f"{len(batch) - position} message(s) are left for the next run."
                    )
                    stop = True
                    break
                candidate = batch[position]
                in_flight[self.pool.submit(self.manager.get_message_info, candidate.id)] = candidate
                position += 1
            if not in_flight:
                return infos, failed
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                candidate = in_flight.pop(future)
                try:
                    infos[candidate.id] = info = future.result()
                except Exception as exc:
                    if classify(exc) != "failed":
                        raise
                    if isinstance(exc, MimecastRateLimitError):
                        # Not the message's fault, so not counted towards giving up on it; nothing later would fit.
                        if not stop:
                            self.logger.warn(
                                f"Stopping early: {exc} Messages not fetched yet are left for the next run."
                            )
                        stop = True
                        continue
                    failed[candidate.id] = str(exc)
                    self.logger.warn(f"The details of {candidate.id} could not be read: {exc}")
                    continue
                if self.test_run and filter_rejection(info, self.settings.alert) is None:
                    stop = True
