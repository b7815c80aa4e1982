"""Held queue endpoints: the hold list (what the connector and analysts use to find held-queue ids)."""

from __future__ import annotations

from datetime import datetime

from simulator.dates import parse_api_date
from simulator.envelopes import error
from simulator.held import HeldMessage, HeldQueue
from simulator.pagination import paginate
from simulator.registry import ApiFail, RequestContext, admin_route, endpoint

SEARCH_FIELDS = ("all", "subject", "sender", "recipient", "reason_code", "reasonCode", "senderIP")
ROUTES = ("all", "internal", "outbound", "inbound", "external")
HOLD_LIST_MAX_PAGE = 500


def _invalid(item: dict, field: str, code: str, message: str) -> ApiFail:
    """A validation failure of the request item, answered in HTTP 200 as Mimecast does."""
    return ApiFail(200, [error(code, message, field=field)], key=item, meta_status=200)


def _date(item: dict, name: str) -> datetime | None:
    value = item.get(name)
    if value is None:
        return None
    parsed = parse_api_date(value)
    if parsed is None:
        raise _invalid(item, name, "err_validation_invalid_date", "The date is not valid")
    return parsed


def _matches(message: HeldMessage, field: str, value: str) -> bool:
    haystacks = {
        "subject": [message.subject],
        "sender": [message.sender, message.header_from, message.sender_name],
        "recipient": [message.recipient, message.recipient_name],
        "reason_code": [message.reason_code],
        "reasonCode": [message.reason_code],
        "senderIP": [],
    }
    candidates = haystacks.get(field) or [h for values in haystacks.values() for h in values]
    return any(value.lower() in candidate.lower() for candidate in candidates if candidate)


@endpoint("/api/gateway/get-hold-message-list", permission="Account | Dashboard | Read", max_items=1)
def get_hold_message_list(ctx: RequestContext):
    item = ctx.data[0] if ctx.data else {}
    queue: HeldQueue = ctx.feature("held")
    start, end = _date(item, "start"), _date(item, "end")
    messages = queue.held()
    if not item.get("admin", False):
        # Without admin the caller sees only messages held for itself; API principals own no mailbox.
        messages = []
    if start:
        messages = [m for m in messages if m.received >= start]
    if end:
        messages = [m for m in messages if m.received <= end]
    search = item.get("searchBy")
    if isinstance(search, dict) and search.get("value"):
        field = search.get("fieldName", "all")
        if field not in SEARCH_FIELDS:
            allowed = ", ".join(SEARCH_FIELDS)
            raise _invalid(item, "fieldName", "err_validation_invalid_value", f"fieldName must be one of {allowed}")
        messages = [m for m in messages if _matches(m, field, str(search["value"]))]
    for condition in item.get("filterBy") or []:
        is_route = isinstance(condition, dict) and condition.get("fieldName") == "route"
        route = condition.get("value") if is_route else None
        if route not in (None, "all"):
            wanted = str(route).upper()
            messages = [m for m in messages if m.route == wanted or (wanted == "EXTERNAL" and m.route != "INTERNAL")]
    page, meta = paginate(messages, ctx.meta, kind="hold", default_size=25, max_size=HOLD_LIST_MAX_PAGE)
    return [m.to_json() for m in page], meta


@admin_route("/_sim/held", method="GET")
def list_held(state, payload: dict, query: dict) -> dict:
    """Every message the queue has known, with status (held/released/rejected), tracking id and outcome."""
    return {"messages": [m.describe() for m in state.held.all()]}


@admin_route("/_sim/held")
def add_held(state, payload: dict, query: dict) -> dict:
    """Hold a message: sender, recipient, subject (+ reason, policy_info, received ISO, tracking_id, route, ...)."""
    fields = dict(payload)
    if "received" in fields:
        fields["received"] = parse_api_date(fields["received"])
    with state.lock:
        message = state.held.add(**fields)
    return message.describe()
