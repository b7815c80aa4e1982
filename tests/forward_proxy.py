"""A real forwarding HTTP proxy on loopback for tests: CONNECT tunnels and absolute-form requests.

It checks `Proxy-Authorization` (HTTP Basic) against one user and password, answers 407 otherwise, and
records what it was asked to forward, so a test can prove that requests went through it, with which
credentials, and that nothing else did.
"""

import base64
import contextlib
import select
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

RELAY_CHUNK = 65536


@dataclass(frozen=True)
class Forwarded:
    method: str
    target: str  # host:port
    credentials: tuple[str, str] | None  # (user, password) as sent, or None without Proxy-Authorization
    allowed: bool


class ForwardProxy:
    """`with ForwardProxy(user="u", password="p") as proxy: proxy.address` ("127.0.0.1:<port>")."""

    def __init__(self, user: str | None = None, password: str | None = None, host: str = "127.0.0.1") -> None:
        self.expected = (user, password or "") if user is not None else None
        self.forwarded: list[Forwarded] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, 0), _ProxyHandler)
        self._server.daemon_threads = True
        self._server.proxy = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def address(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def __enter__(self) -> "ForwardProxy":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def allows(self, credentials: tuple[str, str] | None) -> bool:
        return self.expected is None or credentials == self.expected

    def record(self, entry: Forwarded) -> None:
        with self._lock:
            self.forwarded.append(entry)

    def targets(self, allowed: bool = True) -> list[str]:
        with self._lock:
            return [entry.target for entry in self.forwarded if entry.allowed == allowed]


def _credentials(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    with contextlib.suppress(ValueError):
        user, _, password = base64.b64decode(header[6:].strip()).decode("latin-1").partition(":")
        return user, password
    return None


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    @property
    def proxy(self) -> ForwardProxy:
        return self.server.proxy  # type: ignore[attr-defined]

    def _admit(self, target: str) -> bool:
        credentials = _credentials(self.headers.get("Proxy-Authorization"))
        allowed = self.proxy.allows(credentials)
        self.proxy.record(Forwarded(self.command, target, credentials, allowed))
        if not allowed:
            self.send_response(407, "Proxy Authentication Required")
            self.send_header("Proxy-Authenticate", 'Basic realm="test proxy"')
            self.send_header("Content-Length", "0")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
        return allowed

    def do_CONNECT(self) -> None:
        if not self._admit(self.path):
            return
        host, _, port = self.path.rpartition(":")
        try:
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
        except OSError:
            self.send_error(502)
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        self.close_connection = True
        _relay(self.connection, upstream)

    def _forward(self) -> None:
        parts = urlsplit(self.path)
        target = f"{parts.hostname}:{parts.port or 80}"
        if not self._admit(target):
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = [
            f"{name}: {value}"
            for name, value in self.headers.items()
            if not name.lower().startswith("proxy-") and name.lower() != "connection"
        ]
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        head = "\r\n".join([f"{self.command} {path or '/'} HTTP/1.1", *headers, "Connection: close", "", ""])
        with socket.create_connection((parts.hostname, parts.port or 80), timeout=30) as upstream:
            upstream.sendall(head.encode("latin-1") + body)
            while chunk := upstream.recv(RELAY_CHUNK):
                self.wfile.write(chunk)
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = _forward


def _relay(client: socket.socket, upstream: socket.socket) -> None:
    with upstream:
        sockets = [client, upstream]
        while True:
            readable, _, broken = select.select(sockets, [], sockets, 30)
            if broken or not readable:
                return
            for source in readable:
                data = source.recv(RELAY_CHUNK)
                if not data:
                    return
                (upstream if source is client else client).sendall(data)
