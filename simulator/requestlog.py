"""Every API request the simulator answered, and counters over them. Holds no credential of any kind."""

from __future__ import annotations

import itertools
import threading
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

# Headers worth showing a test (what the client sent) that carry no secret.
SAFE_HEADERS = ("Content-Type", "Accept", "User-Agent", "x-mc-date", "x-mc-req-id", "x-mc-app-id", "x-request-id")
DEFAULT_MAX_ENTRIES = 20000


@dataclass
class LogEntry:
    seq: int
    time: str  # simulator clock, ISO 8601
    method: str
    path: str
    auth_mode: str | None  # "api1", "api2" or None
    principal: str | None  # application id or client id
    headers: dict[str, str]
    body: Any  # parsed JSON body, token-endpoint form without client_secret, or raw text
    status: int | None  # None when the connection was dropped
    response: Any  # parsed JSON response, or raw text
    fault: dict | None
    executed: bool  # whether the endpoint's function ran
    duration_ms: float


class RequestLog:
    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._seq = itertools.count(1)
        self._entries: deque[LogEntry] = deque(maxlen=max_entries)
        self._by_path: defaultdict[str, Counter] = defaultdict(Counter)
        self._by_status: Counter = Counter()
        self._faults: Counter = Counter()
        self._in_flight = 0
        self._max_in_flight = 0
        self._listeners: list[Callable[[str], None]] = []

    def next_seq(self) -> int:
        with self._lock:
            return next(self._seq)

    def listen(self, listener: Callable[[str], None]) -> Callable[[], None]:
        """Call `listener(path)` as each API request arrives, before it is answered; returns the unsubscribe."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def begin(self, path: str) -> None:
        with self._lock:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
            listeners = list(self._listeners)
        for listener in listeners:
            listener(path)

    def end(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def record(self, entry: LogEntry) -> None:
        with self._lock:
            self._entries.append(entry)
            status = "dropped" if entry.status is None else str(entry.status)
            self._by_path[entry.path][status] += 1
            self._by_status[status] += 1
            if entry.fault:
                self._faults[entry.fault["kind"]] += 1

    def entries(self, since: int = 0, path: str | None = None) -> list[dict]:
        """Entries with seq > `since`, oldest first, optionally for one path."""
        with self._lock:
            chosen = [e for e in self._entries if e.seq > since and (path is None or e.path == path)]
        return [asdict(e) for e in chosen]

    def stats(self) -> dict:
        with self._lock:
            return {
                "total": sum(self._by_status.values()),
                "by_path": {p: dict(c) for p, c in self._by_path.items()},
                "by_status": dict(self._by_status),
                "rate_limited": self._by_status.get("429", 0),
                "dropped": self._by_status.get("dropped", 0),
                "faults": dict(self._faults),
                "in_flight": self._in_flight,
                "max_in_flight": self._max_in_flight,
            }

    def reset(self) -> None:
        """Forget entries and counters; sequence numbers keep increasing so `since` stays meaningful."""
        with self._lock:
            self._entries.clear()
            self._by_path.clear()
            self._by_status.clear()
            self._faults.clear()
            self._max_in_flight = self._in_flight
