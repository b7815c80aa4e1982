"""Field checks for request items, answered the way Mimecast answers them: one `fail[]` entry per bad item.

Write endpoints that take several items run each through `per_item`; a check that fails raises
`ItemInvalid`, which becomes `{"key": <item>, "errors": [{field, code, message, retryable}]}` in HTTP 200
while the other items are still processed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from simulator.dates import parse_api_date
from simulator.envelopes import error, fail_entry
from simulator.registry import ApiFail, ApiResult, RequestContext

# Deliberately simpler than the integration's own checks: the simulator plays Mimecast, not the client.
_EMAIL = re.compile(r"^[^@\s]+@([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
_DOMAIN = re.compile(r"^([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")

NULL_MESSAGE = "This field is mandatory and cannot be null"
BLANK_MESSAGE = "This field, if present, cannot be blank or empty"


class ItemInvalid(Exception):
    def __init__(self, field: str | None, code: str, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.entry = error(code, message, field=field, retryable=retryable)

    def for_request(self, item: dict) -> ApiFail:
        """This failure as the answer to a single-item request: HTTP 200, the item as `key`."""
        return ApiFail(200, [self.entry], key=item, meta_status=200)


def is_email_address(value: object) -> bool:
    return isinstance(value, str) and len(value) <= 254 and bool(_EMAIL.match(value))


def is_domain(value: object) -> bool:
    return isinstance(value, str) and len(value) <= 253 and bool(_DOMAIN.match(value))


def required_string(item: dict, field: str) -> str:
    value = item.get(field)
    if value is None:
        raise ItemInvalid(field, "err_validation_null", NULL_MESSAGE)
    return _string(field, value)


def optional_string(item: dict, field: str) -> str | None:
    value = item.get(field)
    return None if value is None else _string(field, value)


def optional_bool(item: dict, field: str, default: bool) -> bool:
    value = item.get(field)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ItemInvalid(field, "err_validation_invalid_type", "This field must be a boolean")
    return value


def optional_flag(item: dict, field: str, default: bool) -> bool:
    """A boolean that may also come as the JSON string "true" / "false" (any letter case).

    Google's integration sends create-policy's checkboxes as strings and Mimecast accepts them as booleans.
    """
    value = item.get(field)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return optional_bool(item, field, default)


def one_of(item: dict, field: str, allowed: Collection[str], default: str | None = None) -> str:
    value = item.get(field)
    if value is None and default is not None:
        return default
    text = required_string(item, field)
    if text not in allowed:
        raise ItemInvalid(field, "err_validation_invalid_value", f"{field} must be one of {', '.join(allowed)}")
    return text


def email_address(item: dict, field: str) -> str:
    value = required_string(item, field)
    if not is_email_address(value):
        raise ItemInvalid(field, "err_validation_invalid_email_address", "Email address is not valid")
    return value


def per_item(ctx: RequestContext, handle: Callable[[dict], list[dict]]) -> ApiResult:
    """Run `handle` on every request item; its results form `data[]`, its ItemInvalid errors `fail[]`."""
    data: list[Any] = []
    fail: list[dict] = []
    for item in ctx.data:
        try:
            data.extend(handle(item))
        except ItemInvalid as exc:
            fail.append(fail_entry([exc.entry], key=item))
    return ApiResult(data=data, fail=fail)


def _string(field: str, value: object) -> str:
    if not isinstance(value, str):
        raise ItemInvalid(field, "err_validation_invalid_type", "This field must be a string")
    if not value.strip():
        raise ItemInvalid(field, "err_validation_blank", BLANK_MESSAGE)
    return value


def request_item_invalid(item: dict, field: str | None, code: str, message: str) -> ApiFail:
    """The one item of a single-item request (a list, a search) is invalid: HTTP 200, the item as `key`."""
    return ItemInvalid(field, code, message).for_request(item)


def optional_date(item: dict, field: str) -> datetime | None:
    """A date field, or None when absent; a malformed one is ItemInvalid `err_validation_invalid_date`."""
    value = item.get(field)
    if value is None:
        return None
    parsed = parse_api_date(value)
    if parsed is None:
        raise ItemInvalid(field, "err_validation_invalid_date", "The date is not valid")
    return parsed


def optional_request_date(item: dict, field: str) -> datetime | None:
    """A date of a single-item request, or None when absent; a malformed one is `request_item_invalid`."""
    try:
        return optional_date(item, field)
    except ItemInvalid as exc:
        raise exc.for_request(item) from None
