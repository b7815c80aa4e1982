"""Fault knobs: added latency, the rate-limit bucket, and forced faults queued per path or for every path."""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

RATE_LIMIT = "rate_limit"
HTTP_ERROR = "http_error"
MALFORMED = "malformed"
DROP = "drop"
FAIL = "fail"
READ_DELAY = "read_delay"
REDIRECT = "redirect"
FAULT_KINDS = (RATE_LIMIT, HTTP_ERROR, MALFORMED, DROP, FAIL, READ_DELAY, REDIRECT)
MALFORMED_VARIANTS = ("truncated", "html")
HTTP_ERROR_STATUSES = (500, 502, 503, 504)
REDIRECT_STATUSES = (301, 302, 303, 307, 308)


@dataclass
class ForcedFault:
    """One queued fault; it replaces the response of the next `count` matching requests.

    `after=True` runs the endpoint's function first and then applies the fault, so the caller cannot
    tell whether a write happened.
    """

    kind: str
    count: int = 1
    path: str | None = None  # None: any path
    after: bool = False
    reset_ms: int = 1000  # rate_limit: X-RateLimit-Reset
    limit: int = 100  # rate_limit: X-RateLimit-Limit when the bucket is off
    status: int | None = None  # http_error (default 500) or redirect (default 302)
    location: str | None = None  # redirect: the Location header, any URL
    variant: str = "truncated"  # malformed
    delay_ms: int = 5000  # read_delay
    code: str = "err_internal_error"  # fail
    message: str = "Internal error. Please retry the request."
    retryable: bool = True
    id: int = 0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; use one of {', '.join(FAULT_KINDS)}")
        if self.count < 1:
            raise ValueError("count must be at least 1")
        if self.status is None:
            self.status = 302 if self.kind == REDIRECT else 500
        if self.kind == HTTP_ERROR and self.status not in HTTP_ERROR_STATUSES:
            raise ValueError(f"http_error status must be one of {HTTP_ERROR_STATUSES}")
        if self.kind == REDIRECT and self.status not in REDIRECT_STATUSES:
            raise ValueError(f"redirect status must be one of {REDIRECT_STATUSES}")
        if self.kind == REDIRECT and not (isinstance(self.location, str) and self.location.strip()):
            raise ValueError("a redirect needs a location (the URL of the Location header)")
        if self.kind == MALFORMED and self.variant not in MALFORMED_VARIANTS:
            raise ValueError(f"malformed variant must be one of {MALFORMED_VARIANTS}")
        if self.reset_ms < 0 or self.delay_ms < 0:
            raise ValueError("reset_ms and delay_ms cannot be negative")

    @classmethod
    def from_dict(cls, spec: dict) -> ForcedFault:
        known = set(cls.__dataclass_fields__) - {"id"}
        unknown = set(spec) - known
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        try:
            return cls(**spec)
        except TypeError as exc:
            raise ValueError(str(exc)) from exc

    def summary(self) -> dict:
        """What the request log records about the fault it applied."""
        detail = {"kind": self.kind, "after": self.after, "id": self.id}
        extra = {
            RATE_LIMIT: {"reset_ms": self.reset_ms},
            HTTP_ERROR: {"status": self.status},
            MALFORMED: {"variant": self.variant},
            READ_DELAY: {"delay_ms": self.delay_ms},
            FAIL: {"code": self.code},
            REDIRECT: {"status": self.status, "location": self.location},
        }.get(self.kind, {})
        return {**detail, **extra}

    def describe(self) -> dict:
        return asdict(self)


class TokenBucket:
    """`limit` requests per `window_ms`, refilled continuously; one request takes one token."""

    def __init__(self, limit: int, window_ms: int, monotonic: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or window_ms < 1:
            raise ValueError("rate limit needs limit >= 1 and window_ms >= 1")
        self.limit = limit
        self.window_ms = window_ms
        self._monotonic = monotonic
        self._tokens = float(limit)
        self._updated = monotonic()
        self._lock = threading.Lock()

    def take(self) -> tuple[bool, int, int]:
        """(allowed, remaining, reset_ms) after trying to take one token."""
        with self._lock:
            self._refill()
            allowed = self._tokens >= 1
            if allowed:
                self._tokens -= 1
            return allowed, int(self._tokens), self._reset_ms()

    def peek(self) -> tuple[int, int]:
        with self._lock:
            self._refill()
            return int(self._tokens), self._reset_ms()

    def _refill(self) -> None:
        now = self._monotonic()
        rate = self.limit / (self.window_ms / 1000)
        self._tokens = min(float(self.limit), self._tokens + (now - self._updated) * rate)
        self._updated = now

    def _reset_ms(self) -> int:
        if self._tokens >= self.limit:
            return 0
        missing = math.floor(self._tokens) + 1 - self._tokens
        return max(1, math.ceil(missing * self.window_ms / self.limit))


def parse_rate_limit(text: str) -> tuple[int, int]:
    """`"LIMIT/WINDOW_MS"` -> (limit, window_ms)."""
    limit, sep, window = text.partition("/")
    try:
        if not sep:
            raise ValueError
        return int(limit), int(window)
    except ValueError:
        raise ValueError(f"rate limit must look like LIMIT/WINDOW_MS, e.g. 100/60000; got {text!r}") from None


class FaultPlan:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.latency_ms = 0
        self.path_latency_ms: dict[str, int] = {}
        self.bucket: TokenBucket | None = None
        self._queue: list[ForcedFault] = []

    def reset(self) -> None:
        """No latency, no bucket, no queued faults."""
        with self._lock:
            self.latency_ms = 0
            self.path_latency_ms.clear()
            self.bucket = None
            self._queue.clear()

    def set_latency(self, ms: int, path: str | None = None) -> None:
        if ms < 0:
            raise ValueError("latency cannot be negative")
        with self._lock:
            if path is None:
                self.latency_ms = ms
            elif ms:
                self.path_latency_ms[path] = ms
            else:
                self.path_latency_ms.pop(path, None)

    def latency_for(self, path: str) -> int:
        with self._lock:
            return self.latency_ms + self.path_latency_ms.get(path, 0)

    def set_rate_limit(self, limit: int | None, window_ms: int | None = None) -> None:
        """Turn the bucket on (full) with `limit` per `window_ms`, or off with `limit=None`."""
        bucket = TokenBucket(limit, window_ms or 60000) if limit is not None else None
        with self._lock:
            self.bucket = bucket

    def add(self, fault: ForcedFault) -> ForcedFault:
        with self._lock:
            fault.id = next(self._ids)
            self._queue.append(fault)
        return fault

    def take(self, path: str) -> ForcedFault | None:
        """The fault for this request, if any: path-specific faults first, then faults for every path, FIFO."""
        with self._lock:
            candidates = [f for f in self._queue if f.path == path] or [f for f in self._queue if f.path is None]
            if not candidates:
                return None
            fault = candidates[0]
            fault.count -= 1
            if fault.count == 0:
                self._queue.remove(fault)
            return fault

    def pending(self) -> list[dict]:
        with self._lock:
            return [f.describe() for f in self._queue]

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()

    def describe(self) -> dict:
        with self._lock:
            bucket = self.bucket
            info = {
                "latency_ms": self.latency_ms,
                "path_latency_ms": dict(self.path_latency_ms),
                "forced": [f.describe() for f in self._queue],
            }
        if bucket:
            remaining, reset_ms = bucket.peek()
            info["rate_limit"] = {
                "limit": bucket.limit,
                "window_ms": bucket.window_ms,
                "remaining": remaining,
                "reset_ms": reset_ms,
            }
        else:
            info["rate_limit"] = None
        return info
