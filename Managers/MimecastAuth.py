"""Authentication for both Mimecast API generations.

API 1.0 signs every request with HMAC-SHA1 (a `requests` auth object). API 2.0 sends an OAuth 2.0
bearer token obtained with client credentials, cached while valid; the transport asks for a new one
once when Mimecast answers 401.
"""

import base64
import binascii
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import NamedTuple, Protocol
from urllib.parse import urlsplit

from requests import PreparedRequest
from requests.auth import AuthBase

from MimecastConstants import (
    ACCESS_KEY,
    API1_FIELDS,
    API2_FIELDS,
    APPLICATION_ID,
    APPLICATION_KEY,
    AUTH_API1,
    AUTH_API2,
    CLIENT_ID,
    CLIENT_SECRET,
    NO_AUTH_MESSAGE,
    SECRET_KEY,
)
from MimecastExceptions import MimecastConfigurationError

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Refresh a cached token this long before Mimecast would expire it.
TOKEN_EXPIRY_MARGIN_S = 60


def mimecast_date(epoch_seconds: float) -> str:
    """`x-mc-date` value, e.g. `Tue, 24 Nov 2015 12:50:11 UTC` (English names whatever the locale)."""
    t = time.gmtime(epoch_seconds)
    return (
        f"{_WEEKDAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon - 1]} {t.tm_year} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} UTC"
    )


def api1_signature(secret_key: bytes, date: str, request_id: str, path: str, application_key: str) -> str:
    data = f"{date}:{request_id}:{path}:{application_key}".encode()
    return base64.b64encode(hmac.new(secret_key, data, hashlib.sha1).digest()).decode("ascii")


class Api1HmacAuth(AuthBase):
    """Signs each request afresh: new date and request id every time (retries included)."""

    mode = AUTH_API1

    def __init__(
        self,
        application_id: str,
        application_key: str,
        access_key: str,
        secret_key: str,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        try:
            self._secret = base64.b64decode(secret_key, validate=True)
        except (binascii.Error, ValueError):
            raise MimecastConfigurationError(
                f'"{SECRET_KEY}" is not valid base64. Paste it exactly as Mimecast issued it.'
            ) from None
        for name, value in ((APPLICATION_ID, application_id), (ACCESS_KEY, access_key)):
            # Sent in HTTP headers, which carry only ASCII; the value itself is never shown (the Access Key is secret).
            if not (value.isascii() and value.isprintable()):
                raise MimecastConfigurationError(
                    f'"{name}" contains characters that Mimecast keys never have (only ASCII letters, digits and '
                    "punctuation). Paste it exactly as Mimecast issued it."
                )
        self._application_id = application_id
        self._application_key = application_key
        self._access_key = access_key
        self._wall_clock = wall_clock

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        # Imported here: only API 1.0 needs it, and uuid (with platform) costs every API 2.0 action start ~5 ms.
        import uuid

        date = mimecast_date(self._wall_clock())
        request_id = str(uuid.uuid4())
        signature = api1_signature(
            self._secret, date, request_id, urlsplit(request.url or "").path, self._application_key
        )
        request.headers["x-mc-date"] = date
        request.headers["x-mc-req-id"] = request_id
        request.headers["x-mc-app-id"] = self._application_id
        request.headers["Authorization"] = f"MC {self._access_key}:{signature}"
        return request


class CachedToken(NamedTuple):
    access_token: str
    expires_at: float  # unix seconds


class TokenStore(Protocol):
    """Where a token survives between runs (the connector keeps it in its context), under a key that says
    whose it is (`token_cache_key`): a token saved under another key is not returned."""

    def load(self, key: str) -> CachedToken | None: ...

    def save(self, key: str, token: CachedToken) -> None: ...


def token_cache_key(api_root: str, client_id: str, client_secret: str) -> str:
    """Whose a cached API 2.0 token is: one digest of the API Root, the Client ID and a digest of the Client Secret.

    A token is reused only with all three unchanged: a wrong or rotated secret asks Mimecast again, and a token
    is never sent to another API Root. The key reveals none of them (the secret itself never goes into it).
    """
    parts = urlsplit(api_root.strip())
    root = f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/')}"
    secret_digest = hashlib.sha256(client_secret.encode("utf-8", "surrogatepass")).hexdigest()
    identity = json.dumps([root, client_id, secret_digest])
    return hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()


class TokenCache:
    """The API 2.0 bearer token: fetched when there is none, reused while valid, replaced when Mimecast rejects it.

    The caller sends the token and, on a 401, asks for a replacement once (`replace_rejected`); nothing here
    sends a request behind the caller's back.
    """

    mode = AUTH_API2

    def __init__(
        self,
        fetch_token: Callable[[], CachedToken],
        token_store: TokenStore | None = None,
        wall_clock: Callable[[], float] = time.time,
        cache_key: str = "",
        on_token: Callable[[str], None] = lambda token: None,
    ) -> None:
        """`cache_key` (`token_cache_key`) is what the token is saved and looked up under in `token_store`;
        `on_token` learns every token this cache holds (the run's secrets)."""
        self._fetch_token = fetch_token
        self._token_store = token_store
        self._cache_key = cache_key
        self._wall_clock = wall_clock
        self._on_token = on_token
        self._lock = threading.Lock()
        self._token: CachedToken | None = token_store.load(cache_key) if token_store else None
        if self._token is not None:
            on_token(self._token.access_token)

    @property
    def access_token(self) -> str | None:
        return self._token.access_token if self._token else None

    def current(self) -> str:
        """A token that is valid for at least TOKEN_EXPIRY_MARGIN_S more seconds."""
        with self._lock:
            token = self._token
            if token is None or token.expires_at - TOKEN_EXPIRY_MARGIN_S <= self._wall_clock():
                token = self._replace()
            return token.access_token

    def replace_rejected(self, rejected: str) -> str:
        """A token other than `rejected`, which Mimecast answered 401 to (another thread may have replaced it)."""
        with self._lock:
            token = self._token
            if token is None or token.access_token == rejected:
                token = self._replace()
            return token.access_token

    def _replace(self) -> CachedToken:
        token = self._token = self._fetch_token()
        self._on_token(token.access_token)
        if self._token_store:
            self._token_store.save(self._cache_key, token)
        return token


class Credentials(NamedTuple):
    """The authentication values chosen from the instance configuration (API 1.0 when any of its fields is set)."""

    mode: str
    values: Mapping[str, str]

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(value for name, value in self.values.items() if name not in (APPLICATION_ID, CLIENT_ID))


def choose_credentials(configuration: Mapping[str, object]) -> Credentials:
    """API 1.0 when any of its four fields is set (then all four are required), else API 2.0."""

    def value(name: str) -> str:
        raw = configuration.get(name)
        text = "" if raw is None else str(raw).strip()
        if any(0xD800 <= ord(character) <= 0xDFFF for character in text):
            # Sent in a form, a header or a signature as UTF-8, which cannot carry it. The value is not shown.
            raise MimecastConfigurationError(
                f'"{name}" contains a lone surrogate, a code point that is not a character; Mimecast never issues '
                "one. Paste the value again exactly as Mimecast issued it."
            )
        return text

    api1 = {name: value(name) for name in API1_FIELDS}
    if any(api1.values()):
        missing = [name for name, v in api1.items() if not v]
        if missing:
            raise MimecastConfigurationError(
                f"API 1.0 authentication needs all of {', '.join(API1_FIELDS)}; missing: {', '.join(missing)}."
            )
        return Credentials(AUTH_API1, api1)
    api2 = {name: value(name) for name in API2_FIELDS}
    if not any(api2.values()):
        raise MimecastConfigurationError(NO_AUTH_MESSAGE)
    missing = [name for name, v in api2.items() if not v]
    if missing:
        raise MimecastConfigurationError(
            f"API 2.0 authentication needs both {CLIENT_ID} and {CLIENT_SECRET}; missing: {', '.join(missing)}."
        )
    return Credentials(AUTH_API2, api2)


def api1_auth(credentials: Credentials, wall_clock: Callable[[], float] = time.time) -> Api1HmacAuth:
    v = credentials.values
    return Api1HmacAuth(v[APPLICATION_ID], v[APPLICATION_KEY], v[ACCESS_KEY], v[SECRET_KEY], wall_clock)
