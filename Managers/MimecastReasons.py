"""How every failure to do something in Mimecast is worded: one function per kind, building the typed error
with its fields (MimecastExceptions) and its sentence. Words that depend on the runner that shows the
reason are `Term`s; nothing here names the SOAR platform.
"""

from typing import NamedTuple

from MimecastConstants import API1_FIELDS, AUTH_API1, AUTH_API2, AUTH_MODE_LABELS, DEFAULT_API_ROOT, VERIFY_SSL
from MimecastExceptions import (
    MimecastApiError,
    MimecastAuthenticationError,
    MimecastBindingExpiredError,
    MimecastClockSkewError,
    MimecastConfigurationError,
    MimecastError,
    MimecastErrorDetail,
    MimecastHostNotFoundError,
    MimecastOutcomeUnknownError,
    MimecastPermissionError,
    MimecastRateLimitError,
    MimecastRedirectError,
    MimecastResponseError,
    MimecastServerError,
    MimecastTimeoutError,
    MimecastTLSError,
    MimecastTransportError,
    MimecastUnsendableRequestError,
    MimecastUnsupportedError,
    Term,
)
from MimecastParameters import excerpt

# Message ids are shown whole in failures (Mimecast's run to about 350 characters); a pasted blob is cut.
MESSAGE_ID_SHOWN_CHARS = 1000
_API_ROOT_CHECK = (
    f"Check the API Root: Mimecast's API is reached with https:// at its API host, such as {DEFAULT_API_ROOT}."
)


def untrusted(text: str, limit: int = 80) -> str:
    """Untrusted text for a message: control characters and lone surrogates escaped, bounded."""
    return excerpt("".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text), limit)


def shown_id(message_id: str) -> str:
    return excerpt(message_id, MESSAGE_ID_SHOWN_CHARS)


def after_attempts(error: MimecastError, attempts: int) -> MimecastError:
    """`error` after the last of `attempts` tries."""
    error.attempts = attempts
    error.extended(f" Tried {attempts} times; try again later.")
    return error


# Before a request is sent


def run_time_used_up(path: str) -> MimecastTimeoutError:
    return MimecastTimeoutError(
        f"The run time was used up before {path} could be sent to Mimecast; nothing was sent.", path=path
    )


def no_time_to_wait(wait_s: float, remaining_s: float) -> str:
    """Why a rate-limit wait does not fit the run: the wait itself, or the wait with the request after it."""
    left = max(remaining_s, 0.0)
    if wait_s >= left:
        return f"longer than the {left:.1f} s left in the run"
    return f"and the {left:.1f} s left in the run are too little to wait, send the request and read its answer"


def paced_out(path: str, wait_s: float, remaining_s: float) -> MimecastRateLimitError:
    return MimecastRateLimitError(
        f"Mimecast's rate limit leaves no room for {path} in the remaining run time: the next request "
        f"is allowed in {wait_s:.1f} s, {no_time_to_wait(wait_s, remaining_s)}; it was not sent.",
        path=path,
    )


def lone_surrogate(path: str, where: str, character: str) -> MimecastUnsendableRequestError:
    return MimecastUnsendableRequestError(
        f"The request to {path} was not sent: {where} contains a lone surrogate (U+{ord(character):04X}), a code "
        "point that is not a character and cannot be sent as UTF-8 JSON. Remove it from the parameter it came "
        "from (text pasted from a broken source can hold one) and run it again.",
        path=path,
    )


def not_json_value(path: str) -> MimecastUnsendableRequestError:
    return MimecastUnsendableRequestError(
        f"The request to {path} was not sent: it holds a value JSON cannot carry (such as NaN or infinity).", path=path
    )


def api1_only(function: str, path: str, consequence: str) -> MimecastUnsupportedError:
    return MimecastUnsupportedError(
        f"{function} needs Mimecast API 1.0 keys: it uses {path}, which exists only in API 1.0 and has no "
        f"API 2.0 equivalent, and this instance uses {AUTH_MODE_LABELS[AUTH_API2]}. Nothing was sent to "
        f"Mimecast{consequence}. To use it, fill {', '.join(API1_FIELDS)} in ",
        Term.SETTINGS,
        " (API 1.0 is used whenever they are set) and set the API Root to the account's regional API 1.0 host, "
        "e.g. https://us-api.mimecast.com.",
        path=path,
    )


# No answer


def unusable_proxy_address(path: str) -> MimecastConfigurationError:
    # The API Root is checked when the connection is read, so this is the proxy's address. Its text is not shown:
    # a proxy URL can carry a password.
    return MimecastConfigurationError(
        f"The proxy address cannot be used for {path}: it is not a valid http:// or https:// URL with a "
        "host and port. Nothing was sent to Mimecast.",
        path=path,
    )


def proxy_refused_credentials(path: str) -> MimecastConfigurationError:
    return MimecastConfigurationError(
        f"The proxy refused to forward {path} to Mimecast (HTTP 407 Proxy Authentication Required). Check the "
        "proxy's username and password. Nothing reached Mimecast.",
        path=path,
        http_status=407,
    )


def proxy_unreachable(path: str) -> MimecastTransportError:
    return MimecastTransportError(
        f"Could not connect to Mimecast through the configured proxy for {path}.", path=path, retryable=True
    )


def host_not_found(root: str, path: str) -> MimecastHostNotFoundError:
    return MimecastHostNotFoundError(
        f'Could not resolve the host of the API Root "{root}" (DNS lookup failed). Check the API Root: '
        "API 2.0 uses https://api.services.mimecast.com, API 1.0 the account's regional host "
        "(e.g. https://us-api.mimecast.com).",
        path=path,
    )


def connect_timeout(root: str, path: str, timeout_s: float) -> MimecastTimeoutError:
    return MimecastTimeoutError(
        f'Could not connect to the API Root "{root}" within {timeout_s:.0f} s (connect timeout).',
        path=path,
        retryable=True,
    )


def connection_refused(root: str, path: str) -> MimecastTransportError:
    return MimecastTransportError(
        f'Could not connect to the API Root "{root}": connection refused.', path=path, retryable=True
    )


def certificate_unverified(root: str, why: str) -> MimecastTLSError:
    return MimecastTLSError(
        f'TLS certificate verification failed for the API Root "{root}": {why}. Check the API Root; clear '
        f'"{VERIFY_SSL}" only for a server whose certificate you trust.'
    )


def not_tls(root: str, said: str) -> MimecastTLSError:
    return MimecastTLSError(
        f'The server at the API Root "{root}" does not speak TLS: its answer to the TLS handshake was not TLS '
        f"({said}), as from a plain-HTTP server. {_API_ROOT_CHECK}"
    )


def closed_during_handshake(root: str) -> MimecastTLSError:
    return MimecastTLSError(
        f'The server at the API Root "{root}" closed the connection during the TLS handshake. {_API_ROOT_CHECK}'
    )


def handshake_failed(root: str, what: str) -> MimecastTLSError:
    return MimecastTLSError(f'The TLS handshake with the API Root "{root}" failed: {what}. {_API_ROOT_CHECK}')


def expects_tls(root: str, path: str, *, write: bool) -> MimecastTLSError:
    https_root = "https://" + root[len("http://") :]
    applied = (
        f" A server that expects TLS cannot read a plain-HTTP request, so {path} was not applied." if write else ""
    )
    return MimecastTLSError(
        f'The server at the API Root "{root}" seems to expect TLS: it closed the connection without answering '
        f'the plain-HTTP request for {path}, and it accepts a TLS handshake. Use "{https_root}" as the API '
        f"Root.{applied}",
        path=path,
    )


def outcome_unknown(path: str, how: str) -> MimecastOutcomeUnknownError:
    return MimecastOutcomeUnknownError(
        f"{path} was sent to Mimecast but {how}, so it is unknown whether Mimecast applied it; it was not retried. "
        "Check the item in Mimecast before ",
        Term.AGAIN,
        ".",
        path=path,
        write_may_have_applied=True,
    )


def read_timeout(path: str, timeout_s: float) -> MimecastTimeoutError:
    return MimecastTimeoutError(
        f"Mimecast did not answer {path} within {timeout_s:.0f} s (read timeout).", path=path, retryable=True
    )


def closed_without_answer(path: str) -> MimecastTransportError:
    return MimecastTransportError(
        f"The connection to Mimecast was closed without an answer to {path}.", path=path, retryable=True
    )


# An answer that is not one


def redirected(path: str, status: int, target: str, *, write: bool) -> MimecastRedirectError:
    unknown: tuple = (
        (
            " It is unknown whether the server at the API Root applied it; check the item in Mimecast before ",
            Term.AGAIN,
            ".",
        )
        if write
        else ()
    )
    return MimecastRedirectError(
        f"The API Root answered {path} with HTTP {status}, a redirect {target}. "
        "Redirects are never followed, so nothing was sent there. Check that the API Root is Mimecast's API host "
        f"itself, such as {DEFAULT_API_ROOT}, and not an address that forwards to it.",
        *unknown,
        path=path,
        http_status=status,
        write_may_have_applied=write,
    )


def unreadable_answer(path: str, what: str, status: int, *, write: bool) -> MimecastError:
    if write:
        return outcome_unknown(path, f"Mimecast answered with a response that is {what}")
    return MimecastResponseError(
        f"Mimecast's answer to {path} is {what}. Check that the API Root is Mimecast's API host (a proxy or "
        "web server may have answered instead); if it is, try again later.",
        http_status=status,
        path=path,
    )


class HttpFailure(NamedTuple):
    """What an error answer said: the status (`meta.status` when HTTP said 2xx), Mimecast's redacted text."""

    path: str
    status: int
    said: str
    details: tuple[MimecastErrorDetail, ...]


def http_error(
    failure: HttpFailure, *, mode: str, skew_s: float | None, permission: str, write: bool
) -> MimecastApiError:
    """An error answer as its status means it, for the authentication `mode` in use."""
    path, status, said = failure.path, failure.status, failure.said
    what = f"HTTP {status}" + (f", {said}" if said else "")
    details = failure.details
    label = AUTH_MODE_LABELS[mode]
    if status == 401:
        if mode == AUTH_API1 and skew_s is not None:
            return MimecastClockSkewError(
                f"Mimecast rejected the request's timestamp ({what}): the SOAR host clock differs from "
                f"Mimecast's by about {abs(skew_s) / 60:.0f} minutes. API 1.0 signs the current time, so the host "
                "clock must be within Mimecast's tolerance; synchronise it (NTP) and try again.",
                http_status=status,
                details=details,
                path=path,
            )
        hint = (
            "Check the four API 1.0 values and that the API Root is the account's regional host."
            if mode == AUTH_API1
            else "The API 2.0 application may have been disabled or its secret rotated."
        )
        return MimecastAuthenticationError(
            f"Mimecast rejected the {label} credentials: {what}. {hint}", http_status=status, details=details, path=path
        )
    if status == 403:
        need = f' The Mimecast role needs the permission "{permission}".' if permission else ""
        return MimecastPermissionError(
            f"Mimecast refused {path} ({what}).{need}",
            permission=permission,
            http_status=status,
            details=details,
            path=path,
        )
    if status == 418:
        return MimecastBindingExpiredError(
            f"Mimecast reports that the API 1.0 Access Key and Secret Key have expired ({what}). Generate new "
            "keys for the API 1.0 application in the Mimecast Administration Console and update ",
            Term.SETTINGS,
            ".",
            http_status=status,
            details=details,
            path=path,
        )
    if status >= 500:
        if write:
            return MimecastServerError(
                f"Mimecast returned an error for {path}: {what}. It was not retried because Mimecast may have "
                "applied it; check the item in Mimecast before ",
                Term.AGAIN,
                ".",
                write_may_have_applied=True,
                http_status=status,
                details=details,
                path=path,
            )
        return MimecastServerError(
            f"Mimecast returned an error for {path}: {what}.",
            retryable=True,
            http_status=status,
            details=details,
            path=path,
        )
    return MimecastApiError(
        f"Mimecast returned an error for {path}: {what}.", http_status=status, details=details, path=path
    )


def rate_limit_refused_again(path: str, refusals: int) -> MimecastRateLimitError:
    return MimecastRateLimitError(
        f"Mimecast's rate limit was reached for {path} (HTTP 429) and Mimecast kept refusing it: {refusals} "
        "times in a row, each time after waiting as long as Mimecast asked. The request was not executed; "
        "run it again later.",
        http_status=429,
        path=path,
    )


def rate_limit_wait_too_long(path: str, wait_s: float, remaining_s: float) -> MimecastRateLimitError:
    return MimecastRateLimitError(
        f"Mimecast's rate limit was reached for {path} (HTTP 429): Mimecast asked to wait {wait_s:.1f} s, "
        f"{no_time_to_wait(wait_s, remaining_s)}. The request was not executed; run it again later.",
        http_status=429,
        path=path,
    )


def token_refused(path: str, status: int, said: str, details: tuple[MimecastErrorDetail, ...]) -> MimecastApiError:
    return MimecastAuthenticationError(
        f"Mimecast rejected the {AUTH_MODE_LABELS[AUTH_API2]} credentials: HTTP {status}"
        f"{', ' + said if said else ''}. Check the Client ID and Client Secret "
        "and that the API 2.0 application is enabled.",
        http_status=status,
        details=details,
        path=path,
    )


def token_answer_unusable(path: str, status: int) -> MimecastResponseError:
    return MimecastResponseError(
        "Mimecast's token endpoint answered without an access token and its lifetime.", http_status=status, path=path
    )


# Answers that do not hold what was asked for


def no_data(path: str, what: str) -> MimecastResponseError:
    """`what`: "contained no data item", "has no data list", "has no trackedEmails list"."""
    return MimecastResponseError(f"Mimecast's answer to {path} {what}.", path=path)


def held_queue_too_large(path: str, start: str, end: str, most: int) -> MimecastResponseError:
    return MimecastResponseError(
        f"The held queue between {start} and {end} has more than {most} messages; not all of it could be read.",
        path=path,
    )
