"""Get Message Details' data model: one message's details, its held-queue ids, and its tables."""

from typing import Any, NamedTuple

from MimecastDataModels import MessageInfo, TrackedEmail, dig, trimmed


def _address(value: Any) -> str:
    """An address given as text (as get-message-info writes it) or as `{emailAddress}`."""
    return trimmed(value.get("emailAddress")) if isinstance(value, dict) else trimmed(value)


def tracked_email_of(info: MessageInfo) -> TrackedEmail:
    """The message as a search lists it (what the hold list is matched against); `processed` stands for received."""
    message = dig(info.raw, "recipientInfo", "messageInfo")
    message = message if isinstance(message, dict) else {}
    to = message.get("to")
    return TrackedEmail.from_json(
        {
            "id": info.tracking_id,
            "status": info.status,
            "fromEnv": {"emailAddress": _address(message.get("fromEnvelope"))},
            "fromHdr": {"emailAddress": _address(message.get("fromHeader"))},
            "to": [{"emailAddress": _address(entry)} for entry in to] if isinstance(to, list) else [],
            "subject": message.get("subject"),
            "received": message.get("processed") or message.get("sent"),
        }
    )


class MessageDetails(NamedTuple):
    """The details of one tracked message and, when it is held, (recipient, held-queue id) per recipient found."""

    info: MessageInfo
    held: tuple[tuple[str, str], ...] = ()
    # Why a held message has no held-queue id, when it has none.
    held_note: str = ""

    def to_json(self) -> dict[str, Any]:
        """Mimecast's item; a held message adds `heldMessages` [{recipient, id}] (what Release / Reject take)."""
        if self.info.status != "held":
            return self.info.raw
        return {**self.info.raw, "heldMessages": [{"recipient": to, "id": held_id} for to, held_id in self.held]}

    def to_table(self) -> list[dict[str, Any]]:
        """One row per recipient: how delivery went, the verdict, and the held-queue id when held."""
        held = dict(self.held)
        recipients = dict.fromkeys([*self.info.delivered, *tracked_email_of(self.info).recipient_addresses, *held])
        detail = self.info.queue_detail_status or self.info.queue_reason or ""
        return [
            {
                "Recipient": to,
                "Status": self.info.status,
                "Delivery": trimmed(dig(self.info.delivered.get(to), "deliveryMetaInfo", "deliveryEvent")) or detail,
                "Risk": self.info.risk or "",
                "Held-queue ID": held.get(to, ""),
                "Tracking ID": self.info.tracking_id,
            }
            for to in recipients
        ]

    def attachment_rows(self) -> list[dict[str, Any]]:
        """Attachments with their hashes, from whichever list Mimecast gave: `messageInfo.attachments`, else the
        receipt's components that are file attachments, else the transmission components that are not the body."""
        rows = [
            {
                "File Name": a.get("filename"),
                "Type": a.get("contentType"),
                "Size": a.get("size"),
                "Hash": a.get("sha256"),
            }
            for a in self.info.attachments
        ]
        if rows:
            return rows
        received = dig(self.info.raw, "recipientInfo", "recipientMetaInfo", "components")
        sent = dig(self.info.raw, "recipientInfo", "txInfo", "transmissionComponents")
        return [
            {"File Name": p.get("name"), "Type": p.get("mimeType"), "Size": p.get("size"), "Hash": p.get("hash")}
            for p in (received if isinstance(received, list) else [])
            if isinstance(p, dict) and p.get("type") == "File Attachment"
        ] or [
            {"File Name": p.get("fileName"), "Type": p.get("fileType"), "Size": p.get("txSize"), "Hash": p.get("hash")}
            for p in (sent if isinstance(sent, list) else [])
            if isinstance(p, dict) and not str(p.get("fileType") or "").startswith("Email ")
        ]
