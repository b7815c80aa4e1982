"""Mimecast response envelopes: `{"meta": {"status": N}, "data": [...], "fail": [...]}` and the error bodies.

Shapes follow the published samples in tests/samples/mimecast/; where Mimecast publishes no body the
choice is listed in simulator/README.md.
"""

from typing import Any


def error(code: str, message: str, *, field: str | None = None, retryable: bool = False) -> dict:
    """One entry of `fail[].errors[]`."""
    entry: dict[str, Any] = {}
    if field is not None:
        entry["field"] = field
    entry.update(code=code, message=message, retryable=retryable)
    return entry


def fail_entry(errors: list[dict], key: Any = None) -> dict:
    """One entry of `fail[]`; `key` echoes the request item that failed (omitted for request-level errors)."""
    entry: dict[str, Any] = {}
    if key is not None:
        entry["key"] = key
    entry["errors"] = errors
    return entry


def envelope(status: int = 200, data: list | None = None, fail: list | None = None, meta: dict | None = None) -> dict:
    body_meta = dict(meta or {})
    body_meta["status"] = status
    return {"meta": body_meta, "data": list(data or []), "fail": list(fail or [])}


def error_envelope(status: int, code: str, message: str, *, retryable: bool = False, field: str | None = None) -> dict:
    return envelope(status, fail=[fail_entry([error(code, message, field=field, retryable=retryable)])])


def invalid_signature() -> dict:
    # Matches error_invalid_signature_401.json, which carries no `data` key.
    return {
        "meta": {"isLastToken": False, "status": 401},
        "fail": [fail_entry([error("err_xdk_invalid_signature", "0004 Invalid Signature")])],
    }


def invalid_date() -> dict:
    return error_envelope(401, "err_xdk_invalid_date", "0005 Invalid Date")


def credentials_missing() -> dict:
    return error_envelope(400, "err_xdk_credentials_missing", "0001 Credentials Missing")


def binding_expired() -> dict:
    return error_envelope(418, "err_xdk_binding_expired", "Binding Expired")


def api1_forbidden() -> dict:
    return error_envelope(403, "err_xdk_forbidden", "Forbidden")


def api2_forbidden() -> dict:
    return error_envelope(
        403,
        "app_forbidden",
        "Resource or method requested does not exist in any product assigned to the application.",
    )


def invalid_token() -> dict:
    return error_envelope(401, "invalid_token", "The access token is invalid or has expired.")


def not_found() -> dict:
    return error_envelope(404, "not_found", "The requested resource does not exist.")


def method_not_allowed() -> dict:
    return error_envelope(405, "method_not_allowed", "Method Not Allowed. Use POST.")


def rate_limited() -> dict:
    return envelope(429)


SERVER_ERRORS = {
    500: ("internal_server_error", "Internal Server Error"),
    502: ("bad_gateway", "Bad Gateway"),
    503: ("service_unavailable", "Service Unavailable"),
    504: ("gateway_timeout", "Gateway Timeout"),
}


def server_error(status: int) -> dict:
    code, message = SERVER_ERRORS.get(status, ("internal_server_error", "Internal Server Error"))
    return error_envelope(status, code, message, retryable=True)


def oauth_error(code: str, message: str) -> dict:
    # The token endpoint puts code/message directly on the fail entry (auth_oauth_token_invalid_client_401.json).
    return {"fail": [{"code": code, "message": message}]}
