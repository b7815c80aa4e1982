"""A message's attachments and their download URLs: /api/gateway/message/get-message-detail and get-file.

Google's connector lists a held message's attachments with get-message-detail (by held-queue id) and asks
get-file for each attachment's download URL. The messages are those of the held queue, message tracking
and the archive; an attachment id names its message and position, so no extra state is kept.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any
from urllib.parse import quote

from simulator.registry import ApiResult, RequestContext, endpoint
from simulator.tracked_message import Attachment
from simulator.tracking import ATTACHMENT_TYPES, TrackingStore
from simulator.validation import ItemInvalid, one_of, optional_string, per_item, required_string

TRACKING_READ = "Gateway | Tracking | Read"
CONTEXTS = ("DELIVERED", "RECEIVED")
VIEW_TYPES = ("archive", "mailbox_recovery")
# The path Google signs when it downloads a get-file URL with API 1.0 credentials.
DOWNLOAD_PATH = "/api/archive/get-message-part"
_TRACKING, _ARCHIVE = "t", "a"
# bodyType of a file attachment, as in gateway_message_get_message_detail.json.
FILE_BODY_TYPE = 5


def attachment_id(source: str, message_id: str, index: int) -> str:
    """An opaque id (`eNp…`) that names the message an attachment belongs to and its position."""
    token = json.dumps({"s": source, "m": message_id, "i": index}).encode()
    return "eNp" + base64.urlsafe_b64encode(token).decode().rstrip("=")


def _attachment_source(value: str) -> tuple[str, str, int] | None:
    if not value.startswith("eNp"):
        return None
    try:
        token = json.loads(base64.urlsafe_b64decode(value[3:] + "=" * (-len(value[3:]) % 4)))
        return str(token["s"]), str(token["m"]), int(token["i"])
    except (ValueError, KeyError, TypeError):
        return None


def _archive_attachments(email: Any) -> list[Attachment]:
    """An archived email's attachments, derived from its id (the archive keeps only their number)."""
    attachments = []
    for index in range(email.attachment_count):
        digest = hashlib.sha256(f"{email.id}:{index}".encode()).hexdigest()
        filename, content_type = ATTACHMENT_TYPES[int(digest[:8], 16) % len(ATTACHMENT_TYPES)]
        attachments.append(Attachment(filename, content_type, 2_000 + int(digest[8:14], 16) % 500_000, digest))
    return attachments


def _attachments_of(ctx: RequestContext, message_id: str) -> tuple[str, str, list[Attachment]] | None:
    """(source, the id attachments are named by, attachments) of a held-queue, tracking or archive message."""
    tracking: TrackingStore = ctx.feature("tracking")
    held = ctx.feature("held").get(message_id)
    if held is not None:
        # A held-queue entry is there once received, before the tracking index shows its message.
        tracked = tracking.get(held.tracking_id) if held.received <= ctx.now else None
    else:
        tracked = tracking.visible(message_id, ctx.now)
    if tracked is not None:
        return _TRACKING, tracked.id, tracked.attachments
    archived = ctx.feature("archive").find(message_id)
    if archived is not None:
        return _ARCHIVE, archived.id, _archive_attachments(archived)
    return None


def _owned_attachments(ctx: RequestContext, source: str, owner: str) -> list[Attachment]:
    """The attachments of the message an attachment id names (it was listed, so no visibility check)."""
    if source == _TRACKING:
        tracked = ctx.feature("tracking").get(owner)
        return tracked.attachments if tracked is not None else []
    archived = ctx.feature("archive").find(owner) if source == _ARCHIVE else None
    return _archive_attachments(archived) if archived is not None else []


def _detail_item(source: str, message_id: str, index: int, attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment_id(source, message_id, index),
        "filename": attachment.filename,
        "size": attachment.size,
        "extension": attachment.extension,
        "contentType": attachment.content_type,
        "contentId": "",
        "sha256": attachment.sha256,
        "bodyType": FILE_BODY_TYPE,
    }


@endpoint("/api/gateway/message/get-message-detail", permission=TRACKING_READ, min_items=1)
def get_message_detail(ctx: RequestContext) -> ApiResult:
    """Items `{"id", "context"?, "viewType"?, "mailbox"?}` → `{"attachments": [...]}` per message."""

    def detail(item: dict) -> list[dict]:
        message_id = required_string(item, "id")
        for field, allowed in (("context", CONTEXTS), ("viewType", VIEW_TYPES)):
            if item.get(field) is not None:
                one_of(item, field, allowed)
        optional_string(item, "mailbox")
        found = _attachments_of(ctx, message_id)
        if found is None:
            raise ItemInvalid("id", "err_message_not_found", "Message not found")
        source, owner, attachments = found
        return [{"attachments": [_detail_item(source, owner, i, a) for i, a in enumerate(attachments)]}]

    return per_item(ctx, detail)


@endpoint("/api/gateway/message/get-file", permission=TRACKING_READ, min_items=1)
def get_file(ctx: RequestContext) -> ApiResult:
    """Items `{"id": <attachment id>}` → `{"urls": [download URL]}` (gateway_message_get_file.json)."""

    def file_url(item: dict) -> list[dict]:
        wanted = required_string(item, "id")
        source = _attachment_source(wanted)
        if source is None or not 0 <= source[2] < len(_owned_attachments(ctx, source[0], source[1])):
            raise ItemInvalid("id", "err_file_not_found", "File not found")
        return [{"urls": [f"{ctx.base_url}{DOWNLOAD_PATH}?id={quote(wanted)}"]}]

    return per_item(ctx, file_url)
