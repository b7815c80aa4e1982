"""Archive search: /api/archive/search, and admin routes to shape the archive and read the parsed queries."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from simulator.archive import MAX_PAGE_SIZE, ArchiveQuery, ArchiveState, QueryError
from simulator.envelopes import fail_entry
from simulator.pagination import page_token, token_offset
from simulator.registry import ApiResult, RequestContext, admin_route, endpoint
from simulator.validation import ItemInvalid, required_string

PATH = "/api/archive/search"


@endpoint(PATH, permission="Archive | Search Logs | Read", min_items=1, max_items=1)
def archive_search(ctx: RequestContext) -> ApiResult:
    archive: ArchiveState = ctx.feature("archive")
    item = ctx.data[0]
    record: dict[str, Any] = {"seq": ctx.seq, "admin": item.get("admin") is True}
    try:
        query, offset, page_size = _read_request(item, ctx)
    except ItemInvalid as exc:
        archive.record({**record, "error": exc.entry["code"]})
        return ApiResult(data=[], fail=[fail_entry([exc.entry], key=item)])
    # The API user owns no mailbox, so a search that is not administrative finds nothing, as on a live tenant.
    matches = archive.search(query) if record["admin"] else []
    page = matches[offset : offset + page_size]
    pagination: dict[str, Any] = {"pageSize": page_size, "recordStart": offset}
    if offset + page_size < len(matches):
        pagination["next"] = page_token(_fingerprint(item), offset + page_size)
    archive.record(
        {
            **record,
            **query.to_json(),
            "page_token": bool(_pagination(ctx).get("pageToken")),
            "served_page_size": page_size,
            "record_start": offset,
            "matched": len(matches),
            "returned": len(page),
        }
    )
    fields = query.fields()
    items = [email.item(fields) for email in page]
    return ApiResult(data=[{"items": items, "queryDuration": 12 + len(matches) // 40}], meta={"pagination": pagination})


def _pagination(ctx: RequestContext) -> dict:
    pagination = ctx.meta.get("pagination")
    return pagination if isinstance(pagination, dict) else {}


def _read_request(item: dict, ctx: RequestContext) -> tuple[ArchiveQuery, int, int]:
    query = ArchiveQuery.parse(required_string(item, "query"), ctx.now)
    pagination = _pagination(ctx)
    size = pagination.get("pageSize")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 1):
        raise QueryError("err_validation_invalid_value", "This field must be a positive integer", "pagination.pageSize")
    page_size = min(size or query.page_size or 25, MAX_PAGE_SIZE)
    token = pagination.get("pageToken")
    offset = token_offset(_fingerprint(item), str(token)) if token else query.startrow
    if offset is None:
        # A token from another query (or none of ours).
        raise QueryError("err_invalid_page_token", "The page token is not valid for this query", "pagination.pageToken")
    return query, offset, page_size


def _fingerprint(item: dict) -> str:
    return hashlib.sha256(json.dumps([item.get("query"), item.get("admin")]).encode()).hexdigest()[:16]


@admin_route("/_sim/archive", method="GET")
def describe_archive(state, payload: dict, query: dict) -> dict:
    with state.lock:
        return state.archive.describe()


@admin_route("/_sim/archive/emails")
def add_emails(state, payload: dict, query: dict) -> dict:
    """Archive specific emails: `{"emails": [{Mimecast field: value, ..., "mailboxes": [...]}, ...]}`."""
    specs = payload.get("emails")
    if not isinstance(specs, list) or not all(isinstance(spec, dict) for spec in specs):
        raise ValueError("'emails' must be a list of objects keyed by Mimecast field names")
    with state.lock:
        return {"emails": [state.archive.add(spec).describe() for spec in specs]}


@admin_route("/_sim/archive/emails", method="GET")
def list_emails(state, payload: dict, query: dict) -> dict:
    """The archive newest first; `?limit=N` (default 100)."""
    limit = int(query.get("limit", 100))
    with state.lock:
        return {"emails": [email.describe() for email in state.archive.emails[:limit]]}


@admin_route("/_sim/archive/reset")
def reset_archive(state, payload: dict, query: dict) -> dict:
    """Drop every email and seed `size` new ones (default: the current size), dated from the clock's now."""
    with state.lock:
        state.archive.regenerate(payload.get("size"))
        return state.archive.describe()


@admin_route("/_sim/archive/queries", method="GET")
def parsed_queries(state, payload: dict, query: dict) -> dict:
    """What each archive search asked for, oldest first: `?since=SEQ` keeps requests after that log sequence."""
    since = int(query.get("since", 0))
    with state.lock:
        return {"queries": [entry for entry in state.archive.queries if entry["seq"] > since]}
