"""How features plug into the simulator: endpoints, feature state classes and admin routes.

A feature is one state class (in `simulator/`) plus one endpoint module (in `simulator/endpoints/`)
that registers its functions with the decorators below; `simulator/endpoints/__init__.py` lists the
module once.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from simulator.envelopes import envelope, error, fail_entry

if TYPE_CHECKING:
    from simulator.state import SimulatorState

API1 = "api1"
API2 = "api2"


class ApiFail(Exception):
    """Raised by a handler to answer with a Mimecast error envelope instead of data.

    `errors` are `{field?, code, message, retryable}` dicts (see `simulator.envelopes.error`);
    `meta_status` defaults to the HTTP status, `key` echoes the failing request item.
    """

    def __init__(
        self,
        http_status: int,
        errors: list[dict],
        key: Any = None,
        meta_status: int | None = None,
        data: list | None = None,
    ) -> None:
        super().__init__(f"HTTP {http_status}: {errors}")
        self.http_status = http_status
        self.errors = errors
        self.key = key
        self.meta_status = http_status if meta_status is None else meta_status
        self.data = data or []

    def body(self) -> dict:
        return envelope(self.meta_status, data=self.data, fail=[fail_entry(self.errors, self.key)])


@dataclass
class ApiResult:
    """A handler's full answer when plain data is not enough: extra meta and/or item-level `fail[]` in HTTP 200."""

    data: list = field(default_factory=list)
    meta: dict | None = None
    fail: list | None = None
    meta_status: int = 200


@dataclass(frozen=True)
class AuthInfo:
    mode: str  # API1 or API2
    principal: str  # application id (API 1.0) or client id (API 2.0); never a secret
    permissions: frozenset[str]


@dataclass
class RequestContext:
    state: SimulatorState
    path: str
    body: dict
    data: list
    meta: dict
    auth: AuthInfo
    now: datetime
    seq: int
    # The scheme and host the client called (from its Host header), for answers that carry URLs.
    base_url: str = ""

    def feature(self, name: str) -> Any:
        return self.state.feature(name)

    def item_error(self, item: Any, code: str, message: str, *, field: str | None = None) -> dict:
        """A `fail[]` entry for one request item, for handlers that report per-item failures in HTTP 200."""
        return fail_entry([error(code, message, field=field)], key=item)


Handler = Callable[[RequestContext], Any]
AdminHandler = Callable[["SimulatorState", dict, dict], Any]


@dataclass(frozen=True)
class Endpoint:
    path: str
    handler: Handler
    permission: str | None
    api1: bool = True
    api2: bool = True
    max_items: int | None = None
    min_items: int = 0

    def allows(self, mode: str) -> bool:
        return self.api1 if mode == API1 else self.api2


class Registry:
    def __init__(self) -> None:
        self.endpoints: dict[str, Endpoint] = {}
        self.features: dict[str, Callable[..., Any]] = {}
        self.admin_routes: dict[tuple[str, str], AdminHandler] = {}

    def endpoint(
        self,
        path: str,
        *,
        permission: str | None,
        api1: bool = True,
        api2: bool = True,
        max_items: int | None = None,
        min_items: int = 0,
    ) -> Callable[[Handler], Handler]:
        """Register a Mimecast function at `path` that needs the role `permission` (None: any caller)."""
        if not path.startswith("/api/"):
            raise ValueError(f"endpoint paths start with /api/: {path}")

        def register(handler: Handler) -> Handler:
            if path in self.endpoints:
                raise ValueError(f"endpoint registered twice: {path}")
            self.endpoints[path] = Endpoint(path, handler, permission, api1, api2, max_items, min_items)
            return handler

        return register

    def feature_state(self, name: str) -> Callable[[type], type]:
        """Register a feature's state class; it is built as `cls(seed=..., clock=...)` for every simulator."""

        def register(cls: type) -> type:
            if name in self.features and self.features[name] is not cls:
                raise ValueError(f"feature registered twice: {name}")
            self.features[name] = cls
            return cls

        return register

    def admin_route(self, path: str, *, method: str = "POST") -> Callable[[AdminHandler], AdminHandler]:
        """Register an extra `/_sim/...` route; the handler gets (state, json_payload, query) and returns JSON."""
        if not path.startswith("/_sim/"):
            raise ValueError(f"admin paths start with /_sim/: {path}")

        def register(handler: AdminHandler) -> AdminHandler:
            key = (method.upper(), path)
            if key in self.admin_routes:
                raise ValueError(f"admin route registered twice: {method} {path}")
            self.admin_routes[key] = handler
            return handler

        return register

    def copy(self) -> Registry:
        """An independent registry with the same entries, e.g. for a test that adds its own endpoint."""
        clone = Registry()
        clone.endpoints = dict(self.endpoints)
        clone.features = dict(self.features)
        clone.admin_routes = copy.copy(self.admin_routes)
        return clone


DEFAULT_REGISTRY = Registry()
endpoint = DEFAULT_REGISTRY.endpoint
feature_state = DEFAULT_REGISTRY.feature_state
admin_route = DEFAULT_REGISTRY.admin_route
