"""Mimecast's operations, in the language of the product: each public method is one thing Mimecast does,
taking and returning data models. HTTP is the transport's (MimecastTransport); how a failure is worded is
MimecastReasons'; whether an answer confirms a write is MimecastConfirmation's.
"""

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import MimecastReasons as reasons
from MimecastAuth import Credentials, TokenStore
from MimecastConfirmation import (
    REJECT,
    RELEASE,
    REPORT,
    SANDBOX,
    MessageWords,
    confirmed,
    confirmed_if_answered,
    managed_sender_differences,
    not_internal_recipient,
    policy_differences,
    write_not_confirmed,
)
from MimecastConnection import Connection, read_connection
from MimecastConstants import (
    ARCHIVE_MAX_PAGE_SIZE,
    AUTH_API1,
    PATH_ARCHIVE_SEARCH,
    PATH_CREATE_BLOCKED_SENDER_POLICY,
    PATH_GET_ACCOUNT,
    PATH_HOLD_MESSAGE_LIST,
    PATH_HOLD_REJECT,
    PATH_HOLD_RELEASE,
    PATH_MESSAGE_FINDER_SEARCH,
    PATH_MESSAGE_INFO,
    PATH_PERMIT_OR_BLOCK_SENDER,
    PATH_RELEASE_TO_SANDBOX,
    PATH_REPORT_MESSAGE,
)
from MimecastDataModels import (
    ArchiveEmail,
    BlockedSenderPolicy,
    HeldQueueEntry,
    ManagedSender,
    MessageInfo,
    MessageOutcome,
    MimecastAccount,
    PolicyAddress,
    TrackedEmail,
    utc_timestamp,
)
from MimecastEnvelope import envelope, first_item, item_or, json_body, next_page_token
from MimecastExceptions import MimecastApiError
from MimecastFinderOperations import FinderOperations
from MimecastResponseOperations import MimecastResponseOperations
from MimecastSecrets import Secrets
from MimecastServerTime import ServerClock
from MimecastTransport import CONNECT_TIMEOUT_S, READ_TIMEOUT_S, Logger, SilentLogger, Transport

__all__ = ["ARCHIVE_MAX_PAGE_SIZE", "MimecastManager", "utc_timestamp"]

HOLD_LIST_PAGE_SIZE = 500
_FORBIDDEN_FOR_ADDRESS = "err_xdk_operation_forbidden_for_address"


class MimecastManager(FinderOperations, MimecastResponseOperations):
    def __init__(
        self,
        connection: Connection,
        *,
        secrets: Secrets | None = None,
        logger: Logger | None = None,
        deadline: float | None = None,
        token_store: TokenStore | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        connect_timeout: float = CONNECT_TIMEOUT_S,
        read_timeout: float = READ_TIMEOUT_S,
        pool_size: int = 10,
    ) -> None:
        """`deadline` is a `monotonic()` instant after which no request may still be running; `secrets` is the
        run's registry, which the Manager adds its tokens to (a registry of its own when not given)."""
        self.connection = connection
        self.secrets = secrets if secrets is not None else Secrets(*connection.credentials.secrets)
        self._logger = logger or SilentLogger()
        self._transport = Transport(
            connection,
            secrets=self.secrets,
            logger=self._logger,
            deadline=deadline,
            token_store=token_store,
            sleep=sleep,
            monotonic=monotonic,
            wall_clock=wall_clock,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            pool_size=pool_size,
        )

    @classmethod
    def from_configuration(cls, configuration: Mapping[str, object], **kwargs: Any) -> "MimecastManager":
        """Build from the integration instance's configuration (its API Root, credentials and Verify SSL)."""
        secrets = kwargs.pop("secrets", None) or Secrets()
        return cls(read_connection(configuration, secrets), secrets=secrets, **kwargs)

    @property
    def api_root(self) -> str:
        return self.connection.api_root

    @property
    def credentials(self) -> Credentials:
        return self.connection.credentials

    @property
    def auth_mode(self) -> str:
        return self.connection.auth_mode

    @property
    def request_count(self) -> int:
        return self._transport.request_count

    @property
    def server_clock(self) -> ServerClock:
        return self._transport.server_clock

    def close(self) -> None:
        self._transport.close()

    def get_account(self) -> MimecastAccount:
        body = self._request(PATH_GET_ACCOUNT)
        return MimecastAccount.from_json(first_item(body, PATH_GET_ACCOUNT))

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
        tracked = item_or(body, {}).get("trackedEmails")
        if not isinstance(tracked, list):
            raise reasons.no_data(PATH_MESSAGE_FINDER_SEARCH, "has no trackedEmails list")
        return [TrackedEmail.from_json(entry) for entry in tracked if isinstance(entry, dict) and entry.get("id")]

    def get_message_info(self, tracking_id: str) -> MessageInfo:
        body = self._request(PATH_MESSAGE_INFO, [{"id": tracking_id}])
        return MessageInfo.from_json(first_item(body, PATH_MESSAGE_INFO))

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
        raise reasons.held_queue_too_large(
            PATH_HOLD_MESSAGE_LIST, utc_timestamp(start), utc_timestamp(end), max_pages * page_size
        )

    # Triage: held messages, reports, managed senders, Blocked Senders policies

    def release_held_message(self, held_message_id: str) -> MessageOutcome:
        """Release a held message by its held-queue id (`release: false` means it is not held)."""
        body = self._message_write(PATH_HOLD_RELEASE, [{"id": held_message_id}], held_message_id, RELEASE)
        return confirmed(body, held_message_id, "release", RELEASE, PATH_HOLD_RELEASE)

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
        body = self._message_write(PATH_HOLD_REJECT, [item], held_message_id, REJECT)
        return confirmed(body, held_message_id, "reject", REJECT, PATH_HOLD_REJECT)

    def release_held_message_to_sandbox(self, message_id: str) -> MessageOutcome:
        """API 1.0 only. Mimecast answers no item on success; the result then says what was released."""
        self._require_api1("Release To Sandbox", PATH_RELEASE_TO_SANDBOX, "; the message stays held")
        body = self._message_write(PATH_RELEASE_TO_SANDBOX, [{"id": message_id}], message_id, SANDBOX)
        fallback = {"id": message_id, "release": True, "sandbox": True}
        return confirmed_if_answered(body, message_id, "release", SANDBOX, PATH_RELEASE_TO_SANDBOX, fallback)

    def report_message(self, message_id: str, report_type: str, comment: str | None = None) -> MessageOutcome:
        """API 1.0 only: report a message as `spam`, `malware` or `phishing`."""
        self._require_api1("Report Message", PATH_REPORT_MESSAGE, "")
        item = {"id": message_id, "type": report_type}
        if comment:
            item["comment"] = comment
        body = self._message_write(PATH_REPORT_MESSAGE, [item], message_id, REPORT)
        fallback = {"id": message_id, "type": report_type, "reported": True}
        return confirmed_if_answered(body, message_id, "reported", REPORT, PATH_REPORT_MESSAGE, fallback)

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
        created = first_item(body, PATH_CREATE_BLOCKED_SENDER_POLICY)
        differences = policy_differences(option, policy, created)
        if differences:
            raise write_not_confirmed(
                PATH_CREATE_BLOCKED_SENDER_POLICY,
                f"does not confirm the policy asked for: it answered {'; '.join(differences)}",
                "the Blocked Senders policies",
            )
        return BlockedSenderPolicy.from_json(created)

    def _manage_sender(self, sender: str, recipient: str, action: str) -> ManagedSender:
        item = {"sender": sender, "to": recipient, "action": action}
        try:
            body = self._request(PATH_PERMIT_OR_BLOCK_SENDER, [item], write=True)
        except MimecastApiError as exc:
            if _FORBIDDEN_FOR_ADDRESS not in exc.codes:
                raise
            raise not_internal_recipient(exc) from None
        entry = ManagedSender.from_json(first_item(body, PATH_PERMIT_OR_BLOCK_SENDER))
        differences = managed_sender_differences(entry, action, sender, recipient)
        if differences:
            raise write_not_confirmed(
                PATH_PERMIT_OR_BLOCK_SENDER,
                f"does not confirm the {action.title()} entry asked for: it answered {'; '.join(differences)}",
                f"the managed senders of {recipient}",
            )
        return entry

    def _message_write(self, path: str, data: list[dict], message_id: str, words: MessageWords) -> dict:
        """A write about one message; Mimecast's item-level refusal is explained as the message's state."""
        try:
            return self._request(path, data, write=True)
        except MimecastApiError as exc:
            about_item = bool(exc.details) and all(detail.about_item for detail in exc.details)
            if type(exc) is not MimecastApiError or (exc.http_status or 0) >= 400 or not about_item:
                raise
            raise words.refused(message_id, path, self._transport.said(exc.details), exc) from None

    def _require_api1(self, function: str, path: str, consequence: str) -> None:
        """Fail before any call when `path` does not exist for the configured API generation."""
        if self.connection.auth_mode != AUTH_API1:
            raise reasons.api1_only(function, path, consequence)

    def _page(self, path: str, item: dict, page_size: int, token: str | None) -> tuple[dict, str | None]:
        """One page of a paged function: the body and the token of the next page (None on the last)."""
        pagination: dict[str, Any] = {"pageSize": page_size, **({"pageToken": token} if token else {})}
        body = self._request(path, [item], {"pagination": pagination})
        return body, next_page_token(body)

    def _request(
        self, path: str, data: list[dict] | None = None, meta: dict | None = None, *, write: bool = False
    ) -> dict:
        """POST `{"meta", "data"}` to `path` and return the parsed body, or raise a typed error."""
        return self._transport.request(path, json_body(path, envelope(data, meta)), write=write)


def _archive_items(body: dict) -> list[dict]:
    """`data[0].items` as observed; the documented flat `data[]` of messages is accepted too."""
    data = body.get("data")
    if not isinstance(data, list):
        raise reasons.no_data(PATH_ARCHIVE_SEARCH, "has no data list")
    if data and isinstance(data[0], dict) and "items" in data[0]:
        items = data[0]["items"]
        return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
    return [item for item in data if isinstance(item, dict)]
