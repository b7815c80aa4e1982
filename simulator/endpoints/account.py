"""Account endpoints: /api/account/get-account (what Ping calls)."""

from simulator.account import AccountState
from simulator.registry import RequestContext, admin_route, endpoint


@endpoint("/api/account/get-account", permission="Account | Dashboard | Read")
def get_account(ctx: RequestContext) -> list[dict]:
    account: AccountState = ctx.feature("account")
    return [account.to_json()]


@admin_route("/_sim/account", method="GET")
def show_account(state, payload: dict, query: dict) -> dict:
    return state.account.to_json()


@admin_route("/_sim/account")
def update_account(state, payload: dict, query: dict) -> dict:
    """Override fields of the account (e.g. to test how a client shows them)."""
    with state.lock:
        state.account.update(payload)
        return state.account.to_json()
