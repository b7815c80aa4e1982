"""Connector scenarios: the simulator's and the connector's clocks move together; messages arrive as time passes."""

import itertools
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from suite_helpers import simulator_instance

from devkit.platform import KillAt, overflow_settings
from devkit.runner import ConnectorRun, connector_context, set_overflow_settings
from simulator import DEFAULT_API2_CLIENT_ID, DEFAULT_API2_CLIENT_SECRET

CONNECTOR = "Mimecast - Message Tracking Connector"
INSTANCE_ID = "mimecast-tracking-1"
STATE_KEY = "mimecast_tracking_state"
SEARCH = "/api/message-finder/search"
INFO = "/api/message-finder/get-message-info"
HOLD_LIST = "/api/gateway/get-hold-message-list"
TOKEN = "/oauth/token"
API2 = {"Client ID": DEFAULT_API2_CLIENT_ID, "Client Secret": DEFAULT_API2_CLIENT_SECRET}
# How a failed run ends: its reason is the last line of stderr, where the platform shows it.
FAILED_RUN = "MimecastExceptions.MimecastError: The Message Tracking connector run failed: "


def crash(sim: Any, point: str | None) -> dict[str, Any]:
    """run_connector keywords that kill the run (SIGKILL, as a host failure would) at `point`.

    `mimecast:<n>`: when the simulator receives the run's n-th request, before answering it;
    `context_write:<n>`: when the platform receives the run's n-th context write, before applying it;
    `state_write`: when the connector state is written (after return_package), before it is applied;
    `output`: right after the script wrote its output object (return_package), before the state write applies.
    The script writes its state right after its output, so the kill sent when the output is complete could
    arrive after the write was applied (the one window no design closes, not what this point models): the
    platform fake also kills at the state write, before applying it, whichever comes first.
    """
    if point is None:
        return {}
    kind, _, number = point.partition(":")
    if kind == "output":
        return {"kill_after_output": True, "kill_at": [KillAt("SetContextProperty", key=STATE_KEY)]}
    if kind == "state_write":
        return {"kill_at": [KillAt("SetContextProperty", key=STATE_KEY)]}
    if kind == "context_write":
        return {"kill_at": [KillAt("SetContextProperty", nth=int(number))]}
    if kind == "mimecast":
        return {"on_start": kill_at_request(sim, int(number))}
    raise ValueError(f"unknown crash point {point!r}")


def kill_at_request(sim: Any, nth: int) -> Callable[[Callable[[str], None]], None]:
    """An on_start hook: the run is killed when the simulator receives its nth request (until the next run)."""

    def arm(kill: Callable[[str], None]) -> None:
        seen = itertools.count(1)

        def listener(path: str) -> None:
            if next(seen) == nth:
                kill(f"killed at Mimecast request {nth} ({path})")
                unsubscribe()

        unsubscribe = sim.state.log.listen(listener)
        _armed.append(unsubscribe)

    return arm


_armed: list[Callable[[], None]] = []


def disarm() -> None:
    """Forget kill points armed for earlier runs that never reached them."""
    while _armed:
        _armed.pop()()


def disable_overflow(store: Path) -> None:
    """The platform's overflow protection (50 alerts per 10 minutes) would hide alerts in volume tests."""
    set_overflow_settings(store, overflow_settings(enabled=False))


class TrackingScenario:
    """Simulator frozen at `now`, which the connector follows (Mimecast's clock); `advance` moves it."""

    def __init__(
        self, sim: Any, runner: Callable[..., ConnectorRun], store: Path, domains: str = "corp.example", **params: Any
    ) -> None:
        self.sim = sim
        self.runner = runner
        self.store = store
        self.now = datetime.now(UTC).replace(microsecond=0)
        sim.state.clock.freeze(self.now)
        self.params = {"API Root": sim.url, **API2, "Domains": domains, **params}

    def message(self, seconds_ago: float = 60, **fields: Any) -> Any:
        """Track a message received `seconds_ago` (held, inbound to user@corp.example unless told otherwise)."""
        values = {
            "sender": "attacker@outside.example",
            "recipients": ["user@corp.example"],
            "subject": "Invoice overdue",
            "status": "held",
            "route": "inbound",
            **fields,
        }
        return self.sim.state.tracking.add(received=self.now - timedelta(seconds=seconds_ago), **values)

    def run(
        self, test_run: bool = False, env: dict | None = None, allowlist: tuple[str, ...] = (), **params: Any
    ) -> ConnectorRun:
        return self.runner({**self.params, **params}, test_run=test_run, env=env, allowlist=list(allowlist))

    def advance(self, seconds: float = 60) -> None:
        self.now += timedelta(seconds=seconds)
        self.sim.state.clock.advance(seconds)

    def connector_context(self) -> dict | None:
        """What the connector keeps in the platform's database (its state, the cached API 2.0 token)."""
        return connector_context(self.store, INSTANCE_ID) or None

    def state(self) -> dict | None:
        raw = (self.connector_context() or {}).get(STATE_KEY)
        return json.loads(raw) if raw else None

    def cached_token(self) -> str:
        return json.loads(self.connector_context()["mimecast_api2_token"])["access_token"]

    def api1_params(self, **overrides: str) -> dict[str, Any]:
        """Connector parameters that authenticate with the simulator's API 1.0 keys instead of API 2.0."""
        instance = simulator_instance(self.sim.url, "api1")
        return {
            **{k: v for k, v in instance.items() if k != "Verify SSL"},
            "Client ID": "",
            "Client Secret": "",
            **overrides,
        }

    def requests(self, path: str | None = None) -> list[dict]:
        return self.sim.state.log.entries(path=path)


def ticket_ids(run: ConnectorRun) -> list[str]:
    return [alert["ticket_id"] for alert in run.ingested_alerts]


def search_bodies(scenario: TrackingScenario, since: int = 0) -> list[dict]:
    """The search requests Mimecast received (since log entry `since`): their data item."""
    return [entry["body"]["data"][0] for entry in scenario.sim.state.log.entries(since=since, path=SEARCH)]


def message_event(alert: dict) -> dict:
    return next(event for event in alert["events"] if event["event_type"] == "Message")


def log_text(run: ConnectorRun) -> str:
    return "\n".join(row["message"] for row in run.log_rows) + run.debug_output + run.stderr


def assert_run_failed(run: ConnectorRun, scenario: TrackingScenario, state_before: Any, *fragments: str) -> None:
    """A failed run: nothing ingested, the state as it was, the reason as the last line the platform shows."""
    assert run.exit_code != 0 and run.ingested_alerts == []
    assert scenario.state() == state_before
    last_line = run.stderr.strip().splitlines()[-1]
    assert last_line.startswith(FAILED_RUN), run.stderr[-2000:]
    for fragment in fragments:
        assert fragment in last_line
    log = run.log_path.read_text()
    assert last_line.removeprefix("MimecastExceptions.MimecastError: ") in log
    assert "Traceback" not in log and "Traceback" not in run.stdout
