"""Mimecast's clock, as the `Date` headers of its answers tell it.

The connector's window must follow Mimecast's clock, not the SOAR host's: Mimecast stamps the
messages (`received`), and a host clock that runs ahead would otherwise move the checkpoint past mail
Mimecast has not received yet. Every answer carries `Date` (whole seconds, so it never runs ahead of
the moment Mimecast answered).
"""

import email.utils
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC
from typing import NamedTuple


def header_time(headers: Mapping[str, str]) -> float | None:
    """The `Date` header as unix seconds, or None when it is missing or unreadable."""
    try:
        moment = email.utils.parsedate_to_datetime(headers.get("Date", ""))
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


class ClockReading(NamedTuple):
    """What Mimecast's answers since a mark said about its clock (unix seconds)."""

    earliest: int  # the earliest Date: everything Mimecast answered was true at least up to then
    latest: int  # the latest Date: Mimecast's time as of its last answer
    offset: int  # Mimecast's clock minus this host's (the smallest difference seen, to the nearest second)


class ServerClock:
    """Records, for every answer, Mimecast's `Date` next to this host's clock (thread-safe)."""

    def __init__(self, wall_clock: Callable[[], float] = time.time) -> None:
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        self._readings: list[tuple[float, float]] = []

    def observe(self, headers: Mapping[str, str]) -> None:
        server = header_time(headers)
        if server is not None:
            with self._lock:
                self._readings.append((server, self._wall_clock()))

    def mark(self) -> int:
        with self._lock:
            return len(self._readings)

    def since(self, mark: int) -> ClockReading | None:
        """Mimecast's clock as the answers recorded after `mark` tell it; None when none carried a Date."""
        with self._lock:
            readings = self._readings[mark:]
        if not readings:
            return None
        servers = [server for server, _host in readings]
        offset = min(server - host for server, host in readings)
        return ClockReading(int(min(servers)), int(max(servers)), round(offset))
