"""The `/_sim/*` admin API: read the request log and stats, change every knob, manage credentials.

Handlers take (state, json_payload, query_params) and return JSON. Admin calls are not logged.
Feature modules add their own routes with `simulator.registry.admin_route`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from simulator.auth import DATE_SKEW_S
from simulator.faults import ForcedFault

if TYPE_CHECKING:
    from simulator.state import SimulatorState


class AdminError(ValueError):
    """A bad admin request; answered with HTTP 400 and the message."""


ADMIN_ROUTES: dict[tuple[str, str], Callable[..., Any]] = {}


def _route(method: str, path: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        ADMIN_ROUTES[(method, path)] = handler
        return handler

    return register


def _required(payload: dict, name: str) -> Any:
    if payload.get(name) in (None, ""):
        raise AdminError(f"{name!r} is required")
    return payload[name]


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise AdminError(f"{name!r} must be an integer")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise AdminError(f"{name!r} must be an integer") from None


def _datetime(value: str, name: str) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        raise AdminError(f"{name!r} must be an ISO 8601 instant") from None


@_route("GET", "/_sim/health")
def health(state: SimulatorState, payload: dict, query: dict) -> dict:
    return {"status": "ok", "seed": state.seed, "now": state.clock.now().isoformat()}


@_route("GET", "/_sim/config")
def config(state: SimulatorState, payload: dict, query: dict) -> dict:
    return {
        "seed": state.seed,
        "clock": state.clock.describe(),
        "date_skew_s": DATE_SKEW_S,
        "token_ttl_s": state.tokens.ttl_s,
        "live_tokens": state.tokens.live_count(state.clock.now()),
        "faults": state.faults.describe(),
        "credentials": state.credentials.describe(),
        "features": sorted(state.features),
        "feature_options": state.config.feature_options,
    }


@_route("GET", "/_sim/endpoints")
def endpoints(state: SimulatorState, payload: dict, query: dict) -> dict:
    return {
        "endpoints": [
            {
                "path": e.path,
                "permission": e.permission,
                "api1": e.api1,
                "api2": e.api2,
                "min_items": e.min_items,
                "max_items": e.max_items,
            }
            for e in sorted(state.registry.endpoints.values(), key=lambda e: e.path)
        ]
    }


@_route("POST", "/_sim/reset")
def reset(state: SimulatorState, payload: dict, query: dict) -> dict:
    """Everything back to the start-up configuration."""
    state.reset()
    return {"ok": True}


@_route("POST", "/_sim/data/reset")
def reset_data(state: SimulatorState, payload: dict, query: dict) -> dict:
    state.reset_data()
    return {"ok": True}


@_route("GET", "/_sim/log")
def log(state: SimulatorState, payload: dict, query: dict) -> dict:
    since = _int(query.get("since", 0), "since")
    return {"entries": state.log.entries(since=since, path=query.get("path"))}


@_route("POST", "/_sim/log/reset")
def reset_log(state: SimulatorState, payload: dict, query: dict) -> dict:
    state.log.reset()
    return {"ok": True}


@_route("GET", "/_sim/stats")
def stats(state: SimulatorState, payload: dict, query: dict) -> dict:
    return state.log.stats()


@_route("POST", "/_sim/latency")
def latency(state: SimulatorState, payload: dict, query: dict) -> dict:
    """{"ms": N} for every path, or {"ms": N, "path": "/api/..."} for one (0 removes it)."""
    state.faults.set_latency(_int(_required(payload, "ms"), "ms"), payload.get("path"))
    return state.faults.describe()


@_route("POST", "/_sim/rate-limit")
def rate_limit(state: SimulatorState, payload: dict, query: dict) -> dict:
    """{"limit": N, "window_ms": M} turns on a full bucket; {"limit": null} turns it off."""
    limit = payload.get("limit")
    if limit is None:
        state.faults.set_rate_limit(None)
    else:
        state.faults.set_rate_limit(_int(limit, "limit"), _int(payload.get("window_ms", 60000), "window_ms"))
    return state.faults.describe()


@_route("GET", "/_sim/faults")
def faults(state: SimulatorState, payload: dict, query: dict) -> dict:
    return {"faults": state.faults.pending()}


@_route("POST", "/_sim/faults")
def add_fault(state: SimulatorState, payload: dict, query: dict) -> dict:
    """A ForcedFault spec: {"kind": ..., "path": ..., "count": ..., "after": ..., kind-specific fields}."""
    fault = state.faults.add(ForcedFault.from_dict(payload))
    return {"fault": fault.describe()}


@_route("POST", "/_sim/faults/clear")
def clear_faults(state: SimulatorState, payload: dict, query: dict) -> dict:
    state.faults.clear()
    return {"ok": True}


@_route("GET", "/_sim/clock")
def clock(state: SimulatorState, payload: dict, query: dict) -> dict:
    return state.clock.describe()


@_route("POST", "/_sim/clock")
def set_clock(state: SimulatorState, payload: dict, query: dict) -> dict:
    """Applied in this order: {"offset_s": S} (runs unfrozen), {"freeze": true, "at": ISO?}, {"freeze": false},
    {"advance_s": S}."""
    if not {"offset_s", "freeze", "advance_s"} & set(payload):
        raise AdminError("give offset_s, freeze or advance_s")
    if "offset_s" in payload:
        state.clock.set_offset(float(payload["offset_s"]))
    if payload.get("freeze") is True:
        state.clock.freeze(_datetime(payload["at"], "at") if payload.get("at") else None)
    elif payload.get("freeze") is False:
        state.clock.unfreeze()
    if "advance_s" in payload:
        state.clock.advance(float(payload["advance_s"]))
    return state.clock.describe()


@_route("POST", "/_sim/tokens/ttl")
def token_ttl(state: SimulatorState, payload: dict, query: dict) -> dict:
    ttl = _int(_required(payload, "ttl_s"), "ttl_s")
    if ttl < 1:
        raise AdminError("'ttl_s' must be at least 1")
    state.tokens.ttl_s = ttl
    return {"ttl_s": ttl}


@_route("POST", "/_sim/tokens/expire-all")
def expire_tokens(state: SimulatorState, payload: dict, query: dict) -> dict:
    return {"expired": state.tokens.expire_all()}


@_route("GET", "/_sim/credentials")
def credentials(state: SimulatorState, payload: dict, query: dict) -> dict:
    return state.credentials.describe()


@_route("POST", "/_sim/credentials/api1")
def add_api1(state: SimulatorState, payload: dict, query: dict) -> dict:
    binding = state.credentials.add_api1(
        _required(payload, "app_id"),
        _required(payload, "app_key"),
        _required(payload, "access_key"),
        _required(payload, "secret_key"),
        payload.get("permissions"),
    )
    return binding.describe()


@_route("POST", "/_sim/credentials/api1/remove")
def remove_api1(state: SimulatorState, payload: dict, query: dict) -> dict:
    state.credentials.remove_api1(_required(payload, "access_key"))
    return {"ok": True}


@_route("POST", "/_sim/credentials/api1/binding-expired")
def binding_expired(state: SimulatorState, payload: dict, query: dict) -> dict:
    state.credentials.set_binding_expired(_required(payload, "access_key"), bool(payload.get("expired", True)))
    return {"ok": True}


@_route("POST", "/_sim/credentials/api2")
def add_api2(state: SimulatorState, payload: dict, query: dict) -> dict:
    client = state.credentials.add_api2(
        _required(payload, "client_id"), _required(payload, "client_secret"), payload.get("permissions")
    )
    return client.describe()


@_route("POST", "/_sim/credentials/api2/revoke")
def revoke_api2(state: SimulatorState, payload: dict, query: dict) -> dict:
    """{"client_id": ...} revokes (its tokens stop working, new token requests get 401); "revoked": false undoes."""
    state.revoke_api2_client(_required(payload, "client_id"), bool(payload.get("revoked", True)))
    return {"ok": True}


@_route("POST", "/_sim/credentials/permissions")
def permissions(state: SimulatorState, payload: dict, query: dict) -> dict:
    """{"access_key" | "client_id": ..., "permissions": [role permission names]}."""
    granted = payload.get("permissions")
    if not isinstance(granted, list):
        raise AdminError("'permissions' must be a list of role permission names")
    state.credentials.set_permissions(granted, access_key=payload.get("access_key"), client_id=payload.get("client_id"))
    return state.credentials.describe()
