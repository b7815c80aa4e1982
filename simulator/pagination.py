"""Mimecast-style pagination.

Request: `meta.pagination.pageSize` / `pageToken`. Response: `pageSize`, `totalCount`, `next`, `previous`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any

from simulator.envelopes import error
from simulator.registry import ApiFail


def page_token(scope: str, offset: int) -> str:
    """An opaque token for `offset` that only a request of the same `scope` accepts."""
    return base64.urlsafe_b64encode(json.dumps({"k": scope, "o": offset}).encode()).decode().rstrip("=")


def token_offset(scope: str, token: str) -> int | None:
    """The offset a `page_token(scope, ...)` stands for; None for a token of another scope or none of ours."""
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if decoded["k"] == scope and isinstance(decoded["o"], int) and decoded["o"] >= 0:
            return decoded["o"]
    except (ValueError, KeyError, TypeError):
        pass
    return None


def paginate(
    items: Sequence[Any], meta: dict, *, kind: str, default_size: int, max_size: int
) -> tuple[list[Any], dict[str, Any]]:
    """The page of `items` that `meta.pagination` asks for, and the response's pagination meta."""
    asked = meta.get("pagination") if isinstance(meta, dict) else None
    asked = asked if isinstance(asked, dict) else {}
    size = asked.get("pageSize", default_size)
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise ApiFail(400, [error("err_validation_invalid_page_size", "pageSize must be a positive number")])
    size = min(size, max_size)
    token = asked.get("pageToken")
    offset = token_offset(kind, token) if token else 0
    if offset is None:
        raise ApiFail(
            400, [error("err_validation_invalid_page_token", "The page token is not valid", field="pageToken")]
        )
    page = list(items[offset : offset + size])
    pagination: dict[str, Any] = {"pageSize": size, "totalCount": len(items)}
    if offset + size < len(items):
        pagination["next"] = page_token(kind, offset + size)
    if offset > 0:
        pagination["previous"] = page_token(kind, max(offset - size, 0))
    return page, {"pagination": pagination}
