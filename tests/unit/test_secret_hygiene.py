"""No secret in what the Manager shows people: exception texts (with their chained causes) and log lines.

The log lines are what an action's DebugOutput and log file receive. Each scenario is a failure Mimecast
or the network can cause; several have Mimecast echo a credential back, which must come out redacted.
"""

import traceback
from collections.abc import Callable

import pytest
import requests
import requests_mock as rm
from hypothesis import given
from hypothesis import strategies as st
from test_manager import API1, API2, CLIENT_SECRET, ROOT, FakeClock, manager

from MimecastExceptions import REDACTED, MimecastError, redact
from MimecastParameters import EscapingLogger
from MimecastSecrets import RedactingLogger, Secrets

TOKEN = "simtok-unit-3dkq93LkfA0pQ2zX"
SECRETS = (CLIENT_SECRET, *(API1[name] for name in ("Application Key", "Access Key", "Secret Key")), TOKEN)
PROXY_PASSWORD = "proxy-PASSWORD-4711"
ACCOUNT_URL = f"{ROOT}/api/account/get-account"
RELEASE_URL = f"{ROOT}/api/gateway/hold-release"
TOKEN_URL = f"{ROOT}/oauth/token"


class RecordingLogger:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, msg: str) -> None:
        self.lines.append(msg)

    warn = error = info


def token_answer(m: rm.Mocker) -> None:
    m.post(TOKEN_URL, json={"access_token": TOKEN, "token_type": "Bearer", "expires_in": 1799})


def failing(status: int, message: str) -> dict:
    return {
        "status_code": status,
        "json": {"meta": {"status": status}, "data": [], "fail": [{"errors": [{"code": "err", "message": message}]}]},
    }


def echoing_token_rejection(m: rm.Mocker) -> None:
    m.post(TOKEN_URL, status_code=401, json={"fail": [{"code": "Invalid", "message": f"bad secret {CLIENT_SECRET}"}]})


def echoing_bearer_rejection(m: rm.Mocker) -> None:
    token_answer(m)
    m.post(ACCOUNT_URL, **failing(401, f"Authorization: Bearer {TOKEN} is not valid"))


def echoing_signature_rejection(m: rm.Mocker) -> None:
    m.post(ACCOUNT_URL, **failing(401, f"MC {API1['Access Key']}:sig rejected for {API1['Application Key']}"))


def echoing_forbidden(m: rm.Mocker) -> None:
    m.post(ACCOUNT_URL, **failing(403, f"key {API1['Access Key']} lacks a role"))


def echoing_server_errors_retried(m: rm.Mocker) -> None:
    m.post(ACCOUNT_URL, **failing(503, f"upstream refused secret {API1['Secret Key']}"))


def echoing_reason_phrase(m: rm.Mocker) -> None:
    m.post(ACCOUNT_URL, status_code=500, reason=f"Error near {API1['Application Key']}", text="")


def echoing_item_refusal(m: rm.Mocker) -> None:
    fail = [{"key": {"id": "x"}, "errors": [{"code": "err_message_not_held", "message": f"{TOKEN} not held"}]}]
    token_answer(m)
    m.post(RELEASE_URL, json={"meta": {"status": 200}, "data": [], "fail": fail})


def proxy_refused(m: rm.Mocker) -> None:
    m.post(ACCOUNT_URL, exc=requests.exceptions.ProxyError(f"Cannot connect to http://svc:{PROXY_PASSWORD}@proxy:3128"))


def tls_failure(m: rm.Mocker) -> None:
    m.post(ACCOUNT_URL, exc=requests.exceptions.SSLError(f"handshake with proxy svc:{PROXY_PASSWORD} failed"))


def write_timed_out(m: rm.Mocker) -> None:
    token_answer(m)
    m.post(RELEASE_URL, exc=requests.exceptions.ReadTimeout(f"read timed out, Authorization: Bearer {TOKEN}"))


def unreadable_answer(m: rm.Mocker) -> None:
    m.post(ACCOUNT_URL, text=f"<html>{API1['Access Key']}</html>", headers={"Content-Type": "text/html"})


SCENARIOS: dict[str, tuple[Callable[[rm.Mocker], None], dict, str]] = {
    "token endpoint echoes the client secret": (echoing_token_rejection, API2, "account"),
    "401 echoes the bearer token": (echoing_bearer_rejection, API2, "account"),
    "401 echoes the API 1.0 keys": (echoing_signature_rejection, API1, "account"),
    "403 echoes the access key": (echoing_forbidden, API1, "account"),
    "503 retried, each echoing the secret key": (echoing_server_errors_retried, API1, "account"),
    "500 reason phrase echoes the application key": (echoing_reason_phrase, API1, "account"),
    "fail[] item echoes the token": (echoing_item_refusal, API2, "release"),
    "proxy refused with its password in the error": (proxy_refused, API1, "account"),
    "TLS failure naming the proxy credentials": (tls_failure, API1, "account"),
    "write timed out, error text holds the header": (write_timed_out, API2, "release"),
    "HTML answer holding the access key": (unreadable_answer, API1, "account"),
}


def shown_texts(error: BaseException, logger: RecordingLogger) -> dict[str, str]:
    """Everything a person could be shown: the reason, its repr and traceback (causes included), the logs."""
    return {
        "str": str(error),
        "repr": repr(error),
        "traceback": "".join(traceback.format_exception(error)),
        "log": "\n".join(logger.lines),
    }


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_failures_show_no_secret(scenario):
    mock, configuration, call = SCENARIOS[scenario]
    logger = RecordingLogger()
    with rm.Mocker() as m:
        mock(m)
        mgr = manager(FakeClock(), configuration, logger=logger)
        with pytest.raises(MimecastError) as raised:
            mgr.get_account() if call == "account" else mgr.release_held_message("x")

    for where, text in shown_texts(raised.value, logger).items():
        for secret in (*SECRETS, PROXY_PASSWORD):
            assert secret not in text, f"{secret[:4]}… in the {where}"


def test_an_echoed_credential_is_replaced_not_dropped():
    """The rest of Mimecast's text stays readable around the redacted value."""
    logger = RecordingLogger()
    with rm.Mocker() as m:
        echoing_forbidden(m)
        with pytest.raises(MimecastError) as raised:
            manager(FakeClock(), API1, logger=logger).get_account()

    assert f"key {REDACTED} lacks a role (err)" in str(raised.value)


def test_a_successful_api2_run_logs_no_token():
    logger = RecordingLogger()
    with rm.Mocker() as m:
        token_answer(m)
        m.post(ACCOUNT_URL, json={"meta": {"status": 200}, "data": [{"accountName": "Acme"}], "fail": []})
        manager(FakeClock(), API2, logger=logger).get_account()

    assert logger.lines and not any(TOKEN in line or "Bearer" in line for line in logger.lines)


# Realistic secrets: base64 and URL-safe characters, never the redaction marker itself.
SECRET_TEXT = st.text(
    st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_"), min_size=4
)


@given(secrets=st.lists(SECRET_TEXT, min_size=1, max_size=4), text=st.text(), places=st.lists(st.integers(0, 50)))
def test_redact_leaves_no_secret_wherever_it_appears(secrets, text, places):
    for place, secret in zip(places, secrets * len(places), strict=False):
        at = place % (len(text) + 1)
        text = text[:at] + secret + text[at:]

    redacted = redact(text, secrets)

    assert not any(secret in redacted for secret in secrets)


@given(before=st.text(max_size=20), after=st.text(max_size=20))
def test_mimecast_text_around_an_echoed_secret_never_reveals_it(before, after):
    with rm.Mocker() as m:
        m.post(ACCOUNT_URL, **failing(400, f"{before}{API1['Secret Key']}{after}"))
        with pytest.raises(MimecastError) as raised:
            manager(FakeClock(), API1).get_account()

    assert API1["Secret Key"] not in str(raised.value)


# One registry per run: what the configuration, the proxy and the token cache add is redacted everywhere.


def test_a_secret_only_the_run_knows_is_redacted_from_mimecast_texts_and_log_lines():
    """The platform's proxy password is not the Manager's own, yet an answer echoing it is redacted in the retry
    log lines and the failure: the Manager words everything through the run's registry."""
    secrets = Secrets()
    secrets.add_password(PROXY_PASSWORD)
    logger = RecordingLogger()
    with rm.Mocker() as m:
        m.post(ACCOUNT_URL, **failing(503, f"upstream proxy said {PROXY_PASSWORD}"))
        with pytest.raises(MimecastError) as raised:
            manager(FakeClock(), API1, logger=logger, secrets=secrets).get_account()
        assert m.call_count == 3

    assert any("Retrying" in line for line in logger.lines)
    for where, text in shown_texts(raised.value, logger).items():
        assert PROXY_PASSWORD not in text, where
    assert f"upstream proxy said {REDACTED}" in str(raised.value)


def test_the_token_cache_adds_every_token_to_the_registry():
    secrets = Secrets()
    with rm.Mocker() as m:
        m.post(TOKEN_URL, [{"json": {"access_token": t, "expires_in": 1799}} for t in (TOKEN, TOKEN + "-2")])
        m.post(ACCOUNT_URL, [{"status_code": 401, "json": {"fail": []}}, {"json": {"data": [{}]}}])
        manager(FakeClock(), API2, secrets=secrets).get_account()

    assert {TOKEN, TOKEN + "-2"} <= set(secrets.values())
    assert secrets.redact(f"Bearer {TOKEN}-2 and {TOKEN}") == f"Bearer {REDACTED} and {REDACTED}"


def test_a_proxy_password_is_known_in_every_form_a_url_gives_it():
    secrets = Secrets()
    secrets.add_password("pa ss/wörd:1")
    text = "http://svc:pa%20ss%2Fw%C3%B6rd%3A1@proxy http://svc:pa%20ss/w%C3%B6rd%3A1@proxy pa ss/wörd:1"

    assert secrets.redact(text) == f"http://svc:{REDACTED}@proxy http://svc:{REDACTED}@proxy {REDACTED}"


def test_a_redacting_logger_redacts_before_the_escaping_logger_escapes():
    secrets = Secrets(CLIENT_SECRET)
    sdk = RecordingLogger()
    logger = RedactingLogger(EscapingLogger(sdk), secrets)

    logger.info(f"echo {CLIENT_SECRET}\nforged line")
    logger.warn(CLIENT_SECRET)
    logger.error(f"{CLIENT_SECRET}\x1b")

    assert sdk.lines == [f"echo {REDACTED}\\nforged line", REDACTED, f"{REDACTED}\\x1b"]
