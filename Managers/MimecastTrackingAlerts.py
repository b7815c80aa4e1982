"""From tracked messages to alerts: the connector's filters, events, environment, priority and held-queue ids.

Pure logic without the SDK: `alert_for` returns a `TrackingAlert`, which the connector copies into the
platform's AlertInfo. It never raises for one message's data: what goes wrong is returned for the log and
that message's alert is degraded (default environment, then without details). Event field names are the
contract in MimecastConstants (EVENT_*).
"""

import contextlib
import dataclasses
import hashlib
import re
import signal
import threading
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from MimecastConstants import (
    ALERT_DEFAULT_PRODUCT,
    ALERT_DEFAULT_RULE,
    ALERT_VENDOR,
    EVENT_ATTACHMENT,
    EVENT_ATTACHMENT_COUNT,
    EVENT_DELIVERY_EVENT,
    EVENT_DETAILS_AVAILABLE,
    EVENT_END_TIME,
    EVENT_FILE_HASH,
    EVENT_FILE_NAME,
    EVENT_FILE_SIZE,
    EVENT_FILE_TYPE,
    EVENT_HELD_MESSAGE_ID,
    EVENT_HELD_MESSAGE_IDS,
    EVENT_INFO,
    EVENT_INTERNET_MESSAGE_ID,
    EVENT_MESSAGE,
    EVENT_QUEUE_DETAIL_STATUS,
    EVENT_QUEUE_REASON,
    EVENT_RECEIVED,
    EVENT_RECIPIENT,
    EVENT_RECIPIENT_ADDRESS,
    EVENT_RECIPIENT_NAME,
    EVENT_RECIPIENTS,
    EVENT_RISK,
    EVENT_ROUTE,
    EVENT_SENDER,
    EVENT_SENDER_HEADER,
    EVENT_SENDER_IP,
    EVENT_SENDER_NAME,
    EVENT_SENT,
    EVENT_START_TIME,
    EVENT_STATUS,
    EVENT_SUBJECT,
    EVENT_TRACKING_ID,
    EVENT_TYPE,
    NO_RISK_PRIORITY,
    RISK_PRIORITIES,
)
from MimecastDataModels import HeldQueueEntry, MessageInfo, TrackedEmail, utc_timestamp
from MimecastParameters import excerpt

RISK_ORDER = tuple(RISK_PRIORITIES)
# A held-queue entry belongs to a tracked message when they agree on sender, recipient, subject and
# were received within this many seconds of each other (the hold list shows no tracking id).
HELD_MATCH_TOLERANCE_S = 120
# The Environment Regex Pattern is matched against a value an attacker can write (a subject): each match may use this
# much CPU time, and a run stops applying it after this many matches ran out of time (at most about 1 CPU second).
MATCH_LIMIT_S = 0.1
MAX_TIMED_OUT_MATCHES = 10
# `re` checks for the alarm only between some steps, and some of them take time in proportion to the value's length:
# longer values are not matched at all (no environment is that long).
MATCH_MAX_CHARS = 10_000
# Detail parts that become events of their own, or are repeated elsewhere, are left out of the message event.
_DETAIL_KEYS_NOT_FLATTENED = (
    ("deliveredMessage",),
    ("recipientInfo", "messageInfo", "attachments"),
    ("recipientInfo", "messageInfo", "textBody"),
    ("recipientInfo", "messageInfo", "htmlBody"),
    ("recipientInfo", "recipientMetaInfo", "components"),
    ("recipientInfo", "txInfo", "transmissionComponents"),
)


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


class MatchTimeout(Exception):
    """A regular expression ran out of time on one value (str: what happened, for the log)."""


# The limit of the match running now, or None while no match runs (signal handlers run in the main thread).
_running_limit_s: float | None = None


def _out_of_time(_signum: int, _frame: Any) -> None:
    if _running_limit_s is not None:
        raise MatchTimeout(f"took more than {_running_limit_s:g} s of CPU time")


def match_pattern(pattern: re.Pattern[str], text: str, limit_s: float = MATCH_LIMIT_S) -> re.Match[str] | None:
    """`pattern.search(text)`, stopped with MatchTimeout once it used `limit_s` of CPU time.

    Python's `re` backtracks, so a pattern such as `^(a+)+$` runs for ages on a crafted value; it checks for
    signals while it matches, so a CPU-time alarm (ITIMER_VIRTUAL: a process waiting for the CPU on a busy host
    does not run out of time) stops it. Signal handlers run only in the main thread, so matching elsewhere is
    refused rather than left unbounded. The handler stays installed; it does nothing unless a match is running.
    """
    global _running_limit_s
    if threading.current_thread() is not threading.main_thread():
        raise MatchTimeout("cannot be bounded in time outside the main thread")
    if signal.getsignal(signal.SIGVTALRM) is not _out_of_time:
        signal.signal(signal.SIGVTALRM, _out_of_time)
    _running_limit_s = limit_s
    try:
        signal.setitimer(signal.ITIMER_VIRTUAL, limit_s)
        try:
            return pattern.search(text)
        finally:
            signal.setitimer(signal.ITIMER_VIRTUAL, 0)
    finally:
        _running_limit_s = None


class EnvironmentPattern:
    """The Environment Regex Pattern of one run, compiled once; counts the matches that ran out of time."""

    def __init__(self, pattern: str) -> None:
        with warnings.catch_warnings():
            # re warns (FutureWarning) about constructs whose meaning may change; the parameters were checked already.
            warnings.simplefilter("ignore")
            self._compiled = re.compile(pattern)
        self.timed_out = 0

    @property
    def exhausted(self) -> bool:
        """Enough matches ran out of time in this run: it should not spend more on the pattern."""
        return self.timed_out >= MAX_TIMED_OUT_MATCHES

    def search(self, text: str) -> re.Match[str] | None:
        try:
            return match_pattern(self._compiled, text)
        except MatchTimeout:
            self.timed_out += 1
            raise


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


def flatten(value: Any, prefix: str) -> dict[str, Any]:
    """Nested dicts/lists as one flat dict: keys joined with "_", list items numbered from 1, None as "".

    Walked with an explicit stack, in order, so no nesting depth can exhaust Python's recursion limit.
    """
    flat: dict[str, Any] = {}
    stack: list[Iterator[tuple[str, Any]]] = [iter([(prefix, value)])]
    while stack:
        pair = next(stack[-1], None)
        if pair is None:
            stack.pop()
            continue
        key, item = pair
        if isinstance(item, dict):
            stack.append(_prefixed(key, item.items()))
        elif isinstance(item, list):
            stack.append(_prefixed(key, enumerate(item, start=1)))
        else:
            flat[key] = "" if item is None else item
    return flat


def _prefixed(prefix: str, pairs: Iterable[tuple[Any, Any]]) -> Iterator[tuple[str, Any]]:
    return ((f"{prefix}_{key}", item) for key, item in pairs)


def _without(raw: dict[str, Any], paths: Iterable[tuple[str, ...]]) -> dict[str, Any]:
    copy: dict[str, Any] = dict(raw)
    for path in paths:
        parent: Any = copy
        for key in path[:-1]:
            child = parent.get(key) if isinstance(parent, dict) else None
            if not isinstance(child, dict):
                parent = None
                break
            parent[key] = child = dict(child)
            parent = child
        if isinstance(parent, dict):
            parent.pop(path[-1], None)
    return copy


def _ms(moment: datetime | None) -> int:
    return int(moment.timestamp() * 1000) if moment else 0


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
    first_held = next(iter(held_ids.values()), "")
    received_ms = _ms(tracked.received)
    risk = info.risk if info and info.risk in RISK_ORDER else None
    reason = info.queue_reason if info else None
    common = {
        EVENT_TRACKING_ID: tracked.id,
        EVENT_SUBJECT: tracked.subject,
        EVENT_SENDER: tracked.sender,
        EVENT_START_TIME: received_ms,
        EVENT_END_TIME: received_ms,
    }
    message = {
        EVENT_TYPE: EVENT_MESSAGE,
        **common,
        EVENT_STATUS: tracked.status,
        EVENT_ROUTE: tracked.route,
        EVENT_INFO: tracked.info,
        EVENT_SENDER_HEADER: tracked.header_from,
        EVENT_SENDER_NAME: tracked.sender_name,
        EVENT_RECIPIENTS: ", ".join(tracked.recipient_addresses),
        EVENT_SENDER_IP: tracked.sender_ip,
        EVENT_INTERNET_MESSAGE_ID: (info.internet_message_id if info else None) or "",
        EVENT_RISK: risk or "",
        EVENT_QUEUE_REASON: reason or "",
        EVENT_QUEUE_DETAIL_STATUS: (info.queue_detail_status if info else None) or "",
        EVENT_HELD_MESSAGE_ID: first_held,
        EVENT_HELD_MESSAGE_IDS: ", ".join(held_ids.values()),
        EVENT_RECEIVED: utc_timestamp(tracked.received) if tracked.received else "",
        EVENT_SENT: utc_timestamp(tracked.sent) if tracked.sent else "",
        EVENT_ATTACHMENT_COUNT: len(info.attachments) if info else 0,
        EVENT_DETAILS_AVAILABLE: info is not None,
        **flatten(tracked.raw, "tracked"),
        **(flatten(_without(info.raw, _DETAIL_KEYS_NOT_FLATTENED), "details") if info else {}),
    }
    delivered = {address.casefold(): detail for address, detail in (info.delivered if info else {}).items()}
    recipients = []
    for address, name in tracked.recipients:
        delivery = delivered.get(address.casefold()) or {}
        meta = delivery.get("deliveryMetaInfo")
        meta = meta if isinstance(meta, dict) else {}
        recipients.append(
            {
                EVENT_TYPE: EVENT_RECIPIENT,
                **common,
                EVENT_RECIPIENT_ADDRESS: address,
                EVENT_RECIPIENT_NAME: name,
                EVENT_STATUS: tracked.status,
                EVENT_ROUTE: tracked.route,
                EVENT_HELD_MESSAGE_ID: held_ids.get(address, ""),
                EVENT_DELIVERY_EVENT: str(meta.get("deliveryEvent") or ""),
            }
        )
    attachments = [
        {
            EVENT_TYPE: EVENT_ATTACHMENT,
            **common,
            EVENT_FILE_NAME: str(item.get("filename") or item.get("fileName") or ""),
            EVENT_FILE_TYPE: str(item.get("contentType") or item.get("mimeType") or ""),
            EVENT_FILE_SIZE: item.get("size") if isinstance(item.get("size"), int) else 0,
            EVENT_FILE_HASH: str(item.get("sha256") or item.get("hash") or ""),
        }
        for item in (info.attachments if info else ())
    ]
    events = [message, *recipients, *attachments]
    if settings.event_class_field and settings.event_class_field != EVENT_TYPE:
        for event in events:
            event.setdefault(settings.event_class_field, event[EVENT_TYPE])
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
        received_ms = _ms(tracked.received)
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
