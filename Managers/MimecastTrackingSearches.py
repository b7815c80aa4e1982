"""The searches of one connector run, on Mimecast's clock (docs/CONNECTOR_DESIGN.md, "One run", steps 1 and 2).

A part of the run's step (MimecastTrackingStep): the same settings, Manager, clock, logger and worker pool. No
SDK import. Also how the run treats a failure (`classify`): fatal, one call failed, or a bug.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from MimecastConnectorSettings import ConnectorSettings, RunClock
from MimecastDataModels import TrackedEmail
from MimecastExceptions import (
    MimecastAuthenticationError,
    MimecastBindingExpiredError,
    MimecastConfigurationError,
    MimecastError,
    MimecastHostNotFoundError,
    MimecastPermissionError,
    MimecastTLSError,
    MimecastValidationError,
)
from MimecastManager import MimecastManager
from MimecastParameters import excerpt
from MimecastPlatform import PlatformError
from MimecastServerTime import ClockReading
from MimecastTracking import RunWindow, TrackingState, plan_window, select_candidates
from MimecastTrackingAlerts import allowlist_rejection
from MimecastTrackingCoverage import SEARCH_CAP, cover_window

# A measured clock difference this far from the one the window was planned with makes the run plan it again;
# Mimecast's clock this far ahead of the planned end makes it search up to Mimecast's time too (less is left
# to the next run's overlap). Beyond CLOCK_WARN_S the run warns that the clocks differ.
CLOCK_REPLAN_S = 300
CLOCK_CATCH_UP_S = 5
CLOCK_WARN_S = 60
HELD = "held"
# Errors that no later run can fix by itself: the run fails and says why.
FATAL_ERRORS = (
    MimecastConfigurationError,
    MimecastValidationError,
    MimecastAuthenticationError,
    MimecastPermissionError,
    MimecastBindingExpiredError,
    MimecastTLSError,
    MimecastHostNotFoundError,
    PlatformError,
)


def classify(exc: BaseException) -> str:
    """ "fatal" (the run fails), "failed" (this message or call is retried next run), or "bug"."""
    if isinstance(exc, FATAL_ERRORS):
        return "fatal"
    if isinstance(exc, MimecastError):
        return "failed"
    return "bug"


class StopRun(Exception):
    """A call every later step depends on could not be made; the run hands over nothing and keeps the state."""


class TrackingSearches:
    """The window's searches; TrackingStep sets these attributes."""

    settings: ConnectorSettings
    manager: MimecastManager
    clock: RunClock
    logger: Any
    test_run: bool
    concurrency: int
    pool: ThreadPoolExecutor  # the run's worker pool, open while the step searches and fetches

    def _log_start(self, window: RunWindow) -> None:
        s = self.settings
        if window.clamped_from is not None:
            self.logger.warn(
                f"The window would start at {_iso(window.clamped_from)}, older than Mimecast keeps tracking data "
                f"(about 30 days); it starts at {_iso(window.start)} instead."
            )
        self.logger.info(
            f"{'Test run' if self.test_run else 'Run'}: window {_iso(window.start)} to {_iso(window.end)}"
            f"{' (first run)' if window.first_run else ''}; domains {', '.join(s.domains)}; statuses "
            f"{', '.join(s.statuses) or 'all'}; routes {', '.join(s.routes) or 'all'}; lowest risk "
            f"{s.alert.lowest_risk or 'any'}; queue reasons "
            f"{excerpt(', '.join(sorted(s.alert.queue_reasons))) or 'any'}; "
            f"at most {s.max_messages} message(s), "
            f"{self.concurrency} at a time; {self.manager.auth_mode} against {self.manager.api_root}"
            f"{f' through proxy {s.connection.proxy.shown}' if s.connection.proxy.shown else ''}."
        )

    # Searches

    def search_on_mimecast_time(self, state: TrackingState) -> tuple[list[TrackedEmail], RunWindow, int]:
        """Search the window planned on Mimecast's clock; (messages found, the window, Mimecast minus host seconds).

        The window is planned with the clock difference the last run measured; the `Date` headers of the
        search answers measure it again, and the window is then set exactly on Mimecast's time:
        * off by more than CLOCK_REPLAN_S (the host's clock was changed, or a first run on a host whose
          clock is off): planned again on Mimecast's time and searched again;
        * Mimecast further than CLOCK_CATCH_UP_S ahead of the planned end: the rest, up to Mimecast's time,
          is searched too;
        * Mimecast behind the planned end: the window ends at Mimecast's time.
        A first run searches CLOCK_REPLAN_S further back than planned, so its start on Mimecast's time lies
        inside what was searched. The window never ends after Mimecast's time, so the checkpoint never passes
        mail Mimecast has not received yet, whatever the host's clock says.
        """
        hours = self.settings.max_hours_backwards
        offset = state.clock_offset
        # The end a few seconds past the estimate of Mimecast's time, so a small error delays nothing; it is cut
        # back to Mimecast's time below.
        planned = plan_window(state, self.clock.host_now_s() + offset + CLOCK_CATCH_UP_S, hours)
        found, searched, reading = self._search_round(state, planned)
        if reading is not None and abs(reading.offset - offset) > CLOCK_REPLAN_S:
            self.logger.info(
                f"Mimecast's clock is {_duration(reading.offset)} {'ahead of' if reading.offset > 0 else 'behind'} "
                "this host's, not as expected; planning the window again on Mimecast's time."
            )
            planned = plan_window(state, reading.latest, hours)
            found, searched, reading = self._search_round(state, planned, reading)
        if reading is None:
            return _inside_window(found, planned.start, searched.end), planned._replace(end=searched.end), offset
        if searched.end == planned.end and reading.earliest > planned.end + CLOCK_CATCH_UP_S:
            rest = planned._replace(start=planned.end, end=reading.earliest, checkpoint=planned.end)
            more, rest = self.search(rest, self._enough(state, planned, found))
            found, searched = found + more, searched._replace(end=rest.end)
        if abs(reading.offset) > CLOCK_WARN_S:
            direction = "behind" if reading.offset > 0 else "ahead of"
            self.logger.warn(
                f"The SOAR host's clock is {_duration(reading.offset)} {direction} Mimecast's (the Date header of its "
                "answers). The connector follows Mimecast's clock, but actions and API 1.0 signatures use the host's: "
                "synchronise the SOAR host's clock (NTP)."
            )
        window = plan_window(state, reading.earliest, hours)
        if window.start < searched.start:
            # Only at Mimecast's retention limit, by less than CLOCK_REPLAN_S: keep to what was searched.
            window = window._replace(start=searched.start, floor=max(window.floor, (searched.start, "")))
        window = window._replace(end=max(window.start, min(searched.end, reading.earliest)))
        return _inside_window(found, window.start, window.end), window, reading.offset

    def _search_round(
        self, state: TrackingState, planned: RunWindow, previous: ClockReading | None = None
    ) -> tuple[list[TrackedEmail], RunWindow, ClockReading | None]:
        """Search `planned` (a first run from CLOCK_REPLAN_S earlier); what Mimecast's answers said of its clock."""
        self._log_start(planned)
        searched = planned
        if planned.first_run:
            earlier = planned.start - CLOCK_REPLAN_S
            searched = planned._replace(start=earlier, checkpoint=earlier)
        mark = self.manager.server_clock.mark()
        found, searched = self.search(searched, self._enough(state, planned, []))
        return found, searched, self.manager.server_clock.since(mark) or previous

    def _enough(
        self, state: TrackingState, planned: RunWindow, already: list[TrackedEmail]
    ) -> Callable[[list[TrackedEmail]], bool]:
        """Whether the messages found so far make the run's batch: Max Messages To Return not processed yet."""

        def enough(found: list[TrackedEmail]) -> bool:
            candidates = select_candidates(state, planned, [*already, *found]).candidates
            ready = sum(1 for c in candidates if allowlist_rejection(c.tracked, self.settings.alert) is None)
            return ready >= self.settings.max_messages

        return enough

    def search(
        self, window: RunWindow, enough: Callable[[list[TrackedEmail]], bool]
    ) -> tuple[list[TrackedEmail], RunWindow]:
        """Every domain as recipient and as sender, in pieces Mimecast answers in full (MimecastTracking.cover_window).

        Mimecast documents no paging for this search, so an answer of SEARCH_CAP messages may have been cut
        short. The window is then covered from the checkpoint forward in narrower pieces, as many rounds as the
        run's search time allows, until the run has its batch (`enough`); the window ends where that stopped.
        """
        split = max(window.start, min(window.checkpoint, window.end))
        coverage = cover_window(
            lambda start, end: list(self._search_all(start, end).values()),
            window.start,
            window.end,
            window.checkpoint,
            enough,
            self.clock.more_searches_allowed,
        )
        for second in coverage.cut:
            self.logger.warn(
                f"A search for the messages received in the second {_iso(second)} returned {SEARCH_CAP}, the most "
                "Mimecast returns: those of that second it left out are missed."
            )
        if coverage.overlap_end < split:
            self.logger.warn(
                "The part of the window before the checkpoint was searched again only up to "
                f"{_iso(coverage.overlap_end)} (too many messages for this run's searches): messages Mimecast indexed "
                f"late between then and {_iso(split)} can be missed."
            )
        if coverage.rounds > 1:
            rest = " The rest of the window is left for the next run." if coverage.end < window.end else ""
            self.logger.info(
                f"A search of the window returned {SEARCH_CAP} messages, the most Mimecast returns; it was searched in "
                f"{coverage.rounds} rounds of narrower pieces, up to {_iso(coverage.end)}.{rest}"
            )
        return coverage.found, window._replace(end=coverage.end)

    def _search_all(self, start: int, end: int) -> dict[tuple[str, str], list[TrackedEmail]]:
        searches = [(domain, direction) for domain in self.settings.domains for direction in ("recipient", "sender")]
        futures = {
            search: self.pool.submit(
                self.manager.search_tracked_messages,
                _datetime(start),
                _datetime(end),
                statuses=self.settings.statuses,
                routes=self.settings.routes,
                **{search[1]: search[0]},
            )
            for search in searches
        }
        results = {}
        for search, future in futures.items():
            try:
                results[search] = future.result()
            except Exception as exc:
                if classify(exc) != "failed":
                    raise
                raise StopRun(f"Searching Mimecast for {search[0]} as {search[1]} failed: {exc}") from None
        return results


def _datetime(unix_s: int) -> datetime:
    return datetime.fromtimestamp(unix_s, tz=UTC)


def _duration(seconds: int) -> str:
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours} h {rest // 60} min" if hours else f"{rest // 60} min {rest % 60} s" if rest >= 60 else f"{rest} s"


def _iso(unix_s: int) -> str:
    return _datetime(unix_s).strftime("%Y-%m-%dT%H:%M:%SZ")


def _inside_window(found: list[TrackedEmail], start: int, end: int) -> list[TrackedEmail]:
    """Messages received in [start, end]; undated ones are kept (they are reported, never alerted)."""
    return [t for t in found if t.received is None or start <= t.received.timestamp() <= end]
