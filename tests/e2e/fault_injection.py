"""Fault injection shared by the action and connector fault matrices: a token that stops working, request counts."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from simulator import DEFAULT_API2_CLIENT_ID
from simulator.faults import ForcedFault
from simulator.server import Simulator

TOKEN_PATH = "/oauth/token"
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

    The token answer is held back for a moment after the token was issued, and in that moment the
    token is expired (or its client revoked), as when Mimecast ends a token the client still holds.
    """
    inject(sim, "read_delay", TOKEN_PATH, after=True, delay_ms=100)
    acted, stop = threading.Event(), threading.Event()

    def watch() -> None:
        while not stop.is_set():
            if sim.state.tokens.live_count(sim.state.clock.now()):
                if revoke:
                    revoke_api2_client(sim)
                else:
                    sim.state.tokens.expire_all()
                acted.set()
                return
            time.sleep(0.002)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        watcher.join()
    assert acted.is_set(), "the script never obtained a token"


def wait_for_log(sim: Simulator, path: str, count: int) -> None:
    """Delayed answers are logged when their request thread ends; stopping the simulator cuts the delay short."""
    sim.stop()
    deadline = time.monotonic() + 5
    while len(statuses(sim, path)) < count and time.monotonic() < deadline:
        time.sleep(0.01)
