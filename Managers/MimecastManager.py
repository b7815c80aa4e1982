"""The only code that talks HTTP to Mimecast.

Every call goes through `_request`: it builds the `{"meta", "data"}` envelope (UTF-8 JSON, refused
before sending when it cannot be), applies timeouts, TLS verification and proxies, never follows a
redirect, interprets `fail[]` on every status, and applies one retry policy: a 429 is waited out when
`X-RateLimit-Reset` fits in the remaining run time, a bounded number of times; 5xx and connection
errors are retried with bounded backoff for reads only; a write whose outcome is unknown is never
retried.
"""

import itertools
import json
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple, Protocol
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.exceptions import InsecureRequestWarning, NameResolutionError, NewConnectionError, ProxyError, SSLError

from MimecastAuth import (
    Api2BearerAuth,
    CachedToken,
    Credentials,
    TokenStore,
    api1_auth,
    choose_credentials,
    token_cache_key,
)
from MimecastConstants import (
    API1_FIELDS,
    API_ROOT,
    ARCHIVE_MAX_PAGE_SIZE,
    AUTH_API1,
    AUTH_API2,
    AUTH_MODE_LABELS,
    CLIENT_ID,
    CLIENT_SECRET,
    DEFAULT_API_ROOT,
    PATH_ARCHIVE_SEARCH,
    PATH_CREATE_BLOCKED_SENDER_POLICY,
    PATH_GET_ACCOUNT,
    PATH_HOLD_MESSAGE_LIST,
    PATH_HOLD_REJECT,
    PATH_HOLD_RELEASE,
    PATH_MESSAGE_FINDER_SEARCH,
    PATH_MESSAGE_INFO,
    PATH_OAUTH_TOKEN,
    PATH_PERMISSIONS,
    PATH_PERMIT_OR_BLOCK_SENDER,
    PATH_RELEASE_TO_SANDBOX,
    PATH_REPORT_MESSAGE,
    VERIFY_SSL,
)
from MimecastDataModels import (
    POLICY_ADDRESS_VALUE_FIELDS,
    ArchiveEmail,
    BlockedSenderPolicy,
    HeldQueueEntry,
    ManagedSender,
    MessageInfo,
    MessageOutcome,
    MimecastAccount,
    PolicyAddress,
    TrackedEmail,
    parse_mimecast_date,
    utc_timestamp,
)
from MimecastExceptions import (
    MimecastApiError,
    MimecastAuthenticationError,
    MimecastBindingExpiredError,
    MimecastClockSkewError,
    MimecastConfigurationError,
    MimecastError,
    MimecastErrorDetail,
    MimecastHostNotFoundError,
    MimecastNotFoundError,
    MimecastOutcomeUnknownError,
    MimecastPermissionError,
    MimecastRateLimitError,
    MimecastRedirectError,
    MimecastResponseError,
    MimecastServerError,
    MimecastTimeoutError,
    MimecastTLSError,
    MimecastTransportError,
    MimecastUnsendableRequestError,
    MimecastUnsupportedError,
    describe_details,
    redact,
)
from MimecastParameters import excerpt
from MimecastServerTime import ServerClock, header_time

CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 60.0
READ_ATTEMPTS = 3
BACKOFF_S = (0.5, 1.0, 2.0)
# Without an execution deadline (direct use of the Manager), wait at most this long for a 429.
DEFAULT_MAX_WAIT_S = 120.0
# Keep this much run time free after a rate-limit wait, so the retried request can still finish.
RATE_LIMIT_SAFETY_S = 2.0
# HTTP 429 answers one call accepts (waiting each out) before it fails: Mimecast keeps refusing it.
RATE_LIMIT_ATTEMPTS = 5
# The longest wait for the TLS handshake that tells whether an http:// API Root's server expects TLS.
TLS_PROBE_TIMEOUT_S = 5.0
# Clock difference, API 1.0, above which a 401 is explained as clock skew rather than bad keys.
CLOCK_SKEW_TOLERANCE_S = 300.0
USER_AGENT = "Mimecast-SecOps-SOAR/1.0"
# Rate-limit pacing: shortest gap between requests once the bucket is empty, and the longest single sleep.
PACE_MIN_INTERVAL_S = 0.05
PACE_POLL_S = 0.25
HOLD_LIST_PAGE_SIZE = 500
# Message ids are shown whole in failures (Mimecast's run to about 350 characters); a pasted blob is cut.
MESSAGE_ID_SHOWN_CHARS = 1000


class Logger(Protocol):
    def info(self, msg: str) -> None: ...

    def warn(self, msg: str) -> None: ...

    def error(self, msg: str) -> None: ...


class _SilentLogger:
    def info(self, msg: str) -> None:
        pass

    warn = error = info


def _is_true(value: object, default: bool) -> bool:
    """A checkbox value; anything but true/false keeps the default (an unreadable "Verify SSL" stays on)."""
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().lower()
    return text == "true" if text in ("true", "false") else default


class RateLimitPacer:
    """Spaces this process' requests so they do not empty Mimecast's rate-limit bucket.

    Every response reports the bucket: `X-RateLimit-Remaining` and `X-RateLimit-Reset` (ms until at least
    one request is added back). A report is lowered by every request of ours that overlapped the reporting
    request (Mimecast may have counted them after it, and answers arrive out of order), so the estimate
    never exceeds what is really left; at zero a request waits for the reported reset, then one goes and
    its answer updates the estimate. Without these headers nothing is paced.
    """

    def __init__(self, monotonic: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self._monotonic = monotonic
        self._sleep = sleep
        self._lock = threading.Lock()
        self._left: int | None = None
        self._reset_at = 0.0
        self._reset_s = 0.0
        self._tickets = itertools.count(1)
        # In-flight ticket -> how many other requests were in flight at some point of its lifetime.
        self._overlaps: dict[int, int] = {}
        self.waited_s = 0.0

    def acquire(self, path: str, deadline: float) -> int:
        """Wait until a request may go and return its ticket; raise when that would not leave room before `deadline`."""
        while True:
            with self._lock:
                now = self._monotonic()
                if self._left is None or self._left > 0 or now >= self._reset_at:
                    if self._left:
                        self._left -= 1
                    elif self._left == 0:
                        # At least one request was added back since the last report; its answer tells more.
                        self._reset_at = now + max(self._reset_s, PACE_MIN_INTERVAL_S)
                    ticket = next(self._tickets)
                    for other in self._overlaps:
                        self._overlaps[other] += 1
                    self._overlaps[ticket] = len(self._overlaps)
                    return ticket
                wait = self._reset_at - now
            if now + wait + RATE_LIMIT_SAFETY_S > deadline:
                raise MimecastRateLimitError(
                    f"Mimecast's rate limit leaves no room for {path} in the remaining run time: the next request "
                    f"is allowed in {wait:.1f} s, {_no_time_to_wait(wait, deadline - now)}; it was not sent.",
                    path=path,
                )
            step = min(wait, PACE_POLL_S)
            self._sleep(step)
            self.waited_s += step

    def observe(self, ticket: int, response: requests.Response) -> None:
        remaining = _int_header(response, "X-RateLimit-Remaining")
        reset_ms = _int_header(response, "X-RateLimit-Reset")
        with self._lock:
            overlapping = self._overlaps.pop(ticket, 0)
            if remaining is None:
                self._left = None
                return
            self._left = 0 if response.status_code == 429 else max(remaining - overlapping, 0)
            self._reset_s = max(reset_ms or 0, 0) / 1000.0
            self._reset_at = self._monotonic() + self._reset_s

    def release(self, ticket: int) -> None:
        """A request that got no answer."""
        with self._lock:
            self._overlaps.pop(ticket, None)


class MimecastManager:
    def __init__(
        self,
        api_root: str,
        credentials: Credentials,
        *,
        verify_ssl: bool = True,
        proxies: Mapping[str, str] | None = None,
        logger: Logger | None = None,
        deadline: float | None = None,
        token_store: TokenStore | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        connect_timeout: float = CONNECT_TIMEOUT_S,
        read_timeout: float = READ_TIMEOUT_S,
        pool_size: int = 10,
    ) -> None:
        """`deadline` is a `monotonic()` instant after which no request may still be running."""
        self.api_root = _normalise_api_root(api_root)
        self.credentials = credentials
        self._logger = logger or _SilentLogger()
        self._deadline = deadline
        self._sleep = sleep
        self._monotonic = monotonic
        self._wall_clock = wall_clock
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self.request_count = 0
        self._pacer = RateLimitPacer(monotonic, sleep)
        self.server_clock = ServerClock(wall_clock)
        self._session = session or requests.Session()
        # Even with allow_redirects=False, requests prepares the request a redirect points to (and fails on a
        # malformed Location). This session never reads Location: a 3xx answer is refused as it is (`_send`).
        self._session.get_redirect_target = _no_redirect_target
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=0)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        # Passed on every request: requests lets REQUESTS_CA_BUNDLE override a session-level verify=False.
        self._verify = verify_ssl
        if not verify_ssl:
            # Said once in the run's log instead of urllib3's warning on stderr for every request.
            urllib3.disable_warnings(InsecureRequestWarning)
            self._logger.warn(f'"{VERIFY_SSL}" is off: the certificate of {self.api_root} is not verified.')
        self._session.headers.update({"Accept": "application/json", "User-Agent": USER_AGENT})
        # Passed on every request too: requests prefers the process environment's proxy over the session's, and
        # the SDK exports the connector's proxy parameters there in a form that breaks for some of their values.
        self._proxies = dict(proxies) if proxies else None
        if credentials.mode == AUTH_API1:
            self._auth = api1_auth(credentials, wall_clock)
        else:
            key = token_cache_key(self.api_root, credentials.values[CLIENT_ID], credentials.values[CLIENT_SECRET])
            self._auth = Api2BearerAuth(self._fetch_token, token_store, wall_clock, key)

    @classmethod
    def from_configuration(cls, configuration: Mapping[str, object], **kwargs: Any) -> "MimecastManager":
        """Build from the integration instance's configuration (its API Root, credentials and Verify SSL)."""
        credentials = choose_credentials(configuration)
        api_root = str(configuration.get(API_ROOT) or DEFAULT_API_ROOT).strip()
        verify_ssl = _is_true(configuration.get(VERIFY_SSL), default=True)
        return cls(api_root, credentials, verify_ssl=verify_ssl, **kwargs)

    @property
    def auth_mode(self) -> str:
        return self.credentials.mode

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret this Manager holds, for redaction of anything shown to people."""
        token = getattr(self._auth, "access_token", None)
        return (*self.credentials.secrets, *([token] if token else []))

    def close(self) -> None:
        self._session.close()

    # Product operations

    def get_account(self) -> MimecastAccount:
        body = self._request(PATH_GET_ACCOUNT)
        return MimecastAccount.from_json(_first_item(body, PATH_GET_ACCOUNT))

    # Archive search

    def search_archive(self, query_xml: str, max_emails: int) -> list[ArchiveEmail]:
        """Administrative (`admin: true`) archive search, following `next` until `max_emails` emails or the end.

        Each page asks for min(emails still wanted, ARCHIVE_MAX_PAGE_SIZE), so the call count is the
        minimum Mimecast allows; results come newest first as Mimecast orders them.
        """
        emails: list[ArchiveEmail] = []
        token: str | None = None
        pages = 0
        while len(emails) < max_emails:
            pages += 1
            page_size = min(max_emails - len(emails), ARCHIVE_MAX_PAGE_SIZE)
            body, next_token = self._page(PATH_ARCHIVE_SEARCH, {"admin": True, "query": query_xml}, page_size, token)
            items = _archive_items(body)
            emails.extend(ArchiveEmail.from_json(item) for item in items[: max_emails - len(emails)])
            self._logger.info(f"Archive search page {pages}: {len(items)} email(s)")
            if not items or not next_token or next_token == token:
                return emails
            token = next_token
        self._logger.info(f"Stopped at {max_emails} email(s); Mimecast has more emails matching the query.")
        return emails

    # Message tracking (the connector)

    def search_tracked_messages(
        self,
        start: datetime,
        end: datetime,
        *,
        statuses: Sequence[str] = (),
        routes: Sequence[str] = (),
        sender: str | None = None,
        recipient: str | None = None,
    ) -> list[TrackedEmail]:
        """Message-finder search: messages received in [start, end]; `sender`/`recipient` an address or a domain."""
        item: dict[str, Any] = {"start": utc_timestamp(start), "end": utc_timestamp(end)}
        if statuses:
            item["status"] = list(statuses)
        if routes:
            item["route"] = list(routes)
        options = {key: value for key, value in (("from", sender), ("to", recipient)) if value}
        if options:
            item["advancedTrackAndTraceOptions"] = options
        body = self._request(PATH_MESSAGE_FINDER_SEARCH, [item])
        tracked = _item_or(body, {}).get("trackedEmails")
        if not isinstance(tracked, list):
            raise MimecastResponseError(
                f"Mimecast's answer to {PATH_MESSAGE_FINDER_SEARCH} has no trackedEmails list.",
                path=PATH_MESSAGE_FINDER_SEARCH,
            )
        return [TrackedEmail.from_json(entry) for entry in tracked if isinstance(entry, dict) and entry.get("id")]

    def get_message_info(self, tracking_id: str) -> MessageInfo:
        body = self._request(PATH_MESSAGE_INFO, [{"id": tracking_id}])
        return MessageInfo.from_json(_first_item(body, PATH_MESSAGE_INFO))

    def list_held_messages(
        self, start: datetime, end: datetime, *, page_size: int = HOLD_LIST_PAGE_SIZE, max_pages: int = 20
    ) -> list[HeldQueueEntry]:
        """Every message in the held queue (all recipients: admin) received in [start, end], page by page."""
        item = {"admin": True, "start": utc_timestamp(start), "end": utc_timestamp(end)}
        entries: list[HeldQueueEntry] = []
        token: str | None = None
        for _ in range(max_pages):
            body, token = self._page(PATH_HOLD_MESSAGE_LIST, item, page_size, token)
            entries.extend(HeldQueueEntry.from_json(e) for e in body.get("data") or [] if isinstance(e, dict))
            if not token:
                return entries
        raise MimecastResponseError(
            f"The held queue between {utc_timestamp(start)} and {utc_timestamp(end)} has more than "
            f"{max_pages * page_size} messages; not all of it could be read.",
            path=PATH_HOLD_MESSAGE_LIST,
        )

    # Triage: held messages, reports, managed senders, Blocked Senders policies

    def release_held_message(self, held_message_id: str) -> MessageOutcome:
        """Release a held message by its held-queue id (`release: false` means it is not held)."""
        body = self._message_write(PATH_HOLD_RELEASE, [{"id": held_message_id}], held_message_id, _RELEASE)
        return _confirmed(body, held_message_id, "release", _RELEASE, PATH_HOLD_RELEASE)

    def reject_held_message(
        self,
        held_message_id: str,
        *,
        note: str | None = None,
        reason_type: str | None = None,
        notify_sender: bool = False,
    ) -> MessageOutcome:
        """Reject a held message; `note` is the text returned to the sender, `reason_type` a documented reasonType."""
        item: dict[str, Any] = {"ids": [held_message_id], "notify": notify_sender}
        if note:
            item["message"] = note
        if reason_type:
            item["reasonType"] = reason_type
        body = self._message_write(PATH_HOLD_REJECT, [item], held_message_id, _REJECT)
        return _confirmed(body, held_message_id, "reject", _REJECT, PATH_HOLD_REJECT)

    def release_held_message_to_sandbox(self, message_id: str) -> MessageOutcome:
        """API 1.0 only. Mimecast answers no item on success; the result then says what was released."""
        self._require_api1("Release To Sandbox", PATH_RELEASE_TO_SANDBOX, "; the message stays held")
        body = self._message_write(PATH_RELEASE_TO_SANDBOX, [{"id": message_id}], message_id, _SANDBOX)
        fallback = {"id": message_id, "release": True, "sandbox": True}
        return _confirmed_if_answered(body, message_id, "release", _SANDBOX, PATH_RELEASE_TO_SANDBOX, fallback)

    def report_message(self, message_id: str, report_type: str, comment: str | None = None) -> MessageOutcome:
        """API 1.0 only: report a message as `spam`, `malware` or `phishing`."""
        self._require_api1("Report Message", PATH_REPORT_MESSAGE, "")
        item = {"id": message_id, "type": report_type}
        if comment:
            item["comment"] = comment
        body = self._message_write(PATH_REPORT_MESSAGE, [item], message_id, _REPORT)
        fallback = {"id": message_id, "type": report_type, "reported": True}
        return _confirmed_if_answered(body, message_id, "reported", _REPORT, PATH_REPORT_MESSAGE, fallback)

    def block_sender(self, sender: str, recipient: str) -> ManagedSender:
        """Block `sender` for the internal recipient's mailbox (a managed-sender entry)."""
        return self._manage_sender(sender, recipient, "block")

    def permit_sender(self, sender: str, recipient: str) -> ManagedSender:
        """Permit `sender` for the internal recipient's mailbox (bypasses spam checks)."""
        return self._manage_sender(sender, recipient, "permit")

    def create_blocked_sender_policy(
        self,
        *,
        option: str,
        description: str,
        from_part: str,
        sender: PolicyAddress,
        recipient: PolicyAddress,
        comment: str | None = None,
        bidirectional: bool = False,
        enforced: bool = True,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> BlockedSenderPolicy:
        """Create a Blocked Senders policy; no `start` / `end` means an eternal start / end."""
        policy: dict[str, Any] = {
            "description": description,
            "fromPart": from_part,
            "from": sender.to_json(),
            "to": recipient.to_json(),
            "bidirectional": bidirectional,
            "enforced": enforced,
            "enabled": True,
            "fromEternal": start is None,
            "toEternal": end is None,
        }
        if comment:
            policy["comment"] = comment
        if start is not None:
            policy["fromDate"] = utc_timestamp(start)
        if end is not None:
            policy["toDate"] = utc_timestamp(end)
        body = self._request(PATH_CREATE_BLOCKED_SENDER_POLICY, [{"option": option, "policy": policy}], write=True)
        created = _first_item(body, PATH_CREATE_BLOCKED_SENDER_POLICY)
        differences = _policy_differences(option, policy, created)
        if differences:
            raise MimecastResponseError(
                f"Mimecast's answer to {PATH_CREATE_BLOCKED_SENDER_POLICY} does not confirm the policy asked for: it "
                f"answered {'; '.join(differences)}. Check the Blocked Senders policies in Mimecast {_CHECK_FIRST}",
                path=PATH_CREATE_BLOCKED_SENDER_POLICY,
            )
        return BlockedSenderPolicy.from_json(created)

    def _manage_sender(self, sender: str, recipient: str, action: str) -> ManagedSender:
        item = {"sender": sender, "to": recipient, "action": action}
        try:
            body = self._request(PATH_PERMIT_OR_BLOCK_SENDER, [item], write=True)
        except MimecastApiError as exc:
            if _FORBIDDEN_FOR_ADDRESS not in exc.codes:
                raise
            raise MimecastApiError(
                f"{exc} The recipient must be an internal address: a mailbox in one of the Mimecast account's "
                "domains that Mimecast already knows.",
                http_status=exc.http_status,
                details=exc.details,
                path=exc.path,
            ) from None
        entry = ManagedSender.from_json(_first_item(body, PATH_PERMIT_OR_BLOCK_SENDER))
        asked_type = action.title()
        differences = [
            *([] if entry.id else ["no entry ID"]),
            *([] if entry.type.lower() == action else [f'type "{excerpt(entry.type)}" (asked: {asked_type})']),
            *([] if _same_address(entry.sender, sender) else [f'sender "{excerpt(entry.sender)}" (asked: {sender})']),
            *(
                []
                if _same_address(entry.recipient, recipient)
                else [f'recipient "{excerpt(entry.recipient)}" (asked: {recipient})']
            ),
        ]
        if differences:
            raise MimecastResponseError(
                f"Mimecast's answer to {PATH_PERMIT_OR_BLOCK_SENDER} does not confirm the {asked_type} entry asked "
                f"for: it answered {'; '.join(differences)}. Check the managed senders of {recipient} in Mimecast "
                f"{_CHECK_FIRST}",
                path=PATH_PERMIT_OR_BLOCK_SENDER,
            )
        return entry

    def _message_write(self, path: str, data: list[dict], message_id: str, words: "_MessageWords") -> dict:
        """A write about one message; Mimecast's item-level refusal is explained as the message's state."""
        try:
            return self._request(path, data, write=True)
        except MimecastApiError as exc:
            about_item = bool(exc.details) and all(detail.about_item for detail in exc.details)
            if type(exc) is not MimecastApiError or (exc.http_status or 0) >= 400 or not about_item:
                raise
            raise MimecastNotFoundError(
                words.refused(message_id, self._said(exc.details)),
                http_status=exc.http_status,
                details=exc.details,
                path=path,
            ) from None

    def _require_api1(self, function: str, path: str, consequence: str) -> None:
        """Fail before any call when `path` does not exist for the configured API generation."""
        if self.credentials.mode == AUTH_API1:
            return
        raise MimecastUnsupportedError(
            f"{function} needs Mimecast API 1.0 keys: it uses {path}, which exists only in API 1.0 and has no "
            f"API 2.0 equivalent, and this instance uses {AUTH_MODE_LABELS[AUTH_API2]}. Nothing was sent to "
            f"Mimecast{consequence}. To use it, fill {', '.join(API1_FIELDS)} in the integration instance "
            "(API 1.0 is used whenever they are set) and set the API Root to the account's regional API 1.0 host, "
            "e.g. https://us-api.mimecast.com."
        )

    def _page(self, path: str, item: dict, page_size: int, token: str | None) -> tuple[dict, str | None]:
        """One page of a paged function: the body and the token of the next page (None on the last)."""
        pagination: dict[str, Any] = {"pageSize": page_size, **({"pageToken": token} if token else {})}
        body = self._request(path, [item], {"pagination": pagination})
        return body, _next_page_token(body)

    # The one request path

    def _request(
        self,
        path: str,
        data: list[dict] | None = None,
        meta: dict | None = None,
        *,
        write: bool = False,
    ) -> dict:
        """POST `{"meta", "data"}` to `path` and return the parsed body, or raise a typed error."""
        envelope = {"meta": meta, "data": data if data is not None else []} if meta else {"data": data or []}
        body = _json_body(path, envelope)
        response = self._send(path, write=write, data=body, headers=_JSON_CONTENT, auth=self._auth)
        return self._parse(path, response, write=write)

    def _fetch_token(self) -> CachedToken:
        form = {
            "client_id": self.credentials.values[CLIENT_ID],
            "client_secret": self.credentials.values[CLIENT_SECRET],
            "grant_type": "client_credentials",
        }
        response = self._send(PATH_OAUTH_TOKEN, write=False, data=form, auth=None)
        if response.status_code in (400, 401):
            details = _fail_details(_json_or_none(response))
            raise MimecastAuthenticationError(
                f"Mimecast rejected the {AUTH_MODE_LABELS[AUTH_API2]} credentials: HTTP {response.status_code}"
                f"{', ' + self._said(details) if details else ''}. Check the Client ID and Client Secret "
                "and that the API 2.0 application is enabled.",
                http_status=response.status_code,
                details=details,
                path=PATH_OAUTH_TOKEN,
            )
        body = self._parse(PATH_OAUTH_TOKEN, response)
        token, expires_in = body.get("access_token"), body.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(expires_in, int | float):
            raise MimecastResponseError(
                "Mimecast's token endpoint answered without an access token and its lifetime.",
                http_status=response.status_code,
                path=PATH_OAUTH_TOKEN,
            )
        return CachedToken(token, self._wall_clock() + float(expires_in))

    def _send(self, path: str, *, write: bool, auth: Any, **body: Any) -> requests.Response:
        url = self.api_root + path
        deadline = self._deadline if self._deadline is not None else self._monotonic() + DEFAULT_MAX_WAIT_S
        failures = rate_limited = 0
        paced = path != PATH_OAUTH_TOKEN
        while True:
            if self._monotonic() > deadline - 1.0:
                raise MimecastTimeoutError(
                    f"The run time was used up before {path} could be sent to Mimecast; nothing was sent."
                )
            ticket = self._pacer.acquire(path, deadline) if paced else 0
            remaining = deadline - self._monotonic()
            timeout = (min(self._connect_timeout, remaining), min(self._read_timeout, remaining))
            started = self._monotonic()
            self.request_count += 1
            error, retry = None, False
            try:
                # Never follow a redirect: it would re-send the body (the Client Secret, a write) to another host.
                response = self._session.post(
                    url,
                    auth=auth,
                    timeout=timeout,
                    verify=self._verify,
                    proxies=self._proxies,
                    allow_redirects=False,
                    **body,
                )
            except requests.exceptions.RequestException as exc:
                if paced:
                    self._pacer.release(ticket)
                sent = _may_have_been_sent(exc)
                error = self._transport_error(exc, path, timeout, sent=sent, write=write)
                retry = isinstance(error, MimecastTransportError) and not (
                    (write and sent) or isinstance(error, MimecastTLSError | MimecastHostNotFoundError)
                )
            # Raised outside the except block: the requests exception (whose text may hold proxy credentials
            # or headers) must not ride along as the error's context into a logged traceback.
            if error is not None:
                failures += 1
                if not retry:
                    raise error
                self._backoff_or_raise(error, failures, path, deadline)
                continue
            if paced:
                self._pacer.observe(ticket, response)
            self.server_clock.observe(response.headers)
            elapsed_ms = (self._monotonic() - started) * 1000
            self._logger.info(f"POST {path}: HTTP {response.status_code} in {elapsed_ms:.0f} ms")
            if response.status_code == 407:
                raise _proxy_authentication_error(path)
            if 300 <= response.status_code < 400:
                raise _redirect_error(path, response, write=write)
            if response.status_code == 429:
                rate_limited += 1
                self._wait_for_rate_limit(response, path, deadline, rate_limited)
                continue
            if response.status_code >= 500:
                if write:
                    raise self._http_error(path, response, write=True)
                failures += 1
                self._backoff_or_raise(self._http_error(path, response), failures, path, deadline)
                continue
            return response

    def _backoff_or_raise(self, error: MimecastError, failures: int, path: str, deadline: float) -> None:
        if failures >= READ_ATTEMPTS:
            error.args = (f"{error} Tried {failures} times; try again later.", *error.args[1:])
            raise error
        delay = BACKOFF_S[min(failures - 1, len(BACKOFF_S) - 1)]
        if delay + RATE_LIMIT_SAFETY_S > deadline - self._monotonic():
            raise error
        self._logger.warn(f"{error} Retrying {path} in {delay:g} s (attempt {failures + 1} of {READ_ATTEMPTS}).")
        self._sleep(delay)

    def _wait_for_rate_limit(self, response: requests.Response, path: str, deadline: float, refusals: int) -> None:
        """Wait as Mimecast asked before the call is sent again, or raise when that cannot or should not be."""
        if refusals >= RATE_LIMIT_ATTEMPTS:
            raise MimecastRateLimitError(
                f"Mimecast's rate limit was reached for {path} (HTTP 429) and Mimecast kept refusing it: {refusals} "
                "times in a row, each time after waiting as long as Mimecast asked. The request was not executed; "
                "run it again later.",
                http_status=429,
                path=path,
            )
        reset_ms = _int_header(response, "X-RateLimit-Reset")
        wait_s = max(reset_ms / 1000.0, 0.05) if reset_ms is not None else 1.0
        remaining = deadline - self._monotonic()
        if wait_s + RATE_LIMIT_SAFETY_S > remaining:
            raise MimecastRateLimitError(
                f"Mimecast's rate limit was reached for {path} (HTTP 429): Mimecast asked to wait {wait_s:.1f} s, "
                f"{_no_time_to_wait(wait_s, remaining)}. The request was not executed; run it again later.",
                http_status=429,
                path=path,
            )
        self._logger.warn(f"Mimecast's rate limit was reached for {path}; waiting {wait_s:.1f} s as Mimecast asked.")
        self._sleep(wait_s)

    def _transport_error(
        self,
        exc: requests.exceptions.RequestException,
        path: str,
        timeout: tuple[float, float],
        *,
        sent: bool,
        write: bool,
    ) -> MimecastError:
        root = self.api_root
        if isinstance(exc, _UNUSABLE_ADDRESS):
            # The API Root is checked when the Manager is built, so this is the proxy's address. Its text is not
            # shown: a proxy URL can carry a password.
            return MimecastConfigurationError(
                f"The proxy address cannot be used for {path}: it is not a valid http:// or https:// URL with a "
                "host and port. Nothing was sent to Mimecast."
            )
        if isinstance(exc, requests.exceptions.SSLError):
            return _tls_error(root, exc)
        if isinstance(exc, requests.exceptions.ProxyError):
            if _proxy_refused_credentials(exc):
                return _proxy_authentication_error(path)
            return MimecastTransportError(f"Could not connect to Mimecast through the configured proxy for {path}.")
        if _is_dns_failure(exc):
            return MimecastHostNotFoundError(
                f'Could not resolve the host of the API Root "{root}" (DNS lookup failed). Check the API Root: '
                "API 2.0 uses https://api.services.mimecast.com, API 1.0 the account's regional host "
                "(e.g. https://us-api.mimecast.com)."
            )
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return MimecastTimeoutError(
                f'Could not connect to the API Root "{root}" within {timeout[0]:.0f} s (connect timeout).'
            )
        if not sent:
            return MimecastTransportError(f'Could not connect to the API Root "{root}": connection refused.')
        if not isinstance(exc, requests.exceptions.ReadTimeout) and self._expects_tls(timeout[0]):
            https_root = "https://" + root[len("http://") :]
            applied = (
                f" A server that expects TLS cannot read a plain-HTTP request, so {path} was not applied."
                if write
                else ""
            )
            return MimecastTLSError(
                f'The server at the API Root "{root}" seems to expect TLS: it closed the connection without answering '
                f'the plain-HTTP request for {path}, and it accepts a TLS handshake. Use "{https_root}" as the API '
                f"Root.{applied}"
            )
        if write:
            return _outcome_unknown(
                path,
                f"no answer within {timeout[1]:.0f} s"
                if isinstance(exc, requests.exceptions.ReadTimeout)
                else "the connection closed without an answer",
            )
        if isinstance(exc, requests.exceptions.ReadTimeout):
            return MimecastTimeoutError(f"Mimecast did not answer {path} within {timeout[1]:.0f} s (read timeout).")
        return MimecastTransportError(f"The connection to Mimecast was closed without an answer to {path}.")

    def _expects_tls(self, timeout_s: float) -> bool:
        """After an http:// API Root closed the connection unanswered: whether its server accepts a TLS handshake.

        A TLS server closes a connection that starts with a plain-HTTP request. Only a handshake is sent to tell
        (no request, no credential); through a proxy the server cannot be asked directly.
        """
        parts = urlsplit(self.api_root)
        if parts.scheme.lower() != "http" or self._proxies or not parts.hostname:
            return False
        return _accepts_tls_handshake(parts.hostname, parts.port or 80, max(min(timeout_s, TLS_PROBE_TIMEOUT_S), 0.1))

    def _parse(self, path: str, response: requests.Response, *, write: bool = False) -> dict:
        body = _json_or_none(response)
        details = _fail_details(body)
        meta_status = _meta_status(body)
        if response.status_code >= 400 or details or (meta_status is not None and not 200 <= meta_status < 300):
            raise self._http_error(path, response, body, details)
        if not isinstance(body, dict):
            what = f"{'not valid JSON' if body is None else 'not a JSON object'} ({_describe_body(response)})"
            if write:
                raise _outcome_unknown(path, f"Mimecast answered with a response that is {what}")
            raise MimecastResponseError(
                f"Mimecast's answer to {path} is {what}. Check that the API Root is Mimecast's API host (a proxy or "
                "web server may have answered instead); if it is, try again later.",
                http_status=response.status_code,
                path=path,
            )
        return body

    def _http_error(
        self,
        path: str,
        response: requests.Response,
        body: Any = None,
        details: tuple[MimecastErrorDetail, ...] | None = None,
        *,
        write: bool = False,
    ) -> MimecastApiError:
        if details is None:
            body = _json_or_none(response)
            details = _fail_details(body)
        status = response.status_code
        if status < 400:
            status = _meta_status(body) or status
        said = self._said(details) if details else redact(response.reason or "", self.secrets)
        what = f"HTTP {status}" + (f", {said}" if said else "")
        kwargs = {"http_status": status, "details": details, "path": path}
        mode = AUTH_MODE_LABELS[self.credentials.mode]
        if status == 401:
            skew = self._clock_skew(response)
            if self.credentials.mode == AUTH_API1 and skew is not None:
                return MimecastClockSkewError(
                    f"Mimecast rejected the request's timestamp ({what}): the SOAR host clock differs from "
                    f"Mimecast's by about {abs(skew) / 60:.0f} minutes. API 1.0 signs the current time, so the host "
                    "clock must be within Mimecast's tolerance; synchronise it (NTP) and try again.",
                    **kwargs,
                )
            hint = (
                "Check the four API 1.0 values and that the API Root is the account's regional host."
                if self.credentials.mode == AUTH_API1
                else "The API 2.0 application may have been disabled or its secret rotated."
            )
            return MimecastAuthenticationError(f"Mimecast rejected the {mode} credentials: {what}. {hint}", **kwargs)
        if status == 403:
            permission = PATH_PERMISSIONS.get(path)
            need = f' The Mimecast role needs the permission "{permission}".' if permission else ""
            return MimecastPermissionError(f"Mimecast refused {path} ({what}).{need}", **kwargs)
        if status == 418:
            return MimecastBindingExpiredError(
                f"Mimecast reports that the API 1.0 Access Key and Secret Key have expired ({what}). Generate new "
                "keys for the API 1.0 application in the Mimecast Administration Console and update the "
                "integration instance.",
                **kwargs,
            )
        if status >= 500:
            unknown = (
                " It was not retried because Mimecast may have applied it; check the item in Mimecast before "
                "running the action again."
                if write
                else ""
            )
            return MimecastServerError(f"Mimecast returned an error for {path}: {what}.{unknown}", **kwargs)
        return MimecastApiError(f"Mimecast returned an error for {path}: {what}.", **kwargs)

    def _said(self, details: tuple[MimecastErrorDetail, ...]) -> str:
        """Mimecast's error texts as shown to people: a server that echoes a credential must not reveal it."""
        return redact(describe_details(details), self.secrets)

    def _clock_skew(self, response: requests.Response) -> float | None:
        """Seconds by which Mimecast's clock (its `Date` header) is ahead of ours, if beyond tolerance."""
        server_time = header_time(response.headers)
        if server_time is None:
            return None
        skew = server_time - self._wall_clock()
        return skew if abs(skew) > CLOCK_SKEW_TOLERANCE_S else None


_FORBIDDEN_FOR_ADDRESS = "err_xdk_operation_forbidden_for_address"
# Request-building failures: the request never left; retrying cannot help.
_UNUSABLE_ADDRESS = (
    requests.exceptions.InvalidURL,
    requests.exceptions.InvalidSchema,
    requests.exceptions.MissingSchema,
)


class _MessageWords(NamedTuple):
    """How a refused write about one message is explained."""

    action: str  # with {id}
    cause: str

    def refused(self, message_id: str, said: str = "") -> str:
        detail = f" ({said})" if said else ""
        return f"Mimecast did not {self.action.format(id=_shown_id(message_id))}{detail}: {self.cause}"


_HELD_ONLY = (
    "it is not held (it was already released or rejected) or no held message has this ID. Only messages with "
    "status Held can be {past}."
)
_RELEASE = _MessageWords('release the message with ID "{id}"', _HELD_ONLY.format(past="released"))
_REJECT = _MessageWords('reject the message with ID "{id}"', _HELD_ONLY.format(past="rejected"))
_SANDBOX = _MessageWords('release the message with ID "{id}" to the sandbox', _HELD_ONLY.format(past="released"))
_REPORT = _MessageWords(
    'report the message with ID "{id}"',
    "no message has this ID or its status cannot be reported. Only messages with status Held, Archived or "
    "Bounced can be reported.",
)


# The end of every failure that says Mimecast's answer does not confirm a write: it may have been applied.
_CHECK_FIRST = "before running the action again."


def _confirmed(body: dict, message_id: str, flag: str, words: _MessageWords, path: str) -> MessageOutcome:
    """The response item about `message_id` with `<flag>: true`; `<flag>: false` (with an empty `fail[]`) is a
    refusal, and an answer about another message (or none) confirms nothing."""
    items = _items(body)
    item = next((i for i in items if i.get("id") == message_id), None)
    if item is None:
        raise _not_confirmed(path, message_id, words, items)
    if item.get(flag) is not True:
        raise MimecastNotFoundError(words.refused(message_id, f"{flag}: {json.dumps(item.get(flag))}"))
    return MessageOutcome(message_id, item)


def _confirmed_if_answered(
    body: dict, message_id: str, flag: str, words: _MessageWords, path: str, fallback: dict
) -> MessageOutcome:
    """For functions that answer no item on success: `fallback` then; an item must be about `message_id` (when it
    names one) and must not say `<flag>: false`."""
    items = _items(body)
    if not items:
        return MessageOutcome(message_id, fallback)
    item = next((i for i in items if i.get("id", message_id) == message_id), None)
    if item is None:
        raise _not_confirmed(path, message_id, words, items)
    if flag in item and item[flag] is not True:
        raise MimecastNotFoundError(words.refused(message_id, f"{flag}: {json.dumps(item[flag])}"))
    return MessageOutcome(message_id, item)


def _items(body: dict) -> list[dict]:
    data = body.get("data")
    return [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []


def _not_confirmed(path: str, message_id: str, words: _MessageWords, items: list[dict]) -> MimecastResponseError:
    about = [
        f'the message with ID "{_shown_id(str(item["id"]))}"'
        if item.get("id") is not None
        else "a message without an ID"
        for item in items[:3]
    ]
    answered = f"it is about {', '.join(about)}" if about else "it holds no item"
    return MimecastResponseError(
        f"Mimecast's answer to {path} does not confirm that it did {words.action.format(id=_shown_id(message_id))}: "
        f"{answered}. Check the message in Mimecast {_CHECK_FIRST}",
        path=path,
    )


def _same_address(answered: str, asked: str) -> bool:
    """Mimecast may change the case of an address or domain it echoes."""
    return answered.strip().casefold() == asked.casefold()


def _policy_differences(option: str, asked: dict[str, Any], created: dict) -> list[str]:
    """How the created policy Mimecast answered differs from the one asked for, field by field.

    Every field Mimecast echoes is compared (both the `from`/`to` objects and the legacy `fromType`/`fromValue`
    fields); one it leaves out is not held against it. The answer's `id` and `option` must be there.
    """
    differences = [] if created.get("id") else ["no policy ID"]
    if created.get("option") != option:
        differences.append(f"option {_shown(created.get('option'))} (asked: {_shown(option)})")
    policy = created.get("policy")
    if not isinstance(policy, dict):
        return [*differences, "no policy"]
    expected: dict[str, Any] = {
        key: asked[key]
        for key in ("description", "fromPart", "bidirectional", "enforced", "enabled", "comment")
        if key in asked
    }
    for side in ("from", "to"):
        address = asked[side]
        value_field = POLICY_ADDRESS_VALUE_FIELDS.get(address["type"])
        expected[f"{side}Type"] = address["type"]
        if value_field:
            expected[f"{side}Value"] = address[value_field]
        eternal = asked[f"{side}Eternal"]
        expected[f"{side}Eternal"] = eternal
        if not eternal:
            expected[f"{side}Date"] = asked[f"{side}Date"]
    for side in ("from", "to"):
        if side in policy and not _same_policy_address(policy[side], asked[side]):
            differences.append(f"{side} {_shown(policy[side])} (asked: {_shown(asked[side])})")
    for key, value in expected.items():
        if key in policy and not _same_policy_value(key, policy[key], value):
            differences.append(f"{key} {_shown(policy[key])} (asked: {_shown(value)})")
    return differences


def _same_policy_address(answered: Any, asked: dict[str, Any]) -> bool:
    if not isinstance(answered, dict) or answered.get("type") != asked["type"]:
        return False
    value_field = POLICY_ADDRESS_VALUE_FIELDS.get(asked["type"])
    return value_field is None or _same_policy_value(value_field, answered.get(value_field), asked[value_field])


def _same_policy_value(key: str, answered: Any, asked: Any) -> bool:
    if key.endswith("Date"):
        return parse_mimecast_date(answered) == parse_mimecast_date(asked) is not None
    if key.endswith(("Value", "emailAddress", "emailDomain", "headerDisplayName")):
        return isinstance(answered, str) and _same_address(answered, asked)
    return answered == asked


def _shown(value: Any) -> str:
    return excerpt(json.dumps(value, ensure_ascii=False), 200)


def _shown_id(message_id: str) -> str:
    return excerpt(message_id, MESSAGE_ID_SHOWN_CHARS)


_JSON_CONTENT = {"Content-Type": "application/json"}


def _json_body(path: str, envelope: dict) -> bytes:
    """The request body as UTF-8 JSON; text that UTF-8 cannot carry is refused here, before anything is sent.

    Not a parameter error: a value may also come from an earlier answer (a tracking id, a page token), and the
    connector must not stop for good on one of those.
    """
    try:
        return json.dumps(envelope, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        field, character = _lone_surrogate(envelope) or ("", exc.object[exc.start : exc.start + 1])
        where = f'the value of "{field}"' if field else "a value"
        raise MimecastUnsendableRequestError(
            f"The request to {path} was not sent: {where} contains a lone surrogate (U+{ord(character):04X}), a code "
            "point that is not a character and cannot be sent as UTF-8 JSON. Remove it from the parameter it came "
            "from (text pasted from a broken source can hold one) and run it again."
        ) from None
    except ValueError:
        raise MimecastUnsendableRequestError(
            f"The request to {path} was not sent: it holds a value JSON cannot carry (such as NaN or infinity)."
        ) from None


def _lone_surrogate(value: Any, field: str = "") -> tuple[str, str] | None:
    """The first (field, character) of `value` whose text holds a lone surrogate; a key is its own field."""
    if isinstance(value, str):
        found = next((ch for ch in value if 0xD800 <= ord(ch) <= 0xDFFF), None)
        return (field, found) if found else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _lone_surrogate(key, _printable(str(key), 60)) or _lone_surrogate(item, str(key))
            if found:
                return found
    if isinstance(value, list | tuple):
        for item in value:
            found = _lone_surrogate(item, field)
            if found:
                return found
    return None


def _no_time_to_wait(wait_s: float, remaining_s: float) -> str:
    """Why a rate-limit wait does not fit the run: the wait itself, or the wait with the request after it."""
    left = max(remaining_s, 0.0)
    if wait_s >= left:
        return f"longer than the {left:.1f} s left in the run"
    return f"and the {left:.1f} s left in the run are too little to wait, send the request and read its answer"


def _no_redirect_target(response: requests.Response) -> None:
    return None


def _redirect_error(path: str, response: requests.Response, *, write: bool) -> MimecastRedirectError:
    unknown = (
        " It is unknown whether the server at the API Root applied it; check the item in Mimecast before running "
        "the action again."
        if write
        else ""
    )
    return MimecastRedirectError(
        f"The API Root answered {path} with HTTP {response.status_code}, a redirect {_redirect_target(response)}. "
        "Redirects are never followed, so nothing was sent there. Check that the API Root is Mimecast's API host "
        f"itself, such as {DEFAULT_API_ROOT}, and not an address that forwards to it.{unknown}"
    )


def _redirect_target(response: requests.Response) -> str:
    """Where a redirect points, as scheme://host:port only: its user name, password, path and query may be secret."""
    location = response.headers.get("Location", "").strip()
    if not location:
        return "without a Location header"
    try:
        parts = urlsplit(urljoin(response.url or "", location))
        host = parts.hostname
    except ValueError:
        return "to an address that is not a valid URL"
    if not host:
        return "to an address without a host"
    try:
        port = parts.port
    except ValueError:
        port = None
    shown_host = f"[{host}]" if ":" in host else host
    return "to " + _printable(f"{parts.scheme}://{shown_host}{f':{port}' if port else ''}")


def _printable(text: str, limit: int = 80) -> str:
    """Untrusted text for a message: control characters and lone surrogates escaped, bounded."""
    return excerpt("".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text), limit)


def _outcome_unknown(path: str, how: str) -> MimecastOutcomeUnknownError:
    return MimecastOutcomeUnknownError(
        f"{path} was sent to Mimecast but {how}, so it is unknown whether Mimecast applied it; it was not retried. "
        "Check the item in Mimecast before running the action again."
    )


def _describe_body(response: requests.Response) -> str:
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip() or "no content type"
    return f"HTTP {response.status_code}, {content_type}, {len(response.content)} bytes"


def _item_or(body: dict, fallback: dict) -> dict:
    data = body.get("data")
    return data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else fallback


def _normalise_api_root(api_root: str) -> str:
    """The API Root without a trailing slash; a value no request could be sent to is refused here, before any call."""
    root = api_root.strip().rstrip("/")
    # Checked first, and the value is not shown: the part before "@" or a query may be a password or a key.
    if "@" in root:
        raise MimecastConfigurationError(
            f'"{API_ROOT}" must not contain a user name or password (a "name:password@" part before the host); '
            "Mimecast is authenticated with the instance's API 2.0 or API 1.0 fields. The value is not shown here. "
            f"Use the URL of Mimecast's API alone, such as {DEFAULT_API_ROOT}."
        )
    if "?" in root or "#" in root:
        raise MimecastConfigurationError(
            f'"{API_ROOT}" must not contain a query ("?...") or a fragment ("#..."): every call appends its own '
            f"path to it. The value is not shown here. Use the URL of Mimecast's API alone, such as {DEFAULT_API_ROOT}."
        )
    if not root.lower().startswith(("https://", "http://")):
        raise MimecastConfigurationError(
            f'"{API_ROOT}" must be a URL such as {DEFAULT_API_ROOT} (got "{_printable(root)}").'
        )
    if not is_usable_url(root):
        raise MimecastConfigurationError(
            f'"{API_ROOT}" is not a usable URL (got "{_printable(root)}"): it needs a valid host name and, if it has '
            f"one, a port from 1 to 65535. Use the URL of Mimecast's API, such as {DEFAULT_API_ROOT}."
        )
    return root


def is_usable_url(url: str) -> bool:
    """Whether requests can send to `url`: a valid host (labels of at most 63 characters), a port from 1 to 65535."""
    if "\\" in url:
        # Parsers disagree on a backslash (some read it as "/"), so the host could be read two ways.
        return False
    try:
        requests.models.PreparedRequest().prepare_url(url, None)
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port
    except (requests.exceptions.RequestException, ValueError):
        return False
    return bool(host) and len(host) <= 253 and all(len(label) <= 63 for label in host.split(".")) and port != 0


def _json_or_none(response: requests.Response) -> Any:
    try:
        return json.loads(response.content) if response.content else None
    except ValueError:
        return None


def _meta_status(body: Any) -> int | None:
    meta = body.get("meta") if isinstance(body, dict) else None
    status = meta.get("status") if isinstance(meta, dict) else None
    return status if isinstance(status, int) else None


def _fail_details(body: Any) -> tuple[MimecastErrorDetail, ...]:
    """Every error in `fail[]`: entries with `errors[]`, bare `{code, message}` entries, or a string."""
    if not isinstance(body, dict):
        return ()
    fail = body.get("fail")
    if not fail:
        return ()
    if isinstance(fail, str):
        return (MimecastErrorDetail("", fail),)
    entries = fail if isinstance(fail, list) else [fail]
    details: list[MimecastErrorDetail] = []
    for entry in entries:
        if not isinstance(entry, dict):
            details.append(MimecastErrorDetail("", str(entry)))
            continue
        errors = entry.get("errors")
        about_item = entry.get("key") is not None
        for error in errors if isinstance(errors, list) and errors else [entry]:
            if isinstance(error, dict):
                details.append(
                    MimecastErrorDetail(
                        str(error.get("code") or ""),
                        str(error.get("message") or ""),
                        str(error.get("field") or ""),
                        about_item,
                    )
                )
    return tuple(detail for detail in details if detail.code or detail.message)


def _first_item(body: dict, path: str) -> dict:
    data = body.get("data")
    if not isinstance(data, list) or not data or not isinstance(data[0], dict):
        raise MimecastResponseError(f"Mimecast's answer to {path} contained no data item.", path=path)
    return data[0]


def _archive_items(body: dict) -> list[dict]:
    """`data[0].items` as observed; the documented flat `data[]` of messages is accepted too."""
    data = body.get("data")
    if not isinstance(data, list):
        raise MimecastResponseError(
            f"Mimecast's answer to {PATH_ARCHIVE_SEARCH} has no data list.", path=PATH_ARCHIVE_SEARCH
        )
    if data and isinstance(data[0], dict) and "items" in data[0]:
        items = data[0]["items"]
        return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
    return [item for item in data if isinstance(item, dict)]


def _next_page_token(body: dict) -> str | None:
    meta = body.get("meta")
    pagination = meta.get("pagination") if isinstance(meta, dict) else None
    token = pagination.get("next") if isinstance(pagination, dict) else None
    return token if isinstance(token, str) and token else None


def _int_header(response: requests.Response, name: str) -> int | None:
    try:
        return int(float(response.headers[name]))
    except (KeyError, ValueError):
        return None


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and everything it wraps (requests -> urllib3 MaxRetryError -> reason -> ...)."""
    seen: list[BaseException] = []
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.append(current)
        pending.extend(
            candidate
            for candidate in (
                current.__cause__,
                current.__context__,
                getattr(current, "reason", None),
                *getattr(current, "args", ()),
            )
            if isinstance(candidate, BaseException)
        )
    return seen


def _is_dns_failure(exc: BaseException) -> bool:
    return any(isinstance(cause, NameResolutionError) for cause in _causes(exc))


def _proxy_refused_credentials(exc: BaseException) -> bool:
    """A CONNECT tunnel the proxy answered with 407 (http.client words it "Tunnel connection failed: 407 ...")."""
    return any(isinstance(cause, OSError) and "failed: 407" in str(cause) for cause in _causes(exc))


def _proxy_authentication_error(path: str) -> MimecastConfigurationError:
    return MimecastConfigurationError(
        f"The proxy refused to forward {path} to Mimecast (HTTP 407 Proxy Authentication Required). Check the "
        "proxy's username and password. Nothing reached Mimecast."
    )


def _may_have_been_sent(exc: requests.exceptions.RequestException) -> bool:
    """False only when the request certainly never reached Mimecast (no connection was made)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout | requests.exceptions.SSLError):
        return False
    return not any(isinstance(c, NewConnectionError | ProxyError | SSLError) for c in _causes(exc))


# OpenSSL's reasons when what answered the TLS handshake was not TLS (e.g. a plain-HTTP server's "HTTP/1.1 400").
_NOT_TLS_REASONS = frozenset(
    {"WRONG_VERSION_NUMBER", "UNKNOWN_PROTOCOL", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG", "HTTP_REQUEST"}
)


def _tls_error(root: str, exc: BaseException) -> MimecastTLSError:
    """What went wrong in TLS, as it happened: the certificate, a server that does not speak TLS, or the handshake."""
    failures = [cause for cause in _causes(exc) if isinstance(cause, ssl.SSLError)]
    unverified = next((cause for cause in failures if isinstance(cause, ssl.SSLCertVerificationError)), None)
    check = f"Check the API Root: Mimecast's API is reached with https:// at its API host, such as {DEFAULT_API_ROOT}."
    if unverified is not None:
        return MimecastTLSError(
            f'TLS certificate verification failed for the API Root "{root}": '
            f"{unverified.verify_message or 'the certificate could not be verified'}. Check the API Root; clear "
            f'"{VERIFY_SSL}" only for a server whose certificate you trust.'
        )
    reason = next((found for found in map(_ssl_reason, failures) if found), "")
    if reason in _NOT_TLS_REASONS:
        return MimecastTLSError(
            f'The server at the API Root "{root}" does not speak TLS: its answer to the TLS handshake was not TLS '
            f"({_ssl_text(failures[0])}), as from a plain-HTTP server. {check}"
        )
    if reason == "UNEXPECTED_EOF_WHILE_READING" or any(isinstance(cause, ssl.SSLEOFError) for cause in failures):
        return MimecastTLSError(
            f'The server at the API Root "{root}" closed the connection during the TLS handshake. {check}'
        )
    what = _ssl_text(failures[0]) if failures else "the TLS connection could not be set up"
    return MimecastTLSError(f'The TLS handshake with the API Root "{root}" failed: {what}. {check}')


def _ssl_reason(error: ssl.SSLError) -> str:
    """OpenSSL's reason code (`WRONG_VERSION_NUMBER`), from the error or its text."""
    reason = getattr(error, "reason", None)
    if reason:
        return str(reason)
    found = re.search(r"\[SSL: ([A-Z0-9_]+)\]", str(error))
    return found.group(1) if found else ""


def _ssl_text(error: ssl.SSLError) -> str:
    """OpenSSL's words for the failure, without its code and source location ("wrong version number")."""
    text = error.args[1] if len(error.args) > 1 and isinstance(error.args[1], str) else str(error)
    text = re.sub(r"^\[SSL: [A-Z0-9_]+\]\s*", "", text)
    return re.sub(r"\s*\(_ssl\.c:\d+\)$", "", text).strip() or "no reason given"


def _accepts_tls_handshake(host: str, port: int, timeout_s: float) -> bool:
    """Whether host:port answers a TLS handshake as a TLS server. Nothing but the handshake is sent."""
    # Only a probe: no data follows the handshake, so the server is not verified.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with (
            socket.create_connection((host, port), timeout=timeout_s) as connection,
            context.wrap_socket(connection, server_hostname=host),
        ):
            return True
    except ssl.SSLError as exc:
        # A TLS alert (handshake failure, protocol version): the server answered in TLS.
        return "ALERT" in _ssl_reason(exc)
    except (OSError, ValueError, UnicodeError):
        return False
