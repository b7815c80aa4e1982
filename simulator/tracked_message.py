"""A tracked message as Mimecast's message tracking shows it: the search item and the get-message-info detail.

The store that holds, generates and searches these messages is `simulator/tracking.py`.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from simulator.dates import format_api_date
from simulator.held import HELD, REJECTED, HeldQueue

# How message tracking shows a copy that threat remediation removed from a mailbox (the simulator's words).
REMOVED_INFO = "Message removed by Threat Remediation"
REMOVED_EVENT = "Email Removed by Threat Remediation"


@dataclass
class Attachment:
    filename: str
    content_type: str
    size: int
    sha256: str
    # Not shown by get-message-info (it documents sha256 only) but matched by remediation by hash.
    sha1: str = ""
    md5: str = ""

    def __post_init__(self) -> None:
        self.sha1 = self.sha1 or hashlib.sha1(f"sha1:{self.sha256}".encode(), usedforsecurity=False).hexdigest()
        self.md5 = self.md5 or hashlib.md5(f"md5:{self.sha256}".encode(), usedforsecurity=False).hexdigest()

    def has_hash(self, value: str) -> bool:
        return value.strip().lower() in (self.sha256.lower(), self.sha1.lower(), self.md5.lower())

    @property
    def extension(self) -> str:
        return self.filename.rpartition(".")[2] if "." in self.filename else ""

    def to_json(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "extension": self.extension,
            "contentType": self.content_type,
            "size": self.size,
            "sha256": self.sha256,
        }


@dataclass
class TrackedMessage:
    id: str
    status: str
    info: str
    route: str
    sender: str
    recipients: list[tuple[str, str]]
    subject: str
    received: datetime
    header_date: datetime  # the sender's Date header, before Mimecast received the message
    sender_ip: str
    message_id: str
    header_from: str = ""
    sender_name: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    spam_score: int = 0
    detection_level: str = "relaxed"
    risk: str | None = None
    queue_reason: str | None = None
    queue_detail_status: str | None = None
    queue_id: str | None = None
    indexing_delay_s: float = 0.0
    held_ids: list[str] = field(default_factory=list)
    fold_message_id: bool = False
    processing_s: int = 0  # from receipt to processing; get-message-info's `sent` is the processing time
    urls: list[str] = field(default_factory=list)  # links in the body
    # Recipient -> (when threat remediation removes it from the mailbox, the incident's code).
    removals: dict[str, tuple[datetime, str]] = field(default_factory=dict)

    @property
    def processed(self) -> datetime:
        return self.received + timedelta(seconds=self.processing_s)

    @property
    def visible_at(self) -> datetime:
        return self.received + timedelta(seconds=self.indexing_delay_s)

    @property
    def from_header(self) -> str:
        return self.header_from or self.sender

    def current_status(self, held: HeldQueue | None) -> tuple[str, str]:
        """(status, info): a held message released or rejected in the held queue is no longer held."""
        if self.status != HELD or not self.held_ids or held is None:
            return self.status, self.info
        entries = [entry for entry in (held.get(held_id) for held_id in self.held_ids) if entry is not None]
        if not entries or any(entry.status == HELD for entry in entries):
            return self.status, self.info
        if all(entry.status == REJECTED for entry in entries):
            return "rejected", "Rejected by administrator"
        return "archived", "Released from hold"

    def removed_from(self, now: datetime | None) -> list[str]:
        """The recipients whose copy threat remediation has removed by `now`."""
        return [rcpt for rcpt, (due, _code) in self.removals.items() if now is not None and due <= now]

    def search_item(self, held: HeldQueue | None = None, now: datetime | None = None) -> dict[str, Any]:
        """One entry of `trackedEmails[]` in /api/message-finder/search."""
        status, info = self.current_status(held)
        if self.removed_from(now):
            info = REMOVED_INFO
        return {
            "info": info,
            "id": self.id,
            "status": status,
            "fromEnv": {"emailAddress": self.sender},
            "fromHdr": {"displayableName": self.sender_name, "emailAddress": self.from_header},
            "to": [{"displayableName": name, "emailAddress": address} for address, name in self.recipients],
            "received": format_api_date(self.received),
            "subject": self.subject,
            "senderIP": self.sender_ip,
            "attachments": bool(self.attachments),
            "route": self.route,
            "sent": format_api_date(self.received),
            "spamScore": self.spam_score,
            "detectionLevel": self.detection_level,
        }

    def transmission_info(self) -> str:
        """The header dump Mimecast shows: HTML-escaped inside <pre>, CRLF line ends, folded headers."""
        to_header = ", ".join(address for address, _ in self.recipients)
        message_id = (
            f"Message-ID:\r\n <{self.message_id}>" if self.fold_message_id else f"Message-ID: <{self.message_id}>"
        )
        boundary = f"--_NmP-{hashlib.sha256(self.id.encode()).hexdigest()[:16]}-Part_1"
        lines = [
            f"Received: from mail.{self.sender.rpartition('@')[2]} ([{self.sender_ip}]) by\r\n relay.mimecast.com "
            f"with ESMTP with STARTTLS (version=TLSv1.2,\r\n cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384); "
            f"{self.received:%a, %d %b %Y %H:%M:%S} +0000",
            f"From: {f'{self.sender_name} <{self.from_header}>' if self.sender_name else self.from_header}",
            f"To: {to_header}",
            f"Subject: {self.subject}",
            message_id,
            f"Date: {self.header_date:%a, %d %b %Y %H:%M:%S} +0000",
            "MIME-Version: 1.0",
            f"X-Mimecast-Spam-Score: {self.spam_score}",
            f'Content-Type: multipart/mixed;\r\n boundary="{boundary}"',
        ]
        return "<pre>\n" + html.escape("\r\n".join(lines) + "\r\n") + "\n</pre>"

    def message_info(self, load_content: bool) -> dict[str, Any]:
        info: dict[str, Any] = {
            "fromHeader": self.from_header,
            "fromEnvelope": self.sender,
            "to": [address for address, _ in self.recipients],
            "cc": [],
            "subject": self.subject,
            "sent": format_api_date(self.processed),
            "processed": format_api_date(self.processed),
            "transmissionInfo": self.transmission_info(),
            "attachments": [attachment.to_json() for attachment in self.attachments],
        }
        if load_content:
            info["textBody"] = "".join(f"{line}\r\n" for line in ("Hello,", self.subject, *self.urls))
            links = "".join(f'<p><a href="{html.escape(url)}">{html.escape(url)}</a></p>' for url in self.urls)
            info["htmlBody"] = f"<html><body><p>{html.escape(self.subject)}</p>{links}</body></html>"
        return info

    def components(self) -> list[dict[str, Any]]:
        digest = hashlib.sha256(self.id.encode()).hexdigest()
        parts = [
            {
                "type": "Email Transmission File",
                "name": "transmission.eml",
                "extension": "eml",
                "mimeType": "message/rfc822-stubbed",
                "size": 1400 + len(self.subject),
                "hash": digest,
            }
        ]
        parts.extend(
            {
                "type": "File Attachment",
                "name": attachment.filename,
                "extension": attachment.extension,
                "mimeType": attachment.content_type,
                "size": attachment.size,
                "hash": attachment.sha256,
            }
            for attachment in self.attachments
        )
        return parts

    def details(
        self, held: HeldQueue | None = None, load_content: bool = False, now: datetime | None = None
    ) -> dict[str, Any]:
        """`data[0]` of /api/message-finder/get-message-info (structure of the published samples)."""
        status, _info = self.current_status(held)
        removed = self.removed_from(now)
        received, processed = format_api_date(self.received), format_api_date(self.processed)
        components = self.components()
        attachment_bytes = sum(a.size for a in self.attachments)
        recipient_info: dict[str, Any] = {
            "messageInfo": self.message_info(load_content),
            "recipientMetaInfo": {
                "receiptEvent": "Email Received",
                "spamEvent": "na",
                "messageExpiresIn": 7,
                "processingServer": "us-mta-101.us.mimecast.lan",
                "transmissionSize": 5000 + attachment_bytes,
                "binaryEmailSize": 5100 + attachment_bytes,
                "remoteIp": self.sender_ip,
                "remoteHost": f"mail.{self.sender.rpartition('@')[2]}",
                "remoteServerGreeting": f"EHLO mail.{self.sender.rpartition('@')[2]}",
                "receiptAcknowledgement": "250 Received OK",
                "transmissionStart": received,
                "transmissionEnd": processed,
                "encryptionInfo": "TLS",
                "components": components,
            },
        }
        if status in ("held", "bounced", "deferred", "rejected"):
            tx_info: dict[str, Any] = {
                "transmissionComponents": [
                    {"fileType": part["type"], "fileName": part["name"], "txSize": part["size"], "hash": part["hash"]}
                    for part in components
                ]
            }
            if self.queue_detail_status:
                tx_info = {"queueDetailStatus": self.queue_detail_status, **tx_info}
            recipient_info["txInfo"] = tx_info
        detail: dict[str, Any] = {"recipientInfo": recipient_info}
        if status in ("delivery", "archived", "accepted"):
            delivered_info = {**self.message_info(False), "route": self.route}
            detail["deliveredMessage"] = {
                address: {
                    "messageInfo": delivered_info,
                    "policyInfo": [
                        {"policyType": "Spam Scanning", "policyName": "Relaxed Spam Detection", "inherited": False},
                        {"policyType": "Secure Receipt", "policyName": "Opportunistic TLS", "inherited": False},
                    ],
                    "deliveryMetaInfo": {
                        "deliveryEvent": REMOVED_EVENT if address in removed else "Email Delivered",
                        "emailAddress": address,
                        "messageExpiresIn": 7,
                        "processingServer": "us-mta-101.us.mimecast.lan",
                        "transmissionSize": 5200,
                        "remoteIp": "10.0.0.25",
                        "remoteHost": f"mx.{address.rpartition('@')[2]}",
                        "remoteServerGreeting": "220 ESMTP ready",
                        "receiptAcknowledgement": "250 OK: message queued",
                        "transmissionStart": processed,
                        "transmissionEnd": processed,
                        "encryptionInfo": "TLS",
                        "components": components[:1],
                    },
                }
                for address, _ in self.recipients
            }
        if self.queue_reason or self.queue_id:
            detail["queueInfo"] = {
                "id": self.queue_id or f"us-smtp-inbound-{self.id[3:19]}",
                "reason": self.queue_reason,
            }
        detail["retentionInfo"] = {
            "currentPurgeDate": format_api_date(self.received + timedelta(days=30)),
            "purgeBasedOn": "original",
            "originalPurgeDate": format_api_date(self.received + timedelta(days=30)),
            "retentionAdjustmentDays": -1,
            "litigationHoldInfo": [],
            "fbrStamps": [],
            "smartTags": [],
            "fbrExpireCheck": [],
            "audits": [],
        }
        detail["status"] = status
        spam: dict[str, Any] = {"spamScore": self.spam_score, "detectionLevel": self.detection_level}
        if self.risk is not None or self.spam_score % 2 == 0:
            processing: dict[str, Any] = {
                "rbl": {"allow": True, "info": ""},
                "greyEmail": False,
                "spf": {"allow": True, "info": "pass"},
                "dkim": {"allow": True, "info": "unknown"},
                "dmarc": {"allow": True, "info": "pass"},
                "permittedSender": {"allow": True, "info": "none"},
                "managedSender": {"allow": True, "info": "unknown"},
            }
            if self.risk is not None:
                processing["verdict"] = {
                    "categories": [{"name": "spam", "risk": self.risk, "subcategories": []}],
                    "decision": "spam" if self.risk in ("medium", "high") else "clean",
                    "description": "",
                    "risk": self.risk,
                }
            spam["spamProcessingDetail"] = processing
        detail["spamInfo"] = spam
        detail["id"] = self.id
        return detail

    def describe(self, held: HeldQueue | None = None, now: datetime | None = None) -> dict[str, Any]:
        """Everything, for tests and the admin route."""
        return {
            **self.search_item(held, now),
            "risk": self.risk,
            "queueReason": self.queue_reason,
            "queueDetailStatus": self.queue_detail_status,
            "messageId": self.message_id,
            "visibleAt": format_api_date(self.visible_at),
            "processed": format_api_date(self.processed),
            "heldIds": list(self.held_ids),
            "urls": list(self.urls),
            "attachmentHashes": [
                {"filename": a.filename, "sha256": a.sha256, "sha1": a.sha1, "md5": a.md5} for a in self.attachments
            ],
            "removedFrom": self.removed_from(now),
        }
