"""Threat remediation endpoints: create an incident, get one, find incidents; admin view and settings."""

from __future__ import annotations

from simulator.pagination import paginate
from simulator.registry import ApiResult, RequestContext, admin_route, endpoint
from simulator.remediation import TYPES, Incident, RemediationIncidents
from simulator.validation import ItemInvalid, optional_request_date, per_item, request_item_invalid, required_string

REMEDIATION_EDIT = "Services | Threat Remediation | Edit"
REMEDIATION_READ = "Services | Threat Remediation | Read"
FIND_FIELDS = ("all", "code", "file_hash", "reason")
FIND_MAX_PAGE = 500


@endpoint("/api/ttp/remediation/create", permission=REMEDIATION_EDIT, min_items=1)
def create_incident(ctx: RequestContext) -> ApiResult:
    """Items `{"reason", "searchBy"?: hash|messageId|url, "hashOrMessageId"?, "url"?, "start"?, "end"?}`."""
    incidents: RemediationIncidents = ctx.feature("remediation")
    return per_item(ctx, lambda item: [incidents.create(item, ctx.now).to_json(ctx.now)])


@endpoint("/api/ttp/remediation/get-incident", permission=REMEDIATION_READ, min_items=1)
def get_incident(ctx: RequestContext) -> ApiResult:
    incidents: RemediationIncidents = ctx.feature("remediation")

    def find(item: dict) -> list[dict]:
        incident = incidents.get(required_string(item, "id"))
        if incident is None:
            raise ItemInvalid("id", "err_remediation_incident_not_found", "Remediation incident not found")
        return [incident.to_json(ctx.now)]

    return per_item(ctx, find)


def _pairs(item: dict, name: str) -> list[tuple[str, str]]:
    """`searchBy` / `filterBy` as (fieldName, value) pairs: one `{fieldName, value}` object or an array of them."""
    given = item.get(name)
    conditions = [given] if isinstance(given, dict) else given or []
    if not isinstance(conditions, list) or not all(isinstance(c, dict) for c in conditions):
        raise request_item_invalid(item, name, "err_validation_invalid_type", "This field must be an object or array")
    return [(str(c.get("fieldName") or ""), str(c.get("value") or "")) for c in conditions]


def _found(item: dict, incidents: list[Incident]) -> list[Incident]:
    start, end = optional_request_date(item, "start"), optional_request_date(item, "end")
    found = [i for i in incidents if (start is None or i.created >= start) and (end is None or i.created <= end)]
    for field, value in _pairs(item, "searchBy"):
        if field not in FIND_FIELDS:
            raise request_item_invalid(
                item, "searchBy.fieldName", "err_validation_invalid_value", f"fieldName must be one of {FIND_FIELDS}"
            )
        found = [i for i in found if not value or _search_matches(i, field, value.casefold())]
    for field, value in _pairs(item, "filterBy"):
        wanted = {v.strip() for v in value.split(",") if v.strip()}
        if field != "type" or not wanted <= set(TYPES):
            raise request_item_invalid(
                item, "filterBy", "err_validation_invalid_value", f"filterBy is fieldName type with values {TYPES}"
            )
        found = [i for i in found if not wanted or i.type in wanted]
    return found


def _search_matches(incident: Incident, field: str, value: str) -> bool:
    texts = {"code": incident.code, "reason": incident.reason, "file_hash": incident.criteria["fileHash"]}
    if field == "file_hash":
        return texts["file_hash"].casefold() == value
    candidates = texts.values() if field == "all" else [texts[field]]
    return any(value in text.casefold() for text in candidates)


@endpoint("/api/ttp/remediation/find-incidents", permission=REMEDIATION_READ, max_items=1)
def find_incidents(ctx: RequestContext):
    """`data[0]` with at least one of start, end, searchBy, filterBy → `data[0].incidents[]`, newest first, paged."""
    incidents: RemediationIncidents = ctx.feature("remediation")
    item = ctx.data[0] if ctx.data else {}
    if not any(item.get(name) not in (None, "", [], {}) for name in ("start", "end", "searchBy", "filterBy")):
        raise request_item_invalid(
            item, None, "err_validation_null", "At least one of start, end, searchBy or filterBy must be supplied"
        )
    found = _found(item, incidents.all())
    page, meta = paginate(found, ctx.meta, kind="remediation", default_size=25, max_size=FIND_MAX_PAGE)
    return [{"incidents": [incident.to_json(ctx.now) for incident in page]}], meta


@admin_route("/_sim/remediation", method="GET")
def list_incidents(state, payload: dict, query: dict) -> dict:
    """Every incident, newest first, with its copies: tracking id, recipient, due time, outcome or pending."""
    now = state.clock.now()
    return {"step_s": state.remediation.step_s, "incidents": [i.describe(now) for i in state.remediation.all()]}


@admin_route("/_sim/remediation/settings")
def remediation_settings(state, payload: dict, query: dict) -> dict:
    """`step_s`: seconds between the removal of one identified copy and the next, for incidents created later."""
    with state.lock:
        if "step_s" in payload:
            step = float(payload["step_s"])
            if step < 0:
                raise ValueError("step_s cannot be negative")
            state.remediation.step_s = step
        return {"step_s": state.remediation.step_s}
