"""Mimecast's `{"meta", "data", "fail"}` envelope: the request body as UTF-8 JSON, and what an answer holds."""

import json
from typing import Any

import requests

import MimecastReasons as reasons
from MimecastExceptions import MimecastErrorDetail

JSON_CONTENT = {"Content-Type": "application/json"}


def envelope(data: list[dict] | None = None, meta: dict | None = None) -> dict:
    return {"meta": meta, "data": data if data is not None else []} if meta else {"data": data or []}


def json_body(path: str, body: dict) -> bytes:
    """The request body as UTF-8 JSON; text that UTF-8 cannot carry is refused here, before anything is sent.

    Not a parameter error: a value may also come from an earlier answer (a tracking id, a page token), and the
    connector must not stop for good on one of those.
    """
    try:
        return json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        field, character = _lone_surrogate(body) or ("", exc.object[exc.start : exc.start + 1])
        where = f'the value of "{field}"' if field else "a value"
        raise reasons.lone_surrogate(path, where, character) from None
    except ValueError:
        raise reasons.not_json_value(path) from None


def _lone_surrogate(value: Any, field: str = "") -> tuple[str, str] | None:
    """The first (field, character) of `value` whose text holds a lone surrogate; a key is its own field."""
    if isinstance(value, str):
        character = next((ch for ch in value if 0xD800 <= ord(ch) <= 0xDFFF), None)
        return (field, character) if character else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _lone_surrogate(key, reasons.untrusted(str(key), 60)) or _lone_surrogate(item, str(key))
            if found:
                return found
    if isinstance(value, list | tuple):
        for item in value:
            found = _lone_surrogate(item, field)
            if found:
                return found
    return None


def json_or_none(response: requests.Response) -> Any:
    try:
        return json.loads(response.content) if response.content else None
    except ValueError:
        return None


def meta_status(body: Any) -> int | None:
    meta = body.get("meta") if isinstance(body, dict) else None
    status = meta.get("status") if isinstance(meta, dict) else None
    return status if isinstance(status, int) else None


def fail_details(body: Any) -> tuple[MimecastErrorDetail, ...]:
    """Every error in `fail[]`: entries with `errors[]`, bare `{code, message}` entries, or a string."""
    if not isinstance(body, dict):
        return ()
    fail = body.get("fail")
    if not fail:
        return ()
    if isinstance(fail, str):
        return (MimecastErrorDetail("", fail),)
    entries = fail if isinstance(fail, list) else [fail]
    details: list[MimecastErrorDetail] = []
    for entry in entries:
        if not isinstance(entry, dict):
            details.append(MimecastErrorDetail("", str(entry)))
            continue
        errors = entry.get("errors")
        about_item = entry.get("key") is not None
        for error in errors if isinstance(errors, list) and errors else [entry]:
            if isinstance(error, dict):
                details.append(
                    MimecastErrorDetail(
                        str(error.get("code") or ""),
                        str(error.get("message") or ""),
                        str(error.get("field") or ""),
                        about_item,
                    )
                )
    return tuple(detail for detail in details if detail.code or detail.message)


def describe_body(response: requests.Response) -> str:
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip() or "no content type"
    return f"HTTP {response.status_code}, {content_type}, {len(response.content)} bytes"


def first_item(body: dict, path: str) -> dict:
    data = body.get("data")
    if not isinstance(data, list) or not data or not isinstance(data[0], dict):
        raise reasons.no_data(path, "contained no data item")
    return data[0]


def item_or(body: dict, fallback: dict) -> dict:
    data = body.get("data")
    return data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else fallback


def items(body: dict) -> list[dict]:
    data = body.get("data")
    return [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []


def next_page_token(body: dict) -> str | None:
    meta = body.get("meta")
    pagination = meta.get("pagination") if isinstance(meta, dict) else None
    token = pagination.get("next") if isinstance(pagination, dict) else None
    return token if isinstance(token, str) and token else None
