"""Blocked Senders policies: create-policy, get-policy, delete-policy and the admin view of the policies."""

from __future__ import annotations

from simulator.pagination import paginate
from simulator.policies import BlockedSenderPolicies
from simulator.registry import ApiResult, RequestContext, admin_route, endpoint
from simulator.validation import per_item, required_string

POLICIES_EDIT = "Gateway | Policies | Edit"
POLICIES_READ = "Gateway | Policies | Read"
POLICY_LIST_MAX_PAGE = 500


@endpoint("/api/policy/blockedsenders/create-policy", permission=POLICIES_EDIT, min_items=1)
def create_policy(ctx: RequestContext) -> ApiResult:
    policies: BlockedSenderPolicies = ctx.feature("blocked_sender_policies")
    return per_item(ctx, lambda item: [policies.create(item).to_json()])


@endpoint("/api/policy/blockedsenders/get-policy", permission=POLICIES_READ)
def get_policy(ctx: RequestContext):
    """`{"data": []}` lists every policy (paged); `{"data": [{"id"}]}` answers those; an unknown id is meta 404."""
    policies: BlockedSenderPolicies = ctx.feature("blocked_sender_policies")
    if not ctx.data:
        page, meta = paginate(
            policies.all(), ctx.meta, kind="blocked-sender-policy", default_size=100, max_size=POLICY_LIST_MAX_PAGE
        )
        return [policy.to_json() for policy in page], meta
    found = per_item(ctx, lambda item: [policies.get(required_string(item, "id"))])
    known = [policy.to_json() for policy in found.data if policy is not None]
    return ApiResult(known, fail=found.fail, meta_status=404 if None in found.data else 200)


@endpoint("/api/policy/blockedsenders/delete-policy", permission=POLICIES_EDIT, min_items=1)
def delete_policy(ctx: RequestContext) -> ApiResult:
    """Answers the deleted ids; any unknown id makes `meta.status` 404 (blockedsenders_delete_policy_not_found.json)."""
    policies: BlockedSenderPolicies = ctx.feature("blocked_sender_policies")

    def delete(item: dict) -> list[dict]:
        policy_id = required_string(item, "id")
        return [{"id": policy_id, "deleted": policies.delete(policy_id)}]

    outcome = per_item(ctx, delete)
    deleted = [{"id": entry["id"]} for entry in outcome.data if entry["deleted"]]
    return ApiResult(deleted, fail=outcome.fail, meta_status=200 if len(deleted) == len(outcome.data) else 404)


@admin_route("/_sim/blocked-sender-policies", method="GET")
def list_policies(state, payload: dict, query: dict) -> dict:
    """Every Blocked Senders policy as get-policy answers it, oldest first."""
    return {"policies": [policy.to_json() for policy in state.blocked_sender_policies.all()]}
