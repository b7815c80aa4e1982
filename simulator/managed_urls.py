"""Managed URLs (URL Protect): the block / permit entries of /api/ttp/url/create-managed-url, listed by
get-all-managed-urls and removed by delete-managed-url.

An entry is the URL split into scheme, domain, port (-1 when none), path and query, as Mimecast answers it
(the shape Rapid7's recorded responses show). There is no update: an existing entry answers
`err_managed_url_exists_code` ("to update it, delete and recreate").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from simulator.clock import SimClock
from simulator.dates import format_api_date
from simulator.held import secure_id
from simulator.registry import feature_state
from simulator.validation import ItemInvalid, one_of, optional_flag, optional_string, required_string

ACTIONS = ("block", "permit")
MATCH_TYPES = ("explicit", "domain")
SCHEMES = ("http", "https")
EXISTS = ("err_managed_url_exists_code", "The managed URL already exists; to update it, delete and recreate")
NOT_FOUND = ("err_managed_url_not_found", "Managed URL not found")


@dataclass
class ManagedUrl:
    id: str
    scheme: str
    domain: str
    port: int
    path: str
    query: str
    match_type: str
    action: str
    comment: str
    disable_user_awareness: bool
    disable_rewrite: bool
    disable_log_click: bool
    created: str

    @property
    def url(self) -> str:
        port = f":{self.port}" if self.port != -1 else ""
        query = f"?{self.query}" if self.query else ""
        return f"{self.scheme}://{self.domain}{port}{self.path}{query}"

    @property
    def key(self) -> tuple:
        """Two entries with the same key are the same managed URL."""
        if self.match_type == "domain":
            return ("domain", self.domain)
        return ("explicit", self.scheme, self.domain, self.port, self.path, self.query)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "scheme": self.scheme,
            "domain": self.domain,
            "port": self.port,
            "path": self.path,
            "queryString": self.query,
            "matchType": self.match_type,
            "action": self.action,
            "comment": self.comment,
            "disableUserAwareness": self.disable_user_awareness,
            "disableRewrite": self.disable_rewrite,
            "disableLogClick": self.disable_log_click,
        }

    def describe(self) -> dict[str, Any]:
        return {**self.to_json(), "url": self.url, "created": self.created}


def _split(url: str) -> tuple[str, str, int, str, str]:
    """(scheme, domain, port, path, query) of a managed URL; a URL without a scheme is read as http."""
    parts = urlsplit(url.strip() if "://" in url else f"http://{url.strip()}")
    if parts.fragment or "#" in url:
        raise ItemInvalid("url", "err_validation_invalid_value", "A managed URL cannot include a fragment (#)")
    try:
        port = parts.port
    except ValueError:
        port = None
        parts = parts._replace(netloc="")
    if parts.scheme.lower() not in SCHEMES or not parts.hostname or " " in url.strip():
        raise ItemInvalid("url", "err_validation_invalid_value", "The URL is not valid")
    return parts.scheme.lower(), parts.hostname.lower(), port if port is not None else -1, parts.path, parts.query


@feature_state("managed_urls")
class ManagedUrls:
    def __init__(self, *, seed: int, clock: SimClock) -> None:
        self._seed = seed
        self._clock = clock
        self._counter = 0
        self._entries: dict[str, ManagedUrl] = {}

    def create(self, item: dict) -> ManagedUrl:
        """Validate a create-managed-url item and store it; ItemInvalid for what Mimecast refuses."""
        url = required_string(item, "url")
        action = one_of(item, "action", ACTIONS)
        match_type = one_of(item, "matchType", MATCH_TYPES, default="explicit")
        comment = optional_string(item, "comment") if item.get("comment") != "" else ""
        flags = {name: optional_flag(item, name, False) for name in ("disableUserAwareness", "disableRewrite")}
        disable_log_click = optional_flag(item, "disableLogClick", False)
        optional_flag(item, "overrideUrl", False)
        scheme, domain, port, path, query = _split(url)
        self._counter += 1
        entry = ManagedUrl(
            id=secure_id("managed-url", self._seed, self._counter),
            scheme=scheme,
            domain=domain,
            port=port,
            path=path,
            query=query,
            match_type=match_type,
            action=action,
            comment=comment or "",
            # Rewrite and user awareness can be switched off only for permitted URLs.
            disable_user_awareness=flags["disableUserAwareness"] and action == "permit",
            disable_rewrite=flags["disableRewrite"] and action == "permit",
            disable_log_click=disable_log_click,
            created=format_api_date(self._clock.now()),
        )
        if any(existing.key == entry.key for existing in self._entries.values()):
            self._counter -= 1
            raise ItemInvalid(None, *EXISTS)
        self._entries[entry.id] = entry
        return entry

    def all(self) -> list[ManagedUrl]:
        """Every entry, newest first."""
        return list(reversed(self._entries.values()))

    def get(self, entry_id: str) -> ManagedUrl | None:
        return self._entries.get(entry_id)

    def delete(self, entry_id: str) -> bool:
        return self._entries.pop(entry_id, None) is not None
