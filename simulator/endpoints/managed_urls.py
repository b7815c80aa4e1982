"""Managed URLs: /api/ttp/url/create-managed-url, get-all-managed-urls, delete-managed-url, and the admin view."""

from __future__ import annotations

from simulator.envelopes import error, fail_entry
from simulator.managed_urls import NOT_FOUND, ManagedUrl, ManagedUrls
from simulator.pagination import paginate
from simulator.registry import ApiResult, RequestContext, admin_route, endpoint
from simulator.validation import ItemInvalid, one_of, optional_flag, per_item, required_string

# The labels of Mimecast's endpoint pages; delete's page names the permission differently.
URL_PROTECT_EDIT = "Services | Targeted Threat Protection - URL Protect | Edit"
URL_PROTECTION_EDIT = "Services | URL Protection | Edit"
LIST_MAX_PAGE = 500
_FILTERABLE = {"action": "action", "matchType": "matchType", "scheme": "scheme", "domain": "domain"}


@endpoint("/api/ttp/url/create-managed-url", permission=URL_PROTECT_EDIT, min_items=1)
def create_managed_url(ctx: RequestContext) -> ApiResult:
    urls: ManagedUrls = ctx.feature("managed_urls")
    return per_item(ctx, lambda item: [urls.create(item).to_json()])


def _text_matches(wanted: str, exact: bool, candidates: list[str]) -> bool:
    wanted = wanted.strip().casefold()
    values = [c.casefold() for c in candidates if c]
    return wanted in values if exact else any(wanted in value for value in values)


def _listed(item: dict, entries: list[ManagedUrl]) -> list[ManagedUrl]:
    """The entries a get-all-managed-urls item asks for (every field optional)."""
    exact = optional_flag(item, "exactMatch", False)
    domain_or_url = item.get("domainOrUrl")
    if domain_or_url:
        entries = [e for e in entries if _text_matches(required_string(item, "domainOrUrl"), exact, [e.domain, e.url])]
    if item.get("domainOrComment"):
        wanted = required_string(item, "domainOrComment")
        entries = [e for e in entries if _text_matches(wanted, exact, [e.domain, e.comment])]
    conditions = item.get("filterBy") or []
    for condition in [conditions] if isinstance(conditions, dict) else conditions:
        field = condition.get("fieldName") if isinstance(condition, dict) else None
        if field not in _FILTERABLE:
            raise ItemInvalid("filterBy", "err_validation_invalid_value", "filterBy.fieldName is not a known field")
        entries = [e for e in entries if str(e.to_json()[_FILTERABLE[field]]) == str(condition.get("value"))]
    if optional_flag(item, "sortByUrl", False) or item.get("sortOrder") is not None:
        descending = one_of(item, "sortOrder", ("asc", "desc"), default="asc") == "desc"
        entries = sorted(entries, key=lambda e: e.url, reverse=descending)
    return entries


@endpoint("/api/ttp/url/get-all-managed-urls", permission=URL_PROTECT_EDIT, max_items=1)
def get_all_managed_urls(ctx: RequestContext):
    """`{"data": []}` lists every entry, newest first, paged; one item filters (domainOrUrl, exactMatch, ...)."""
    urls: ManagedUrls = ctx.feature("managed_urls")
    item = ctx.data[0] if ctx.data else {}
    try:
        entries = _listed(item, urls.all())
    except ItemInvalid as exc:
        raise exc.for_request(item) from None
    page, meta = paginate(entries, ctx.meta, kind="managed-url", default_size=25, max_size=LIST_MAX_PAGE)
    return [entry.to_json() for entry in page], meta


@endpoint("/api/ttp/url/delete-managed-url", permission=URL_PROTECTION_EDIT, min_items=1)
def delete_managed_url(ctx: RequestContext) -> ApiResult:
    """Success is an empty `data`; an unknown id is a fail entry without `key` (as Mimecast answers it)."""
    urls: ManagedUrls = ctx.feature("managed_urls")
    outcome = per_item(ctx, lambda item: [urls.delete(required_string(item, "id"))])
    missing = [fail_entry([error(*NOT_FOUND)]) for deleted in outcome.data if not deleted]
    return ApiResult(data=[], fail=[*outcome.fail, *missing])


@admin_route("/_sim/managed-urls", method="GET")
def list_managed_urls(state, payload: dict, query: dict) -> dict:
    """Every managed URL, newest first, with its URL text and creation time."""
    return {"entries": [entry.describe() for entry in state.managed_urls.all()]}


@admin_route("/_sim/managed-urls")
def add_managed_url(state, payload: dict, query: dict) -> dict:
    """Create an entry as create-managed-url would (`url`, `action`, `matchType`?, `comment`?, flags?)."""
    with state.lock:
        try:
            return state.managed_urls.create(payload).describe()
        except ItemInvalid as exc:
            raise ValueError(exc.entry["message"]) from None
