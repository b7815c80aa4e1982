"""The one door to Mimecast's HTTP API: session, authentication, pacing, deadline and one retry decision.

`Transport.request` POSTs a JSON body and returns the parsed answer or raises a typed error. It applies
timeouts capped by the run's deadline, TLS verification and the proxy on every request, never follows a
redirect, and decides in one loop what each outcome means:
* 401 with an API 2.0 token: the token is replaced once and the request sent again; a second 401 fails;
* 429: waited out when `X-RateLimit-Reset` fits in the remaining run time, at most RATE_LIMIT_ATTEMPTS times;
* 5xx and connection errors: tried READ_ATTEMPTS times with backoff, for reads and for writes that certainly
  never reached Mimecast; a write whose outcome is unknown is never sent again.
"""

import time
from collections.abc import Callable
from typing import Any, Protocol

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.exceptions import InsecureRequestWarning

import MimecastReasons as reasons
from MimecastAuth import CachedToken, TokenCache, TokenStore, api1_auth, token_cache_key
from MimecastConnection import Connection
from MimecastConstants import AUTH_API1, CLIENT_ID, CLIENT_SECRET, PATH_OAUTH_TOKEN, PATH_PERMISSIONS, VERIFY_SSL
from MimecastEnvelope import JSON_CONTENT, describe_body, fail_details, json_or_none, meta_status
from MimecastExceptions import MimecastApiError, MimecastError, MimecastErrorDetail, describe_details
from MimecastNetworkErrors import may_have_been_sent, network_error, redirect_target, server_expects_tls
from MimecastPacing import RATE_LIMIT_SAFETY_S, RateLimitPacer, int_header
from MimecastSecrets import Secrets
from MimecastServerTime import ServerClock, header_time

CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 60.0
READ_ATTEMPTS = 3
BACKOFF_S = (0.5, 1.0, 2.0)
# Without an execution deadline (direct use of the Manager), wait at most this long for a 429.
DEFAULT_MAX_WAIT_S = 120.0
# HTTP 429 answers one call accepts (waiting each out) before it fails: Mimecast keeps refusing it.
RATE_LIMIT_ATTEMPTS = 5
# Clock difference, API 1.0, above which a 401 is explained as clock skew rather than bad keys.
CLOCK_SKEW_TOLERANCE_S = 300.0
USER_AGENT = "Mimecast-SecOps-SOAR/1.0"


class Logger(Protocol):
    def info(self, msg: str) -> None: ...

    def warn(self, msg: str) -> None: ...

    def error(self, msg: str) -> None: ...


class SilentLogger:
    def info(self, msg: str) -> None:
        pass

    warn = error = info


class MimecastSession(requests.Session):
    """A session that never reads `Location`: even with allow_redirects=False, requests prepares the request a
    redirect points to (and fails on a malformed Location). A 3xx answer is refused as it is."""

    def get_redirect_target(self, resp: requests.Response) -> None:
        return None


class Transport:
    def __init__(
        self,
        connection: Connection,
        *,
        secrets: Secrets,
        logger: Logger,
        deadline: float | None = None,
        token_store: TokenStore | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        connect_timeout: float = CONNECT_TIMEOUT_S,
        read_timeout: float = READ_TIMEOUT_S,
        pool_size: int = 10,
    ) -> None:
        """`deadline` is a `monotonic()` instant after which no request may still be running."""
        self.connection = connection
        self.api_root = connection.api_root
        self.secrets = secrets
        self._logger = logger
        self._deadline = deadline
        self._sleep = sleep
        self._monotonic = monotonic
        self._wall_clock = wall_clock
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self.request_count = 0
        self.pacer = RateLimitPacer(monotonic, sleep)
        self.server_clock = ServerClock(wall_clock)
        self._session = MimecastSession()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=0)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        self._session.headers.update({"Accept": "application/json", "User-Agent": USER_AGENT})
        if not connection.verify_ssl:
            # Said once in the run's log instead of urllib3's warning on stderr for every request.
            urllib3.disable_warnings(InsecureRequestWarning)
            self._logger.warn(f'"{VERIFY_SSL}" is off: the certificate of {self.api_root} is not verified.')
        # Both passed on every request: requests lets REQUESTS_CA_BUNDLE override a session-level verify=False, and
        # prefers the process environment's proxy (which the SDK exports in a form that breaks for some values).
        self._verify = connection.verify_ssl
        self._proxies = dict(connection.proxy.proxies) if connection.proxy.proxies else None
        credentials = connection.credentials
        self._signer = api1_auth(credentials, wall_clock) if credentials.mode == AUTH_API1 else None
        self._tokens = (
            None
            if self._signer
            else TokenCache(
                self._fetch_token,
                token_store,
                wall_clock,
                token_cache_key(self.api_root, credentials.values[CLIENT_ID], credentials.values[CLIENT_SECRET]),
                on_token=secrets.add,
            )
        )

    def close(self) -> None:
        self._session.close()

    def request(self, path: str, body: bytes, *, write: bool) -> dict:
        """POST a JSON `body` to `path` with the credentials; the parsed answer, or a typed error."""
        response = self._send(path, write=write, authenticated=True, data=body, headers=JSON_CONTENT)
        return self._read(path, response, write=write)

    def said(self, details: tuple[MimecastErrorDetail, ...]) -> str:
        """Mimecast's error texts as shown to people: a server that echoes a credential must not reveal it."""
        return self.secrets.redact(describe_details(details))

    def _fetch_token(self) -> CachedToken:
        values = self.connection.credentials.values
        form = {
            "client_id": values[CLIENT_ID],
            "client_secret": values[CLIENT_SECRET],
            "grant_type": "client_credentials",
        }
        response = self._send(PATH_OAUTH_TOKEN, write=False, authenticated=False, data=form)
        if response.status_code in (400, 401):
            details = fail_details(json_or_none(response))
            said = self.said(details) if details else ""
            raise reasons.token_refused(PATH_OAUTH_TOKEN, response.status_code, said, details)
        body = self._read(PATH_OAUTH_TOKEN, response)
        token, expires_in = body.get("access_token"), body.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(expires_in, int | float):
            raise reasons.token_answer_unusable(PATH_OAUTH_TOKEN, response.status_code)
        return CachedToken(token, self._wall_clock() + float(expires_in))

    def _send(
        self, path: str, *, write: bool, authenticated: bool, data: Any, headers: dict[str, str] | None = None
    ) -> requests.Response:
        url = self.api_root + path
        deadline = self._deadline if self._deadline is not None else self._monotonic() + DEFAULT_MAX_WAIT_S
        failures = rate_limited = 0
        token_replaced = False
        while True:
            if self._monotonic() > deadline - 1.0:
                raise reasons.run_time_used_up(path)
            # Pacing counts the calls Mimecast rate-limits; the token request is not one of them.
            ticket = self.pacer.acquire(path, deadline) if authenticated else 0
            remaining = deadline - self._monotonic()
            timeout = (min(self._connect_timeout, remaining), min(self._read_timeout, remaining))
            self.request_count += 1
            try:
                token = self._tokens.current() if authenticated and self._tokens else None
            except MimecastError:
                self.pacer.release(ticket)
                raise
            sent_headers = {**(headers or {}), **({"Authorization": f"Bearer {token}"} if token else {})}
            started = self._monotonic()
            error: MimecastError | None = None
            try:
                # Never follow a redirect: it would re-send the body (the Client Secret, a write) to another host.
                response = self._session.post(
                    url,
                    data=data,
                    headers=sent_headers,
                    auth=self._signer if authenticated else None,
                    timeout=timeout,
                    verify=self._verify,
                    proxies=self._proxies,
                    allow_redirects=False,
                )
            except requests.exceptions.RequestException as exc:
                if authenticated:
                    self.pacer.release(ticket)
                sent = may_have_been_sent(exc)
                error = network_error(
                    exc, path, timeout, root=self.api_root, sent=sent, write=write, expects_tls=self._expects_tls
                )
                if write and sent:
                    error.retryable = False
            # Raised outside the except block: the requests exception (whose text may hold proxy credentials
            # or headers) must not ride along as the error's context into a logged traceback.
            if error is not None:
                failures += 1
                self._backoff_or_raise(error, failures, path, deadline)
                continue
            if authenticated:
                self.pacer.observe(ticket, response)
            self.server_clock.observe(response.headers)
            elapsed_ms = (self._monotonic() - started) * 1000
            self._logger.info(f"POST {path}: HTTP {response.status_code} in {elapsed_ms:.0f} ms")
            status = response.status_code
            if status == 407:
                raise reasons.proxy_refused_credentials(path)
            if 300 <= status < 400:
                raise reasons.redirected(path, status, redirect_target(response), write=write)
            if status == 401 and token is not None and not token_replaced and self._tokens:
                # Mimecast ended the token (expired, revoked): one new token, then the same request once more.
                token_replaced = True
                _ = response.content  # read to the end, so that the connection can be used again
                response.close()
                self._tokens.replace_rejected(token)
                continue
            if status == 429:
                rate_limited += 1
                self._wait_for_rate_limit(response, path, deadline, rate_limited)
                continue
            if status >= 500:
                failures += 1
                self._backoff_or_raise(self._error_answer(path, response, write=write), failures, path, deadline)
                continue
            return response

    def _backoff_or_raise(self, error: MimecastError, failures: int, path: str, deadline: float) -> None:
        """Sleep before the next attempt, or raise `error` when it cannot be retried (any more, or in time)."""
        if not error.retryable:
            raise error
        if failures >= READ_ATTEMPTS:
            raise reasons.after_attempts(error, failures)
        delay = BACKOFF_S[min(failures - 1, len(BACKOFF_S) - 1)]
        if delay + RATE_LIMIT_SAFETY_S > deadline - self._monotonic():
            raise error
        self._logger.warn(f"{error} Retrying {path} in {delay:g} s (attempt {failures + 1} of {READ_ATTEMPTS}).")
        self._sleep(delay)

    def _wait_for_rate_limit(self, response: requests.Response, path: str, deadline: float, refusals: int) -> None:
        """Wait as Mimecast asked before the call is sent again, or raise when that cannot or should not be."""
        if refusals >= RATE_LIMIT_ATTEMPTS:
            raise reasons.rate_limit_refused_again(path, refusals)
        reset_ms = int_header(response, "X-RateLimit-Reset")
        wait_s = max(reset_ms / 1000.0, 0.05) if reset_ms is not None else 1.0
        remaining = deadline - self._monotonic()
        if wait_s + RATE_LIMIT_SAFETY_S > remaining:
            raise reasons.rate_limit_wait_too_long(path, wait_s, remaining)
        self._logger.warn(f"Mimecast's rate limit was reached for {path}; waiting {wait_s:.1f} s as Mimecast asked.")
        self._sleep(wait_s)

    def _expects_tls(self, timeout_s: float) -> bool:
        return server_expects_tls(self.api_root, timeout_s, through_proxy=bool(self._proxies))

    def _read(self, path: str, response: requests.Response, *, write: bool = False) -> dict:
        """The answer's body; an error answer (HTTP status, `meta.status`, `fail[]`) or a body that is not a JSON
        object raises."""
        body = json_or_none(response)
        details = fail_details(body)
        status = meta_status(body)
        if response.status_code >= 400 or details or (status is not None and not 200 <= status < 300):
            raise self._error_answer(path, response, body, details)
        if not isinstance(body, dict):
            what = f"{'not valid JSON' if body is None else 'not a JSON object'} ({describe_body(response)})"
            raise reasons.unreadable_answer(path, what, response.status_code, write=write)
        return body

    def _error_answer(
        self,
        path: str,
        response: requests.Response,
        body: Any = None,
        details: tuple[MimecastErrorDetail, ...] | None = None,
        *,
        write: bool = False,
    ) -> MimecastApiError:
        if details is None:
            body = json_or_none(response)
            details = fail_details(body)
        status = response.status_code
        if status < 400:
            status = meta_status(body) or status
        said = self.said(details) if details else self.secrets.redact(response.reason or "")
        return reasons.http_error(
            reasons.HttpFailure(path, status, said, details),
            mode=self.connection.auth_mode,
            skew_s=self._clock_skew(response) if status == 401 else None,
            permission=PATH_PERMISSIONS.get(path, ""),
            write=write,
        )

    def _clock_skew(self, response: requests.Response) -> float | None:
        """Seconds by which Mimecast's clock (its `Date` header) is ahead of ours, if beyond tolerance."""
        server_time = header_time(response.headers)
        if server_time is None:
            return None
        skew = server_time - self._wall_clock()
        return skew if abs(skew) > CLOCK_SKEW_TOLERANCE_S else None
