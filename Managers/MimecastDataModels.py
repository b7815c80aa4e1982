"""Small data models built from Mimecast's JSON; each owns its serialisation for SOAR."""

import html
import json
import re
from datetime import UTC, datetime
from typing import Any, NamedTuple


class MimecastAccount(NamedTuple):
    account_name: str
    account_code: str
    region: str
    raw: dict[str, Any]

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> "MimecastAccount":
        return cls(
            str(item.get("accountName") or ""),
            str(item.get("accountCode") or ""),
            str(item.get("region") or ""),
            item,
        )

    def to_json(self) -> dict[str, Any]:
        return self.raw


# Message tracking (the connector)

_MESSAGE_ID = re.compile(r"(?im)^message-id:\s*<([^<>\r\n]+)>")


def parse_mimecast_date(value: Any) -> datetime | None:
    """`2011-12-03T10:15:30+0000` (also `Z` / `+00:00`) as an aware UTC datetime; None when absent or malformed."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    text = text[:-1] + "+00:00" if text.endswith("Z") else text
    if re.search(r"[+-]\d{4}$", text):
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def utc_timestamp(value: datetime) -> str:
    """Mimecast's date format, e.g. 2011-12-03T10:15:30+0000 (four-digit year, which strftime does not pad)."""
    utc = value.astimezone(UTC)
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S}+0000"


def trimmed(value: Any) -> str:
    """A string value without surrounding whitespace; "" for anything else."""
    return value.strip() if isinstance(value, str) else ""


def dig(item: Any, *path: str) -> Any:
    """The value at `path` in nested dicts; None where a step is missing or not a dict."""
    for key in path:
        if not isinstance(item, dict):
            return None
        item = item.get(key)
    return item


class TrackedEmail(NamedTuple):
    """One `trackedEmails[]` entry of a message-finder search."""

    id: str
    status: str
    info: str
    route: str
    sender: str
    header_from: str
    sender_name: str
    recipients: tuple[tuple[str, str], ...]
    subject: str
    received: datetime | None
    sent: datetime | None
    sender_ip: str
    raw: dict[str, Any]

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> "TrackedEmail":
        recipients = tuple(
            (trimmed(entry.get("emailAddress")), trimmed(entry.get("displayableName")))
            for entry in item.get("to") or []
            if isinstance(entry, dict) and trimmed(entry.get("emailAddress"))
        )
        return cls(
            id=str(item.get("id") or ""),
            status=trimmed(item.get("status")).lower(),
            info=trimmed(item.get("info")),
            route=trimmed(item.get("route")).lower(),
            sender=trimmed(dig(item, "fromEnv", "emailAddress")),
            header_from=trimmed(dig(item, "fromHdr", "emailAddress")),
            sender_name=trimmed(dig(item, "fromHdr", "displayableName")),
            recipients=recipients,
            subject=str(item["subject"]) if isinstance(item.get("subject"), str) else "",
            received=parse_mimecast_date(item.get("received")),
            sent=parse_mimecast_date(item.get("sent")),
            sender_ip=trimmed(item.get("senderIP")),
            raw=item,
        )

    @property
    def recipient_addresses(self) -> tuple[str, ...]:
        return tuple(address for address, _ in self.recipients)

    def to_json(self) -> dict[str, Any]:
        return self.raw

    def to_table(self) -> dict[str, Any]:
        return {
            "Received": _when(self.received, self.raw.get("received")),
            "Status": self.status,
            "Route": self.route,
            "Info": self.info,
            "From": self.sender or self.header_from,
            "To": ", ".join(self.recipient_addresses),
            "Subject": self.subject,
            "Sender IP": self.sender_ip,
            "Tracking ID": self.id,
        }


class MessageInfo(NamedTuple):
    """`data[0]` of get-message-info: what the connector filters on, and the whole detail for the alert."""

    tracking_id: str
    status: str
    risk: str | None
    queue_reason: str | None
    queue_id: str | None
    queue_detail_status: str | None
    internet_message_id: str | None
    attachments: tuple[dict[str, Any], ...]
    delivered: dict[str, dict[str, Any]]
    raw: dict[str, Any]

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> "MessageInfo":
        risk = dig(item, "spamInfo", "spamProcessingDetail", "verdict", "risk")
        reason = dig(item, "queueInfo", "reason")
        queue_id = dig(item, "queueInfo", "id")
        detail_status = dig(item, "recipientInfo", "txInfo", "queueDetailStatus")
        message_info = dig(item, "recipientInfo", "messageInfo") or {}
        attachments = message_info.get("attachments") if isinstance(message_info, dict) else None
        delivered = item.get("deliveredMessage")
        return cls(
            tracking_id=str(item.get("id") or ""),
            status=trimmed(item.get("status")).lower(),
            risk=risk.strip().lower() if isinstance(risk, str) and risk.strip() else None,
            queue_reason=reason.strip() if isinstance(reason, str) and reason.strip() else None,
            queue_id=queue_id if isinstance(queue_id, str) and queue_id else None,
            queue_detail_status=detail_status if isinstance(detail_status, str) and detail_status else None,
            internet_message_id=internet_message_id(dig(message_info, "transmissionInfo")),
            attachments=tuple(a for a in attachments or [] if isinstance(a, dict)),
            delivered={k: v for k, v in delivered.items() if isinstance(v, dict)}
            if isinstance(delivered, dict)
            else {},
            raw=item,
        )

    def to_json(self) -> dict[str, Any]:
        return self.raw


def _when(parsed: datetime | None, raw: Any) -> str:
    return utc_timestamp(parsed) if parsed else trimmed(raw)


def internet_message_id(transmission_info: Any) -> str | None:
    """The Message-ID header (without <>) from Mimecast's HTML-escaped header dump, folded or not."""
    if not isinstance(transmission_info, str):
        return None
    found = _MESSAGE_ID.search(html.unescape(transmission_info).replace("\r\n", "\n"))
    return found.group(1).strip() if found else None


class HeldQueueEntry(NamedTuple):
    """One item of get-hold-message-list: `id` is what hold-release / hold-reject take."""

    id: str
    sender: str
    header_from: str
    recipient: str
    subject: str
    received: datetime | None
    reason: str
    raw: dict[str, Any]

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> "HeldQueueEntry":
        return cls(
            id=str(item.get("id") or ""),
            sender=trimmed(dig(item, "from", "emailAddress")),
            header_from=trimmed(dig(item, "fromHeader", "emailAddress")),
            recipient=trimmed(dig(item, "to", "emailAddress")),
            subject=str(item["subject"]) if isinstance(item.get("subject"), str) else "",
            received=parse_mimecast_date(item.get("dateReceived")),
            reason=trimmed(item.get("reason")),
            raw=item,
        )

    def to_json(self) -> dict[str, Any]:
        return self.raw

    def to_table(self) -> dict[str, Any]:
        return {
            "Received": _when(self.received, self.raw.get("dateReceived")),
            "Reason": self.reason,
            "From": self.sender or self.header_from,
            "To": self.recipient,
            "Subject": self.subject,
            "Held-queue ID": self.id,
        }


class MessageOutcome(NamedTuple):
    """Mimecast's answer about one message released, rejected or reported: the response item."""

    message_id: str
    raw: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return self.raw


class ManagedSender(NamedTuple):
    """A permit / block entry of a recipient's managed senders."""

    id: str
    sender: str
    recipient: str
    type: str
    raw: dict[str, Any]

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> "ManagedSender":
        return cls(
            str(item.get("id") or ""),
            str(item.get("sender") or ""),
            str(item.get("to") or ""),
            str(item.get("type") or ""),
            item,
        )

    def to_json(self) -> dict[str, Any]:
        return self.raw


# Blocked Senders policy address types that carry a value, and the field that holds it.
POLICY_ADDRESS_VALUE_FIELDS = {
    "individual_email_address": "emailAddress",
    "email_domain": "emailDomain",
    "header_display_name": "headerDisplayName",
}


class PolicyAddress(NamedTuple):
    """The `from` / `to` of a Blocked Senders policy: a type, and a value for the types that need one."""

    type: str
    value: str | None = None

    @property
    def needs_value(self) -> bool:
        return self.type in POLICY_ADDRESS_VALUE_FIELDS

    def to_json(self) -> dict[str, Any]:
        address: dict[str, Any] = {"type": self.type}
        if self.needs_value:
            address[POLICY_ADDRESS_VALUE_FIELDS[self.type]] = self.value
        return address


# What Mimecast answers for a Blocked Senders policy (create-policy's data[0], one item of get-policy).
POLICY_EXAMPLE = {
    "option": "block_sender",
    "id": "eNo1jrsOgjAAAP-lM0Npi4KJg_EFvoJIRd2wVCwoxRYkaPx3cXC",
    "policy": {
        "description": "Block Sender Policy from SecOps automation.",
        "fromPart": "both",
        "from": {"type": "individual_email_address", "emailAddress": "attacker@example.org"},
        "to": {"type": "everyone"},
        "fromType": "individual_email_address",
        "fromValue": "attacker@example.org",
        "toType": "everyone",
        "fromEternal": True,
        "toEternal": True,
        "fromDate": "1900-01-01T00:00:00+0000",
        "toDate": "2100-01-01T23:59:59+0000",
        "override": False,
        "bidirectional": True,
        "conditions": {},
        "enabled": True,
        "enforced": True,
        "createTime": "2025-04-04T11:41:23+0000",
        "lastUpdated": "2025-04-04T11:41:23+0000",
    },
}


class BlockedSenderPolicy(NamedTuple):
    """A Blocked Senders policy as Mimecast answers it: `option`, `id` and `policy{...}`."""

    id: str
    option: str
    policy: dict[str, Any]
    raw: dict[str, Any]

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> "BlockedSenderPolicy":
        policy = item.get("policy")
        return cls(
            str(item.get("id") or ""), str(item.get("option") or ""), policy if isinstance(policy, dict) else {}, item
        )

    def to_json(self) -> dict[str, Any]:
        return self.raw


class ArchiveEmail(NamedTuple):
    """One item of an archive search, exactly as Mimecast returned it (only the requested fields are present)."""

    id: str
    subject: str
    sender: str
    received: str
    raw: dict[str, Any]

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> "ArchiveEmail":
        return cls(
            str(item.get("id") or ""),
            str(item.get("subject") or ""),
            str(item.get("displayfromaddress") or item.get("displayfrom") or ""),
            str(item.get("receiveddate") or ""),
            item,
        )

    def to_json(self) -> dict[str, Any]:
        return self.raw

    def to_table(self) -> dict[str, Any]:
        """Every returned field; the recipient list as readable `Name <address>` entries."""
        row = dict(self.raw)
        recipients = row.get("displaytoaddresslist")
        if isinstance(recipients, list):
            row["displaytoaddresslist"] = "; ".join(_recipient(entry) for entry in recipients)
        return row


def _recipient(entry: Any) -> str:
    if not isinstance(entry, dict):
        return str(entry)
    address = str(entry.get("emailAddress") or "")
    name = str(entry.get("displayableName") or "")
    return f"{name} <{address}>" if name and name != address else address


# Table cells: the platform reads each table's CSV lines with a CSV reader (quoted cells, "" for a quote), so
# every cell is quoted and any value, commas, quotes and line breaks included, stays one cell of one row.
# A spreadsheet opening an exported table runs a cell that starts with one of these as a formula: such a
# cell gets a leading apostrophe, which marks it as text; the value follows it unchanged.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def table_lines(rows: list[dict[str, Any]]) -> list[str]:
    """A data table as the platform's CSV lines: the header (keys in first-seen order), then one line per row."""
    header: dict[str, None] = {}
    for row in rows:
        header.update(dict.fromkeys(row))
    return [",".join(map(_cell, header)), *(",".join(_cell(row.get(key)) for key in header) for row in rows)]


def _cell(value: Any) -> str:
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = "'" + value if value.startswith(FORMULA_STARTS) else value
    elif isinstance(value, dict | list):
        text = json.dumps(value)
    else:
        text = str(value)
    return '"' + text.replace('"', '""') + '"'
