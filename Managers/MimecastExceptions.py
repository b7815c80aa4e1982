"""Typed failures. `str(exc)` is the reason shown to a person: actionable, never a secret.

A failure carries what happened as fields (the path, the HTTP status, Mimecast's error codes, the permission
a 403 lacks, whether a write may have been applied, whether trying again can help), and its text as parts:
plain text and `Term`s, the few words that depend on who shows it. A runner renders the reason with its own
`Terms` ("before running the action again", "the integration instance"); `str(exc)` uses plain ones.
The sentences themselves are built in MimecastReasons.
"""

import traceback
from collections.abc import Callable, Iterable
from enum import Enum
from typing import NamedTuple

from MimecastPlatform import PlatformError

REDACTED = "***"
# Shorter values would mangle ordinary words; no Mimecast secret is that short.
MIN_SECRET_CHARS = 4


class Term(Enum):
    """A word of a reason that the runner showing it chooses."""

    AGAIN = "again"  # doing the same again: "running the action again"
    SETTINGS = "settings"  # where the connection is configured: "the integration instance"


class Terms(NamedTuple):
    again: str
    settings: str


# Without a runner (the Manager used on its own): words that assume nothing about the caller.
PLAIN_TERMS = Terms(again="trying again", settings="the configuration")

Part = str | Term


class MimecastErrorDetail(NamedTuple):
    """One entry of Mimecast's `fail[].errors[]` (or a bare `fail[]` entry from /oauth/token)."""

    code: str
    message: str
    field: str = ""
    # The fail entry echoed a request item (`key`): the error is about that item, not the whole request.
    about_item: bool = False

    def __str__(self) -> str:
        text = self.message or self.code or "no error text"
        extras = [part for part in (self.code if self.message else "", self.field and f"field {self.field}") if part]
        return f"{text} ({', '.join(extras)})" if extras else text


def describe_details(details: "tuple[MimecastErrorDetail, ...] | list[MimecastErrorDetail]") -> str:
    return "; ".join(str(detail) for detail in details)


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret replaced, longest first (so a secret containing another is replaced whole)."""
    for secret in sorted({s for s in secrets if len(s) >= MIN_SECRET_CHARS}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def failure_reason(
    exc: BaseException, secrets: Iterable[str], log_error: Callable[[str], None], terms: Terms = PLAIN_TERMS
) -> str:
    """The reason a failed run shows, secrets redacted: a MimecastError's own text in the runner's `terms`;
    anything else is an unexpected error, whose traceback is logged (call while handling `exc`)."""
    secrets = tuple(secrets)
    if isinstance(exc, MimecastError):
        return redact(exc.reason(terms), secrets)
    if isinstance(exc, PlatformError):
        return redact(str(exc), secrets)
    log_error(redact(traceback.format_exc(), secrets))
    return redact(f"unexpected error ({type(exc).__name__}): {exc}", secrets)


class MimecastError(Exception):
    """Base class of everything the integration reports as a failure."""

    def __init__(
        self,
        *parts: Part,
        path: str = "",
        http_status: int | None = None,
        details: "tuple[MimecastErrorDetail, ...]" = (),
        permission: str = "",
        write_may_have_applied: bool = False,
        retryable: bool = False,
    ) -> None:
        self.parts: tuple[Part, ...] = parts
        self.path = path
        self.http_status = http_status
        self.details = tuple(details)
        self.permission = permission  # the Mimecast permission a refusal (HTTP 403) says the role lacks
        self.write_may_have_applied = write_may_have_applied  # check Mimecast before doing it again
        self.retryable = retryable  # another attempt may succeed (5xx, a lost connection, a timeout)
        self.attempts = 1
        super().__init__(self.reason())

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(detail.code for detail in self.details)

    def reason(self, terms: Terms = PLAIN_TERMS) -> str:
        return "".join(getattr(terms, part.value) if isinstance(part, Term) else part for part in self.parts)

    def extended(self, *parts: Part) -> None:
        """Add to the reason (a retry count, advice that depends on the call)."""
        self.parts = (*self.parts, *parts)
        self.args = (self.reason(),)

    def __str__(self) -> str:
        return self.reason()


class MimecastConfigurationError(MimecastError):
    """The integration instance is configured in a way that cannot work (nothing was sent)."""


class MimecastRedirectError(MimecastConfigurationError):
    """The API Root answered with a redirect (3xx): never followed, so nothing was sent anywhere else."""


class MimecastValidationError(MimecastError):
    """An action or connector parameter is invalid (nothing was sent)."""


class MimecastUnsendableRequestError(MimecastError):
    """A request body holds text that cannot be sent as UTF-8 JSON (nothing was sent). Its values may come from a
    parameter or from an earlier answer of Mimecast's, so it is not a parameter error of its own."""


class MimecastUnsupportedError(MimecastError):
    """The requested function does not exist for the configured authentication mode."""


class MimecastTransportError(MimecastError):
    """Mimecast could not be reached or did not answer: DNS, refused connection, TLS, timeout."""


class MimecastTLSError(MimecastTransportError):
    """The server certificate could not be verified."""


class MimecastHostNotFoundError(MimecastTransportError):
    """The API Root's host name does not resolve (DNS): almost always a wrong API Root."""


class MimecastTimeoutError(MimecastTransportError):
    """No answer in time, or the run time is used up."""


class MimecastOutcomeUnknownError(MimecastTransportError):
    """A write was sent but no usable answer came back: it may or may not have been applied."""


class MimecastApiError(MimecastError):
    """Mimecast answered with an error (HTTP status, `meta.status` or `fail[]`)."""


class MimecastAuthenticationError(MimecastApiError):
    """Mimecast rejected the credentials (HTTP 401, token endpoint refusal)."""


class MimecastClockSkewError(MimecastAuthenticationError):
    """API 1.0: the signed timestamp is outside Mimecast's tolerance."""


class MimecastPermissionError(MimecastApiError):
    """HTTP 403: the Mimecast role or API 2.0 application lacks a permission."""


class MimecastBindingExpiredError(MimecastApiError):
    """HTTP 418: the API 1.0 Access Key / Secret Key binding expired."""


class MimecastRateLimitError(MimecastApiError):
    """HTTP 429 that could not be waited out within the remaining run time."""


class MimecastServerError(MimecastApiError):
    """HTTP 5xx from Mimecast."""


class MimecastResponseError(MimecastApiError):
    """Mimecast's answer could not be understood (not JSON, unexpected shape)."""


class MimecastNotFoundError(MimecastApiError):
    """The item the action refers to does not exist or is not in the required state."""
