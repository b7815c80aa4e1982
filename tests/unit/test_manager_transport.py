"""The Manager's request path against requests-mock: what is sent, what is refused before sending, how it is worded."""

import hashlib
import json
import re
import ssl
import time

import pytest
import requests
import requests_mock as rm
import urllib3
from test_manager import (
    ACCOUNT,
    API1,
    API2,
    CLIENT_SECRET,
    ROOT,
    assert_no_secret,
    connection,
    manager,
    shown_by_an_action,
    token,
)

from MimecastAuth import CachedToken
from MimecastDataModels import PolicyAddress
from MimecastExceptions import (
    MimecastApiError,
    MimecastAuthenticationError,
    MimecastConfigurationError,
    MimecastOutcomeUnknownError,
    MimecastRateLimitError,
    MimecastTLSError,
    MimecastUnsendableRequestError,
    MimecastValidationError,
)
from MimecastManager import MimecastManager
from MimecastTransport import RATE_LIMIT_ATTEMPTS
from simulator import DEFAULT_API1_ACCESS_KEY, DEFAULT_API1_APP_ID, DEFAULT_API1_APP_KEY, DEFAULT_API1_SECRET_KEY
from simulator.faults import ForcedFault
from simulator.server import Simulator

ACCOUNT_URL = f"{ROOT}/api/account/get-account"
RELEASE_URL = f"{ROOT}/api/gateway/hold-release"
TOKEN_URL = f"{ROOT}/oauth/token"
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
# Where a hostile or misconfigured server sends the client: plain HTTP, with a credential and a query to leak.
ELSEWHERE = "http://collector:hunter2@elsewhere.example:8080/steal/path?token=abc123&x=1#frag"


def redirect(status, location=ELSEWHERE):
    return {"status_code": status, "headers": {"Location": location}, "text": ""}


def assert_names_only_the_host(text):
    assert "http://elsewhere.example:8080" in text, text
    for leaked in ("collector", "hunter2", "steal", "token=abc123", "frag"):
        assert leaked not in text, leaked


# Redirects


@pytest.mark.parametrize("status", REDIRECT_STATUSES)
@pytest.mark.parametrize(
    ("config", "url", "call"),
    [
        (API2, TOKEN_URL, lambda mgr: mgr.get_account()),
        (API2, ACCOUNT_URL, lambda mgr: mgr.get_account()),
        (API1, ACCOUNT_URL, lambda mgr: mgr.get_account()),
        (API2, RELEASE_URL, lambda mgr: mgr.release_held_message("held-1")),
        (API1, RELEASE_URL, lambda mgr: mgr.release_held_message("held-1")),
    ],
    ids=["token", "api2-read", "api1-read", "api2-write", "api1-write"],
)
def test_a_redirect_is_never_followed_and_fails_naming_only_its_host(clock, config, url, call, status):
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token())
        m.post(url, **redirect(status))
        target = m.post("http://elsewhere.example:8080/steal/path", json=ACCOUNT)
        target_get = m.get("http://elsewhere.example:8080/steal/path", json=ACCOUNT)
        with pytest.raises(MimecastConfigurationError) as raised:
            call(manager(clock, config))
        sent_to_root = [r for r in m.request_history if r.netloc == "api.example.test" and r.path == url[len(ROOT) :]]
        assert len(sent_to_root) == 1, "nothing is sent twice"
        assert not target.called and not target_get.called, "nothing is sent to the Location"
    text = str(raised.value)
    assert f"HTTP {status}" in text and "redirect" in text
    assert "never followed" in text
    assert_names_only_the_host(text)
    assert_no_secret(text)


def test_a_redirect_from_a_verified_https_root_to_plain_http_never_carries_the_client_secret(clock):
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **redirect(307, "http://api.example.test/oauth/token"))
        downgraded = m.post("http://api.example.test/oauth/token", **token())
        with pytest.raises(MimecastConfigurationError, match=r"HTTP 307, a redirect to http://api\.example\.test\b"):
            manager(clock, API2).get_account()
        assert not downgraded.called
        assert [r.url for r in m.request_history] == [TOKEN_URL]
    assert CLIENT_SECRET in m.request_history[0].text, "the one token request went to the configured root only"


@pytest.mark.parametrize(
    ("location", "shown"),
    [
        ("/api/elsewhere?secret=1", "https://api.example.test"),
        ("//other.example/x", "https://other.example"),
        ("https://[2001:db8::1]:8443/x?q=1", "https://[2001:db8::1]:8443"),
        ("http://Upper.Example/x", "http://upper.example"),
        ("http://host.example:99999/x", "http://host.example"),
        ("http://[::1/x", "an address that is not a valid URL"),
        ("mailto:someone", "an address without a host"),
        ("", "a redirect without a Location header"),
        ("http://ev\x01il.example/", "http://ev\\x01il.example"),
    ],
)
def test_a_redirect_names_where_it_pointed_whatever_its_form(clock, location, shown):
    answer = redirect(302, location) if location else {"status_code": 302, "text": ""}
    with rm.Mocker() as m:
        m.post(ACCOUNT_URL, **answer)
        with pytest.raises(MimecastConfigurationError) as raised:
            manager(clock, API1).get_account()
        assert m.call_count == 1
    assert shown in str(raised.value)
    assert "secret=1" not in str(raised.value)


@pytest.mark.parametrize("status", [300, 304, 305, 399])
def test_any_other_3xx_answer_is_refused_too(clock, status):
    with rm.Mocker() as m:
        m.post(ACCOUNT_URL, status_code=status, json=ACCOUNT)
        with pytest.raises(MimecastConfigurationError, match=f"HTTP {status}"):
            manager(clock, API1).get_account()
        assert m.call_count == 1


def test_a_redirected_write_says_to_check_the_item_before_running_it_again(clock):
    with rm.Mocker() as m:
        m.post(RELEASE_URL, **redirect(308))
        with pytest.raises(MimecastConfigurationError) as raised:
            manager(clock, API1).release_held_message("held-1")
    assert "check the item in Mimecast before running the action again" in shown_by_an_action(raised.value)


# The cached API 2.0 token belongs to one API Root, Client ID and Client Secret


class MemoryTokenStore:
    """A token store like the connector's context: one token, saved under the key it was given."""

    def __init__(self) -> None:
        self.key: str | None = None
        self.token: CachedToken | None = None

    def load(self, key: str | None = None) -> CachedToken | None:
        return self.token if self.token is not None and key == self.key else None

    def save(self, key: str | None = None, token: CachedToken | None = None) -> None:
        # Without a key (a store that knows only the token), the token is saved under None.
        self.key, self.token = (key, token) if token is not None else (None, key)


OTHER_ROOT = "https://eu-api.example.test"


def cached_run(clock, store, root=ROOT, config=API2):
    """One run that uses the store: a token request when it finds no token for itself, then get-account."""
    mgr = MimecastManager(
        connection(config, root),
        token_store=store,
        deadline=clock.monotonic() + 60,
        sleep=clock.sleep,
        monotonic=clock.monotonic,
        wall_clock=clock.wall,
    )
    return mgr.get_account()


def test_a_cached_token_is_reused_by_the_same_api_root_and_credentials(clock):
    store = MemoryTokenStore()
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token("tok-1"))
        m.post(ACCOUNT_URL, json=ACCOUNT)
        cached_run(clock, store)
        cached_run(clock, store)
        paths = [r.path for r in m.request_history]
    assert paths == ["/oauth/token", "/api/account/get-account", "/api/account/get-account"]
    assert m.request_history[-1].headers["Authorization"] == "Bearer tok-1"


@pytest.mark.parametrize("secret", ["a-wrong-client-secret", CLIENT_SECRET[:-1], CLIENT_SECRET.upper()])
def test_a_cached_token_is_not_used_with_another_client_secret(clock, secret):
    store = MemoryTokenStore()
    with rm.Mocker() as m:
        m.post(TOKEN_URL, [token("tok-1"), {"status_code": 401, "json": {"fail": [{"code": "InvalidClient"}]}}])
        m.post(ACCOUNT_URL, json=ACCOUNT)
        cached_run(clock, store)
        with pytest.raises(MimecastAuthenticationError, match="Check the Client ID and Client Secret"):
            cached_run(clock, store, config={**API2, "Client Secret": secret})
        paths = [r.path for r in m.request_history]
    assert paths == ["/oauth/token", "/api/account/get-account", "/oauth/token"]


def test_a_cached_token_is_not_used_with_another_client_id(clock):
    store = MemoryTokenStore()
    with rm.Mocker() as m:
        m.post(TOKEN_URL, [token("tok-1"), token("tok-2")])
        m.post(ACCOUNT_URL, json=ACCOUNT)
        cached_run(clock, store)
        cached_run(clock, store, config={**API2, "Client ID": "another-client"})
    assert [r.headers.get("Authorization") for r in m.request_history] == [None, "Bearer tok-1", None, "Bearer tok-2"]


@pytest.mark.parametrize("other_root", [OTHER_ROOT, "http://api.example.test", "https://api.example.test:8443"])
def test_a_cached_token_is_never_sent_to_another_api_root(clock, other_root):
    store = MemoryTokenStore()
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token("tok-1"))
        m.post(ACCOUNT_URL, json=ACCOUNT)
        m.post(f"{other_root}/oauth/token", **token("tok-other"))
        other_account = m.post(f"{other_root}/api/account/get-account", json=ACCOUNT)
        cached_run(clock, store)
        cached_run(clock, store, root=other_root)
    assert [r.headers["Authorization"] for r in other_account.request_history] == ["Bearer tok-other"]
    assert store.token.access_token == "tok-other"


@pytest.mark.parametrize("same_root", [ROOT + "/", "HTTPS://API.example.test", f"  {ROOT}  "])
def test_the_same_api_root_written_differently_reuses_the_token(clock, same_root):
    store = MemoryTokenStore()
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token("tok-1"))
        m.post(ACCOUNT_URL, json=ACCOUNT)
        cached_run(clock, store)
        cached_run(clock, store, root=same_root)
    assert [r.path for r in m.request_history].count("/oauth/token") == 1


def test_the_token_is_saved_under_a_digest_that_reveals_no_credential(clock):
    store = MemoryTokenStore()
    with rm.Mocker() as m:
        m.post(TOKEN_URL, **token("tok-1"))
        m.post(ACCOUNT_URL, json=ACCOUNT)
        cached_run(clock, store)
    assert re.fullmatch(r"[0-9a-f]{64}", store.key or "")
    assert hashlib.sha256(CLIENT_SECRET.encode()).hexdigest() not in store.key


# HTTP 429: bounded, and worded as it happened


def test_a_persistent_429_is_retried_a_bounded_number_of_times_then_says_so(clock):
    with rm.Mocker() as m:
        m.post(ACCOUNT_URL, status_code=429, headers={"X-RateLimit-Reset": "100"}, json={})
        with pytest.raises(MimecastRateLimitError) as raised:
            manager(clock, API1, remaining=600).get_account()
        assert m.call_count == RATE_LIMIT_ATTEMPTS
    assert clock.sleeps == [0.1] * (RATE_LIMIT_ATTEMPTS - 1)
    text = str(raised.value)
    assert f"Mimecast kept refusing it: {RATE_LIMIT_ATTEMPTS} times in a row" in text
    assert "does not fit" not in text and "run it again later" in text


def test_429s_are_counted_per_call(clock):
    refused = {"status_code": 429, "headers": {"X-RateLimit-Reset": "100"}, "json": {}}
    with rm.Mocker() as m:
        m.post(
            ACCOUNT_URL,
            [refused] * (RATE_LIMIT_ATTEMPTS - 1) + [{"json": ACCOUNT}] + [refused] * 2 + [{"json": ACCOUNT}],
        )
        mgr = manager(clock, API1, remaining=600)
        mgr.get_account()
        mgr.get_account()
        assert m.call_count == RATE_LIMIT_ATTEMPTS + 3


@pytest.mark.parametrize(
    ("reset_ms", "remaining", "why"),
    [
        (100, 2.04, "and the 2.0 s left in the run are too little to wait, send the request and read its answer"),
        (3000, 4.0, "and the 4.0 s left in the run are too little to wait, send the request and read its answer"),
        (600_000, 30.0, "longer than the 30.0 s left in the run"),
    ],
)
def test_a_429_wait_that_does_not_fit_says_why_truthfully(clock, reset_ms, remaining, why):
    with rm.Mocker() as m:
        m.post(ACCOUNT_URL, status_code=429, headers={"X-RateLimit-Reset": str(reset_ms)}, json={})
        with pytest.raises(MimecastRateLimitError) as raised:
            manager(clock, API1, remaining=remaining).get_account()
        assert m.call_count == 1
    text = str(raised.value)
    assert f"Mimecast asked to wait {reset_ms / 1000:.1f} s, {why}." in text, text
    assert "The request was not executed; run it again later." in text


def test_a_paced_request_that_does_not_fit_says_why_truthfully(clock):
    empty = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "100"}
    with rm.Mocker() as m:
        m.post(ACCOUNT_URL, json=ACCOUNT, headers=empty)
        mgr = manager(clock, API1, remaining=2.04)
        mgr.get_account()
        with pytest.raises(MimecastRateLimitError) as raised:
            mgr.get_account()
        assert m.call_count == 1
    text = str(raised.value)
    assert "the next request is allowed in 0.1 s, and the 2.0 s left in the run are too little" in text, text
    assert "it was not sent" in text


# TLS at the wrong address: said as it happened


@pytest.fixture(scope="module")
def plain_server():
    with Simulator(port=0) as sim:
        yield sim


@pytest.fixture(scope="module")
def tls_server():
    with Simulator(port=0, tls=True) as sim:
        yield sim


def real_manager(root, config=API1, **kwargs):
    """A Manager with real clocks, for a real server on loopback."""
    return MimecastManager(connection(config, root, **kwargs), deadline=time.monotonic() + 30)


SIM_API1 = {
    "Application ID": DEFAULT_API1_APP_ID,
    "Application Key": DEFAULT_API1_APP_KEY,
    "Access Key": DEFAULT_API1_ACCESS_KEY,
    "Secret Key": DEFAULT_API1_SECRET_KEY,
}


@pytest.mark.parametrize("verify_ssl", [False, True], ids=["verify-off", "verify-on"])
@pytest.mark.parametrize("config", [SIM_API1, API2], ids=["api1", "api2"])
def test_an_https_root_on_a_plain_http_server_says_the_server_does_not_speak_tls(plain_server, config, verify_ssl):
    plain_server.state.reset()
    root = plain_server.url.replace("http://", "https://")
    with pytest.raises(MimecastTLSError) as raised:
        real_manager(root, config, verify_ssl=verify_ssl).get_account()
    text = str(raised.value)
    assert f'The server at the API Root "{root}" does not speak TLS' in text, text
    assert "certificate" not in text and "Verify SSL" not in text
    assert plain_server.state.log.entries() == []


@pytest.mark.parametrize("write", [False, True], ids=["read", "write"])
@pytest.mark.parametrize("config", [SIM_API1, API2], ids=["api1", "api2"])
def test_an_http_root_on_a_tls_server_says_to_use_https(tls_server, config, write):
    tls_server.state.reset()
    root = tls_server.url.replace("https://", "http://")
    mgr = real_manager(root, config)
    with pytest.raises(MimecastTLSError) as raised:
        mgr.release_held_message("held-1") if write else mgr.get_account()
    text = str(raised.value)
    assert f'The server at the API Root "{root}" seems to expect TLS' in text, text
    assert f'Use "{tls_server.url}" as the API Root' in text
    for misleading in ("closed without an answer", "try again later", "unknown whether", "Tried"):
        assert misleading not in text
    # API 2.0 counts the call and, inside it, its token request; nothing is retried.
    assert mgr.request_count == (1 if config is SIM_API1 else 2)
    assert tls_server.state.log.entries() == []


def test_a_plain_server_that_drops_the_connection_is_still_retried(plain_server):
    plain_server.state.reset()
    plain_server.state.faults.add(ForcedFault("drop", path="/api/account/get-account"))
    mgr = real_manager(plain_server.url, SIM_API1)
    assert mgr.get_account().account_name
    assert [entry["status"] for entry in plain_server.state.log.entries()] == [None, 200]


def test_a_plain_server_that_drops_a_write_is_still_an_unknown_outcome(plain_server):
    plain_server.state.reset()
    plain_server.state.faults.add(ForcedFault("drop", path="/api/gateway/hold-release", after=True))
    with pytest.raises(MimecastOutcomeUnknownError, match="the connection closed without an answer"):
        real_manager(plain_server.url, SIM_API1).release_held_message(plain_server.state.held.held()[0].id)


def test_a_self_signed_certificate_is_still_a_certificate_verification_failure(tls_server):
    tls_server.state.reset()
    with pytest.raises(MimecastTLSError) as raised:
        real_manager(tls_server.url, SIM_API1).get_account()
    text = str(raised.value)
    assert f'TLS certificate verification failed for the API Root "{tls_server.url}"' in text
    assert "unable to get local issuer certificate" in text and 'clear "Verify SSL" only for a server' in text


@pytest.mark.parametrize(
    ("cause", "shown"),
    [
        (
            ssl.SSLError(1, "[SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] sslv3 alert handshake failure (_ssl.c:1006)"),
            'The TLS handshake with the API Root "https://api.example.test" failed: sslv3 alert handshake failure.',
        ),
        (
            ssl.SSLEOFError(8, "EOF occurred in violation of protocol (_ssl.c:1006)"),
            "closed the connection during the TLS handshake",
        ),
        (ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)"), "does not speak TLS"),
    ],
    ids=["handshake-failure", "eof", "not-tls"],
)
def test_other_tls_failures_say_what_failed_without_blaming_the_certificate(clock, cause, shown):
    error = requests.exceptions.SSLError(
        urllib3.exceptions.MaxRetryError(None, "/", urllib3.exceptions.SSLError(cause))
    )
    with rm.Mocker() as m:
        m.post(ACCOUNT_URL, exc=error)
        with pytest.raises(MimecastTLSError) as raised:
            manager(clock, API1, verify_ssl=False).get_account()
        assert m.call_count == 1
    assert shown in str(raised.value)
    assert "certificate" not in str(raised.value) and "Verify SSL" not in str(raised.value)


# The API Root: scheme, host, port (and a path) only


@pytest.mark.parametrize(
    "root",
    [
        "https://svc-admin:Hunter2-Secret@api.example.test",
        "https://Hunter2-Secret@api.example.test",
        "https://:Hunter2-Secret@api.example.test",
        "https://svc-admin%3AHunter2-Secret@api.example.test",
        "http://svc-admin:Hunter2-Secret@127.0.0.1:8765/",
        "https://svc-admin:Hunter2-Secret@api.example.test:99999",
        "https://svc-admin:Hunter2/Secret@api.example.test",
        "https://svc-admin:Hunter2-Secret@",
        "svc-admin:Hunter2-Secret@api.example.test",
        "ftp://svc-admin:Hunter2-Secret@api.example.test",
        "https://api.example.test\\@Hunter2-Secret.example",
        " https://svc-admin:Hunter2-Secret@api.example.test ",
    ],
)
def test_an_api_root_with_credentials_is_refused_before_any_call_without_showing_them(root):
    with rm.Mocker() as m:
        with pytest.raises(MimecastConfigurationError) as raised:
            MimecastManager.from_configuration({**API2, "API Root": root}).get_account()
        assert m.call_count == 0
    text = str(raised.value)
    assert '"API Root"' in text and "user name or password" in text, text
    assert "Hunter2" not in text and "svc-admin" not in text


@pytest.mark.parametrize(
    ("root", "part"),
    [
        ("https://api.example.test/?apikey=Hunter2-Secret", "query"),
        ("https://api.example.test?x", "query"),
        ("https://api.example.test/?", "query"),
        ("https://api.example.test#Hunter2-Secret", "fragment"),
        ("https://api.example.test/#", "fragment"),
    ],
)
def test_an_api_root_with_a_query_or_fragment_is_refused_before_any_call(root, part):
    with rm.Mocker() as m:
        with pytest.raises(MimecastConfigurationError) as raised:
            MimecastManager.from_configuration({**API1, "API Root": root}).get_account()
        assert m.call_count == 0
    text = str(raised.value)
    assert '"API Root"' in text and part in text, text
    assert "Hunter2" not in text


@pytest.mark.parametrize(
    "root",
    ["https://api.example.test", "https://api.example.test/", "http://127.0.0.1:8765", "https://[::1]:8443/mimecast"],
)
def test_an_api_root_of_scheme_host_port_and_path_is_accepted(root):
    assert MimecastManager(connection(API1, root)).api_root == root.rstrip("/")


# Only valid UTF-8 JSON is ever sent


ARCHIVE_URL = f"{ROOT}/api/archive/search"
POLICY_URL = f"{ROOT}/api/policy/blockedsenders/create-policy"


def create_policy(mgr, description):
    everyone = PolicyAddress("everyone")
    return mgr.create_blocked_sender_policy(
        option="block_sender", description=description, from_part="both", sender=everyone, recipient=everyone
    )


@pytest.mark.parametrize("config", [API1, API2], ids=["api1", "api2"])
@pytest.mark.parametrize(
    ("call", "field", "path"),
    [
        (lambda mgr: mgr.search_archive("<xmlquery>Invoice \ud800</xmlquery>", 5), "query", "/api/archive/search"),
        (lambda mgr: mgr.reject_held_message("held-1", note="bad \udfff note"), "message", "/api/gateway/hold-reject"),
        (
            lambda mgr: create_policy(mgr, "\ud83d\ude00 pair"),
            "description",
            "/api/policy/blockedsenders/create-policy",
        ),
        (lambda mgr: mgr.release_held_message("held-\udc80"), "id", "/api/gateway/hold-release"),
    ],
    ids=["archive-query", "reject-note", "policy-description", "message-id"],
)
def test_a_lone_surrogate_is_refused_before_anything_is_sent(clock, config, call, field, path):
    with rm.Mocker() as m:
        with pytest.raises(MimecastUnsendableRequestError) as raised:
            call(manager(clock, config))
        assert m.call_count == 0, "not even the token request"
    text = str(raised.value)
    assert f'"{field}"' in text and path in text and "lone surrogate" in text and "was not sent" in text, text
    assert "again later" not in text
    # The value may have come from Mimecast (a tracking id): the connector must count a failed call, not stop.
    assert not isinstance(raised.value, MimecastValidationError | MimecastConfigurationError)


def test_a_lone_surrogate_in_a_key_is_refused_too(clock):
    with rm.Mocker() as m:
        with pytest.raises(MimecastUnsendableRequestError, match="lone surrogate"):
            manager(clock, API1)._request("/api/account/get-account", [{"bad\ud800key": 1}])
        assert m.call_count == 0


def test_text_outside_ascii_is_sent_as_utf8_json(clock):
    subject = "Rechnung überfällig 请 \U0001f600"
    with rm.Mocker() as m:
        m.post(ARCHIVE_URL, json={"meta": {"status": 200}, "data": [{"items": []}], "fail": []})
        manager(clock, API1).search_archive(f"<xmlquery>{subject}</xmlquery>", 5)
        request = m.request_history[0]
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body.decode("utf-8"))["data"][0]["query"] == f"<xmlquery>{subject}</xmlquery>"


@pytest.mark.parametrize("name", ["Client ID", "Client Secret"])
def test_api2_credentials_that_are_not_unicode_text_are_refused_without_showing_them(name):
    with rm.Mocker() as m:
        with pytest.raises(MimecastConfigurationError) as raised:
            MimecastManager.from_configuration({**API2, name: "Hunter2-\ud800", "API Root": ROOT}).get_account()
        assert m.call_count == 0
    assert f'"{name}"' in str(raised.value) and "Hunter2" not in str(raised.value)


@pytest.mark.parametrize("name", ["Application ID", "Application Key", "Access Key"])
def test_api1_credentials_that_are_not_unicode_text_are_refused_without_showing_them(name):
    with pytest.raises(MimecastConfigurationError) as raised:
        MimecastManager.from_configuration({**API1, name: "Hunter2-\udfff", "API Root": ROOT})
    assert f'"{name}"' in str(raised.value) and "Hunter2" not in str(raised.value)


def test_an_api_root_that_is_not_unicode_text_is_shown_escaped():
    with pytest.raises(MimecastConfigurationError) as raised:
        MimecastManager(connection(API1, "https://api\ud800.example.test"))
    assert "\\ud800" in str(raised.value)
    str(raised.value).encode("utf-8")


@pytest.mark.parametrize("status", [400, 404, 405, 409, 413, 415, 422])
@pytest.mark.parametrize(
    "answer",
    [
        lambda status: {
            "json": {"meta": {"status": status}, "fail": [{"errors": [{"code": "err_x", "message": "No"}]}]}
        },
        lambda status: {"text": "<html>Bad Request</html>", "headers": {"Content-Type": "text/html"}},
        lambda status: {"text": ""},
    ],
    ids=["mimecast-error", "html", "empty"],
)
@pytest.mark.parametrize("url", [ACCOUNT_URL, RELEASE_URL], ids=["read", "write"])
def test_a_4xx_answer_is_never_worded_as_try_again_later_and_never_retried(clock, status, answer, url):
    with rm.Mocker() as m:
        m.post(url, status_code=status, **answer(status))
        with pytest.raises(MimecastApiError) as raised:
            mgr = manager(clock, API1)
            mgr.get_account() if url == ACCOUNT_URL else mgr.release_held_message("held-1")
        assert m.call_count == 1
    assert f"HTTP {status}" in str(raised.value)
    assert "again later" not in str(raised.value) and "Tried" not in str(raised.value)
