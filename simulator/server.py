"""The HTTP server: a threaded stdlib server on loopback that answers like Mimecast's API gateway."""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import json
import re
import socket
import socketserver
import ssl
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from simulator import envelopes
from simulator.admin import ADMIN_ROUTES, AdminError
from simulator.auth import DEFAULT_TOKEN_TTL_S, AuthError, detect_mode, verify_api1, verify_api2
from simulator.endpoints import load_feature_modules
from simulator.faults import (
    DROP,
    FAIL,
    HTTP_ERROR,
    MALFORMED,
    RATE_LIMIT,
    READ_DELAY,
    REDIRECT,
    ForcedFault,
    parse_rate_limit,
)
from simulator.registry import API1, API2, DEFAULT_REGISTRY, ApiFail, ApiResult, Endpoint, Registry, RequestContext
from simulator.requestlog import SAFE_HEADERS, LogEntry
from simulator.state import SimConfig, SimulatorState
from simulator.validation import NULL_MESSAGE

TOKEN_PATH = "/oauth/token"
REDACTED = "[redacted]"
_LOGGED_TEXT_LIMIT = 4000
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_HTML_ERROR_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>Bad Gateway</h1><p>The upstream server returned an invalid response.</p></body></html>"
)


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON-serialisable; ignored when `raw` is set
    raw: bytes | None = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False

    def payload(self) -> bytes:
        if self.raw is not None:
            return self.raw
        return json.dumps(self.body).encode("utf-8")


class _Exchange:
    """One API request from parsed input to the Reply; remembers what the request log needs."""

    def __init__(self, sim: Simulator, method: str, path: str, headers: Message, raw_body: bytes, seq: int) -> None:
        self.sim = sim
        self.state = sim.state
        self.method = method
        self.path = path
        self.headers = headers
        self.raw_body = raw_body
        self.seq = seq
        self.auth_mode: str | None = None
        self.principal: str | None = None
        self.fault: dict | None = None
        self.executed = False
        self.rate_headers: dict[str, str] = {}
        self.log_body: Any = _loggable_json(raw_body)

    def run(self) -> Reply:
        if self.path == TOKEN_PATH:
            return self._token()
        endpoint = self.state.registry.endpoints.get(self.path)
        if endpoint is None:
            return Reply(404, envelopes.not_found())
        if self.method != "POST":
            return Reply(405, envelopes.method_not_allowed(), headers={"Allow": "POST"})
        mode = detect_mode(self.headers)
        self.auth_mode = mode
        if mode == API1:
            self.principal = self.headers.get("x-mc-app-id")
        if mode is None:
            return Reply(400, envelopes.credentials_missing())
        if not endpoint.allows(mode):
            # An endpoint outside the caller's API version does not exist for it.
            return Reply(404, envelopes.not_found())
        now = self.state.clock.now()
        try:
            if mode == API1:
                auth = verify_api1(self.headers, self.path, self.state.credentials, now)
            else:
                auth = verify_api2(self.headers, self.state.credentials, self.state.tokens, now)
        except AuthError as exc:
            self.principal = self.principal or exc.principal
            return Reply(exc.status, exc.body)
        self.principal = auth.principal
        bucket = self.state.faults.bucket
        if bucket is not None:
            allowed, remaining, reset_ms = bucket.take()
            self.rate_headers = _rate_headers(bucket.limit, remaining, reset_ms)
            if not allowed:
                self.fault = {"kind": "rate_limit_bucket", "after": False}
                return Reply(429, envelopes.rate_limited())
        if endpoint.permission and endpoint.permission not in auth.permissions:
            return Reply(403, envelopes.api1_forbidden() if mode == API1 else envelopes.api2_forbidden())
        try:
            body, data, meta = _validated_body(self.raw_body, endpoint)
        except ApiFail as exc:
            return Reply(exc.http_status, exc.body())
        ctx = RequestContext(self.state, self.path, body, data, meta, auth, now, self.seq, self._base_url())
        return self._with_faults(lambda: self._execute(endpoint, ctx))

    def _base_url(self) -> str:
        host = self.headers.get("Host") or f"{self.sim.host}:{self.sim.port}"
        return f"{'https' if self.sim.tls else 'http'}://{host}"

    def _with_faults(self, execute: Any) -> Reply:
        fault = self.state.faults.take(self.path)
        if fault is None:
            return execute()
        self.fault = fault.summary()
        if fault.kind == READ_DELAY:
            if not fault.after:
                self.sim.pause(fault.delay_ms / 1000)
            reply = execute()
            if fault.after:
                self.sim.pause(fault.delay_ms / 1000)
            return reply
        reply = execute() if fault.after else None
        return self._fault_reply(fault, reply)

    def _execute(self, endpoint: Endpoint, ctx: RequestContext) -> Reply:
        with self.state.lock:
            self.executed = True
            try:
                result = endpoint.handler(ctx)
            except ApiFail as exc:
                return Reply(exc.http_status, exc.body())
            except Exception:
                traceback.print_exc(file=sys.stderr)
                return Reply(500, envelopes.server_error(500))
        return Reply(200, _result_body(result))

    def _token(self) -> Reply:
        if self.method != "POST":
            return Reply(405, envelopes.method_not_allowed(), headers={"Allow": "POST"})
        form = {k: v[0] for k, v in parse_qs(self.raw_body.decode("utf-8", "replace"), keep_blank_values=True).items()}
        self.log_body = {k: v for k, v in form.items() if k != "client_secret"}
        self.auth_mode = API2
        self.principal = form.get("client_id") or None
        missing = [name for name in ("client_id", "client_secret", "grant_type") if not form.get(name)]
        if missing:
            return Reply(400, envelopes.oauth_error("InvalidRequest", f"Missing parameter(s): {', '.join(missing)}"))
        if form["grant_type"] != "client_credentials":
            return Reply(
                400,
                envelopes.oauth_error("UnsupportedGrantType", "Only the client_credentials grant type is supported"),
            )
        client = self.state.credentials.client(form["client_id"])
        if client is None or client.revoked or not _same(client.client_secret, form["client_secret"]):
            return Reply(401, envelopes.oauth_error("InvalidClientIdentifier", "Client credentials are invalid"))

        def issue() -> Reply:
            self.executed = True
            token, ttl = self.state.tokens.issue(client.client_id, self.state.clock.now())
            return Reply(200, {"access_token": token, "token_type": "Bearer", "expires_in": ttl, "scope": ""})

        return self._with_faults(issue)

    def _fault_reply(self, fault: ForcedFault, executed_reply: Reply | None) -> Reply:
        if fault.kind == RATE_LIMIT:
            bucket = self.state.faults.bucket
            self.rate_headers = _rate_headers(bucket.limit if bucket else fault.limit, 0, fault.reset_ms)
            return Reply(429, envelopes.rate_limited())
        if fault.kind == HTTP_ERROR:
            return Reply(fault.status, envelopes.server_error(fault.status))
        if fault.kind == MALFORMED:
            if fault.variant == "html":
                return Reply(200, raw=_HTML_ERROR_PAGE, content_type="text/html")
            complete = executed_reply.payload() if executed_reply else json.dumps(envelopes.envelope(200)).encode()
            return Reply(200, raw=complete[: max(1, len(complete) // 2)])
        if fault.kind == DROP:
            return Reply(drop=True)
        if fault.kind == REDIRECT:
            return Reply(fault.status, raw=b"", content_type="text/html", headers={"Location": fault.location})
        if fault.kind == FAIL:
            error = envelopes.error(fault.code, fault.message, retryable=fault.retryable)
            return Reply(200, envelopes.envelope(200, fail=[envelopes.fail_entry([error])]))
        raise AssertionError(f"unhandled fault kind {fault.kind}")


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def _rate_headers(limit: int, remaining: int, reset_ms: int) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(reset_ms),
    }


def _validated_body(raw: bytes, endpoint: Endpoint) -> tuple[dict, list, dict]:
    # An empty body is accepted as {"data": []}: Google's integration pings get-account with one.
    if not raw.strip():
        body: Any = {"data": []}
    else:
        try:
            body = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ApiFail(
                400, [envelopes.error("err_validation_invalid_json", "The request body is not valid JSON")]
            ) from None
        if _has_lone_surrogate(body):
            raise ApiFail(
                400,
                [
                    envelopes.error(
                        "err_validation_invalid_json",
                        "The request body is not valid JSON: it contains an invalid Unicode escape (a lone surrogate)",
                    )
                ],
            )
    if not isinstance(body, dict):
        raise ApiFail(400, [envelopes.error("err_validation_invalid_type", "The request body must be a JSON object")])
    if body.get("data") is None:
        raise ApiFail(
            400,
            [envelopes.error("err_validation_null", NULL_MESSAGE, field="data")],
        )
    data, meta = body["data"], body.get("meta")
    meta = {} if meta is None else meta
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise ApiFail(
            400,
            [envelopes.error("err_validation_invalid_type", "This field must be an array of objects", field="data")],
        )
    if not isinstance(meta, dict):
        raise ApiFail(
            400, [envelopes.error("err_validation_invalid_type", "This field must be an object", field="meta")]
        )
    if len(data) < endpoint.min_items or (endpoint.max_items is not None and len(data) > endpoint.max_items):
        bounds = f"at least {endpoint.min_items}" if len(data) < endpoint.min_items else f"at most {endpoint.max_items}"
        raise ApiFail(
            400,
            [envelopes.error("err_validation_item_count", f"This request accepts {bounds} item(s)", field="data")],
        )
    return body, data, meta


def _has_lone_surrogate(value: Any) -> bool:
    # JSON's `"\ud800"` escape parses in Python but is no Unicode text; it is answered as an unreadable body.
    if isinstance(value, str):
        return _LONE_SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(_has_lone_surrogate(key) or _has_lone_surrogate(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False


def _result_body(result: Any) -> dict:
    if isinstance(result, ApiResult):
        return envelopes.envelope(result.meta_status, result.data, result.fail, result.meta)
    if isinstance(result, tuple):
        data, meta = result
        return envelopes.envelope(200, data, meta=meta)
    if isinstance(result, list):
        return envelopes.envelope(200, result)
    raise TypeError(f"endpoint returned {type(result).__name__}; return a list, (data, meta) or ApiResult")


def _loggable_json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return raw[:_LOGGED_TEXT_LIMIT].decode("utf-8", "replace")


def _loggable_response(reply: Reply, path: str) -> Any:
    if reply.drop:
        return None
    if reply.raw is not None:
        return reply.raw[:_LOGGED_TEXT_LIMIT].decode("utf-8", "replace")
    if path == TOKEN_PATH and isinstance(reply.body, dict) and "access_token" in reply.body:
        return {**reply.body, "access_token": REDACTED}
    return reply.body


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body are separate writes; with Nagle on, every keep-alive response waits for a delayed ACK.
    disable_nagle_algorithm = True
    server: _SimHTTPServer

    def version_string(self) -> str:
        return "MimecastSimulator/1.0"

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        self.server.untrack(self.connection)

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def log_message(self, format: str, *args: Any) -> None:
        # The request log replaces the stdlib access log.
        return

    def date_time_string(self, timestamp: float | None = None) -> str:
        return format_datetime(self.server.simulator.state.clock.now(), usegmt=True)

    def _dispatch(self, method: str) -> None:
        try:
            raw_body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self._send(Reply(400, envelopes.error_envelope(400, "err_request_malformed", "Unreadable request body")))
            return
        url = urlsplit(self.path)
        if url.path == "/_sim" or url.path.startswith("/_sim/"):
            self._send(self._admin(method, url.path, url.query, raw_body))
            return
        self._api(method, url.path, raw_body)

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _api(self, method: str, path: str, raw_body: bytes) -> None:
        sim = self.server.simulator
        state = sim.state
        log = state.log
        started = time.monotonic()
        received_at = state.clock.now()
        seq = log.next_seq()
        log.begin(path)
        exchange = _Exchange(sim, method, path, self.headers, raw_body, seq)
        try:
            latency_ms = state.faults.latency_for(path)
            if latency_ms:
                sim.pause(latency_ms / 1000)
            try:
                reply = exchange.run()
            except Exception:
                traceback.print_exc(file=sys.stderr)
                reply = Reply(500, envelopes.server_error(500))
            bucket = state.faults.bucket
            if not exchange.rate_headers and bucket is not None:
                exchange.rate_headers = _rate_headers(bucket.limit, *bucket.peek())
            reply.headers.update(exchange.rate_headers)
            # Recorded before answering, so a client that reads the log right after its response finds the entry.
            log.record(
                LogEntry(
                    seq=seq,
                    time=received_at.isoformat(),
                    method=method,
                    path=path,
                    auth_mode=exchange.auth_mode,
                    principal=exchange.principal,
                    headers={h: self.headers[h] for h in SAFE_HEADERS if self.headers.get(h) is not None},
                    body=exchange.log_body,
                    status=None if reply.drop else reply.status,
                    response=_loggable_response(reply, path),
                    fault=exchange.fault,
                    executed=exchange.executed,
                    duration_ms=round((time.monotonic() - started) * 1000, 3),
                )
            )
            self._send(reply)
        finally:
            log.end()
        if sim.verbose:
            status = "dropped" if reply.drop else reply.status
            print(f"{seq} {method} {path} {status} {exchange.auth_mode or '-'} {exchange.principal or '-'}", flush=True)

    def _admin(self, method: str, path: str, query: str, raw_body: bytes) -> Reply:
        if not ipaddress.ip_address(self.client_address[0].split("%")[0]).is_loopback:
            return Reply(403, {"error": "the admin API answers loopback clients only"})
        registry = self.server.simulator.state.registry
        routes = {**ADMIN_ROUTES, **registry.admin_routes}
        handler = routes.get((method, path))
        if handler is None:
            if any(route_path == path for _, route_path in routes):
                return Reply(405, {"error": f"{method} is not supported on {path}"})
            return Reply(404, {"error": f"no admin route {path}"})
        try:
            payload = json.loads(raw_body) if raw_body.strip() else {}
            if not isinstance(payload, dict):
                raise AdminError("the request body must be a JSON object")
            params = {k: v[-1] for k, v in parse_qs(query).items()}
            result = handler(self.server.simulator.state, payload, params)
        except json.JSONDecodeError:
            return Reply(400, {"error": "the request body is not valid JSON"})
        except (AdminError, ValueError, TypeError) as exc:
            return Reply(400, {"error": str(exc)})
        except KeyError as exc:
            return Reply(404, {"error": str(exc.args[0]) if exc.args else "not found"})
        return Reply(200, result if result is not None else {"ok": True})

    def _send(self, reply: Reply) -> None:
        if reply.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        payload = b"" if self.command == "HEAD" else reply.payload()
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
        except OSError:
            # The client gave up (e.g. its read timeout fired during a read-delay fault).
            self.close_connection = True


class _SimHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], simulator: Simulator, ssl_context: ssl.SSLContext | None) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.simulator = simulator
        self.ssl_context = ssl_context
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup of the address; loopback needs none.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.ssl_context is None:
            super().finish_request(request, client_address)
            return
        # The handshake runs in the connection's own thread so a stalled client cannot block accept().
        try:
            request.settimeout(10)
            tls_socket = self.ssl_context.wrap_socket(request, server_side=True)
            tls_socket.settimeout(None)
        except (ssl.SSLError, OSError):
            return
        try:
            super().finish_request(tls_socket, client_address)
        finally:
            with contextlib.suppress(OSError):
                tls_socket.close()

    def track(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class Simulator:
    """A Mimecast API simulator on a real loopback socket.

    `with Simulator(port=0, seed=7) as sim:` starts it on an ephemeral port; `sim.url`, `sim.state`
    (direct access to everything it knows) and, with `tls=True`, `sim.ca_file` to verify against.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        seed: int = 1,
        tls: bool = False,
        ca_file: str | Path | None = None,
        latency_ms: int = 0,
        path_latency_ms: dict[str, int] | None = None,
        rate_limit: str | tuple[int, int] | None = None,
        token_ttl_s: int = DEFAULT_TOKEN_TTL_S,
        clock_offset_s: float = 0.0,
        frozen_at: datetime | None = None,
        faults: list[dict] | None = None,
        registry: Registry | None = None,
        feature_options: dict[str, dict[str, Any]] | None = None,
        verbose: bool = False,
    ) -> None:
        if registry is None:
            load_feature_modules()
            registry = DEFAULT_REGISTRY
        if isinstance(rate_limit, str):
            rate_limit = parse_rate_limit(rate_limit)
        config = SimConfig(
            seed=seed,
            latency_ms=latency_ms,
            path_latency_ms=dict(path_latency_ms or {}),
            rate_limit=rate_limit,
            token_ttl_s=token_ttl_s,
            clock_offset_s=clock_offset_s,
            frozen_at=frozen_at,
            faults=list(faults or []),
            feature_options={name: dict(options) for name, options in (feature_options or {}).items()},
        )
        self.state = SimulatorState(config, registry)
        self.host = host
        self.tls = tls
        self.verbose = verbose
        self._requested_port = port
        self._requested_ca_file = Path(ca_file) if ca_file else None
        self.ca_file: str | None = None
        self._server: _SimHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._tempdir: tempfile.TemporaryDirectory | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the simulator is not running")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    def start(self) -> Simulator:
        if self._server is not None:
            return self
        self._stopping.clear()
        ssl_context = self._make_tls_context() if self.tls else None
        self._server = _SimHTTPServer((self.host, self._requested_port), self, ssl_context)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="mimecast-simulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None
        if self._tempdir is not None:
            self._tempdir.cleanup()
            self._tempdir = None

    def pause(self, seconds: float) -> None:
        """Sleep in a request thread; cut short when the simulator stops."""
        self._stopping.wait(seconds)

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _make_tls_context(self) -> ssl.SSLContext:
        import trustme

        authority = trustme.CA(organization_name="Mimecast Simulator")
        certificate = authority.issue_cert("127.0.0.1", "localhost", "::1")
        if self._requested_ca_file is None:
            self._tempdir = tempfile.TemporaryDirectory(prefix="mimecast-sim-")
            ca_path = Path(self._tempdir.name) / "ca.pem"
        else:
            ca_path = self._requested_ca_file
            ca_path.parent.mkdir(parents=True, exist_ok=True)
        authority.cert_pem.write_to_path(str(ca_path))
        self.ca_file = str(ca_path)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        certificate.configure_cert(context)
        return context
