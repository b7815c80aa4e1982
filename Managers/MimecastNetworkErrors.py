"""What a `requests` / `urllib3` exception means for a call to Mimecast, as the integration's own typed error.

The library's texts are never shown: they can hold proxy URLs with credentials and header values.
"""

import re
import socket
import ssl
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

import requests
from urllib3.exceptions import NameResolutionError, NewConnectionError, ProxyError, SSLError

import MimecastReasons as reasons
from MimecastExceptions import MimecastError, MimecastTLSError

# The longest wait for the TLS handshake that tells whether an http:// API Root's server expects TLS.
TLS_PROBE_TIMEOUT_S = 5.0
# Request-building failures: the request never left; retrying cannot help.
_UNUSABLE_ADDRESS = (
    requests.exceptions.InvalidURL,
    requests.exceptions.InvalidSchema,
    requests.exceptions.MissingSchema,
)
# OpenSSL's reasons when what answered the TLS handshake was not TLS (e.g. a plain-HTTP server's "HTTP/1.1 400").
_NOT_TLS_REASONS = frozenset(
    {"WRONG_VERSION_NUMBER", "UNKNOWN_PROTOCOL", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG", "HTTP_REQUEST"}
)


def network_error(
    exc: requests.exceptions.RequestException,
    path: str,
    timeout: tuple[float, float],
    *,
    root: str,
    sent: bool,
    write: bool,
    expects_tls: Callable[[float], bool],
) -> MimecastError:
    """The failure `exc` stands for; `expects_tls(timeout_s)` asks whether an http:// API Root's server speaks TLS."""
    if isinstance(exc, _UNUSABLE_ADDRESS):
        return reasons.unusable_proxy_address(path)
    if isinstance(exc, requests.exceptions.SSLError):
        return tls_error(root, exc)
    if isinstance(exc, requests.exceptions.ProxyError):
        if _proxy_refused_credentials(exc):
            return reasons.proxy_refused_credentials(path)
        return reasons.proxy_unreachable(path)
    if any(isinstance(cause, NameResolutionError) for cause in _causes(exc)):
        return reasons.host_not_found(root, path)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return reasons.connect_timeout(root, path, timeout[0])
    if not sent:
        return reasons.connection_refused(root, path)
    read_timed_out = isinstance(exc, requests.exceptions.ReadTimeout)
    if not read_timed_out and expects_tls(timeout[0]):
        return reasons.expects_tls(root, path, write=write)
    if write:
        how = f"no answer within {timeout[1]:.0f} s" if read_timed_out else "the connection closed without an answer"
        return reasons.outcome_unknown(path, how)
    if read_timed_out:
        return reasons.read_timeout(path, timeout[1])
    return reasons.closed_without_answer(path)


def may_have_been_sent(exc: requests.exceptions.RequestException) -> bool:
    """False only when the request certainly never reached Mimecast (no connection was made)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout | requests.exceptions.SSLError):
        return False
    return not any(isinstance(c, NewConnectionError | ProxyError | SSLError) for c in _causes(exc))


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and everything it wraps (requests -> urllib3 MaxRetryError -> reason -> ...)."""
    seen: list[BaseException] = []
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.append(current)
        pending.extend(
            candidate
            for candidate in (
                current.__cause__,
                current.__context__,
                getattr(current, "reason", None),
                *getattr(current, "args", ()),
            )
            if isinstance(candidate, BaseException)
        )
    return seen


def _proxy_refused_credentials(exc: BaseException) -> bool:
    """A CONNECT tunnel the proxy answered with 407 (http.client words it "Tunnel connection failed: 407 ...")."""
    return any(isinstance(cause, OSError) and "failed: 407" in str(cause) for cause in _causes(exc))


def tls_error(root: str, exc: BaseException) -> MimecastTLSError:
    """What went wrong in TLS, as it happened: the certificate, a server that does not speak TLS, or the handshake."""
    failures = [cause for cause in _causes(exc) if isinstance(cause, ssl.SSLError)]
    unverified = next((cause for cause in failures if isinstance(cause, ssl.SSLCertVerificationError)), None)
    if unverified is not None:
        return reasons.certificate_unverified(
            root, unverified.verify_message or "the certificate could not be verified"
        )
    reason = next((found for found in map(_ssl_reason, failures) if found), "")
    if reason in _NOT_TLS_REASONS:
        return reasons.not_tls(root, _ssl_text(failures[0]))
    if reason == "UNEXPECTED_EOF_WHILE_READING" or any(isinstance(cause, ssl.SSLEOFError) for cause in failures):
        return reasons.closed_during_handshake(root)
    return reasons.handshake_failed(
        root, _ssl_text(failures[0]) if failures else "the TLS connection could not be set up"
    )


def _ssl_reason(error: ssl.SSLError) -> str:
    """OpenSSL's reason code (`WRONG_VERSION_NUMBER`), from the error or its text."""
    reason = getattr(error, "reason", None)
    if reason:
        return str(reason)
    found = re.search(r"\[SSL: ([A-Z0-9_]+)\]", str(error))
    return found.group(1) if found else ""


def _ssl_text(error: ssl.SSLError) -> str:
    """OpenSSL's words for the failure, without its code and source location ("wrong version number")."""
    text = error.args[1] if len(error.args) > 1 and isinstance(error.args[1], str) else str(error)
    text = re.sub(r"^\[SSL: [A-Z0-9_]+\]\s*", "", text)
    return re.sub(r"\s*\(_ssl\.c:\d+\)$", "", text).strip() or "no reason given"


def server_expects_tls(root: str, timeout_s: float, *, through_proxy: bool) -> bool:
    """After an http:// API Root closed the connection unanswered: whether its server accepts a TLS handshake.

    A TLS server closes a connection that starts with a plain-HTTP request. Only a handshake is sent to tell
    (no request, no credential); through a proxy the server cannot be asked directly.
    """
    parts = urlsplit(root)
    if parts.scheme.lower() != "http" or through_proxy or not parts.hostname:
        return False
    return _accepts_tls_handshake(parts.hostname, parts.port or 80, max(min(timeout_s, TLS_PROBE_TIMEOUT_S), 0.1))


def _accepts_tls_handshake(host: str, port: int, timeout_s: float) -> bool:
    """Whether host:port answers a TLS handshake as a TLS server. Nothing but the handshake is sent."""
    # Only a probe: no data follows the handshake, so the server is not verified.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with (
            socket.create_connection((host, port), timeout=timeout_s) as connection,
            context.wrap_socket(connection, server_hostname=host),
        ):
            return True
    except ssl.SSLError as exc:
        # A TLS alert (handshake failure, protocol version): the server answered in TLS.
        return "ALERT" in _ssl_reason(exc)
    except (OSError, ValueError, UnicodeError):
        return False


def redirect_target(response: requests.Response) -> str:
    """Where a redirect points, as scheme://host:port only: its user name, password, path and query may be secret."""
    location = response.headers.get("Location", "").strip()
    if not location:
        return "without a Location header"
    try:
        parts = urlsplit(urljoin(response.url or "", location))
        host = parts.hostname
    except ValueError:
        return "to an address that is not a valid URL"
    if not host:
        return "to an address without a host"
    try:
        port = parts.port
    except ValueError:
        port = None
    shown_host = f"[{host}]" if ":" in host else host
    return "to " + reasons.untrusted(f"{parts.scheme}://{shown_host}{f':{port}' if port else ''}")
