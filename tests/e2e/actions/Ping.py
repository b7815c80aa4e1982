"""Ping's rows of the hardening matrices. It has no parameters, so no bad-input cells."""

from action_cases import PING_FAILED, PING_OK, ActionCase

CASE = ActionCase(
    "Ping",
    "/api/account/get-account",
    "Account | Dashboard | Read",
    params=lambda sim: {},
    success=lambda p: PING_OK,
    failure=PING_FAILED,
)
CASES = (CASE,)
REFUSED = ()
ACCEPTED = ()
