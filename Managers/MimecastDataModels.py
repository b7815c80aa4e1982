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
