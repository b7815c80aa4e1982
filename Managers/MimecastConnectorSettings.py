"""The Message Tracking connector's parameters, read and checked once (ConnectorSettings), and the run's clock.

Bad input fails the run before anything is sent, with a message naming the parameter. No SDK import: the
platform's parameter values come in as a mapping.
"""

import re
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from MimecastConnection import Connection, connector_connection
from MimecastConstants import (
    CONCURRENT_DETAIL_REQUESTS,
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
    PYTHON_PROCESS_TIMEOUT,
    QUEUE_REASON_FILTER,
    RISK_LEVELS,
    ROUTE_FILTER,
    STATUS_FILTER,
    TRACKING_ROUTES,
    TRACKING_STATUSES,
    WHITELIST_AS_BLACKLIST,
)
from MimecastExceptions import MimecastValidationError
from MimecastParameters import (
    TypedParameters,
    excerpt,
    parse_choice,
    require_characters,
    require_domain,
    split_csv,
)
from MimecastSecrets import Secrets
from MimecastSpecs import ConnectorSpec
from MimecastTrackingAlerts import AlertSettings

# Time kept free after the last request (alerts, overflow checks, return_package, state) and before it
# (no new work): each the larger of a floor and a share of PythonProcessTimeout.
FINISH_RESERVE_S, FINISH_RESERVE_SHARE = 3.0, 0.10
NEW_WORK_MARGIN_S, NEW_WORK_MARGIN_SHARE = 2.0, 0.10
# A shorter PythonProcessTimeout leaves no time between start and the point where new work stops.
MIN_PROCESS_TIMEOUT_S = int(FINISH_RESERVE_S + NEW_WORK_MARGIN_S) + 1
# Rounds of searches after the first start only in this share of the time before new work stops, so that the
# details of what they found still fit in the run.
SEARCH_TIME_SHARE = 0.5


class RunClock:
    """Deadlines measured from process start: `soft` no new work, `hard` no request still running, `searches_end`
    no more rounds of searches (the first always runs)."""

    def __init__(
        self,
        started: float,
        timeout_s: int,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.started = started
        self._monotonic = monotonic
        self._wall = wall
        self.hard = started + timeout_s - max(FINISH_RESERVE_S, FINISH_RESERVE_SHARE * timeout_s)
        self.soft = self.hard - max(NEW_WORK_MARGIN_S, NEW_WORK_MARGIN_SHARE * timeout_s)
        self.searches_end = started + SEARCH_TIME_SHARE * (self.soft - started)

    def new_work_allowed(self) -> bool:
        return self._monotonic() < self.soft

    def more_searches_allowed(self) -> bool:
        return self._monotonic() < self.searches_end

    def elapsed(self) -> float:
        return self._monotonic() - self.started

    def host_now_s(self) -> int:
        """The SOAR host's time (unix seconds), which the run corrects to Mimecast's clock."""
        return int(self._wall())


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
