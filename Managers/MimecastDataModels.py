"""Small data models built from Mimecast's JSON; each owns its serialisation for SOAR."""

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
