"""Message tracking endpoints: message-finder search and get-message-info, plus admin routes to add messages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from simulator.dates import parse_api_date
from simulator.pagination import paginate
from simulator.registry import ApiFail, RequestContext, admin_route, endpoint
from simulator.tracking import RETENTION_DAYS, SEARCH_ROUTES, SEARCH_STATUSES, TrackingStore
from simulator.validation import NULL_MESSAGE, optional_request_date, request_item_invalid

TRACKING_READ = "Gateway | Tracking | Read"
DEFAULT_SEARCH_SPAN = timedelta(days=1)
SEARCH_MAX_PAGE = 500


def _values(item: dict, name: str, allowed: tuple[str, ...]) -> list[str]:
    raw = item.get(name)
    if raw is None:
        return []
    values = raw if isinstance(raw, list) else [raw]
    bad = [v for v in values if not isinstance(v, str) or v not in allowed]
    if bad:
        raise request_item_invalid(
            item, name, "err_validation_invalid_value", f"{name} values must be among {', '.join(allowed)}"
        )
    return values


# Fields the documentation puts at data[0] that peers and the API 2.0 collection also send inside
# advancedTrackAndTraceOptions (XSOAR and R7 put `route` there); the simulator reads them in either place.
_EITHER_LEVEL = ("start", "end", "messageId", "route", "status", "attachments", "url", "searchReason")


def _either_level(item: dict, options: dict) -> dict:
    """The request item with the fields above taken from data[0] first, else from the advanced options."""
    merged = dict(item)
    for name in _EITHER_LEVEL:
        if merged.get(name) is None and options.get(name) is not None:
            merged[name] = options[name]
    return merged


def _text(item: dict, source: dict, name: str) -> str | None:
    value = source.get(name)
    if value is not None and not isinstance(value, str):
        raise request_item_invalid(item, name, "err_validation_invalid_type", "This field must be a string")
    return value


@endpoint("/api/message-finder/search", permission=TRACKING_READ, min_items=1, max_items=1)
def message_finder_search(ctx: RequestContext):
    try:
        return _search(ctx, ctx.data[0])
    except ApiFail as exc:
        exc.key = ctx.data[0]  # a field read from the advanced options still echoes the item as sent
        raise


def _search(ctx: RequestContext, item: dict):
    store: TrackingStore = ctx.feature("tracking")
    options = item.get("advancedTrackAndTraceOptions") or {}
    if not isinstance(options, dict):
        raise request_item_invalid(
            item, "advancedTrackAndTraceOptions", "err_validation_invalid_type", "This field must be an object"
        )
    fields = _either_level(item, options)
    end = optional_request_date(fields, "end") or ctx.now
    start = optional_request_date(fields, "start") or end - DEFAULT_SEARCH_SPAN
    if start < ctx.now - timedelta(days=RETENTION_DAYS):
        raise request_item_invalid(
            item, "start", "err_track_and_trace_invalid_start_date", "Start date is outside the permitted range"
        )
    attachments = fields.get("attachments")
    if attachments is not None and not isinstance(attachments, bool):
        raise request_item_invalid(item, "attachments", "err_validation_invalid_type", "This field must be a boolean")
    _text(item, fields, "searchReason")  # kept for Mimecast's activity audit only; it filters nothing
    found = store.search(
        ctx.now,
        start=start,
        end=end,
        statuses=_values(fields, "status", SEARCH_STATUSES),
        routes=_values(fields, "route", SEARCH_ROUTES),
        sender=_text(item, options, "from"),
        recipient=_text(item, options, "to"),
        subject=_text(item, options, "subject"),
        sender_ip=_text(item, options, "senderIP"),
        message_id=_text(item, fields, "messageId"),
        attachments=attachments,
        url=_text(item, fields, "url"),
    )
    if isinstance(ctx.meta, dict) and isinstance(ctx.meta.get("pagination"), dict):
        # Paging is UNCONFIRMED for this function (README, assumption 29): asked for, it pages like the hold list.
        page, meta = paginate(found, ctx.meta, kind="tracking", default_size=100, max_size=SEARCH_MAX_PAGE)
        return [{"trackedEmails": [m.search_item(store.held_queue, ctx.now) for m in page]}], meta
    tracked = [message.search_item(store.held_queue, ctx.now) for message in found[: store.search_limit]]
    return [{"trackedEmails": tracked}], {"pagination": {"pageSize": 0}}


@endpoint("/api/message-finder/get-message-info", permission=TRACKING_READ, min_items=1, max_items=1)
def get_message_info(ctx: RequestContext):
    item = ctx.data[0]
    store: TrackingStore = ctx.feature("tracking")
    tracking_id = item.get("id")
    if not isinstance(tracking_id, str) or not tracking_id:
        raise request_item_invalid(item, "id", "err_validation_null", NULL_MESSAGE)
    message = store.visible(tracking_id, ctx.now)
    if message is None:
        raise request_item_invalid(item, "id", "err_tracking_message_not_found", "The message could not be found")
    load_content = str(item.get("loadContent", "")).lower() == "true"
    return [message.details(store.held_queue, load_content=load_content, now=ctx.now)]


@admin_route("/_sim/tracking", method="GET")
def list_tracked(state, payload: dict, query: dict) -> dict:
    """The tenant's domains, and every tracked message (also not yet visible ones) with risk, reason, held ids."""
    store: TrackingStore = state.tracking
    return {
        "domains": list(store.domains),
        "messages": [m.describe(store.held_queue, state.clock.now()) for m in store.all()],
    }


@admin_route("/_sim/tracking")
def add_tracked(state, payload: dict, query: dict) -> dict:
    """Track a message: sender, recipients (+ subject, status, route, received ISO, indexing_delay_s, risk, ...)."""
    fields: dict[str, Any] = dict(payload)
    if "received" in fields:
        received = parse_api_date(fields["received"])
        if received is None:
            raise ValueError("received must be an ISO 8601 date such as 2026-03-07T16:03:00+0000")
        fields["received"] = received
    with state.lock:
        message = state.tracking.add(**fields)
        return message.describe(state.tracking.held_queue, state.clock.now())


@admin_route("/_sim/tracking/generate")
def generate_tracked(state, payload: dict, query: dict) -> dict:
    """Add `count` generated messages received in the last `minutes` (default 60) or the next `minutes` if negative."""
    count = int(payload.get("count", 10))
    minutes = float(payload.get("minutes", 60))
    now = state.clock.now()
    start, end = (now - timedelta(minutes=minutes), now) if minutes >= 0 else (now, now - timedelta(minutes=minutes))
    with state.lock:
        added = state.tracking.generate(count, start, end)
        return {"messages": [m.describe(state.tracking.held_queue, now) for m in added]}


@admin_route("/_sim/tracking/settings")
def tracking_settings(state, payload: dict, query: dict) -> dict:
    """`search_limit`: the most tracked emails one search returns (newest first)."""
    with state.lock:
        if "search_limit" in payload:
            limit = int(payload["search_limit"])
            if limit < 1:
                raise ValueError("search_limit must be at least 1")
            state.tracking.search_limit = limit
        return {"search_limit": state.tracking.search_limit}
