"""From tracked messages to alerts: the connector's filters, environment, priority and held-queue ids.

Pure logic without the SDK: `alert_for` returns a `TrackingAlert`, which the connector copies into the
platform's AlertInfo. It never raises for one message's data: what goes wrong is returned for the log and
that message's alert is degraded (default environment, then without details). The events are built in
MimecastTrackingEvents, the Environment Regex Pattern is bounded in time in MimecastTrackingMatch.
"""

import contextlib
import dataclasses
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from MimecastConstants import (
    ALERT_DEFAULT_PRODUCT,
    ALERT_DEFAULT_RULE,
    ALERT_VENDOR,
    EVENT_DETAILS_AVAILABLE,
    EVENT_END_TIME,
    EVENT_INFO,
    EVENT_MESSAGE,
    EVENT_ROUTE,
    EVENT_SENDER,
    EVENT_START_TIME,
    EVENT_STATUS,
    EVENT_SUBJECT,
    EVENT_TRACKING_ID,
    EVENT_TYPE,
    NO_RISK_PRIORITY,
    RISK_PRIORITIES,
)
from MimecastDataModels import HeldQueueEntry, MessageInfo, TrackedEmail
from MimecastParameters import excerpt
from MimecastTrackingEvents import tracking_events, unix_ms
from MimecastTrackingMatch import MATCH_MAX_CHARS, EnvironmentPattern, MatchTimeout

RISK_ORDER = tuple(RISK_PRIORITIES)
# A held-queue entry belongs to a tracked message when they agree on sender, recipient, subject and
# were received within this many seconds of each other (the hold list shows no tracking id).
HELD_MATCH_TOLERANCE_S = 120


@dataclass(frozen=True)
class AlertSettings:
    """The connector parameters that shape filters and alerts."""

    device_product_field: str = "Product Name"
    event_class_field: str = EVENT_TYPE
    environment_field: str = ""
    environment_pattern: str = ".*"
    default_environment: str = ""
    queue_reasons: frozenset[str] = frozenset()
    lowest_risk: str | None = None
    ingest_without_risk: bool = True
    allowlist: tuple[str, ...] = ()
    allowlist_is_blocklist: bool = True


class TrackingAlert(NamedTuple):
    """The fields of the platform's AlertInfo for one tracked message."""

    ticket_id: str
    display_id: str
    name: str
    rule_generator: str
    reason: str | None
    description: str | None
    device_vendor: str
    device_product: str
    start_time: int
    end_time: int
    priority: int
    environment: str
    events: list[dict[str, Any]]


def allowlist_rejection(tracked: TrackedEmail, settings: AlertSettings) -> str | None:
    """Why the connector's allowlist/blocklist (matched on the tracked email's `info`) drops it, or None."""
    if not settings.allowlist:
        return None
    listed = tracked.info.casefold() in {entry.strip().casefold() for entry in settings.allowlist}
    if settings.allowlist_is_blocklist and listed:
        return f'its info "{tracked.info}" is on the blocklist'
    if not settings.allowlist_is_blocklist and not listed:
        return f'its info "{tracked.info}" is not on the allowlist'
    return None


def filter_rejection(info: MessageInfo | None, settings: AlertSettings) -> str | None:
    """Why the queue-reason or risk filters drop the message (details unavailable: no reason, no risk), or None."""
    reason = info.queue_reason if info else None
    if settings.queue_reasons and (reason is None or reason.casefold() not in settings.queue_reasons):
        return f'its queue reason "{reason or ""}" is not in the Queue Reason Filter'
    risk = info.risk if info else None
    if risk not in RISK_ORDER:
        if not settings.ingest_without_risk:
            return "it has no risk and Ingest Messages Without Risk is off"
        return None
    if settings.lowest_risk and RISK_ORDER.index(risk) < RISK_ORDER.index(settings.lowest_risk):
        return f"its risk {risk} is below the Lowest Risk To Fetch ({settings.lowest_risk})"
    return None


def match_held_ids(tracked: TrackedEmail, entries: Sequence[HeldQueueEntry], taken: set[str]) -> dict[str, str]:
    """Recipient -> held-queue id for each recipient found in the hold list; ids in `taken` are skipped."""
    found: dict[str, str] = {}
    if tracked.received is None:
        return found
    senders = {address.casefold() for address in (tracked.sender, tracked.header_from) if address}
    for recipient in tracked.recipient_addresses:
        best: tuple[float, str] | None = None
        for entry in entries:
            if entry.id in taken or entry.received is None or entry.subject != tracked.subject:
                continue
            if entry.recipient.casefold() != recipient.casefold():
                continue
            if not {entry.sender.casefold(), entry.header_from.casefold()} & senders:
                continue
            distance = abs((entry.received - tracked.received).total_seconds())
            if distance <= HELD_MATCH_TOLERANCE_S and (best is None or distance < best[0]):
                best = (distance, entry.id)
        if best is not None:
            taken.add(best[1])
            found[recipient] = best[1]
    return found


class Environment(NamedTuple):
    name: str
    problem: str | None = None


def resolve_environment(
    event: Mapping[str, Any], settings: AlertSettings, pattern: "EnvironmentPattern | None" = None
) -> Environment:
    """Environment Field Name's value in the message event (narrowed by the regex), else the default environment.

    The regex's first group is the environment when it took part in the match, else the whole match; no match
    keeps the value. `pattern`: the run's compiled pattern (it counts matches that ran out of time).
    """
    if not settings.environment_field:
        return Environment(settings.default_environment)
    value = event.get(settings.environment_field)
    text = "" if value is None else str(value).strip()
    if text and settings.environment_pattern and settings.environment_pattern != ".*":
        if len(text) > MATCH_MAX_CHARS:
            return Environment(
                settings.default_environment,
                f'its "{settings.environment_field}" value is longer than {MATCH_MAX_CHARS:,} characters, too long for '
                "the Environment Regex Pattern, so it goes to the default environment",
            )
        pattern = pattern or EnvironmentPattern(settings.environment_pattern)
        try:
            found = pattern.search(text)
        except MatchTimeout as exc:
            return Environment(
                settings.default_environment,
                f'the Environment Regex Pattern {exc} on its "{settings.environment_field}" value, so it goes to '
                "the default environment",
            )
        if found:
            group = found.group(1) if found.re.groups else None
            text = (group if group is not None else found.group(0)).strip()
    return Environment(text or settings.default_environment)


def display_id(tracking_id: str) -> str:
    """Unique and stable per message, so a repeated alert could never be a second alert in SOAR."""
    return "Mimecast_" + hashlib.sha256(tracking_id.encode("utf-8")).hexdigest()[:32]


def alert_for(
    tracked: TrackedEmail,
    info: MessageInfo | None,
    held_ids: Mapping[str, str],
    settings: AlertSettings,
    pattern: EnvironmentPattern | None = None,
) -> tuple[TrackingAlert, list[str]]:
    """The message's alert and what went wrong building it (for the log); never raises for the message's data.

    A message must become an alert whatever its data holds, and must not stop the others: when the full alert
    cannot be built, it is built in the default environment, then also without the details, and at last from
    its tracking id, subject, status and times alone.
    """
    try:
        alert, problem = _build(tracked, info, held_ids, settings, pattern)
        return alert, [problem] if problem else []
    except Exception as exc:
        reason = f"its alert could not be built ({type(exc).__name__}: {excerpt(exc)})"
    in_default = dataclasses.replace(settings, environment_field="")
    for details, how in (
        (info, "in the default environment"),
        (None, "without its details, in the default environment"),
    ):
        with contextlib.suppress(Exception):
            return _build(tracked, details, held_ids, in_default, None)[0], [f"{reason}; it is alerted {how}"]
    return _bare_alert(tracked, settings), [f"{reason}; it is alerted with its search data only"]


def build_alert(
    tracked: TrackedEmail,
    info: MessageInfo | None,
    held_ids: Mapping[str, str],
    settings: AlertSettings,
    pattern: EnvironmentPattern | None = None,
) -> TrackingAlert:
    """One alert per tracked message; `info` None when Mimecast would not give its details (see `alert_for`).

    `held_ids`: recipient address -> held-queue id (what Release / Reject Message take).
    """
    return _build(tracked, info, held_ids, settings, pattern)[0]


def _build(
    tracked: TrackedEmail,
    info: MessageInfo | None,
    held_ids: Mapping[str, str],
    settings: AlertSettings,
    pattern: EnvironmentPattern | None,
) -> tuple[TrackingAlert, str | None]:
    received_ms = unix_ms(tracked.received)
    risk = info.risk if info and info.risk in RISK_ORDER else None
    reason = info.queue_reason if info else None
    events = tracking_events(tracked, info, held_ids, risk, settings.event_class_field)
    message = events[0]
    product = message.get(settings.device_product_field) if settings.device_product_field else None
    environment = resolve_environment(message, settings, pattern)
    alert = TrackingAlert(
        ticket_id=tracked.id,
        display_id=display_id(tracked.id),
        name=f"{(tracked.status or 'tracked').capitalize()} Message",
        rule_generator=reason or ALERT_DEFAULT_RULE,
        reason=reason,
        description=info.queue_detail_status if info else None,
        device_vendor=ALERT_VENDOR,
        device_product=str(product) if product not in (None, "") else ALERT_DEFAULT_PRODUCT,
        start_time=received_ms,
        end_time=received_ms,
        priority=RISK_PRIORITIES.get(risk, NO_RISK_PRIORITY) if risk else NO_RISK_PRIORITY,
        environment=environment.name,
        events=events,
    )
    return alert, environment.problem


def _bare_alert(tracked: TrackedEmail, settings: AlertSettings) -> TrackingAlert:
    """The alert when nothing else could be built: only plain fields of the search entry, no parsing, no regex."""
    try:
        received_ms = unix_ms(tracked.received)
    except (ValueError, OverflowError, OSError):
        received_ms = 0
    event = {
        EVENT_TYPE: EVENT_MESSAGE,
        EVENT_TRACKING_ID: tracked.id,
        EVENT_SUBJECT: tracked.subject,
        EVENT_SENDER: tracked.sender,
        EVENT_STATUS: tracked.status,
        EVENT_ROUTE: tracked.route,
        EVENT_INFO: tracked.info,
        EVENT_START_TIME: received_ms,
        EVENT_END_TIME: received_ms,
        EVENT_DETAILS_AVAILABLE: False,
    }
    if settings.event_class_field and settings.event_class_field != EVENT_TYPE:
        event.setdefault(settings.event_class_field, EVENT_MESSAGE)
    return TrackingAlert(
        ticket_id=tracked.id,
        display_id=display_id(tracked.id),
        name=f"{(tracked.status or 'tracked').capitalize()} Message",
        rule_generator=ALERT_DEFAULT_RULE,
        reason=None,
        description=None,
        device_vendor=ALERT_VENDOR,
        device_product=ALERT_DEFAULT_PRODUCT,
        start_time=received_ms,
        end_time=received_ms,
        priority=NO_RISK_PRIORITY,
        environment=settings.default_environment,
        events=[event],
    )
