"""Look-ups an analyst runs during a phishing response: message tracking by criteria, one message's details
with its held-queue ids, and the held queue by filters. A mixin of MimecastManager (its request and paging
helpers); the connector's own tracking calls stay in MimecastManager and are reused here, unchanged.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

import MimecastReasons as reasons
from MimecastConstants import PATH_HOLD_MESSAGE_LIST, PATH_MESSAGE_FINDER_SEARCH
from MimecastDataModels import HeldQueueEntry, MessageInfo, TrackedEmail, utc_timestamp
from MimecastEnvelope import item_or, items
from MimecastExceptions import MimecastPermissionError
from MimecastFinderModels import MessageDetails, tracked_email_of
from MimecastTrackingAlerts import HELD_MATCH_TOLERANCE_S, match_held_ids

# The largest page asked for: 500 worked on a live tenant for the paged functions. Message-finder search
# documents no paging; it is asked for pages all the same and followed only when its answer has `next`.
FINDER_MAX_PAGE_SIZE = 500
# What the analyst's audit trail in Mimecast shows for these searches (message-finder's searchReason).
SEARCH_REASON = "Google SecOps SOAR: Search Message Tracking"


class TrackingSearch(NamedTuple):
    """What Search Message Tracking asks message-finder/search: every value given must match."""

    start: datetime
    end: datetime
    sender: str | None = None
    recipient: str | None = None
    subject: str | None = None
    internet_message_id: str | None = None
    sender_ip: str | None = None
    routes: tuple[str, ...] = ()

    def to_item(self) -> dict[str, Any]:
        """Unset fields are left out (Mimecast refuses null and blank); `messageId` never with advanced options."""
        item: dict[str, Any] = {
            "searchReason": SEARCH_REASON,
            "start": utc_timestamp(self.start),
            "end": utc_timestamp(self.end),
        }
        if self.internet_message_id:
            item["messageId"] = self.internet_message_id
        if self.routes:
            item["route"] = list(self.routes)
        given = (("from", self.sender), ("to", self.recipient), ("subject", self.subject), ("senderIP", self.sender_ip))
        options = {key: value for key, value in given if value}
        if options:
            item["advancedTrackAndTraceOptions"] = options
        return item


class HeldSearch(NamedTuple):
    """What List Held Messages asks for: held messages received in [start, end] matching every filter given."""

    start: datetime
    end: datetime
    sender: str | None = None
    recipient: str | None = None
    subject: str | None = None
    reason: str | None = None

    def search_by(self) -> tuple[str, str] | None:
        """The one filter Mimecast applies (`searchBy` takes one field): the first of sender, recipient, subject."""
        for field, value in (("sender", self.sender), ("recipient", self.recipient), ("subject", self.subject)):
            if value:
                return field, value
        return None

    def matches(self, entry: HeldQueueEntry) -> bool:
        """Every filter, as Mimecast's searchBy matches: contains, case-insensitive (spaces and _ alike in reasons)."""
        raw = entry.raw
        haystacks = (
            (self.sender, [entry.sender, entry.header_from, _name(raw.get("from")), _name(raw.get("fromHeader"))]),
            (self.recipient, [entry.recipient, _name(raw.get("to"))]),
            (self.subject, [entry.subject]),
            (self.reason, [entry.reason, str(raw.get("reasonId") or ""), str(raw.get("reasonCode") or "")]),
        )
        return all(
            not wanted or any(_folded(wanted) in _folded(text) for text in texts if text) for wanted, texts in haystacks
        )


def _name(address: Any) -> str:
    return str(address.get("displayableName") or "") if isinstance(address, dict) else ""


def _folded(text: str) -> str:
    return text.casefold().replace("_", " ")


class FinderOperations:
    """Mixin of MimecastManager: it provides the helpers declared below."""

    if TYPE_CHECKING:
        _logger: Any
        _page: Callable[[str, dict, int, str | None], tuple[dict, str | None]]

        def get_message_info(self, tracking_id: str) -> MessageInfo: ...

        def list_held_messages(self, start: datetime, end: datetime) -> list[HeldQueueEntry]: ...

    def search_message_tracking(self, search: TrackingSearch, max_results: int) -> list[TrackedEmail]:
        """Tracked messages matching `search`, newest first, at most `max_results`, in as few calls as possible."""
        found: dict[str, TrackedEmail] = {}
        token: str | None = None
        for page in range(1, max_results + 1):
            size = min(max_results - len(found), FINDER_MAX_PAGE_SIZE)
            body, next_token = self._page(PATH_MESSAGE_FINDER_SEARCH, search.to_item(), size, token)
            tracked = item_or(body, {}).get("trackedEmails")
            if not isinstance(tracked, list):
                raise reasons.no_data(PATH_MESSAGE_FINDER_SEARCH, "has no trackedEmails list")
            for entry in tracked:
                if isinstance(entry, dict) and entry.get("id"):
                    found.setdefault(str(entry["id"]), TrackedEmail.from_json(entry))
            self._logger.info(f"Message tracking page {page}: {len(tracked)} message(s)")
            if len(found) >= max_results or not tracked or not next_token or next_token == token:
                break
            token = next_token
        return _newest_first(list(found.values()), lambda email: email.received)[:max_results]

    def find_held_messages(self, search: HeldSearch, max_results: int) -> list[HeldQueueEntry]:
        """Held messages (all recipients) matching `search`, newest first, at most `max_results`.

        One filter is Mimecast's `searchBy`, the others are applied to each page; pages ask for what is still
        wanted (up to 500) when Mimecast applies every filter, else for full pages.
        """
        item: dict[str, Any] = {"admin": True, "start": utc_timestamp(search.start), "end": utc_timestamp(search.end)}
        by = search.search_by()
        if by:
            item["searchBy"] = {"fieldName": by[0], "value": by[1]}
        filtered_here = sum(1 for value in (search.sender, search.recipient, search.subject, search.reason) if value)
        filtered_here -= 1 if by else 0
        found: list[HeldQueueEntry] = []
        token: str | None = None
        for page in range(1, max_results + 2):
            wanted = max_results - len(found)
            size = FINDER_MAX_PAGE_SIZE if filtered_here else min(wanted, FINDER_MAX_PAGE_SIZE)
            body, next_token = self._page(PATH_HOLD_MESSAGE_LIST, item, size, token)
            entries = [HeldQueueEntry.from_json(entry) for entry in items(body)]
            found.extend(entry for entry in entries if entry.id and search.matches(entry))
            self._logger.info(f"Held queue page {page}: {len(entries)} message(s)")
            if len(found) >= max_results or not entries or not next_token or next_token == token:
                break
            token = next_token
        return _newest_first(found, lambda entry: entry.received)[:max_results]

    def get_message_details(self, tracking_id: str) -> MessageDetails:
        """get-message-info for one tracking id; for a held message also its held-queue id per recipient."""
        info = self.get_message_info(tracking_id)
        if info.status != "held":
            return MessageDetails(info)
        tracked = tracked_email_of(info)
        if tracked.received is None or not tracked.recipients:
            return MessageDetails(info, held_note="Mimecast's details name no time or recipient to look it up by")
        margin = timedelta(seconds=HELD_MATCH_TOLERANCE_S)
        try:
            entries = self.list_held_messages(tracked.received - margin, tracked.received + margin)
        except MimecastPermissionError as exc:
            self._logger.error(str(exc))
            return MessageDetails(
                info, held_note=f"the held queue could not be read ({PATH_HOLD_MESSAGE_LIST} was refused)"
            )
        held = match_held_ids(tracked, entries, set())
        note = "" if held else "it is no longer in the held queue, or its entry could not be matched"
        return MessageDetails(info, tuple(held.items()), held_note=note)


def _newest_first(models: list, received: Callable[[Any], datetime | None]) -> list:
    """Newest first; a model without a received time last, in Mimecast's order (the sort is stable)."""
    return sorted(
        models, key=lambda model: (received(model) is not None, received(model) or datetime.min), reverse=True
    )
