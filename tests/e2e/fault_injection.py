"""Fault injection shared by the action and connector fault matrices: a token that stops working, request counts."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from action_cases import ActionCase
from suite_helpers import simulator_instance

from simulator import DEFAULT_API2_CLIENT_ID
from simulator.faults import ForcedFault
from simulator.server import Simulator

TOKEN_PATH = "/oauth/token"
# The action matrices' simulators: an archive large enough for every search case.
ARCHIVE_OPTIONS = {"archive": {"size": 200}}
UNKNOWN_OUTCOME = "so it is unknown whether Mimecast applied it; it was not retried. Check the item in Mimecast"
NOT_RETRIED_WRITE = "It was not retried because Mimecast may have applied it; check the item in Mimecast"
# A rate-limit reset no run can wait for.
TOO_LONG_RESET_MS = 600_000


def inject(sim: Simulator, kind: str, path: str, **spec: Any) -> None:
    sim.state.faults.add(ForcedFault(kind, path=path, **spec))


def revoke_api2_client(sim: Simulator) -> None:
    """Mimecast revokes the API 2.0 client: its tokens stop working and new token requests are refused."""
    sim.state.revoke_api2_client(DEFAULT_API2_CLIENT_ID)


def statuses(sim: Simulator, path: str) -> list[int | None]:
    """The HTTP status of every request to `path`, in order (None: the connection was dropped)."""
    return [entry["status"] for entry in sim.state.log.entries(path=path)]


@contextmanager
def first_token_stops_working(sim: Simulator, *, revoke: bool) -> Iterator[None]:
    """The first API 2.0 token the simulator issues stops working before the script can use it.

    The token answer is held back after the token was issued, and while it is held back the token is expired
    (or its client revoked), as when Mimecast ends a token the client still holds. The simulator does that in
    the request's own thread, at the moment it would pause: no watcher that machine load could make late.
    """
    inject(sim, "read_delay", TOKEN_PATH, after=True, delay_ms=0)
    acted = threading.Event()
    pause = sim.pause

    def end_the_token_then_pause(seconds: float) -> None:
        if not acted.is_set() and sim.state.tokens.live_count(sim.state.clock.now()):
            if revoke:
                revoke_api2_client(sim)
            else:
                sim.state.tokens.expire_all()
            acted.set()
        pause(seconds)

    sim.pause = end_the_token_then_pause  # type: ignore[method-assign]
    try:
        yield
    finally:
        del sim.pause
    assert acted.is_set(), "the script never obtained a token"


def wait_for_log(sim: Simulator, path: str, count: int) -> None:
    """Delayed answers are logged when their request thread ends; stopping the simulator cuts the delay short."""
    sim.stop()
    deadline = time.monotonic() + 5
    while len(statuses(sim, path)) < count and time.monotonic() < deadline:
        time.sleep(0.01)


def run_case(runner: Any, case: ActionCase, sim: Simulator, *, api: str | None = None, url: str = "", **kw: Any):
    """Run the case's action with its success parameters through `runner` (in process or as a subprocess);
    `kw` are instance overrides and run options."""
    options = {name: kw.pop(name) for name in ("timeout_s",) if name in kw}
    params = case.params(sim)
    instance = simulator_instance(url or sim.url, api or case.api, **kw)
    return runner(case.action, params, instance=instance, **options), params


def applied(sim: Simulator, case: ActionCase) -> int | None:
    return case.applied(sim) if case.applied else None


def nothing_or(case: ActionCase, count: int) -> int | None:
    """What `applied` must be: `count` writes took effect; reads change nothing."""
    return count if case.write else None
