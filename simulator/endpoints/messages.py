"""Message functions that take the id of any message, whatever feature knows it (see simulator/messages.py)."""

from __future__ import annotations

from simulator.messages import ARCHIVED, BOUNCED, HELD, MessageDirectory, message_status, registered_lookups
from simulator.registry import ApiResult, RequestContext, admin_route, endpoint
from simulator.validation import ItemInvalid, one_of, optional_string, per_item, required_string

REPORT_TYPES = ("spam", "malware", "phishing")
REPORTABLE_STATUSES = (HELD, ARCHIVED, BOUNCED)


@endpoint("/api/message-finder/report-message", permission="Archive | View Logs | Read", api2=False, min_items=1)
def report_message(ctx: RequestContext) -> ApiResult:
    """Undocumented API 1.0 function: success is an empty answer (sample), anything else a `fail[]` entry."""
    directory: MessageDirectory = ctx.feature("messages")

    def report(item: dict) -> list[dict]:
        message_id = required_string(item, "id")
        report_type = one_of(item, "type", REPORT_TYPES)
        comment = optional_string(item, "comment")
        status = message_status(ctx.state, message_id)
        if status is None:
            raise ItemInvalid("id", "err_message_not_found", "Message not found")
        if status not in REPORTABLE_STATUSES:
            raise ItemInvalid(
                "id",
                "err_message_status_not_reportable",
                f"Only messages with status Held, Archived or Bounced can be reported (status {status})",
            )
        directory.report(message_id, status, report_type, comment)
        return []

    return per_item(ctx, report)


@admin_route("/_sim/messages", method="GET")
def show_messages(state, payload: dict, query: dict) -> dict:
    """`?id=X` -> that message's status (null when no feature knows it); without: declared ids and reports."""
    if "id" in query:
        return {"id": query["id"], "status": message_status(state, query["id"])}
    return {
        "declared": state.messages.declared(),
        "reports": list(state.messages.reports),
        "lookups": list(registered_lookups()),
    }


@admin_route("/_sim/messages")
def declare_message(state, payload: dict, query: dict) -> dict:
    """Declare a message id with a status (message tracking's words: archived, bounced, delivery, ...)."""
    with state.lock:
        state.messages.declare(payload.get("id"), payload.get("status"))
    return {"id": payload["id"], "status": payload["status"]}
