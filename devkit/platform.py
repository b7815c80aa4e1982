"""The SecOps SOAR server, as far as the real SDK calls it: a loopback HTTPS server (never shipped).

Scripts run on Google's soar-sdk. Where the SDK talks to its platform (`SiemplifyAddressProvider`:
`/api/external/v1/sdk/...`), it talks to this server, started by the runner for each run and handed to
the script as the platform hands it: `APP_IP`, `APP_PORT`, `APP_USE_SSL`. It holds the platform store
of one run: integration instance configurations and cases in memory (never written to disk: they hold
secrets), connector and other context properties in `<store>/context.json` (so they persist between
runs, as in the platform's database), and the proxy settings. A call it does not model is answered
with HTTP 501 and recorded, and the runner fails the run loudly.

Faults and crashes come from here too, from outside the SDK: a call answered with an error status, or
the script killed when a chosen call arrives (before or after it is answered).
"""

import contextlib
import json
import os
import ssl
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

SDK_PREFIX = "/api/external/v1/sdk/"
# Bound to 127.0.0.1 and named "localhost" to the script: the SDK exempts both from a connector's proxy, and
# urllib3's warnings about the SDK's unverified platform calls then name a host no simulator uses.
BIND = "127.0.0.1"
HOST = "localhost"
CONNECTOR_CONTEXT = "4"
# The platform's overflow settings record (OverflowManager reads it from the connector context).
OVERFLOW_IDENTIFIER = OVERFLOW_KEY = "overflow_settings"
OVERFLOW_FIELDS = (
    "is_overflow_enabled",
    "is_environment_considered",
    "is_product_considered",
    "is_rule_generator_considered",
    "max_alerts_in_time_period",
    "time_period_in_min",
)
CONTEXT_FILE = "context.json"
# Case metadata as the platform answers CaseMetadata/{id} (the fields the SDK's CyberCaseLazy takes).
_CASE_DEFAULTS: dict[str, Any] = {
    "creation_time": 0,
    "modification_time": 0,
    "alert_count": 1,
    "priority": -1,
    "is_touched": False,
    "is_merged": False,
    "is_important": False,
    "assigned_user": "@Tier1",
    "title": "devkit case",
    "description": "",
    "status": 1,
    "is_incident": False,
    "stage": "Triage",
    "has_suspicious_entity": False,
    "high_risk_products": [],
    "is_locked": False,
    "has_workflow": False,
    "sla_expiration_unix_time": 0,
    "additional_properties": {},
}


@dataclass(frozen=True)
class PlatformCall:
    """One request the script's SDK made: `call` is the endpoint name (e.g. "SetContextProperty")."""

    method: str
    call: str
    argument: str
    body: Any
    status: int


@dataclass(frozen=True)
class PlatformFault:
    """Answer the `nth` matching call (and every later one when `repeat`) with `status` instead of the store."""

    call: str
    status: int = 500
    key: str | None = None
    nth: int = 1
    repeat: bool = False


@dataclass(frozen=True)
class KillAt:
    """Kill the script (SIGKILL, as a host failure would) when the `nth` matching call arrives.

    `after=False`: before the call is answered (a context write is then not applied); `after=True`:
    right after it is answered and applied.
    """

    call: str
    key: str | None = None
    nth: int = 1
    after: bool = False


def overflow_settings(
    enabled: bool = True,
    max_alerts: int = 50,
    period_min: int = 10,
    *,
    environment: bool = True,
    product: bool = True,
    rule_generator: bool = True,
) -> str:
    """The platform's overflow settings record, as the connector context holds it (a JSON string)."""
    values = (enabled, environment, product, rule_generator, max_alerts, period_min)
    return json.dumps(dict(zip(OVERFLOW_FIELDS, values, strict=True)))


def _write_private(path: Path, text: str) -> None:
    """Replace `path` atomically with a file only its owner can read (it may hold a cached token)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    tmp.replace(path)


class ContextStore:
    """Context properties: {context type: {identifier: {key: value}}}, persisted in `<store>/context.json`."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / CONTEXT_FILE
        self._lock = threading.Lock()

    def _load(self) -> dict[str, dict[str, dict[str, Any]]]:
        if not self.path.exists():
            return {}
        data = json.loads(self.path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}

    def all(self) -> dict[str, dict[str, dict[str, Any]]]:
        with self._lock:
            return self._load()

    def get(self, context_type: Any, identifier: Any, key: str) -> Any:
        with self._lock:
            return self._load().get(str(context_type), {}).get(str(identifier), {}).get(key)

    def set(self, context_type: Any, identifier: Any, key: str, value: Any, *, only_new: bool = False) -> bool:
        with self._lock:
            data = self._load()
            values = data.setdefault(str(context_type), {}).setdefault(str(identifier), {})
            if only_new and key in values:
                return False
            values[key] = value
            _write_private(self.path, json.dumps(data, indent=1, ensure_ascii=False))
            return True

    def connector(self, identifier: str) -> dict[str, Any]:
        """The connector context of one connector instance (its state, its cached token)."""
        return self.all().get(CONNECTOR_CONTEXT, {}).get(identifier, {})


@dataclass
class PlatformStore:
    """What the platform knows for a run. Only `context` is persisted (in the store directory)."""

    directory: Path
    configurations: dict[str, dict[str, Any]] = field(default_factory=dict)
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)
    proxy: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.context = ContextStore(self.directory)

    def case_metadata(self, case_id: str) -> dict[str, Any] | None:
        case = self.cases.get(case_id)
        if case is None:
            return None
        return {**_CASE_DEFAULTS, "identifier": case_id, **case}


class _CertificateFiles:
    """One self-signed certificate for the platform per process (the SDK does not verify its platform)."""

    _lock = threading.Lock()
    _path: Path | None = None
    _directory: tempfile.TemporaryDirectory | None = None

    @classmethod
    def path(cls) -> Path:
        with cls._lock:
            if cls._path is None:
                import trustme

                cls._directory = tempfile.TemporaryDirectory(prefix="devkit-platform-tls-")
                authority = trustme.CA(organization_name="devkit SOAR platform fake")
                certificate = authority.issue_cert(BIND, HOST)
                cls._path = Path(cls._directory.name) / "platform.pem"
                certificate.private_key_and_cert_chain_pem.write_to_path(str(cls._path))
            return cls._path


class PlatformServer:
    """The fake SOAR server for one run: `with PlatformServer(store) as platform: platform.env`."""

    def __init__(
        self,
        store: PlatformStore,
        *,
        faults: tuple[PlatformFault, ...] = (),
        kill_at: tuple[KillAt, ...] = (),
    ) -> None:
        self.store = store
        self.faults = faults
        self.kill_at = kill_at
        self.calls: list[PlatformCall] = []
        self.unmodelled: list[str] = []
        self.killed_at: KillAt | None = None
        self._kill: Callable[[], None] | None = None
        self._counts: dict[PlatformFault | KillAt, int] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def set_killer(self, kill: Callable[[], None]) -> None:
        """How to kill the script (the runner sets it once the process exists)."""
        self._kill = kill

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    @property
    def env(self) -> dict[str, str]:
        """The variables the platform sets for a script so its SDK finds the server."""
        return {"APP_IP": HOST, "APP_PORT": str(self.port), "APP_USE_SSL": "True"}

    def __enter__(self) -> "PlatformServer":
        server = ThreadingHTTPServer((BIND, 0), _Handler)
        server.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(_CertificateFiles.path()))
        server.socket = context.wrap_socket(server.socket, server_side=True)
        server.platform = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # Called by the handler

    def before(self, call: str, key: str | None) -> tuple[int | None, KillAt | None]:
        """(the fault status to answer with, or None; the kill point that fires for this call, or None)."""
        with self._lock:
            fired: list[PlatformFault | KillAt] = []
            for point in (*self.faults, *self.kill_at):
                if point.call == call and point.key in (None, key):
                    self._counts[point] = count = self._counts.get(point, 0) + 1
                    if count == point.nth or (isinstance(point, PlatformFault) and point.repeat and count > point.nth):
                        fired.append(point)
        status = next((p.status for p in fired if isinstance(p, PlatformFault)), None)
        return status, next((p for p in fired if isinstance(p, KillAt)), None)

    def kill(self, point: KillAt) -> None:
        self.killed_at = point
        if self._kill is not None:
            self._kill()

    def record(self, entry: PlatformCall) -> None:
        with self._lock:
            self.calls.append(entry)


def _json_or_none(raw: bytes) -> Any:
    with contextlib.suppress(ValueError):
        return json.loads(raw) if raw else None
    return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "devkit-soar-platform"
    # Headers and body go out in separate writes: without this, Nagle and delayed ACKs add ~40 ms to each call.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass

    @property
    def platform(self) -> PlatformServer:
        return self.server.platform  # type: ignore[attr-defined]

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = _json_or_none(self.rfile.read(length)) if length else None
        path = urlsplit(self.path).path
        call, _, argument = path.removeprefix(SDK_PREFIX).partition("/")
        argument = unquote(argument)
        key = body.get("PropertyKey") if isinstance(body, dict) else None
        route = _ROUTES.get((method, call)) if path.startswith(SDK_PREFIX) else None
        if route is None:
            self.platform.unmodelled.append(f"{method} {path}")
            self._answer(
                method, call or path, argument, body, 501, f"The devkit's platform fake does not model {method} {path}."
            )
            return
        status, kill = self.platform.before(call, key)
        if kill is not None and not kill.after:
            # Killed while the call is in flight: nothing is applied and no answer is sent.
            self.platform.kill(kill)
            self.platform.record(PlatformCall(method, call, argument, body, 0))
            self.close_connection = True
            return
        if status is not None:
            self._answer(method, call, argument, body, status, f"devkit platform fault: HTTP {status} for {call}")
        else:
            code, answer = route(self.platform.store, argument, body)
            self._answer(method, call, argument, body, code, answer)
        if kill is not None:
            self.wfile.flush()
            self.platform.kill(kill)

    def _answer(self, method: str, call: str, argument: str, body: Any, status: int, answer: Any) -> None:
        self.platform.record(PlatformCall(method, call, argument, body, status))
        payload = b"" if status == 204 else json.dumps(answer).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


Route = Callable[[PlatformStore, str, Any], tuple[int, Any]]


def _configuration(store: PlatformStore, instance: str, _body: Any) -> tuple[int, Any]:
    if instance not in store.configurations:
        return 404, f"Integration instance {instance} was not found."
    return 200, store.configurations[instance]


def _case_metadata(store: PlatformStore, case_id: str, _body: Any) -> tuple[int, Any]:
    metadata = store.case_metadata(case_id)
    return (404, f"Case {case_id} was not found.") if metadata is None else (200, metadata)


def _proxy_settings(store: PlatformStore, _argument: str, _body: Any) -> tuple[int, Any]:
    proxy = store.proxy or {}
    return 200, {
        "proxy_server_address": proxy.get("proxy_server_address"),
        "username": proxy.get("username"),
        "password": proxy.get("password"),
        "ignore_addresses": list(proxy.get("ignore_addresses") or []),
    }


def _context_key(body: Any) -> tuple[Any, Any, str] | None:
    if not isinstance(body, dict) or not isinstance(body.get("PropertyKey"), str):
        return None
    return body.get("ContextType"), body.get("Identifier"), body["PropertyKey"]


def _get_context(store: PlatformStore, _argument: str, body: Any) -> tuple[int, Any]:
    address = _context_key(body)
    if address is None:
        return 400, "ContextType, Identifier and PropertyKey are required."
    value = store.context.get(*address)
    return (204, None) if value is None else (200, value)


def _set_context(store: PlatformStore, _argument: str, body: Any) -> tuple[int, Any]:
    address = _context_key(body)
    if address is None:
        return 400, "ContextType, Identifier and PropertyKey are required."
    store.context.set(*address, body.get("PropertyValue"))
    return 200, None


def _try_set_context(store: PlatformStore, _argument: str, body: Any) -> tuple[int, Any]:
    address = _context_key(body)
    if address is None:
        return 400, "ContextType, Identifier and PropertyKey are required."
    return 200, store.context.set(*address, body.get("PropertyValue"), only_new=True)


_ROUTES: Mapping[tuple[str, str], Route] = {
    ("GET", "configuration"): _configuration,
    ("GET", "CaseMetadata"): _case_metadata,
    ("GET", "GetProxySettings"): _proxy_settings,
    ("POST", "GetContextProperty"): _get_context,
    ("POST", "SetContextProperty"): _set_context,
    ("POST", "TrySetContextProperty"): _try_set_context,
}
MODELLED_CALLS = tuple(sorted({call for _method, call in _ROUTES}))
