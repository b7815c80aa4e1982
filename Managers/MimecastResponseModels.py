"""Data models of the delivered-message response: remediation incidents, managed URLs, listed policies."""

from typing import Any, NamedTuple

from MimecastDataModels import BlockedSenderPolicy


def _count(item: dict[str, Any], key: str) -> int:
    value = item.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


class RemediationIncident(NamedTuple):
    """A threat remediation incident: what it looks for, and how many copies it identified, removed, failed."""

    id: str
    code: str
    type: str
    reason: str
    identified: int
    removed: int
    failed: int
    restored: int
    raw: dict[str, Any]

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> "RemediationIncident":
        return cls(
            _text(item.get("id")),
            _text(item.get("code")),
            _text(item.get("type")),
            _text(item.get("reason")),
            _count(item, "identified"),
            _count(item, "successful"),
            _count(item, "failed"),
            _count(item, "restored"),
            item,
        )

    @property
    def pending(self) -> int:
        """Identified copies not yet removed or failed: Mimecast works through them after creating the incident."""
        return max(self.identified - self.removed - self.failed, 0)

    @property
    def criteria(self) -> dict[str, Any]:
        criteria = self.raw.get("searchCriteria")
        return criteria if isinstance(criteria, dict) else {}

    def to_json(self) -> dict[str, Any]:
        return self.raw

    def to_table(self) -> dict[str, Any]:
        criteria = self.criteria
        return {
            "ID": self.id,
            "Code": self.code,
            "Type": self.type,
            "Reason": self.reason,
            "Identified": self.identified,
            "Removed": self.removed,
            "Failed": self.failed,
            "Restored": self.restored,
            "Pending": self.pending,
            "Message ID": _text(criteria.get("messageId")),
            "File Hash": _text(criteria.get("fileHash")),
            "URL": _text(criteria.get("url")),
            # get-incident's page names the window's start `date`; the other pages and peers `start`.
            "Start": _text(criteria.get("start") or criteria.get("date")),
            "End": _text(criteria.get("end")),
            "Created": _text(self.raw.get("create")),
            "Modified": _text(self.raw.get("modified")),
        }


class ManagedUrl(NamedTuple):
    """A URL Protect entry: a URL (or its whole domain) that Mimecast blocks or permits."""

    id: str
    action: str
    match_type: str
    raw: dict[str, Any]

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> "ManagedUrl":
        return cls(_text(item.get("id")), _text(item.get("action")), _text(item.get("matchType")), item)

    @property
    def url(self) -> str:
        """The entry's URL, from the parts Mimecast answers (`port` -1 when none was given)."""
        raw = self.raw
        domain = _text(raw.get("domain"))
        if self.match_type == "domain":
            return domain
        port = raw.get("port")
        shown_port = f":{port}" if isinstance(port, int) and port not in (-1, 0) else ""
        query = _text(raw.get("queryString"))
        scheme = _text(raw.get("scheme"))
        prefix = f"{scheme}://" if scheme else ""
        return f"{prefix}{domain}{shown_port}{_text(raw.get('path'))}{'?' + query if query else ''}"

    def to_json(self) -> dict[str, Any]:
        return self.raw

    def to_table(self) -> dict[str, Any]:
        raw = self.raw
        return {
            "ID": self.id,
            "URL": self.url,
            "Action": self.action,
            "Match Type": self.match_type,
            "Comment": _text(raw.get("comment")),
            "Disable Log Click": raw.get("disableLogClick"),
            "Disable Rewrite": raw.get("disableRewrite"),
            "Disable User Awareness": raw.get("disableUserAwareness"),
        }


def _address(policy: dict[str, Any], side: str) -> tuple[str, str]:
    """(type, value) of a policy's from / to: the `from` / `to` object, else the legacy `fromType` / `fromValue`."""
    address = policy.get(side)
    if isinstance(address, dict):
        value = next((v for k, v in address.items() if k != "type" and isinstance(v, str) and v), "")
        return _text(address.get("type")), value
    return _text(policy.get(f"{side}Type")), _text(policy.get(f"{side}Value"))


class ListedPolicy(NamedTuple):
    """A Blocked Senders policy as get-policy lists it, with its case-wall row."""

    policy: BlockedSenderPolicy

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> "ListedPolicy":
        return cls(BlockedSenderPolicy.from_json(item))

    def to_json(self) -> dict[str, Any]:
        return self.policy.to_json()

    def to_table(self) -> dict[str, Any]:
        policy = self.policy.policy
        sender_type, sender = _address(policy, "from")
        recipient_type, recipient = _address(policy, "to")
        return {
            "ID": self.policy.id,
            "Response": self.policy.option,
            "Description": _text(policy.get("description")),
            "Sender Type": sender_type,
            "Sender": sender,
            "Recipient Type": recipient_type,
            "Recipient": recipient,
            "Extracted Data": _text(policy.get("fromPart")),
            "Enabled": policy.get("enabled"),
            "Enforced": policy.get("enforced"),
            "Start": "eternal" if policy.get("fromEternal") is True else _text(policy.get("fromDate")),
            "End": "eternal" if policy.get("toEternal") is True else _text(policy.get("toDate")),
        }
