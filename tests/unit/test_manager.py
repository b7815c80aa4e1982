import json
import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests
import requests_mock as rm
import urllib3

from MimecastAuth import choose_credentials
from MimecastConnection import Connection, read_api_root
from MimecastConstants import ACTION_AGAIN, CONNECTION_SETTINGS
from MimecastExceptions import (
    MimecastApiError,
    MimecastAuthenticationError,
    MimecastBindingExpiredError,
    MimecastClockSkewError,
    MimecastConfigurationError,
    MimecastHostNotFoundError,
    MimecastOutcomeUnknownError,
    MimecastPermissionError,
    MimecastRateLimitError,
    MimecastResponseError,
    MimecastServerError,
    MimecastTimeoutError,
    MimecastTransportError,
    MimecastValidationError,
    Terms,
)
from MimecastManager import MimecastManager
from MimecastProxy import Proxy

ROOT = "https://api.example.test"
ACCOUNT = {"meta": {"status": 200}, "data": [{"accountName": "Acme", "accountCode": "C1", "region": "eu"}], "fail": []}
CLIENT_SECRET = "client-secret-VALUE-1234"
API1_SECRET_B64 = "c2VjcmV0LWtleS1ieXRlcy1vZi10aGUtYmluZGluZw=="
API1 = {
    "Application ID": "app-id",
    "Application Key": "app-key-VALUE-5678",
    "Access Key": "access-key-VALUE-9012",
    "Secret Key": API1_SECRET_B64,
}
API2 = {"Client ID": "cid", "Client Secret": CLIENT_SECRET}
SECRETS = (CLIENT_SECRET, "app-key-VALUE-5678", "access-key-VALUE-9012", API1_SECRET_B64, "tok-1", "tok-2")


class FakeClock:
    """Monotonic and wall clocks that advance only when the Manager sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> float:
        return 1_700_000_000 + self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def connection(config=None, root=ROOT, verify_ssl=True, proxies=None):
    """The connection an action or the connector reads from these values (the API Root checked as they do)."""
    return Connection(read_api_root(root), choose_credentials(config or API2), verify_ssl, Proxy(proxies, ""))


def manager(clock, config=None, remaining=60.0, verify_ssl=True, proxies=None, **kwargs):
    return MimecastManager(
        connection(config, verify_ssl=verify_ssl, proxies=proxies),
        deadline=clock.monotonic() + remaining,
        sleep=clock.sleep,
        monotonic=clock.monotonic,
        wall_clock=clock.wall,
        **kwargs,
    )


def token(value="tok-1", expires_in=1799):
    return {"json": {"access_token": value, "token_type": "Bearer", "expires_in": expires_in, "scope": ""}}


def shown_by_an_action(error):
    """The reason as an action shows it (MimecastActionRunner renders it in these words)."""
    return error.reason(Terms(ACTION_AGAIN, CONNECTION_SETTINGS))


def assert_no_secret(text):
    for secret in SECRETS:
        assert secret not in text


def test_api2_token_is_fetched_once_and_reused(clock):
    with rm.Mocker() as m:
        m.post(f"{ROOT}/oauth/token", **token())
        m.post(f"{ROOT}/api/account/get-account", json=ACCOUNT)
        mgr = manager(clock)
        assert mgr.get_account().account_name == "Acme"
        mgr.get_account()
        paths = [r.path for r in m.request_history]
    assert paths == ["/oauth/token", "/api/account/get-account", "/api/account/get-account"]
    form = m.request_history[0].text
    assert "grant_type=client_credentials" in form and "client_id=cid" in form
    assert m.request_history[1].headers["Authorization"] == "Bearer tok-1"
    assert json.loads(m.request_history[1].text) == {"data": []}


def test_api2_401_on_cached_token_refreshes_once_then_succeeds(clock):
    with rm.Mocker() as m:
        m.post(f"{ROOT}/oauth/token", [token("tok-1"), token("tok-2")])
        m.post(
            f"{ROOT}/api/account/get-account",
            [{"status_code": 401, "json": {"meta": {"status": 401}, "fail": []}}, {"json": ACCOUNT}],
        )
        assert manager(clock).get_account().account_code == "C1"
        auth_headers = [r.headers.get("Authorization") for r in m.request_history]
    assert auth_headers == [None, "Bearer tok-1", None, "Bearer tok-2"]


def test_api2_401_after_refresh_is_an_authentication_failure(clock):
    with rm.Mocker() as m:
        m.post(f"{ROOT}/oauth/token", [token("tok-1"), token("tok-2")])
        m.post(f"{ROOT}/api/account/get-account", status_code=401, json={"meta": {"status": 401}, "fail": []})
        with pytest.raises(MimecastAuthenticationError) as raised:
            manager(clock).get_account()
        assert m.call_count == 4
    assert "API 2.0" in str(raised.value)
    assert_no_secret(str(raised.value))


def test_expired_cached_token_is_replaced_before_use(clock):
    with rm.Mocker() as m:
        m.post(f"{ROOT}/oauth/token", [token("tok-1", expires_in=120), token("tok-2")])
        m.post(f"{ROOT}/api/account/get-account", json=ACCOUNT)
        mgr = manager(clock, remaining=600)
        mgr.get_account()
        clock.now += 100  # inside the refresh margin
        mgr.get_account()
    assert m.request_history[-1].headers["Authorization"] == "Bearer tok-2"


def test_token_endpoint_rejection_names_api2_and_mimecast_text(clock):
    with rm.Mocker() as m:
        m.post(
            f"{ROOT}/oauth/token",
            status_code=401,
            json={"fail": [{"code": "InvalidClientIdentifier", "message": "Client credentials are invalid"}]},
        )
        with pytest.raises(MimecastAuthenticationError) as raised:
            manager(clock).get_account()
    text = str(raised.value)
    assert "API 2.0" in text and "Client credentials are invalid (InvalidClientIdentifier)" in text
    assert_no_secret(text)


def test_api1_invalid_signature(clock):
    body = {
        "meta": {"status": 401},
        "fail": [{"errors": [{"code": "err_xdk_invalid_signature", "message": "0004 Invalid Signature"}]}],
    }
    with rm.Mocker() as m:
        m.post(f"{ROOT}/api/account/get-account", status_code=401, json=body)
        with pytest.raises(MimecastAuthenticationError) as raised:
            manager(clock, API1).get_account()
        assert m.call_count == 1
        assert m.request_history[0].headers["Authorization"].startswith("MC access-key-VALUE-9012:")
    text = str(raised.value)
    assert not isinstance(raised.value, MimecastClockSkewError)
    assert "API 1.0" in text and "0004 Invalid Signature (err_xdk_invalid_signature)" in text
    assert_no_secret(text)


def test_api1_401_with_distant_server_clock_is_explained_as_clock_skew(clock):
    server_time = datetime.fromtimestamp(clock.wall(), UTC) + timedelta(minutes=20)
    with rm.Mocker() as m:
        m.post(
            f"{ROOT}/api/account/get-account",
            status_code=401,
            headers={"Date": format_datetime(server_time, usegmt=True)},
            json={"meta": {"status": 401}, "fail": [{"errors": [{"code": "err_xdk_invalid_date", "message": "x"}]}]},
        )
        with pytest.raises(MimecastClockSkewError) as raised:
            manager(clock, API1).get_account()
    assert "about 20 minutes" in str(raised.value)
    assert "clock" in str(raised.value)


def test_fail_in_http_200_is_a_failure_with_mimecast_text(clock):
    body = {
        "meta": {"status": 200},
        "data": [],
        "fail": [
            {
                "key": {"sender": "bad"},
                "errors": [
                    {
                        "field": "sender",
                        "code": "err_validation_invalid_email_address",
                        "message": "Email address is not valid",
                    }
                ],
            }
        ],
    }
    with rm.Mocker() as m:
        m.post(f"{ROOT}/api/account/get-account", json=body)
        with pytest.raises(MimecastApiError) as raised:
            manager(clock, API1).get_account()
    assert raised.value.codes == ("err_validation_invalid_email_address",)
    assert "Email address is not valid (err_validation_invalid_email_address, field sender)" in str(raised.value)


def test_failure_only_in_meta_status(clock):
    with rm.Mocker() as m:
        m.post(f"{ROOT}/api/account/get-account", json={"meta": {"status": 500}, "data": [{}], "fail": []})
        with pytest.raises(MimecastServerError, match="HTTP 500"):
            manager(clock, API1).get_account()
        assert m.call_count == 1  # HTTP was 200: nothing to retry at the transport level


def test_403_names_the_permission(clock):
    body = {"meta": {"status": 403}, "fail": [{"errors": [{"code": "app_forbidden", "message": "Resource missing"}]}]}
    with rm.Mocker() as m:
        m.post(f"{ROOT}/api/account/get-account", status_code=403, json=body)
        with pytest.raises(MimecastPermissionError) as raised:
            manager(clock, API1).get_account()
    assert '"Account | Dashboard | Read"' in str(raised.value)


def test_418_says_keys_expired(clock):
    with rm.Mocker() as m:
        m.post(f"{ROOT}/api/account/get-account", status_code=418, json={"meta": {"status": 418}, "fail": []})
        with pytest.raises(MimecastBindingExpiredError, match="expired"):
            manager(clock, API1).get_account()


def test_429_with_short_reset_is_waited_out(clock):
    with rm.Mocker() as m:
        m.post(
            f"{ROOT}/api/account/get-account",
            [{"status_code": 429, "headers": {"X-RateLimit-Reset": "250"}, "json": {}}, {"json": ACCOUNT}],
        )
        manager(clock, API1).get_account()
        assert m.call_count == 2
    assert clock.sleeps == [0.25]


def test_429_with_reset_beyond_the_run_time_fails_cleanly(clock):
    with rm.Mocker() as m:
        m.post(f"{ROOT}/api/account/get-account", status_code=429, headers={"X-RateLimit-Reset": "90000"}, json={})
        with pytest.raises(MimecastRateLimitError) as raised:
            manager(clock, API1, remaining=30).get_account()
        assert m.call_count == 1
    assert "rate limit was reached" in str(raised.value)
    assert clock.sleeps == []


def test_5xx_on_reads_is_retried_with_bounded_backoff(clock):
    with rm.Mocker() as m:
        m.post(f"{ROOT}/api/account/get-account", status_code=503, text="Service Unavailable")
        with pytest.raises(MimecastServerError, match="HTTP 503"):
            manager(clock, API1).get_account()
        assert m.call_count == 3
    assert clock.sleeps == [0.5, 1.0]


def test_5xx_then_success(clock):
    with rm.Mocker() as m:
        m.post(f"{ROOT}/api/account/get-account", [{"status_code": 502, "text": "bad gateway"}, {"json": ACCOUNT}])
        manager(clock, API1).get_account()
        assert m.call_count == 2


def test_writes_are_not_retried_on_5xx_or_lost_connections(clock):
    mgr = manager(clock, API1)
    with rm.Mocker() as m:
        m.post(f"{ROOT}/api/gateway/hold-release", status_code=500, json={"meta": {"status": 500}, "fail": []})
        with pytest.raises(MimecastServerError, match="may have applied it"):
            mgr._request("/api/gateway/hold-release", [{"id": "x"}], write=True)
        assert m.call_count == 1
    with rm.Mocker() as m:
        m.post(f"{ROOT}/api/gateway/hold-release", exc=requests.exceptions.ReadTimeout("read timed out"))
        with pytest.raises(MimecastOutcomeUnknownError, match="unknown whether Mimecast applied it"):
            mgr._request("/api/gateway/hold-release", [{"id": "x"}], write=True)
        assert m.call_count == 1


def test_writes_are_retried_when_the_connection_was_never_made(clock):
    with rm.Mocker() as m:
        m.post(
            f"{ROOT}/api/gateway/hold-release",
            [{"exc": requests.exceptions.ConnectTimeout("connect timed out")}, {"json": {"data": [{"release": True}]}}],
        )
        manager(clock, API1)._request("/api/gateway/hold-release", [{"id": "x"}], write=True)
        assert m.call_count == 2


def test_malformed_json_is_reported(clock):
    with rm.Mocker() as m:
        m.post(f"{ROOT}/api/account/get-account", text='{"meta": {"status": 200}, "data": [')
        with pytest.raises(MimecastResponseError, match="not valid JSON"):
            manager(clock, API1).get_account()


def test_read_timeouts_are_retried_then_reported(clock):
    with rm.Mocker() as m:
        m.post(f"{ROOT}/api/account/get-account", exc=requests.exceptions.ReadTimeout("slow"))
        with pytest.raises(MimecastTimeoutError, match="read timeout"):
            manager(clock, API1).get_account()
        assert m.call_count == 3


def test_nothing_is_sent_when_the_run_time_is_used_up(clock):
    with rm.Mocker() as m:
        with pytest.raises(MimecastTimeoutError, match="nothing was sent"):
            manager(clock, API1, remaining=0.5).get_account()
        assert m.call_count == 0


def test_proxies_and_verify_are_applied_to_the_session(clock):
    mgr = manager(clock, API1, verify_ssl=False, proxies={"https": "http://proxy.local:3128"})
    with rm.Mocker() as m:
        m.post(f"{ROOT}/api/account/get-account", json=ACCOUNT)
        mgr.get_account()
        assert m.request_history[0].verify is False
        assert m.request_history[0].proxies["https"] == "http://proxy.local:3128"


@pytest.mark.parametrize("value", ["yes", "1", "on", "ture"])
def test_an_unreadable_verify_ssl_is_refused_before_any_call(value):
    with rm.Mocker() as m:
        with pytest.raises(MimecastValidationError) as raised:
            MimecastManager.from_configuration({**API1, "API Root": ROOT, "Verify SSL": value}).get_account()
        assert m.call_count == 0
    assert str(raised.value) == f'Invalid value for "Verify SSL": "{value}". Use true or false.'


@pytest.mark.parametrize(
    ("value", "verify"), [(None, True), ("", True), (" TRUE ", True), ("False", False), (True, True), (False, False)]
)
def test_verify_ssl_is_read_by_one_rule(value, verify):
    mgr = MimecastManager.from_configuration({**API1, "API Root": ROOT, "Verify SSL": value})
    with rm.Mocker() as m:
        m.post(f"{ROOT}/api/account/get-account", json=ACCOUNT)
        mgr.get_account()
        # requests may replace True with the environment's CA bundle; only off is False.
        assert (m.request_history[0].verify is not False) is verify


@pytest.mark.parametrize(
    "root", ["http://127.0.0.1:99999", "https://mime cast.example", "http://:80", "https://" + "a" * 64 + ".example"]
)
def test_an_api_root_no_request_could_be_sent_to_is_refused_before_any_call(root):
    with pytest.raises(MimecastConfigurationError, match='"API Root" is not a usable URL'):
        MimecastManager(connection(API1, root))


def test_an_unusable_proxy_address_is_a_configuration_error_not_a_lost_connection(clock):
    with rm.Mocker() as m:
        m.post(f"{ROOT}/api/gateway/hold-release", exc=requests.exceptions.InvalidSchema("socks://u:pw@h missing"))
        with pytest.raises(MimecastConfigurationError, match="The proxy address cannot be used") as raised:
            manager(clock, API1)._request("/api/gateway/hold-release", [{"id": "x"}], write=True)
        assert m.call_count == 1 and "pw" not in str(raised.value)


@pytest.mark.parametrize(
    "answer",
    [
        {"status_code": 407, "headers": {"Proxy-Authenticate": "Basic"}},
        {"exc": requests.exceptions.ProxyError(OSError("Tunnel connection failed: 407 Proxy Authentication Required"))},
    ],
    ids=["plain HTTP", "CONNECT tunnel"],
)
def test_a_proxy_refusing_the_credentials_says_so_and_is_not_retried(clock, answer):
    with rm.Mocker() as m:
        m.post(f"{ROOT}/api/account/get-account", **answer)
        with pytest.raises(MimecastConfigurationError, match="HTTP 407 Proxy Authentication Required"):
            manager(clock, API1).get_account()
        assert m.call_count == 1


def test_a_proxy_whose_host_does_not_resolve_is_reported_as_the_proxy(clock):
    dns = urllib3.exceptions.NameResolutionError("proxy.invalid", None, socket.gaierror("Name or service not known"))
    proxy_error = requests.exceptions.ProxyError(urllib3.exceptions.ProxyError("Unable to connect to proxy", dns))
    with rm.Mocker() as m:
        m.post(f"{ROOT}/api/account/get-account", exc=proxy_error)
        with pytest.raises(MimecastTransportError, match="through the configured proxy") as raised:
            manager(clock, API1).get_account()
        assert not isinstance(raised.value, MimecastHostNotFoundError)


def test_an_unresolvable_api_root_is_not_retried(clock):
    dns = urllib3.exceptions.NameResolutionError("api.invalid", None, socket.gaierror("Name or service not known"))
    with rm.Mocker() as m:
        m.post(f"{ROOT}/api/account/get-account", exc=requests.exceptions.ConnectionError(dns))
        with pytest.raises(MimecastHostNotFoundError, match="DNS lookup failed"):
            manager(clock, API1).get_account()
        assert m.call_count == 1


def test_api1_ids_that_cannot_travel_in_a_header_are_refused_without_showing_them():
    with pytest.raises(MimecastConfigurationError, match='"Access Key" contains characters') as raised:
        MimecastManager(connection({**API1, "Access Key": "ключ-VALUE"}))
    assert "ключ" not in str(raised.value)
