"""Credentials and request verification for API 1.0 (HMAC-SHA1 signature) and API 2.0 (OAuth bearer tokens)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message

from simulator import envelopes
from simulator.registry import API1, API2, AuthInfo

DEFAULT_API1_APP_ID = "5a1c6e2e-0d3b-4f57-9c1e-7b2f6a9d4e01"
DEFAULT_API1_APP_KEY = "sim-app-key-7f3e9c21-5b8d-4a6e-b0c4-2d1f8e6a9b35"
DEFAULT_API1_ACCESS_KEY = "sim-access-key-mK3nQ8vR2xT6yW9zB4cF7hJ1lN5pS0uV"
DEFAULT_API1_SECRET_KEY = "gJj78paLDaitu5dHDahOFaYWvpPuYxiUKeq1XXgaTfncaGdomrtxx3Y9NcRCrM7e72y5DXVwCPnInq6+sxJgww=="
DEFAULT_API2_CLIENT_ID = "sim-client-3f8a1b7c"
DEFAULT_API2_CLIENT_SECRET = "sim-client-secret-9d2e6f4a8b1c5e7d"

ALL_PERMISSIONS = frozenset(
    {
        "Account | Dashboard | Read",
        "Account | Monitoring | Held | Edit",
        "Archive | Search Logs | Read",
        "Archive | View Logs | Read",
        "Gateway | Managed Senders | Edit",
        "Gateway | Policies | Edit",
        "Gateway | Policies | Read",
        "Gateway | Tracking | Read",
        "Services | Targeted Threat Protection - URL Protect | Edit",
        "Services | URL Protection | Edit",
        "Services | Threat Remediation | Edit",
        "Services | Threat Remediation | Read",
    }
)

DEFAULT_TOKEN_TTL_S = 1799
# Mimecast does not publish its x-mc-date tolerance; 15 minutes is the common choice for signed-date schemes.
DATE_SKEW_S = 15 * 60

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def mc_signature(secret_key_b64: str, date: str, request_id: str, path: str, app_key: str) -> str:
    """base64(HMAC-SHA1(base64decode(secret), "date:reqid:path:appKey")), as Mimecast documents it."""
    message = ":".join((date, request_id, path, app_key)).encode("utf-8")
    digest = hmac.new(base64.b64decode(secret_key_b64), message, hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def format_mc_date(instant: datetime) -> str:
    """`Tue, 24 Nov 2015 12:50:11 UTC` with English names whatever the locale."""
    utc = instant.astimezone(UTC)
    return f"{_DAYS[utc.weekday()]}, {utc.day:02d} {_MONTHS[utc.month - 1]} {utc.year} {utc:%H:%M:%S} UTC"


def parse_mc_date(value: str) -> datetime | None:
    """Parse an x-mc-date value (`UTC` or `GMT` suffix); None when it is not in that format."""
    parts = value.strip().split()
    if len(parts) != 6 or parts[5] not in ("UTC", "GMT") or parts[0].rstrip(",") not in _DAYS:
        return None
    if parts[2] not in _MONTHS:
        return None
    try:
        hour, minute, second = (int(p) for p in parts[4].split(":"))
        return datetime(int(parts[3]), _MONTHS.index(parts[2]) + 1, int(parts[1]), hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None


class AuthError(Exception):
    """A request that fails authentication; carries the HTTP status and the Mimecast envelope to answer with."""

    def __init__(self, status: int, body: dict, principal: str | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body
        self.principal = principal


@dataclass
class Api1Binding:
    app_id: str
    app_key: str
    access_key: str
    secret_key: str
    permissions: set[str] = field(default_factory=lambda: set(ALL_PERMISSIONS))
    binding_expired: bool = False

    def describe(self) -> dict:
        return {
            "app_id": self.app_id,
            "permissions": sorted(self.permissions),
            "binding_expired": self.binding_expired,
        }


@dataclass
class Api2Client:
    client_id: str
    client_secret: str
    permissions: set[str] = field(default_factory=lambda: set(ALL_PERMISSIONS))
    revoked: bool = False

    def describe(self) -> dict:
        return {"client_id": self.client_id, "permissions": sorted(self.permissions), "revoked": self.revoked}


class CredentialStore:
    """API 1.0 bindings (by access key) and API 2.0 clients (by client id); secrets never leave it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bindings: dict[str, Api1Binding] = {}
        self._clients: dict[str, Api2Client] = {}
        self.reset()

    def reset(self) -> None:
        """Only the built-in tenant credentials, with every permission."""
        with self._lock:
            self._bindings.clear()
            self._clients.clear()
        self.add_api1(DEFAULT_API1_APP_ID, DEFAULT_API1_APP_KEY, DEFAULT_API1_ACCESS_KEY, DEFAULT_API1_SECRET_KEY)
        self.add_api2(DEFAULT_API2_CLIENT_ID, DEFAULT_API2_CLIENT_SECRET)

    def add_api1(
        self,
        app_id: str,
        app_key: str,
        access_key: str,
        secret_key: str,
        permissions: set[str] | frozenset[str] | list[str] | None = None,
    ) -> Api1Binding:
        try:
            base64.b64decode(secret_key, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("secret_key must be base64, as Mimecast issues it") from exc
        if not all((app_id, app_key, access_key)):
            raise ValueError("app_id, app_key and access_key are required")
        binding = Api1Binding(app_id, app_key, access_key, secret_key, _permission_set(permissions))
        with self._lock:
            self._bindings[access_key] = binding
        return binding

    def add_api2(
        self,
        client_id: str,
        client_secret: str,
        permissions: set[str] | frozenset[str] | list[str] | None = None,
    ) -> Api2Client:
        if not client_id or not client_secret:
            raise ValueError("client_id and client_secret are required")
        client = Api2Client(client_id, client_secret, _permission_set(permissions))
        with self._lock:
            self._clients[client_id] = client
        return client

    def binding(self, access_key: str) -> Api1Binding | None:
        with self._lock:
            return self._bindings.get(access_key)

    def client(self, client_id: str) -> Api2Client | None:
        with self._lock:
            return self._clients.get(client_id)

    def app_key(self, app_id: str) -> str | None:
        with self._lock:
            return next((b.app_key for b in self._bindings.values() if b.app_id == app_id), None)

    def remove_api1(self, access_key: str) -> None:
        with self._lock:
            self._require_binding(access_key)
            del self._bindings[access_key]

    def set_binding_expired(self, access_key: str, expired: bool = True) -> None:
        with self._lock:
            self._require_binding(access_key).binding_expired = expired

    def set_client_revoked(self, client_id: str, revoked: bool = True) -> None:
        with self._lock:
            self._require_client(client_id).revoked = revoked

    def set_permissions(
        self, permissions: list[str] | set[str], *, access_key: str | None = None, client_id: str | None = None
    ) -> None:
        if (access_key is None) == (client_id is None):
            raise ValueError("give exactly one of access_key or client_id")
        with self._lock:
            target = self._require_binding(access_key) if access_key else self._require_client(client_id or "")
            target.permissions = _permission_set(permissions)

    def describe(self) -> dict:
        with self._lock:
            return {
                "api1": [b.describe() for b in self._bindings.values()],
                "api2": [c.describe() for c in self._clients.values()],
            }

    def _require_binding(self, access_key: str) -> Api1Binding:
        if access_key not in self._bindings:
            raise KeyError("no API 1.0 binding with that access key")
        return self._bindings[access_key]

    def _require_client(self, client_id: str) -> Api2Client:
        if client_id not in self._clients:
            raise KeyError(f"no API 2.0 client {client_id!r}")
        return self._clients[client_id]


def _permission_set(permissions: set[str] | frozenset[str] | list[str] | None) -> set[str]:
    if permissions is None:
        return set(ALL_PERMISSIONS)
    if isinstance(permissions, str):
        raise ValueError("permissions must be a list of role permission names")
    return set(permissions)


@dataclass
class _IssuedToken:
    client_id: str
    expires_at: datetime


TOKEN_PREFIX = "simtok-"


class TokenStore:
    """Issued bearer tokens, kept only as SHA-256 digests; expiry is judged on the simulator clock."""

    def __init__(self, ttl_s: int = DEFAULT_TOKEN_TTL_S) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, _IssuedToken] = {}
        self.ttl_s = ttl_s

    def issue(self, client_id: str, now: datetime) -> tuple[str, int]:
        # A recognisable prefix lets the test suite prove no token ever reaches output or logs.
        token = TOKEN_PREFIX + secrets.token_urlsafe(21)
        with self._lock:
            ttl = self.ttl_s
            self._tokens[_digest(token)] = _IssuedToken(client_id, now + timedelta(seconds=ttl))
        return token, ttl

    def client_for(self, token: str, now: datetime) -> str | None:
        """The client id a live token was issued to; None for unknown or expired tokens."""
        with self._lock:
            issued = self._tokens.get(_digest(token))
            if issued is None:
                return None
            if now >= issued.expires_at:
                del self._tokens[_digest(token)]
                return None
            return issued.client_id

    def expire_all(self) -> int:
        with self._lock:
            count = len(self._tokens)
            self._tokens.clear()
        return count

    def drop_client(self, client_id: str) -> None:
        with self._lock:
            for key in [k for k, t in self._tokens.items() if t.client_id == client_id]:
                del self._tokens[key]

    def live_count(self, now: datetime) -> int:
        with self._lock:
            return sum(1 for t in self._tokens.values() if now < t.expires_at)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def detect_mode(headers: Message) -> str | None:
    """Which API the caller speaks, from its headers alone; None when it sent no credentials at all."""
    authorization = (headers.get("Authorization") or "").strip()
    if authorization[:7].lower() == "bearer ":
        return API2
    if authorization or any(headers.get(h) for h in ("x-mc-date", "x-mc-req-id", "x-mc-app-id")):
        return API1
    return None


def verify_api1(headers: Message, path: str, credentials: CredentialStore, now: datetime) -> AuthInfo:
    date = headers.get("x-mc-date")
    request_id = headers.get("x-mc-req-id")
    app_id = headers.get("x-mc-app-id")
    authorization = (headers.get("Authorization") or "").strip()
    if not (date and request_id and app_id and authorization):
        raise AuthError(400, envelopes.credentials_missing())
    scheme, _, credential = authorization.partition(" ")
    access_key, colon, signature = credential.partition(":")
    if scheme != "MC" or not colon or not access_key or not signature:
        raise AuthError(401, envelopes.invalid_signature())
    app_key = credentials.app_key(app_id)
    binding = credentials.binding(access_key)
    if app_key is None or binding is None:
        raise AuthError(401, envelopes.invalid_signature())
    expected = mc_signature(binding.secret_key, date, request_id, path, app_key)
    if not hmac.compare_digest(expected.encode("ascii"), signature.strip().encode("utf-8", "replace")):
        raise AuthError(401, envelopes.invalid_signature(), principal=app_id)
    if binding.binding_expired:
        raise AuthError(418, envelopes.binding_expired(), principal=app_id)
    sent_at = parse_mc_date(date)
    if sent_at is None or abs((now - sent_at).total_seconds()) > DATE_SKEW_S:
        raise AuthError(401, envelopes.invalid_date(), principal=app_id)
    return AuthInfo(API1, app_id, frozenset(binding.permissions))


def verify_api2(headers: Message, credentials: CredentialStore, tokens: TokenStore, now: datetime) -> AuthInfo:
    token = (headers.get("Authorization") or "").strip()[7:].strip()
    client_id = tokens.client_for(token, now) if token else None
    client = credentials.client(client_id) if client_id else None
    if client is None or client.revoked:
        raise AuthError(401, envelopes.invalid_token(), principal=client_id)
    return AuthInfo(API2, client.client_id, frozenset(client.permissions))
