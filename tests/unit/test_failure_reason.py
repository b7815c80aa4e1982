"""The reason a failed action or connector run shows (shared by both runners)."""

import MimecastReasons as reasons
from MimecastConstants import ACTION_AGAIN, CONNECTION_SETTINGS
from MimecastExceptions import MimecastPermissionError, Terms, failure_reason

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


def test_a_failure_is_worded_in_the_terms_of_the_runner_that_shows_it():
    """The Manager's failures carry what happened; the words about the SOAR side are the runner's."""
    error = reasons.outcome_unknown("/api/gateway/hold-release", "no answer within 60 s")
    expected_start = (
        "/api/gateway/hold-release was sent to Mimecast but no answer within 60 s, so it is unknown whether Mimecast "
        "applied it; it was not retried. Check the item in Mimecast before "
    )
    action = failure_reason(error, [], [].append, Terms(ACTION_AGAIN, CONNECTION_SETTINGS))

    assert action == expected_start + "running the action again."
    assert str(error) == expected_start + "trying again."
    assert error.write_may_have_applied and not error.retryable and error.path == "/api/gateway/hold-release"


def test_an_error_keeps_its_fields_when_it_is_extended():
    error = reasons.http_error(
        reasons.HttpFailure("/api/x", 503, "Service Unavailable", ()),
        mode="API 1.0",
        skew_s=None,
        permission="",
        write=False,
    )
    reasons.after_attempts(error, 3)

    assert (
        str(error)
        == "Mimecast returned an error for /api/x: HTTP 503, Service Unavailable. Tried 3 times; try again later."
    )
    assert error.args == (str(error),)
    assert (error.http_status, error.retryable, error.attempts) == (503, True, 3)
