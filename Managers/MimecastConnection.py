"""The connection to Mimecast, read once at the boundary: API Root, credentials, Verify SSL and the proxy.

Actions read it from the integration instance's configuration (and the platform's proxy settings), the
connector from its own parameters; both by the same rule per parameter. Every secret among the values is
added to the run's `Secrets` before anything is checked, so no refusal can show one.
"""

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from MimecastAuth import Credentials, choose_credentials
from MimecastConstants import (
    API_ROOT,
    DEFAULT_API_ROOT,
    PROXY_PASSWORD,
    PROXY_SERVER_ADDRESS,
    PROXY_USERNAME,
    SECRET_FIELDS,
    VERIFY_SSL,
)
from MimecastExceptions import MimecastConfigurationError, MimecastValidationError
from MimecastParameters import parse_checkbox, require_characters
from MimecastProxy import NO_PROXY, Proxy, is_usable_url, platform_proxy, proxy_settings
from MimecastReasons import untrusted
from MimecastSecrets import Secrets


@dataclass(frozen=True)
class Connection:
    api_root: str  # scheme://host[:port][/path], no trailing slash
    credentials: Credentials
    verify_ssl: bool = True
    proxy: Proxy = NO_PROXY

    @property
    def auth_mode(self) -> str:
        return self.credentials.mode


def read_connection(values: Mapping[str, object], secrets: Secrets | None = None) -> Connection:
    """API Root, credentials (API 1.0 when any of its fields is set) and Verify SSL, without a proxy."""
    if secrets is not None:
        secrets.add(*(str(values.get(name) or "") for name in SECRET_FIELDS))
    credentials = choose_credentials(values)
    api_root = read_api_root(values.get(API_ROOT))
    return Connection(api_root, credentials, read_verify_ssl(values.get(VERIFY_SSL)))


def action_connection(
    configuration: Mapping[str, object], platform_proxy_settings: Mapping[str, Any] | None, secrets: Secrets
) -> Connection:
    """An action's connection: the instance configuration, through the platform's proxy when the action uses it."""
    if platform_proxy_settings:
        secrets.add_password(str(platform_proxy_settings.get("password") or ""))
    api_root = _text(configuration.get(API_ROOT)) or DEFAULT_API_ROOT
    proxy = platform_proxy(platform_proxy_settings, api_root)
    return dataclasses.replace(read_connection(configuration, secrets), proxy=proxy)


def connector_connection(parameters: Mapping[str, object], secrets: Secrets) -> Connection:
    """The connector's connection: its own integration and proxy parameters."""
    secrets.add_password(str(parameters.get(PROXY_PASSWORD) or ""))
    password = _text(parameters.get(PROXY_PASSWORD)) or None
    raw_address = str(parameters.get(PROXY_SERVER_ADDRESS) or "")
    address = _text(raw_address) or None
    if raw_address and not address:
        # The platform exports a non-empty proxy parameter to the process environment as it is, spaces included.
        raise MimecastValidationError(
            f'Invalid value for "{PROXY_SERVER_ADDRESS}": it holds only spaces. Clear it to connect to Mimecast '
            "directly, or set http://host:port."
        )
    username = _text(parameters.get(PROXY_USERNAME)) or None
    for name, value in ((PROXY_SERVER_ADDRESS, address), (PROXY_USERNAME, username)):
        if value:
            require_characters(name, value)
    # The password is checked by the proxy's rule, which never shows it (a lone surrogate or a noncharacter is
    # outside Latin-1 too).
    proxy = proxy_settings(address, username, password)
    return dataclasses.replace(read_connection(parameters, secrets), proxy=proxy)


def read_verify_ssl(value: object) -> bool:
    """One rule for actions and the connector: true or false (any case); empty means the default, true.

    Anything else is refused rather than guessed: a value meant to turn verification off must not leave it on
    silently, and one meant to keep it on must never turn it off.
    """
    if isinstance(value, bool):
        return value
    text = _text(value)
    return parse_checkbox(VERIFY_SSL, require_characters(VERIFY_SSL, text)) if text else True


def read_api_root(value: object) -> str:
    """The API Root without a trailing slash (the default when empty); a value no request could be sent to is
    refused here, before any call."""
    root = (_text(value) or DEFAULT_API_ROOT).rstrip("/")
    # Checked first, and the value is not shown: the part before "@" or a query may be a password or a key.
    if "@" in root:
        raise MimecastConfigurationError(
            f'"{API_ROOT}" must not contain a user name or password (a "name:password@" part before the host); '
            "Mimecast is authenticated with the instance's API 2.0 or API 1.0 fields. The value is not shown here. "
            f"Use the URL of Mimecast's API alone, such as {DEFAULT_API_ROOT}."
        )
    if "?" in root or "#" in root:
        raise MimecastConfigurationError(
            f'"{API_ROOT}" must not contain a query ("?...") or a fragment ("#..."): every call appends its own '
            f"path to it. The value is not shown here. Use the URL of Mimecast's API alone, such as {DEFAULT_API_ROOT}."
        )
    if not root.lower().startswith(("https://", "http://")):
        raise MimecastConfigurationError(
            f'"{API_ROOT}" must be a URL such as {DEFAULT_API_ROOT} (got "{untrusted(root)}").'
        )
    if not is_usable_url(root):
        raise MimecastConfigurationError(
            f'"{API_ROOT}" is not a usable URL (got "{untrusted(root)}"): it needs a valid host name and, if it has '
            f"one, a port from 1 to 65535. Use the URL of Mimecast's API, such as {DEFAULT_API_ROOT}."
        )
    return root


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()
