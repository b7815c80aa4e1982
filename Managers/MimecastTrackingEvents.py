"""The events of a tracked message's alert: one Message event, one Recipient event per recipient, one Attachment
event per attachment. Field names are the contract in MimecastConstants (EVENT_*); the search entry and the details
also come flattened (`tracked_…`, `details_…`).

The Message event also carries the names of Google's Mimecast integration (v17), whose message event is the
`get-message-info` answer flattened at the top level: mapping rules, playbooks and views keyed on them keep
resolving. Those names never replace one of ours (`status` is both).
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from MimecastConstants import (
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
)
from MimecastDataModels import MessageInfo, TrackedEmail, utc_timestamp

# Detail parts that become events of their own, or are repeated elsewhere, are left out of the message event.
_DETAIL_KEYS_NOT_FLATTENED = (
    ("deliveredMessage",),
    ("recipientInfo", "messageInfo", "attachments"),
    ("recipientInfo", "messageInfo", "textBody"),
    ("recipientInfo", "messageInfo", "htmlBody"),
    ("recipientInfo", "recipientMetaInfo", "components"),
    ("recipientInfo", "txInfo", "transmissionComponents"),
)


# The v17 fields its default mapping rules read, filled from the search entry when the answer lacks them (Mimecast's
# documented answer has no txInfo.to or txInfo.txEvent; a held message's answer often no messageInfo at all).
V17_FROM_SEARCH: tuple[tuple[str, Callable[[TrackedEmail], str]], ...] = (
    ("recipientInfo_messageInfo_subject", lambda tracked: tracked.subject),
    ("recipientInfo_messageInfo_fromEnvelope", lambda tracked: tracked.sender),
    ("recipientInfo_messageInfo_fromHeader", lambda tracked: tracked.header_from),
    ("recipientInfo_txInfo_to", lambda tracked: ", ".join(tracked.recipient_addresses)),
    ("recipientInfo_txInfo_txEvent", lambda tracked: tracked.info),
    ("received_time", lambda tracked: str(tracked.raw.get("received") or "")),
)
# v17's field for a held message's held-queue id.
V17_HELD_MESSAGE_ID = "holdMessageMetadataID"


def v17_fields(tracked: TrackedEmail, details: Mapping[str, Any] | None, held_message_id: str) -> dict[str, Any]:
    """The Message event's v17 names: each top-level key of the answer (`details`, its parts already left out)
    flattened under its own name, the fields v17's rules read, and the held-queue id."""
    fields: dict[str, Any] = {}
    for key, value in (details or {}).items():
        fields.update(flatten(value, str(key)))
    for name, known in V17_FROM_SEARCH:
        if fields.get(name) in (None, ""):
            fields[name] = known(tracked)
    if held_message_id:
        fields[V17_HELD_MESSAGE_ID] = held_message_id
    return fields


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


def unix_ms(moment: datetime | None) -> int:
    """Milliseconds since the epoch, as the platform takes times; 0 for no time."""
    return int(moment.timestamp() * 1000) if moment else 0


def tracking_events(
    tracked: TrackedEmail,
    info: MessageInfo | None,
    held_ids: Mapping[str, str],
    risk: str | None,
    event_class_field: str,
) -> list[dict[str, Any]]:
    """The alert's events, the Message event first; `risk` the verdict when it is one the connector knows.

    `event_class_field`: a second field (besides `event_type`) that names each event's type, when set.
    """
    first_held = next(iter(held_ids.values()), "")
    received_ms = unix_ms(tracked.received)
    reason = info.queue_reason if info else None
    common = {
        EVENT_TRACKING_ID: tracked.id,
        EVENT_SUBJECT: tracked.subject,
        EVENT_SENDER: tracked.sender,
        EVENT_START_TIME: received_ms,
        EVENT_END_TIME: received_ms,
    }
    details = _without(info.raw, _DETAIL_KEYS_NOT_FLATTENED) if info else None
    message = {
        # First, so that every name of ours wins where v17 used the same one.
        **v17_fields(tracked, details, first_held),
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
        **(flatten(details, "details") if details is not None else {}),
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
    if event_class_field and event_class_field != EVENT_TYPE:
        for event in events:
            event.setdefault(event_class_field, event[EVENT_TYPE])
    return events
