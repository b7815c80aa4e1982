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
    optional_flag,
    optional_request_date,
    optional_string,
    per_item,
    request_item_invalid,
    required_string,
)

SEARCH_FIELDS = ("all", "subject", "sender", "recipient", "reason_code", "reasonCode", "senderIP")
HOLD_LIST_MAX_PAGE = 500
HELD_EDIT = "Account | Monitoring | Held | Edit"
# hold-reject `reasonType`, exactly as Mimecast's reject-message page documents them.
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


ROUTES = ("all", "internal", "outbound", "inbound", "external")
HELD_GROUPS = ("administrator", "moderator", "user", "cluster")
FILTER_FIELDS = ("route", "heldGroup", "attachments")


def _matches(message: HeldMessage, field: str, value: str) -> bool:
    haystacks = {
        "subject": [message.subject],
        "sender": [message.sender, message.header_from, message.sender_name],
        "recipient": [message.recipient, message.recipient_name],
        "reason_code": [message.reason_code],
        "reasonCode": [message.reason_code],
        "senderIP": [message.sender_ip],
    }
    candidates = haystacks.get(field) or [h for values in haystacks.values() for h in values]
    return any(value.lower() in candidate.lower() for candidate in candidates if candidate)


def _filter_matches(message: HeldMessage, field: str, value: object) -> bool:
    if field == "route":
        wanted = str(value).upper()
        return wanted == "ALL" or message.route == wanted or (wanted == "EXTERNAL" and message.route != "INTERNAL")
    if field == "heldGroup":
        return message.held_group == value
    return message.has_attachments == value


def _filters(item: dict) -> list[tuple[str, object]]:
    """`filterBy` as (fieldName, value) pairs: an array of `{fieldName, value}` or a single such object."""
    given = item.get("filterBy")
    conditions = [given] if isinstance(given, dict) else given or []
    if not isinstance(conditions, list):
        raise request_item_invalid(item, "filterBy", "err_validation_invalid_type", "This field must be an array")
    pairs = []
    for condition in conditions:
        field = condition.get("fieldName") if isinstance(condition, dict) else None
        if field not in FILTER_FIELDS:
            allowed = ", ".join(FILTER_FIELDS)
            raise request_item_invalid(
                item, "filterBy.fieldName", "err_validation_invalid_value", f"fieldName must be one of {allowed}"
            )
        value = condition.get("value")
        if field == "attachments":
            value = optional_flag(condition, "value", False) if value is not None else None
        allowed_values = {"route": ROUTES, "heldGroup": HELD_GROUPS}.get(field)
        if value is None or (allowed_values and str(value).lower() not in allowed_values):
            raise request_item_invalid(
                item, "filterBy.value", "err_validation_invalid_value", f"value is not valid for {field}"
            )
        pairs.append((field, str(value).lower() if allowed_values else value))
    return pairs


@endpoint("/api/gateway/get-hold-message-list", permission="Account | Dashboard | Read", max_items=1)
def get_hold_message_list(ctx: RequestContext):
    item = ctx.data[0] if ctx.data else {}
    try:
        return _hold_list(ctx, item)
    except ItemInvalid as exc:
        raise exc.for_request(item) from None


def _hold_list(ctx: RequestContext, item: dict):
    queue: HeldQueue = ctx.feature("held")
    start, end = optional_request_date(item, "start"), optional_request_date(item, "end")
    messages = queue.held()
    if not optional_flag(item, "admin", False):
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
    for field, value in _filters(item):
        messages = [m for m in messages if _filter_matches(m, field, value)]
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
