"""The reason a failed action or connector run shows (shared by both runners)."""

from MimecastExceptions import MimecastPermissionError, failure_reason

SECRET = "s3cr3t-Client-Secret-value"


def test_a_mimecast_error_shows_its_own_text_redacted_and_logs_no_traceback():
    logged: list[str] = []
    try:
        raise MimecastPermissionError(f"Mimecast refused /api/x (HTTP 403, echoed {SECRET}).")
    except MimecastPermissionError as exc:
        reason = failure_reason(exc, [SECRET], logged.append)
    assert reason == "Mimecast refused /api/x (HTTP 403, echoed ***)."
    assert logged == []


def test_any_other_error_is_an_unexpected_error_with_its_traceback_logged_redacted():
    logged: list[str] = []
    try:
        {"key": SECRET}["missing"]
    except KeyError as exc:
        reason = failure_reason(exc, [SECRET], logged.append)
    assert reason == "unexpected error (KeyError): 'missing'"
    assert len(logged) == 1
    assert logged[0].startswith("Traceback (most recent call last):")
    assert logged[0].rstrip().endswith("KeyError: 'missing'")
    try:
        raise ValueError(f"bad value {SECRET}")
    except ValueError as exc:
        reason = failure_reason(exc, [SECRET], logged.append)
    assert reason == "unexpected error (ValueError): bad value ***"
    assert SECRET not in logged[1] and "ValueError: bad value ***" in logged[1]
