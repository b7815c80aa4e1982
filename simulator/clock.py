"""The simulator's clock: real UTC time shifted by an offset, or frozen at an instant."""

import threading
from datetime import UTC, datetime, timedelta


class SimClock:
    """Every date check and every feature's notion of "now" reads this clock, never the system clock."""

    def __init__(self, offset_s: float = 0.0, frozen_at: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._offset = timedelta(seconds=offset_s)
        self._frozen_at = _as_utc(frozen_at) if frozen_at else None

    def now(self) -> datetime:
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return datetime.now(UTC) + self._offset

    def set_offset(self, offset_s: float) -> None:
        """Run unfrozen, `offset_s` seconds ahead of (negative: behind) the real clock."""
        with self._lock:
            self._frozen_at = None
            self._offset = timedelta(seconds=offset_s)

    def freeze(self, at: datetime | None = None) -> None:
        """Stop the clock at `at` (default: the current simulated instant)."""
        instant = _as_utc(at) if at else self.now()
        with self._lock:
            self._frozen_at = instant

    def unfreeze(self) -> None:
        """Let the clock run again from the frozen instant (the offset absorbs the difference)."""
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - datetime.now(UTC)
                self._frozen_at = None

    def advance(self, seconds: float) -> None:
        """Move simulated time forward (or back, with a negative value) whether frozen or not."""
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += timedelta(seconds=seconds)
            else:
                self._offset += timedelta(seconds=seconds)

    def describe(self) -> dict:
        with self._lock:
            frozen = self._frozen_at
            offset = self._offset.total_seconds()
        return {
            "now": self.now().isoformat(),
            "frozen": frozen is not None,
            "frozen_at": frozen.isoformat() if frozen else None,
            "offset_s": None if frozen else offset,
        }


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
