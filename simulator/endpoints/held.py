"""Held queue endpoints: the hold list (what the connector and analysts use to find held-queue ids), release
and reject by held-queue id, and API 1.0's release to sandbox."""

from __future__ import annotations

from simulator.dates import parse_api_date
from simulator.held import HELD, HeldMessage, HeldQueue
from simulator.pagination import paginate
from simulator.registry import ApiResult, RequestContext, admin_route, endpoint
from simulator.validation import (
    NULL_MESSAGE,
    ItemInvalid,
    optional_bool,
    optional_request_date,
    optional_string,
    per_item,
    request_item_invalid,
    required_string,
)

SEARCH_FIELDS = ("all", "subject", "sender", "recipient", "reason_code", "reasonCode", "senderIP")
HOLD_LIST_MAX_PAGE = 500
HELD_EDIT = "Account | Monitoring | Held | Edit"
# hold-reject `reasonType`, exactly as documented (reference §5.5).
REJECT_REASON_TYPES = (
    "MESSAGE CONTAINS UNDESIRABLE CONTENT",
    "MESSAGE CONTAINS CONFIDENTIAL INFORMATION",
    "REVIEWER DISAPPROVES OF CONTENT",
    "INAPPROPRIATE COMMUNICATION",
    "MESSAGE GOES AGAINST EMAIL POLICIES",
)
# message-finder/reject-held-email `reason`: the values Google's integration sends (undocumented endpoint).
REJECT_HELD_EMAIL_REASONS = (
    "inappropriate_communication",
    "confidential_information",
    "disapproves_of_content",
    "against_email_policies",
)


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
    start, end = optional_request_date(item, "start"), optional_request_date(item, "end")
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
            raise request_item_invalid(
                item, "fieldName", "err_validation_invalid_value", f"fieldName must be one of {allowed}"
            )
        messages = [m for m in messages if _matches(m, field, str(search["value"]))]
    for condition in item.get("filterBy") or []:
        is_route = isinstance(condition, dict) and condition.get("fieldName") == "route"
        route = condition.get("value") if is_route else None
        if route not in (None, "all"):
            wanted = str(route).upper()
            messages = [m for m in messages if m.route == wanted or (wanted == "EXTERNAL" and m.route != "INTERNAL")]
    page, meta = paginate(messages, ctx.meta, kind="hold", default_size=25, max_size=HOLD_LIST_MAX_PAGE)
    return [m.to_json() for m in page], meta


@endpoint("/api/gateway/hold-release", permission=HELD_EDIT, min_items=1)
def hold_release(ctx: RequestContext) -> ApiResult:
    queue: HeldQueue = ctx.feature("held")

    def release(item: dict) -> list[dict]:
        held_id = required_string(item, "id")
        return [{"id": held_id, "release": queue.release(held_id, sandbox=False, by=ctx.auth.principal)}]

    return per_item(ctx, release)


@endpoint("/api/gateway/hold-reject", permission=HELD_EDIT, min_items=1)
def hold_reject(ctx: RequestContext) -> ApiResult:
    queue: HeldQueue = ctx.feature("held")

    def reject(item: dict) -> list[dict]:
        ids = item.get("ids")
        if ids is None:
            raise ItemInvalid("ids", "err_validation_null", NULL_MESSAGE)
        if not isinstance(ids, list) or not all(isinstance(i, str) and i.strip() for i in ids) or not ids:
            raise ItemInvalid("ids", "err_validation_invalid_type", "This field must be a non-empty array of ids")
        outcome = {"message": optional_string(item, "message"), "notify": optional_bool(item, "notify", False)}
        reason_type = optional_string(item, "reasonType")
        if reason_type is not None and reason_type not in REJECT_REASON_TYPES:
            allowed = ", ".join(REJECT_REASON_TYPES)
            raise ItemInvalid("reasonType", "err_validation_invalid_value", f"reasonType must be one of {allowed}")
        outcome["reasonType"] = reason_type
        return [{"id": i, "reject": queue.reject(i, **outcome, by=ctx.auth.principal)} for i in ids]

    return per_item(ctx, reject)


def _held_message(queue: HeldQueue, item: dict) -> HeldMessage:
    """The held message an API 1.0 message-finder function names by held-queue id or tracking id."""
    message = queue.find(required_string(item, "id"))
    if message is None:
        raise ItemInvalid("id", "err_message_not_found", "Message not found")
    if message.status != HELD:
        raise ItemInvalid("id", "err_message_not_held", f"Message is not held (status {message.status})")
    return message


@endpoint("/api/message-finder/release-held-email-to-sandbox", permission=HELD_EDIT, api2=False, min_items=1)
def release_held_email_to_sandbox(ctx: RequestContext) -> ApiResult:
    """Undocumented API 1.0 function: success is an empty answer (sample), anything else a `fail[]` entry."""
    queue: HeldQueue = ctx.feature("held")

    def release(item: dict) -> list[dict]:
        queue.release(_held_message(queue, item).id, sandbox=True, by=ctx.auth.principal)
        return []

    return per_item(ctx, release)


@endpoint("/api/message-finder/reject-held-email", permission=HELD_EDIT, api2=False, min_items=1)
def reject_held_email(ctx: RequestContext) -> ApiResult:
    """Undocumented API 1.0 function: items `{"id", "notify"?, "notes"?, "reason"?}`; success is an empty answer."""
    queue: HeldQueue = ctx.feature("held")

    def reject(item: dict) -> list[dict]:
        message = _held_message(queue, item)
        outcome = {"notes": optional_string(item, "notes"), "notify": optional_bool(item, "notify", False)}
        reason = optional_string(item, "reason")
        if reason is not None and reason not in REJECT_HELD_EMAIL_REASONS:
            allowed = ", ".join(REJECT_HELD_EMAIL_REASONS)
            raise ItemInvalid("reason", "err_validation_invalid_value", f"reason must be one of {allowed}")
        queue.reject(message.id, **outcome, reason=reason, by=ctx.auth.principal)
        return []

    return per_item(ctx, reject)


@admin_route("/_sim/held", method="GET")
def list_held(state, payload: dict, query: dict) -> dict:
    """Every message the queue has known, with status (held/released/rejected), tracking id and outcome.

    `?status=held` lists only the messages still held, in hold-list order (newest first).
    """
    status = query.get("status")
    messages = state.held.held() if status == HELD else state.held.all()
    return {"messages": [m.describe() for m in messages if status in (None, m.status)]}


@admin_route("/_sim/held")
def add_held(state, payload: dict, query: dict) -> dict:
    """Hold a message: sender, recipient, subject (+ reason, policy_info, received ISO, tracking_id, route, ...)."""
    fields = dict(payload)
    if "received" in fields:
        fields["received"] = parse_api_date(fields["received"])
    with state.lock:
        message = state.held.add(**fields)
    return message.describe()
