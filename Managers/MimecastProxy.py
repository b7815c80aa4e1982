"""The proxy between the SOAR host and Mimecast: the connector's parameters or the platform's settings.

Both become one explicit proxy URL in the connection configuration (MimecastConnection), which the
transport passes on every request. The SDK also exports them to the process environment (`http_proxy`,
`https_proxy`), but rebuilds the URL without quoting the user name and with `/` left unquoted in the
password, and drops a user name without a password; requests prefers that environment value over a
session's, so the transport's explicit per-request proxy is what keeps every value the checks below
accept usable.
"""

from collections.abc import Mapping
from typing import Any, NamedTuple
from urllib.parse import quote, urlsplit

import requests

from MimecastConstants import PROXY_PASSWORD, PROXY_SERVER_ADDRESS, PROXY_USERNAME
from MimecastExceptions import MimecastValidationError
from MimecastParameters import excerpt


def is_usable_url(url: str) -> bool:
    """Whether requests can send to `url` (the API Root, a proxy): a valid host (labels of at most 63 characters),
    a port from 1 to 65535."""
    if "\\" in url:
        # Parsers disagree on a backslash (some read it as "/"), so the host could be read two ways.
        return False
    try:
        requests.models.PreparedRequest().prepare_url(url, None)
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port
    except (requests.exceptions.RequestException, ValueError):
        return False
    return bool(host) and len(host) <= 253 and all(len(label) <= 63 for label in host.split(".")) and port != 0


class ProxyLabels(NamedTuple):
    """How the three values are named in a refusal, and what else the user can do."""

    address: str
    username: str
    password: str
    without: str  # what clearing them means


CONNECTOR_PROXY = ProxyLabels(
    f'"{PROXY_SERVER_ADDRESS}"',
    f'"{PROXY_USERNAME}"',
    f'"{PROXY_PASSWORD}"',
    "the connector connects to Mimecast directly",
)
PLATFORM_PROXY = ProxyLabels(
    "the proxy server address in the platform's proxy settings",
    "the proxy user name in the platform's proxy settings",
    "the proxy password in the platform's proxy settings",
    "actions connect to Mimecast directly",
)


class Proxy(NamedTuple):
    proxies: dict[str, str] | None  # for requests; None: no proxy
    shown: str  # the proxy as it may be shown: without credentials


NO_PROXY = Proxy(None, "")


def proxy_settings(
    address: str | None, username: str | None, password: str | None, labels: ProxyLabels = CONNECTOR_PROXY
) -> Proxy:
    """The proxy these values describe; values no proxy request could carry are refused, before any call."""
    if not address:
        if username or password:
            raise MimecastValidationError(
                f"{labels.username} or {labels.password} is set but {labels.address} is empty. Set the proxy's "
                f"address, or clear both so {labels.without}."
            )
        return NO_PROXY
    if password and not username:
        raise MimecastValidationError(f"{labels.password} is set but {labels.username} is empty; set both or neither.")
    if username and ":" in username:
        # HTTP Basic authentication separates the user name from the password with the first ":".
        raise MimecastValidationError(
            f'{labels.username} must not contain ":" (HTTP Basic authentication cannot carry it).'
        )
    for label, value in ((labels.username, username), (labels.password, password)):
        # HTTP Basic authentication, as requests sends it to the proxy, carries Latin-1 only. The value is not shown.
        try:
            (value or "").encode("latin-1")
        except UnicodeEncodeError:
            raise MimecastValidationError(
                f"{label} holds characters a proxy cannot receive (HTTP Basic authentication carries Latin-1 "
                "characters only)."
            ) from None
    scheme, separator, rest = address.partition("://")
    if not separator:
        scheme, rest = "http", address
    shown = f"{scheme}://{rest}"
    if "@" in rest.split("/")[0]:
        # Not echoed: the part before "@" may be a password.
        raise MimecastValidationError(
            f"{labels.address} must not contain a user name or password; put them in {labels.username} and "
            f"{labels.password}."
        )
    if scheme.lower() not in ("http", "https") or not is_usable_url(shown) or urlsplit(shown).path not in ("", "/"):
        raise MimecastValidationError(
            f'Invalid value for {labels.address}: "{excerpt(address)}". Use http://host:port or https://host:port.'
        )
    credentials = f"{quote(username, safe='')}:{quote(password or '', safe='')}@" if username else ""
    url = f"{scheme}://{credentials}{rest}"
    return Proxy({"http": url, "https": url}, shown)


def platform_proxy(settings: Mapping[str, Any] | None, api_root: str) -> Proxy:
    """The platform's proxy settings (`GetProxySettings`) for requests to `api_root`: none when it is ignored."""
    if not settings:
        return NO_PROXY
    ignored = ",".join(str(entry).strip() for entry in settings.get("ignore_addresses") or [] if str(entry).strip())
    if ignored and requests.utils.should_bypass_proxies(api_root, no_proxy=ignored):
        return NO_PROXY
    return proxy_settings(
        str(settings.get("proxy_server_address") or "").strip() or None,
        str(settings.get("username") or "") or None,
        str(settings.get("password") or "") or None,
        PLATFORM_PROXY,
    )
