"""`SimulatorClient`: the `/_sim/*` admin API from Python, for tests and the demo when the simulator is a process."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import requests


class SimulatorAdminError(RuntimeError):
    """The admin API refused a call; the message is the simulator's explanation."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"simulator admin API answered HTTP {status}: {message}")
        self.status = status


class SimulatorClient:
    def __init__(self, url: str, ca_file: str | None = None, timeout_s: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self._verify: str | bool = ca_file or True
        self._timeout = timeout_s
        self._session = requests.Session()

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> SimulatorClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # Health, configuration, reset

    def health(self) -> dict:
        return self._get("/_sim/health")

    def config(self) -> dict:
        """Every knob's current value (clock, latency, bucket, queued faults, TTL, credentials without secrets)."""
        return self._get("/_sim/config")

    def endpoints(self) -> list[dict]:
        return self._get("/_sim/endpoints")["endpoints"]

    def reset(self) -> None:
        """Everything back to the start-up configuration (knobs, credentials, tokens, log, data)."""
        self._post("/_sim/reset")

    def reset_data(self) -> None:
        """Rebuild the simulated tenant's data from the seed."""
        self._post("/_sim/data/reset")

    # Request log and stats

    def log(self, since: int = 0, path: str | None = None) -> list[dict]:
        params: dict[str, Any] = {"since": since}
        if path:
            params["path"] = path
        return self._get("/_sim/log", params)["entries"]

    def reset_log(self) -> None:
        self._post("/_sim/log/reset")

    def stats(self) -> dict:
        return self._get("/_sim/stats")

    # Fault knobs

    def set_latency(self, ms: int, path: str | None = None) -> dict:
        return self._post("/_sim/latency", {"ms": ms, "path": path})

    def set_rate_limit(self, limit: int, window_ms: int = 60000) -> dict:
        return self._post("/_sim/rate-limit", {"limit": limit, "window_ms": window_ms})

    def disable_rate_limit(self) -> dict:
        return self._post("/_sim/rate-limit", {"limit": None})

    def add_fault(
        self, kind: str, *, path: str | None = None, count: int = 1, after: bool = False, **params: Any
    ) -> dict:
        """Queue a forced fault: kind is rate_limit, http_error, malformed, drop, fail, read_delay or redirect.

        Kind-specific params: reset_ms/limit (rate_limit), status (http_error: 500|502|503|504), variant
        "truncated"|"html" (malformed), delay_ms (read_delay), code/message/retryable (fail), location and
        status (redirect: 301|302|303|307|308, default 302).
        """
        spec = {"kind": kind, "path": path, "count": count, "after": after, **params}
        return self._post("/_sim/faults", spec)["fault"]

    def add_redirect(
        self, location: str, *, status: int = 302, path: str | None = None, count: int = 1, after: bool = False
    ) -> dict:
        """Answer the next `count` requests (to `path`, or to any path) with `status` and `Location: location`."""
        return self.add_fault("redirect", path=path, count=count, after=after, status=status, location=location)

    def faults(self) -> list[dict]:
        return self._get("/_sim/faults")["faults"]

    def clear_faults(self) -> None:
        self._post("/_sim/faults/clear")

    # Clock

    def clock(self) -> dict:
        return self._get("/_sim/clock")

    def set_clock_offset(self, offset_s: float) -> dict:
        return self._post("/_sim/clock", {"offset_s": offset_s})

    def freeze_clock(self, at: datetime | str | None = None) -> dict:
        payload: dict[str, Any] = {"freeze": True}
        if at is not None:
            payload["at"] = at.isoformat() if isinstance(at, datetime) else at
        return self._post("/_sim/clock", payload)

    def unfreeze_clock(self) -> dict:
        return self._post("/_sim/clock", {"freeze": False})

    def advance_clock(self, seconds: float) -> dict:
        return self._post("/_sim/clock", {"advance_s": seconds})

    # Tokens and credentials

    def set_token_ttl(self, ttl_s: int) -> None:
        self._post("/_sim/tokens/ttl", {"ttl_s": ttl_s})

    def expire_tokens(self) -> int:
        return self._post("/_sim/tokens/expire-all")["expired"]

    def credentials(self) -> dict:
        return self._get("/_sim/credentials")

    def add_api1_credential(
        self, app_id: str, app_key: str, access_key: str, secret_key: str, permissions: list[str] | None = None
    ) -> dict:
        payload = {"app_id": app_id, "app_key": app_key, "access_key": access_key, "secret_key": secret_key}
        if permissions is not None:
            payload["permissions"] = permissions
        return self._post("/_sim/credentials/api1", payload)

    def remove_api1_credential(self, access_key: str) -> None:
        self._post("/_sim/credentials/api1/remove", {"access_key": access_key})

    def set_binding_expired(self, access_key: str, expired: bool = True) -> None:
        self._post("/_sim/credentials/api1/binding-expired", {"access_key": access_key, "expired": expired})

    def add_api2_client(self, client_id: str, client_secret: str, permissions: list[str] | None = None) -> dict:
        payload: dict[str, Any] = {"client_id": client_id, "client_secret": client_secret}
        if permissions is not None:
            payload["permissions"] = permissions
        return self._post("/_sim/credentials/api2", payload)

    def revoke_client(self, client_id: str, revoked: bool = True) -> None:
        self._post("/_sim/credentials/api2/revoke", {"client_id": client_id, "revoked": revoked})

    def set_permissions(
        self, permissions: list[str], *, access_key: str | None = None, client_id: str | None = None
    ) -> dict:
        payload: dict[str, Any] = {"permissions": list(permissions)}
        if access_key is not None:
            payload["access_key"] = access_key
        if client_id is not None:
            payload["client_id"] = client_id
        return self._post("/_sim/credentials/permissions", payload)

    # Feature routes (any /_sim/ path, including those feature modules register)

    def get(self, path: str, params: dict | None = None) -> Any:
        return self._get(path, params)

    def post(self, path: str, payload: dict | None = None) -> Any:
        return self._post(path, payload)

    def account(self) -> dict:
        return self._get("/_sim/account")

    def update_account(self, fields: dict) -> dict:
        return self._post("/_sim/account", fields)

    # Phishing response: managed URLs

    def managed_urls(self) -> list[dict]:
        """Every managed URL, newest first: the get-all-managed-urls fields plus `url` and `created`."""
        return self._get("/_sim/managed-urls")["entries"]

    def add_managed_url(self, url: str, action: str = "block", **fields: Any) -> dict:
        """Create a managed URL as create-managed-url would (`matchType`, `comment`, `disableLogClick`, ...)."""
        return self._post("/_sim/managed-urls", {"url": url, "action": action, **fields})

    # Phishing response: threat remediation

    def remediation_incidents(self) -> list[dict]:
        """Every remediation incident, newest first, with counts as of now and its `copies`
        (`trackingId`, `recipient`, `due`, `outcome`: removed, failed or pending)."""
        return self._get("/_sim/remediation")["incidents"]

    def set_remediation_step(self, step_s: float) -> float:
        """Seconds between one copy's removal and the next, for incidents created from now on (0: at once)."""
        return self._post("/_sim/remediation/settings", {"step_s": step_s})["step_s"]

    def _get(self, path: str, params: dict | None = None) -> Any:
        response = self._session.get(self.url + path, params=params, verify=self._verify, timeout=self._timeout)
        return self._decode(response)

    def _post(self, path: str, payload: dict | None = None) -> Any:
        response = self._session.post(self.url + path, json=payload or {}, verify=self._verify, timeout=self._timeout)
        return self._decode(response)

    @staticmethod
    def _decode(response: requests.Response) -> Any:
        try:
            body = response.json()
        except ValueError:
            body = {"error": response.text[:500]}
        if response.status_code != 200:
            raise SimulatorAdminError(response.status_code, body.get("error", "") if isinstance(body, dict) else "")
        return body
