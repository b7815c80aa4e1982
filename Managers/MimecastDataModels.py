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
