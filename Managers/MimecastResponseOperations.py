"""Mimecast's delivered-message response, in the product's language: remediation incidents that pull a delivered
message out of mailboxes, managed URLs (URL Protect) and the Blocked Senders policies listed and deleted.

A mixin of MimecastManager: it uses the Manager's one request helper (`_request`) and answers data models.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from MimecastConfirmation import (
    MANAGED_URLS,
    POLICIES,
    REMEDIATION_INCIDENTS,
    incident_created,
    is_not_found,
    managed_otherwise,
    managed_url_differences,
    not_found,
    policy_deleted,
    where_to_check,
    write_not_confirmed,
)
from MimecastConstants import (
    PATH_CREATE_MANAGED_URL,
    PATH_CREATE_REMEDIATION,
    PATH_DELETE_BLOCKED_SENDER_POLICY,
    PATH_GET_BLOCKED_SENDER_POLICY,
    PATH_GET_REMEDIATION_INCIDENT,
    PATH_LIST_MANAGED_URLS,
)
from MimecastDataModels import utc_timestamp
from MimecastEnvelope import first_item, items, next_page_token
from MimecastExceptions import MimecastApiError, MimecastError
from MimecastResponseModels import ListedPolicy, ManagedUrl, RemediationIncident

# The largest page peers ask get-policy and get-all-managed-urls for.
RESPONSE_PAGE_SIZE = 100
# How many pages of managed URLs are read to find the entry a duplicate refers to.
MANAGED_URL_LOOKUP_PAGES = 5
MANAGED_URL_EXISTS = "err_managed_url_exists_code"
# What a remediation incident looks for: Mimecast's searchBy value, and the field that carries it.
REMEDIATION_FIELDS = {"messageId": "hashOrMessageId", "hash": "hashOrMessageId", "url": "url"}


class MimecastResponseOperations:
    if TYPE_CHECKING:

        def _request(
            self, path: str, data: list[dict] | None = None, meta: dict | None = None, *, write: bool = False
        ) -> dict: ...

    # Threat remediation

    def remediate_message(
        self, search_by: str, value: str, reason: str, *, start: datetime | None = None, end: datetime | None = None
    ) -> RemediationIncident:
        """Create a remediation incident that removes every delivered copy matching `value`: an Internet
        Message-ID in `<...>` (`messageId`), an attachment hash (`hash`) or a URL in the message (`url`)."""
        item: dict[str, Any] = {"reason": reason, "searchBy": search_by, REMEDIATION_FIELDS[search_by]: value}
        if start is not None:
            item["start"] = utc_timestamp(start)
        if end is not None:
            item["end"] = utc_timestamp(end)
        body = self._write(PATH_CREATE_REMEDIATION, [item], REMEDIATION_INCIDENTS)
        return incident_created(body, PATH_CREATE_REMEDIATION)

    def get_remediation_incident(self, incident_id: str) -> RemediationIncident:
        """The incident with its counts as of now (they rise while Mimecast works through the copies)."""
        try:
            body = self._request(PATH_GET_REMEDIATION_INCIDENT, [{"id": incident_id}])
        except MimecastApiError as exc:
            if not is_not_found(exc):
                raise
            hint = " (give the incident's id from Remediate Message's JSON result, not its code)"
            raise not_found("remediation incident", incident_id, PATH_GET_REMEDIATION_INCIDENT, exc, hint) from None
        return RemediationIncident.from_json(first_item(body, PATH_GET_REMEDIATION_INCIDENT))

    # Managed URLs

    def manage_url(
        self,
        url: str,
        action: str,
        *,
        match_type: str,
        comment: str | None = None,
        disable_log_click: bool = False,
        disable_rewrite: bool = False,
        disable_user_awareness: bool = False,
    ) -> tuple[ManagedUrl, bool]:
        """Block or permit `url` (`match_type` explicit: that URL; domain: its whole domain). The entry, and
        whether it existed already: Mimecast keeps an existing entry (it has no update), which is reported."""
        item: dict[str, Any] = {
            "url": url,
            "action": action,
            "matchType": match_type,
            "disableLogClick": disable_log_click,
        }
        if comment:
            item["comment"] = comment
        if action == "permit":
            # Mimecast's page: rewriting and user awareness can be switched off for permitted URLs only.
            item.update(disableRewrite=disable_rewrite, disableUserAwareness=disable_user_awareness)
        try:
            body = self._write(PATH_CREATE_MANAGED_URL, [item], MANAGED_URLS)
        except MimecastApiError as exc:
            if MANAGED_URL_EXISTS not in exc.codes:
                raise
            existing = self._existing_managed_url(url, match_type) or ManagedUrl.from_json(dict(item))
            if existing.action and existing.action != action:
                raise managed_otherwise(url, existing, action, exc) from None
            return existing, True
        entry = ManagedUrl.from_json(first_item(body, PATH_CREATE_MANAGED_URL))
        differences = managed_url_differences(entry, action, match_type)
        if differences:
            raise write_not_confirmed(
                PATH_CREATE_MANAGED_URL,
                f"does not confirm the {action} entry asked for: it answered {'; '.join(differences)}",
                MANAGED_URLS,
            )
        return entry, False

    def _existing_managed_url(self, url: str, match_type: str) -> ManagedUrl | None:
        """The entry a duplicate refers to, looked up by its domain; None when it is not found in a few pages."""
        domain = _domain_of(url)
        token: str | None = None
        for _ in range(MANAGED_URL_LOOKUP_PAGES):
            pagination: dict[str, Any] = {"pageSize": RESPONSE_PAGE_SIZE, **({"pageToken": token} if token else {})}
            body = self._request(PATH_LIST_MANAGED_URLS, [{"domainOrUrl": domain}], {"pagination": pagination})
            for entry in (ManagedUrl.from_json(item) for item in items(body)):
                if _same_managed_url(entry, url, match_type):
                    return entry
            token = next_page_token(body)
            if not token:
                break
        return None

    # Blocked Senders policies

    def list_blocked_sender_policies(self, max_policies: int, policy_id: str | None = None) -> list[ListedPolicy]:
        """Every Blocked Senders policy (up to `max_policies`), or the one with `policy_id`. Whether Mimecast pages
        get-policy is not documented: `next` is followed when it answers one, and an unpaged answer is all."""
        if policy_id:
            try:
                body = self._request(PATH_GET_BLOCKED_SENDER_POLICY, [{"id": policy_id}])
            except MimecastApiError as exc:
                if not is_not_found(exc):
                    raise
                raise not_found("block sender policy", policy_id, PATH_GET_BLOCKED_SENDER_POLICY, exc) from None
            return [ListedPolicy.from_json(item) for item in items(body) if item.get("id") == policy_id][:1]
        policies: list[ListedPolicy] = []
        token: str | None = None
        while len(policies) < max_policies:
            size = min(max_policies - len(policies), RESPONSE_PAGE_SIZE)
            pagination: dict[str, Any] = {"pageSize": size, **({"pageToken": token} if token else {})}
            body = self._request(PATH_GET_BLOCKED_SENDER_POLICY, [], {"pagination": pagination})
            page = [ListedPolicy.from_json(item) for item in items(body)]
            policies.extend(page[: max_policies - len(policies)])
            next_token = next_page_token(body)
            if not page or not next_token or next_token == token:
                break
            token = next_token
        return policies

    def delete_blocked_sender_policy(self, policy_id: str) -> None:
        """Delete the policy; Mimecast echoes its ID. An unknown ID is a 404 carried in `meta.status` alone."""
        try:
            body = self._write(PATH_DELETE_BLOCKED_SENDER_POLICY, [{"id": policy_id}], POLICIES)
        except MimecastApiError as exc:
            if not is_not_found(exc):
                raise
            hint = " (it may have been deleted already); nothing was deleted"
            raise not_found("block sender policy", policy_id, PATH_DELETE_BLOCKED_SENDER_POLICY, exc, hint) from None
        policy_deleted(body, policy_id, PATH_DELETE_BLOCKED_SENDER_POLICY)

    def _write(self, path: str, data: list[dict], check: str) -> dict:
        """A write, never retried blindly; when its outcome is unknown the failure says where to look (`check`)."""
        try:
            return self._request(path, data, write=True)
        except MimecastError as exc:
            raise where_to_check(exc, check) from None


def _domain_of(url: str) -> str:
    rest = url.split("://", 1)[-1]
    host = rest.split("/", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1]
    return host.split(":", 1)[0].lower()


def _same_managed_url(entry: ManagedUrl, url: str, match_type: str) -> bool:
    if entry.match_type and entry.match_type != match_type:
        return False
    if match_type == "domain":
        return entry.url.lower() == _domain_of(url)
    return _comparable(entry.url) == _comparable(url)


def _comparable(url: str) -> str:
    """A URL as managed entries are matched: scheme and host in lower case, without a trailing slash."""
    scheme, _, rest = url.strip().rpartition("://")
    host, slash, path = rest.partition("/")
    return f"{(scheme or 'http').lower()}://{host.lower()}{slash}{path}".rstrip("/")
