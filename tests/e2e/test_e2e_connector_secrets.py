"""The Message Tracking connector's secrets: the proxy password, the API 1.0 keys, the Client Secret and the
API 2.0 bearer token, also the one cached in the connector context.

Every run in the suite is already checked for them (tests/conftest.py: stdout with the alerts and events,
DebugOutput, stderr with the exception text, the log file). These cells add what that check cannot see on its
own: the proxy password goes only to the proxy, in Proxy-Authorization; a proxy that refuses the credentials
is reported as such; Mimecast error texts that echo a credential or the cached token are redacted; and the
cached token lives in the connector context and nowhere a person reads.
"""

import base64
import http.client
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from fault_injection import inject, revoke_api2_client
from suite_helpers import assert_nothing_forbidden, shown_texts
from tracking_scenario import API2, SEARCH, TOKEN, TrackingScenario, assert_run_failed, ticket_ids

pytestmark = pytest.mark.e2e

PROXY_USER = "svc-soar"
# Characters a proxy URL must quote; HTTP Basic carries Latin-1 only (README: Proxy Password).
PROXY_PASSWORD = "Pr0xy:pass/w0rd@1%"
API1_KEYS = {
    "Application ID": "leakcheck-app-0001",
    "Application Key": "leakcheck-app-key-5b8d4a6e",
    "Access Key": "leakcheck-access-key-Zq81Wm",
    "Secret Key": base64.b64encode(b"leakcheck secret key bytes 0123456789").decode(),
}


class ForwardingProxy(ThreadingHTTPServer):
    """A plain HTTP forward proxy that wants Basic credentials and records what it saw."""

    daemon_threads = True

    def __init__(self, username: str, password: str) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.expected = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
        self.forwarded: list[str] = []
        self.refused = 0

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _ProxyHandler(BaseHTTPRequestHandler):
    server: ForwardingProxy

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("Proxy-Authorization") != self.server.expected:
            self.server.refused += 1
            self._answer(407, [("Proxy-Authenticate", 'Basic realm="proxy"')], b"")
            return
        target = urlsplit(self.path)
        hop_by_hop = ("proxy-authorization", "proxy-connection", "connection", "host", "keep-alive")
        headers = {k: v for k, v in self.headers.items() if k.lower() not in hop_by_hop}
        upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
        upstream.request("POST", target.path, body, headers)
        answer = upstream.getresponse()
        data = answer.read()
        upstream.close()
        self.server.forwarded.append(target.path)
        kept = [(k, v) for k, v in answer.getheaders() if k.lower() not in ("transfer-encoding", "connection")]
        self._answer(answer.status, [(k, v) for k, v in kept if k.lower() != "content-length"], data)

    def _answer(self, status: int, headers: list[tuple[str, str]], data: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[ForwardingProxy]:
    server = ForwardingProxy(PROXY_USER, PROXY_PASSWORD)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def scenario(simulator, connector_runner, store) -> TrackingScenario:
    return TrackingScenario(simulator, connector_runner, store)


def proxy_params(proxy: ForwardingProxy, password: str = PROXY_PASSWORD) -> dict[str, str]:
    return {"Proxy Server Address": proxy.address, "Proxy Username": PROXY_USER, "Proxy Password": password}


def test_every_call_goes_through_the_proxy_with_its_credentials_and_the_password_never_shows(scenario, proxy):
    held = scenario.message(seconds_ago=60)

    run = scenario.run(**proxy_params(proxy))

    assert ticket_ids(run) == [held.id]
    assert sorted(proxy.forwarded) == sorted(entry["path"] for entry in scenario.requests())
    assert {TOKEN, SEARCH} <= set(proxy.forwarded) and proxy.refused == 0
    assert f"through proxy {proxy.address}." in run.debug_output
    shown = shown_texts(run.stdout, run.stderr, run.log_path)
    assert_nothing_forbidden(shown, [PROXY_PASSWORD, "Pr0xy", f"{PROXY_USER}:"])


def test_a_proxy_that_refuses_the_credentials_fails_the_run_and_says_so(scenario, proxy):
    scenario.message(seconds_ago=60)

    run = scenario.run(**proxy_params(proxy, password="Wr0ng-proxy-pass"))

    assert_run_failed(
        run,
        scenario,
        None,
        f"The proxy refused to forward {TOKEN} to Mimecast (HTTP 407 Proxy Authentication Required). Check the "
        "proxy's username and password. Nothing reached Mimecast.",
    )
    assert proxy.refused >= 1 and scenario.requests() == []


def test_mimecast_error_texts_that_echo_a_credential_or_the_cached_token_are_redacted(scenario):
    scenario.run()
    token = scenario.cached_token()
    scenario.message(seconds_ago=30)
    scenario.advance(60)
    echo = f"Rejected client_secret={API2['Client Secret']} with token {token}"
    inject(scenario.sim, "fail", SEARCH, count=2, code="err_echo", message=echo)

    run = scenario.run()

    assert run.ingested_alerts == [] and "Rejected client_secret=*** with token ***" in run.debug_output
    assert_nothing_forbidden(shown_texts(run.stdout, run.stderr, run.log_path), [token, API2["Client Secret"]])
    assert scenario.cached_token() == token, "the token stays where the connector keeps it"


def test_the_cached_token_is_kept_only_in_the_connector_context(scenario):
    """The context (the platform's database) may hold the token (reused across runs); nothing a person reads does."""
    message = scenario.message(seconds_ago=30)
    runs = [scenario.run()]
    token = scenario.cached_token()
    scenario.sim.state.tokens.expire_all()
    scenario.advance(60)
    runs.append(scenario.run())
    renewed = scenario.cached_token()
    revoke_api2_client(scenario.sim)
    scenario.advance(60)
    runs.append(scenario.run())

    assert ticket_ids(runs[0]) == [message.id] and runs[2].exit_code != 0
    assert renewed != token
    for run in runs:
        assert_nothing_forbidden(shown_texts(run.stdout, run.stderr, run.log_path), [token, renewed])


def test_api1_keys_never_show_whether_the_run_works_or_fails(scenario):
    sim = scenario.sim
    sim.state.credentials.add_api1(*API1_KEYS.values())
    scenario.message(seconds_ago=30)
    params = {**API1_KEYS, "Client ID": "", "Client Secret": ""}

    works = scenario.run(**params)
    sim.state.credentials.set_binding_expired(API1_KEYS["Access Key"])
    scenario.advance(60)
    fails = scenario.run(**params)

    assert len(works.ingested_alerts) == 1 and fails.exit_code != 0
    forbidden = [API1_KEYS["Application Key"], API1_KEYS["Access Key"], API1_KEYS["Secret Key"]]
    for run in (works, fails):
        assert_nothing_forbidden(shown_texts(run.stdout, run.stderr, run.log_path), forbidden)
