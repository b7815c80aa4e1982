"""One run of the Message Tracking connector, as docs/CONNECTOR_DESIGN.md describes it.

Parameters -> state and window -> searches (both directions per domain) -> candidates -> held-queue ids
and details (concurrent, paced, stopped before the timeout) -> filters and alerts -> overflow check ->
`return_package` -> the state, written last. The bookkeeping lives in MimecastTracking and the alert
building in MimecastTrackingAlerts; this module only orchestrates, talks to the SDK and logs.
"""

import dataclasses
import json
import logging
import os
import re
import sys
import time
import warnings
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import SiemplifyUtils
from SiemplifyBase import get_logger
from SiemplifyConnectors import SiemplifyConnectorExecution
from SiemplifyConnectorsDataModel import AlertInfo
from SiemplifyUtils import unix_now

from MimecastAuth import CachedToken
from MimecastConnection import Connection, connector_connection
from MimecastConstants import (
    CONCURRENT_DETAIL_REQUESTS,
    CONNECTION_SETTINGS,
    CONNECTOR_SECRET_FIELDS,
    DEVICE_PRODUCT_FIELD,
    DOMAINS,
    ENVIRONMENT_FIELD_NAME,
    ENVIRONMENT_REGEX_PATTERN,
    EVENT_CLASS_ID,
    INGEST_WITHOUT_RISK,
    LOWEST_RISK_TO_FETCH,
    MAX_CONCURRENT_DETAIL_REQUESTS,
    MAX_HOURS_BACKWARDS,
    MAX_HOURS_BACKWARDS_LIMIT,
    MAX_MESSAGES_TO_RETURN,
    PROXY_SERVER_ADDRESS,
    PYTHON_PROCESS_TIMEOUT,
    QUEUE_REASON_FILTER,
    RISK_LEVELS,
    ROUTE_FILTER,
    STATUS_FILTER,
    TRACKING_ROUTES,
    TRACKING_STATUSES,
    WHITELIST_AS_BLACKLIST,
)
from MimecastDataModels import HeldQueueEntry, MessageInfo, TrackedEmail
from MimecastExceptions import (
    MimecastAuthenticationError,
    MimecastBindingExpiredError,
    MimecastConfigurationError,
    MimecastError,
    MimecastHostNotFoundError,
    MimecastPermissionError,
    MimecastRateLimitError,
    MimecastTLSError,
    MimecastValidationError,
    Terms,
    failure_reason,
)
from MimecastManager import MimecastManager
from MimecastParameters import (
    TypedParameters,
    excerpt,
    parse_choice,
    require_characters,
    require_domain,
    split_csv,
)
from MimecastPlatform import PlatformError, platform_call, platform_failure
from MimecastSecrets import RedactingLogger, Secrets
from MimecastServerTime import ClockReading
from MimecastSpecs import ConnectorSpec
from MimecastTracking import (
    MAX_DETAIL_ATTEMPTS,
    SEARCH_CAP,
    STATE_KEY,
    STATE_MAX_BYTES,
    Candidate,
    RunWindow,
    TrackingState,
    commit,
    cover_window,
    plan_window,
    select_candidates,
)
from MimecastTrackingAlerts import (
    HELD_MATCH_TOLERANCE_S,
    AlertSettings,
    TrackingAlert,
    alert_for,
    allowlist_rejection,
    filter_rejection,
    match_held_ids,
)
from MimecastTrackingMatch import MAX_TIMED_OUT_MATCHES, EnvironmentPattern

TOKEN_KEY = "mimecast_api2_token"
# Time kept free after the last request (alerts, overflow checks, return_package, state) and before it
# (no new work): each the larger of a floor and a share of PythonProcessTimeout.
FINISH_RESERVE_S, FINISH_RESERVE_SHARE = 3.0, 0.10
NEW_WORK_MARGIN_S, NEW_WORK_MARGIN_SHARE = 2.0, 0.10
# A shorter PythonProcessTimeout leaves no time between start and the point where new work stops.
MIN_PROCESS_TIMEOUT_S = int(FINISH_RESERVE_S + NEW_WORK_MARGIN_S) + 1
# Rounds of searches after the first start only in this share of the time before new work stops, so that the
# details of what they found still fit in the run.
SEARCH_TIME_SHARE = 0.5
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
# A failure's advice as the connector's run shows it (it never writes, so only where the connection is set).
CONNECTOR_TERMS = Terms(again="running the connector again", settings=CONNECTION_SETTINGS)


class RunClock:
    """Deadlines measured from process start: `soft` no new work, `hard` no request still running, `searches_end`
    no more rounds of searches (the first always runs)."""

    def __init__(self, started: float, timeout_s: int, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.started = started
        self._monotonic = monotonic
        self.hard = started + timeout_s - max(FINISH_RESERVE_S, FINISH_RESERVE_SHARE * timeout_s)
        self.soft = self.hard - max(NEW_WORK_MARGIN_S, NEW_WORK_MARGIN_SHARE * timeout_s)
        self.searches_end = started + SEARCH_TIME_SHARE * (self.soft - started)

    def new_work_allowed(self) -> bool:
        return self._monotonic() < self.soft

    def more_searches_allowed(self) -> bool:
        return self._monotonic() < self.searches_end

    def elapsed(self) -> float:
        return self._monotonic() - self.started


@dataclass(frozen=True)
class ConnectorSettings:
    domains: tuple[str, ...]
    statuses: tuple[str, ...]
    routes: tuple[str, ...]
    max_hours_backwards: int
    max_messages: int
    timeout_s: int
    concurrency: int
    connection: Connection
    alert: AlertSettings


class ConnectorParameters(TypedParameters):
    """The connector's parameters as the platform passes them (name -> value), typed by its spec."""

    def __init__(self, values: Mapping[str, Any], spec: ConnectorSpec) -> None:
        super().__init__(spec)
        self._values = values

    def raw(self, name: str) -> object:
        return self._values.get(name)


def _filter_values(name: str, values: list[str], allowed: tuple[str, ...], logger: Any) -> tuple[str, ...]:
    """Valid values (deduplicated, lower-case); invalid ones are dropped with a log line; none valid fails the run."""
    valid: list[str] = []
    invalid = []
    for value in values:
        lowered = value.lower()
        if lowered in allowed:
            if lowered not in valid:
                valid.append(lowered)
        else:
            invalid.append(value)
    if invalid and valid:
        logger.warn(
            f'"{name}": ignoring invalid value(s) {", ".join(repr(v) for v in invalid)}. '
            f"Allowed values: {', '.join(allowed)}."
        )
    if invalid and not valid:
        raise MimecastValidationError(
            f'"{name}" has no valid value (got {", ".join(repr(v) for v in invalid)}). '
            f"Allowed values: {', '.join(allowed)}."
        )
    return tuple(valid)


def _listed(params: ConnectorParameters, name: str) -> list[str]:
    """A filter's values; one left empty (or listing nothing) means every value, as the product documents it.

    Only a parameter the platform did not send at all takes the definition's default (Status Filter: held).
    """
    raw = params.raw(name)
    if raw is None:
        return params.csv(name)
    return split_csv(require_characters(name, str(raw).strip()))


def read_settings(
    values: Mapping[str, Any],
    default_environment: str,
    allowlist: list[str],
    logger: Any,
    secrets: Secrets,
    spec: ConnectorSpec,
) -> ConnectorSettings:
    params = ConnectorParameters(values, spec)
    by_name: dict[str, str] = {}
    for value in params.csv(DOMAINS):
        by_name.setdefault(require_domain(DOMAINS, value).lower(), value)
    domains = tuple(by_name.values())
    if not domains:
        raise MimecastValidationError(f'Parameter "{DOMAINS}" must list at least one domain.')
    statuses = _filter_values(STATUS_FILTER, _listed(params, STATUS_FILTER), TRACKING_STATUSES, logger)
    routes = _filter_values(ROUTE_FILTER, _listed(params, ROUTE_FILTER), TRACKING_ROUTES, logger)
    lowest = params.text(LOWEST_RISK_TO_FETCH)
    lowest_risk = parse_choice(LOWEST_RISK_TO_FETCH, lowest, RISK_LEVELS).lower() if lowest else None
    hours = params.positive_int(MAX_HOURS_BACKWARDS)
    if hours > MAX_HOURS_BACKWARDS_LIMIT:
        logger.warn(
            f'"{MAX_HOURS_BACKWARDS}" is {hours}; Mimecast tracks messages for about 30 days, so '
            f"{MAX_HOURS_BACKWARDS_LIMIT} hours are used."
        )
        hours = MAX_HOURS_BACKWARDS_LIMIT
    concurrency = params.positive_int(CONCURRENT_DETAIL_REQUESTS)
    if concurrency > MAX_CONCURRENT_DETAIL_REQUESTS:
        raise MimecastValidationError(
            f'Invalid value for "{CONCURRENT_DETAIL_REQUESTS}": {concurrency}. '
            f"It must be between 1 and {MAX_CONCURRENT_DETAIL_REQUESTS}."
        )
    timeout_s = params.positive_int(PYTHON_PROCESS_TIMEOUT)
    if timeout_s < MIN_PROCESS_TIMEOUT_S:
        raise MimecastValidationError(
            f'Invalid value for "{PYTHON_PROCESS_TIMEOUT}": {timeout_s}. A run keeps its last '
            f"{MIN_PROCESS_TIMEOUT_S - 1} seconds for finishing in time, so it must be at least "
            f"{MIN_PROCESS_TIMEOUT_S}."
        )
    pattern = params.text(ENVIRONMENT_REGEX_PATTERN) or ".*"
    try:
        with warnings.catch_warnings():
            # re warns (FutureWarning) about constructs whose meaning may change; only an error matters here.
            warnings.simplefilter("ignore")
            re.compile(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        raise MimecastValidationError(
            f'Invalid value for "{ENVIRONMENT_REGEX_PATTERN}": "{excerpt(pattern)}" is not a regular expression '
            f"({exc})."
        ) from None
    connection = connector_connection(values, secrets)
    return ConnectorSettings(
        domains=domains,
        statuses=statuses,
        routes=routes,
        max_hours_backwards=hours,
        max_messages=params.positive_int(MAX_MESSAGES_TO_RETURN),
        timeout_s=timeout_s,
        concurrency=concurrency,
        connection=connection,
        alert=AlertSettings(
            device_product_field=params.text(DEVICE_PRODUCT_FIELD) or "",
            event_class_field=params.text(EVENT_CLASS_ID) or "",
            environment_field=params.text(ENVIRONMENT_FIELD_NAME) or "",
            environment_pattern=pattern,
            default_environment=default_environment,
            queue_reasons=frozenset(reason.casefold() for reason in params.csv(QUEUE_REASON_FILTER)),
            lowest_risk=lowest_risk,
            ingest_without_risk=params.checkbox(INGEST_WITHOUT_RISK),
            allowlist=tuple(entry for entry in allowlist if isinstance(entry, str) and entry.strip()),
            allowlist_is_blocklist=params.checkbox(WHITELIST_AS_BLACKLIST),
        ),
    )


class ContextTokenStore:
    """The API 2.0 token in the connector context, so the next runs reuse it while it is valid.

    `client` holds the key the Manager gives (a digest of the API Root, the Client ID and the Client Secret's
    digest): a token saved for other values is not returned.
    """

    def __init__(self, siemplify: Any, identifier: str, writable: bool) -> None:
        self._siemplify = siemplify
        self._identifier = identifier
        self._writable = writable

    def load(self, key: str) -> CachedToken | None:
        with platform_call("read the cached API 2.0 token from the connector context"):
            raw = self._siemplify.get_connector_context_property(self._identifier, TOKEN_KEY)
        try:
            data = json.loads(raw or "null")
            if isinstance(data, dict) and data.get("client") == key:
                return CachedToken(str(data["access_token"]), float(data["expires_at"]))
        except (ValueError, KeyError, TypeError):
            pass
        return None

    def save(self, key: str, token: CachedToken) -> None:
        if self._writable:
            value = {"client": key, "access_token": token.access_token, "expires_at": token.expires_at}
            with platform_call("save the API 2.0 token in the connector context"):
                self._siemplify.set_connector_context_property(self._identifier, TOKEN_KEY, json.dumps(value))


def _classify(exc: BaseException) -> str:
    """ "fatal" (the run fails), "failed" (this message or call is retried next run), or "bug"."""
    if isinstance(exc, FATAL_ERRORS):
        return "fatal"
    if isinstance(exc, MimecastError):
        return "failed"
    return "bug"


class _StopRun(Exception):
    """A call every later step depends on could not be made; the run hands over nothing and keeps the state."""


class TrackingRun:
    def __init__(
        self, siemplify: Any, settings: ConnectorSettings, clock: RunClock, secrets: Secrets, logger: Any
    ) -> None:
        self.siemplify = siemplify
        self.logger = logger
        self.settings = settings
        self.clock = clock
        self.test_run = bool(siemplify.is_test_run)
        self.identifier = siemplify.context.connector_info.identifier
        self.manager = MimecastManager(
            settings.connection,
            secrets=secrets,
            logger=self.logger,
            deadline=clock.hard,
            token_store=ContextTokenStore(siemplify, self.identifier, writable=not self.test_run),
            pool_size=settings.concurrency + 2,
        )
        self.concurrency = 1 if self.test_run else settings.concurrency
        self.pool: ThreadPoolExecutor  # the run's worker pool, open while `run` searches and fetches

    def load_state(self) -> TrackingState:
        with platform_call("read the connector state from the connector context"):
            raw = self.siemplify.get_connector_context_property(self.identifier, STATE_KEY)
        try:
            return TrackingState.from_json(raw)
        except (ValueError, KeyError, TypeError) as exc:
            self.logger.error(f"The saved connector state cannot be read ({exc}); starting as on a first run.")
            return TrackingState()

    def run(self) -> None:
        state = self.load_state()
        try:
            with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="mimecast") as pool:
                self.pool = pool
                found, window, clock_offset = self.search_on_mimecast_time(state)
                selection = select_candidates(state, window, found)
                self.logger.info(selection.summary())
                for tracking_id in selection.undated:
                    self.logger.warn(f"Tracked message {tracking_id} has no readable received time; it is skipped.")
                outcome = self.process(state, selection.candidates)
        except _StopRun as stop:
            self.logger.error(f"{stop} Nothing was handed over; the next run tries again from the same point.")
            self.siemplify.return_package([])
            return
        finally:
            self.manager.close()
        result = commit(
            dataclasses.replace(state, clock_offset=clock_offset),
            window,
            selection.candidates,
            outcome.processed,
            outcome.failed,
            count_failures=outcome.details_read > 0,
        )
        if result.dropped:
            self.logger.warn(
                f"{result.dropped} remembered message id(s) were dropped to keep the state bounded; messages "
                "Mimecast indexes later than that point are no longer picked up."
            )
        if result.withdrawn:
            self.logger.info(f"{len(result.withdrawn)} message(s) are left for the next run to keep the state bounded.")
        alerts = [alert for alert in outcome.alerts if alert.ticket_id not in result.withdrawn]
        if self.test_run:
            alerts = alerts[:1]
        cases = self.hand_over(alerts)
        left = len(selection.candidates) - len(outcome.processed) + len(result.withdrawn)
        self.logger.info(
            f"Run finished in {self.clock.elapsed():.1f} s: {len(cases)} alert(s), {outcome.filtered} filtered out, "
            f"{len(alerts) - len(cases)} overflowed, {left} left for the next run "
            f"({self.manager.request_count} request(s) to Mimecast)."
        )
        if self.test_run:
            self.logger.info("Test run: the connector state was not saved.")
        text = result.state.to_json()
        if not self.test_run and len(text) > STATE_MAX_BYTES:
            self.logger.error(f"The connector state is {len(text)} bytes, above its bound of {STATE_MAX_BYTES}.")
        self.siemplify.return_package(cases)
        # The output object is complete on stdout before the state is written: from the write on, only the exit
        # is left (end_process), and a kill before the write only makes the next run redo this one.
        flush_output()
        if self.test_run:
            return
        with platform_call(
            "save the connector state in the connector context (the platform ingests nothing from "
            "this run, and the next run hands these messages over again)"
        ):
            self.siemplify.set_connector_context_property(self.identifier, STATE_KEY, text)

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
        planned = plan_window(state, unix_now() // 1000 + offset + CLOCK_CATCH_UP_S, hours)
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
                if _classify(exc) != "failed":
                    raise
                raise _StopRun(f"Searching Mimecast for {search[0]} as {search[1]} failed: {exc}") from None
        return results

    # Details, held-queue ids, filters and alerts

    def process(self, state: TrackingState, candidates: list[Candidate]) -> "Outcome":
        settings = self.settings.alert
        outcome = Outcome()
        queue = []
        for candidate in candidates:
            rejection = allowlist_rejection(candidate.tracked, settings)
            if rejection:
                outcome.processed[candidate.id] = False
                outcome.filtered += 1
                self.logger.info(f"Skipping {candidate.id}: {rejection}.")
            else:
                queue.append(candidate)
        batch = queue[: self.settings.max_messages]
        held_batch = [c for c in batch if c.tracked.status == HELD]
        held_lookup = self.pool.submit(self.held_entries, held_batch) if held_batch else None
        infos, failed = self.fetch_details(batch)
        outcome.details_read = len(infos)
        held_entries: list[HeldQueueEntry] | None = []
        held_refused = False
        # A rate-limited hold list says nothing about the messages: it does not count towards giving up on them.
        held_failure_counts = True
        if held_lookup is not None:
            try:
                held_entries = held_lookup.result()
            except MimecastPermissionError as exc:
                self.logger.error(
                    f"{exc} Held messages are alerted without their held-queue id, which Release Message and Reject "
                    "Message take."
                )
                held_entries, held_refused = [], True
            except Exception as exc:
                if _classify(exc) != "failed":
                    raise
                self.logger.warn(f"The held queue could not be read: {exc} Held messages are retried next run.")
                held_entries, held_failure_counts = None, not isinstance(exc, MimecastRateLimitError)
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
                continue
            held_missing = candidate.tracked.status == HELD and held_entries is None
            if candidate.id in failed or held_missing:
                if candidate.id not in failed and not held_failure_counts:
                    continue
                outcome.failed.append(candidate.id)
                if not (outcome.details_read and state.failed_before(candidate.id) + 1 >= MAX_DETAIL_ATTEMPTS):
                    continue
                self.logger.warn(
                    f"Giving up on the {'held-queue id' if held_missing else 'details'} of {candidate.id} after "
                    f"{MAX_DETAIL_ATTEMPTS} runs: {failed.get(candidate.id) or 'held queue unavailable'}. "
                    "Its alert is built from what is known."
                )
            info = infos.get(candidate.id)
            outcome.processed[candidate.id] = True
            rejection = filter_rejection(info, settings)
            if rejection:
                outcome.filtered += 1
                self.logger.info(f"Skipping {candidate.id}: {rejection}.")
                continue
            held_ids = match_held_ids(candidate.tracked, held_entries or [], taken) if held_entries else {}
            if candidate.tracked.status == HELD and held_entries is not None and not held_ids and not held_refused:
                self.logger.warn(f"Held message {candidate.id} is not in the held queue (any more); no held-queue id.")
            alert, problems = alert_for(candidate.tracked, info, held_ids, settings, pattern)
            for problem in problems:
                self.logger.warn(f"Message {candidate.id}: {problem}.")
            outcome.alerts.append(alert)
        return outcome

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
                    if _classify(exc) != "failed":
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

    # Hand-over

    def hand_over(self, alerts: list[TrackingAlert]) -> list[AlertInfo]:
        """AlertInfo objects for the alerts that pass the platform's overflow check."""
        cases = []
        for alert in alerts:
            with platform_call("check an alert against its overflow settings"):
                overflowed = self.siemplify.is_overflowed_alert(
                    environment=alert.environment,
                    alert_identifier=alert.ticket_id,
                    ingestion_time=unix_now(),
                    alert_name=alert.rule_generator,
                    product=alert.device_product,
                )
            if overflowed:
                self.logger.warn(f"Alert for {alert.ticket_id} overflowed and was not created.")
                continue
            case = AlertInfo()
            for name, value in alert._asdict().items():
                setattr(case, name, value)
            cases.append(case)
        return cases


@dataclass
class Outcome:
    processed: dict[str, bool] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    alerts: list[TrackingAlert] = field(default_factory=list)
    filtered: int = 0
    details_read: int = 0


def _datetime(unix_s: int) -> datetime:
    return datetime.fromtimestamp(unix_s, tz=UTC)


def _duration(seconds: int) -> str:
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours} h {rest // 60} min" if hours else f"{rest // 60} min {rest % 60} s" if rest >= 60 else f"{rest} s"


def _iso(unix_s: int) -> str:
    return _datetime(unix_s).strftime("%Y-%m-%dT%H:%M:%SZ")


RUN_FAILED = "The Message Tracking connector run failed: "


def flush_output() -> None:
    """What the script wrote so far, out of Python's buffers: the output object (stdout), stderr, the log file."""
    for stream in (SiemplifyUtils.real_stdout, sys.stdout, sys.stderr):
        stream.flush()
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for logger in loggers:
        for handler in getattr(logger, "handlers", ()):
            handler.flush()


def end_process() -> None:
    """Exit with status 0 now, after a run that ended normally (its state write, if any, was its last call).

    A kill between the state write and the exit loses the run's alerts: the state says they were handed over, but
    the platform ingests a run's output only when the process exits 0. The interpreter's teardown (joining
    threads, closing sessions, freeing every module and object) took about 50 ms there; everything the platform
    reads is already written (flush_output), so the process skips it.
    """
    flush_output()
    os._exit(0)


def start_connector_run() -> SiemplifyConnectorExecution:
    """The SDK's connector object; a failure before any of the connector's own code ran is worded, not a traceback.

    The SDK reads its overflow settings from the platform and exports the proxy parameters while it is built.
    """
    try:
        return SiemplifyConnectorExecution()
    except Exception as exc:
        if isinstance(exc, ValueError) and "Port" in str(exc):
            # urllib's "Port out of range 0-65535" / "Port could not be cast ...", from the SDK's proxy export.
            reason = (
                f'the SOAR SDK cannot use "{PROXY_SERVER_ADDRESS}" ({exc}). Use http://host:port with a port from 1 '
                "to 65535."
            )
        else:
            reason = str(platform_failure(exc, "start the connector run (the SDK reads its overflow settings)"))
        logger = get_logger()  # the SDK's logger, if the constructor got as far as setting it up
        if logger is not None:
            logger.error(RUN_FAILED + reason)
        raise MimecastError(RUN_FAILED + reason) from None


def run_tracking_connector(siemplify: Any, started: float, spec: ConnectorSpec) -> None:
    """One connector iteration of `spec` (the script's); a failure is logged (without secrets) and raised."""
    secrets = Secrets(*(str(siemplify.parameters.get(name) or "") for name in CONNECTOR_SECRET_FIELDS))
    logger = RedactingLogger(siemplify.LOGGER, secrets)
    try:
        info = siemplify.context.connector_info
        whitelist = list(siemplify.whitelist or [])
        settings = read_settings(siemplify.parameters, info.environment or "", whitelist, logger, secrets, spec)
        TrackingRun(siemplify, settings, RunClock(started, settings.timeout_s), secrets, logger).run()
    except Exception as exc:
        message = RUN_FAILED + failure_reason(exc, secrets, logger.error, CONNECTOR_TERMS)
        logger.error(message)
        raise MimecastError(message) from None


def _inside_window(found: list[TrackedEmail], start: int, end: int) -> list[TrackedEmail]:
    """Messages received in [start, end]; undated ones are kept (they are reported, never alerted)."""
    return [t for t in found if t.received is None or start <= t.received.timestamp() <= end]
