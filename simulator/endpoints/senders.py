"""Managed senders: `/api/managedsender/permit-or-block-sender` and the admin view of its entries."""

from __future__ import annotations

from simulator.registry import ApiResult, RequestContext, admin_route, endpoint
from simulator.senders import ENTRY_TYPES, ManagedSenders
from simulator.validation import ItemInvalid, email_address, one_of, per_item


@endpoint(
    "/api/managedsender/permit-or-block-sender",
    permission="Gateway | Managed Senders | Edit",
    min_items=1,
    max_items=100,
)
def permit_or_block_sender(ctx: RequestContext) -> ApiResult:
    senders: ManagedSenders = ctx.feature("managed_senders")
    domains = {domain.lower() for domain in ctx.feature("account").domains}

    def apply(item: dict) -> list[dict]:
        sender = email_address(item, "sender")
        to = email_address(item, "to")
        action = one_of(item, "action", tuple(ENTRY_TYPES))
        if to.rpartition("@")[2].lower() not in domains:
            # Managed senders exist only for mailboxes of the account's own domains.
            raise ItemInvalid(
                None, "err_xdk_operation_forbidden_for_address", "0003 Forbidden To Perform Operation For Address"
            )
        return [senders.apply(sender, to, action).to_json()]

    return per_item(ctx, apply)


@admin_route("/_sim/managed-senders", method="GET")
def list_managed_senders(state, payload: dict, query: dict) -> dict:
    """Every permit / block entry, with the time it was last set."""
    return {"entries": [entry.describe() for entry in state.managed_senders.entries()]}
