"""Rate-limit pacing: this process' requests spaced so that they do not empty Mimecast's bucket."""

import itertools
import threading
import time
from collections.abc import Callable

import requests

import MimecastReasons as reasons

# Keep this much run time free after a rate-limit wait, so the retried request can still finish.
RATE_LIMIT_SAFETY_S = 2.0
# Shortest gap between requests once the bucket is empty, and the longest single sleep.
PACE_MIN_INTERVAL_S = 0.05
PACE_POLL_S = 0.25


def int_header(response: requests.Response, name: str) -> int | None:
    try:
        return int(float(response.headers[name]))
    except (KeyError, ValueError):
        return None


class RateLimitPacer:
    """Spaces this process' requests so they do not empty Mimecast's rate-limit bucket.

    Every response reports the bucket: `X-RateLimit-Remaining` and `X-RateLimit-Reset` (ms until at least
    one request is added back). A report is lowered by every request of ours that overlapped the reporting
    request (Mimecast may have counted them after it, and answers arrive out of order), so the estimate
    never exceeds what is really left; at zero a request waits for the reported reset, then one goes and
    its answer updates the estimate. Without these headers nothing is paced.
    """

    def __init__(self, monotonic: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self._monotonic = monotonic
        self._sleep = sleep
        self._lock = threading.Lock()
        self._left: int | None = None
        self._reset_at = 0.0
        self._reset_s = 0.0
        self._tickets = itertools.count(1)
        # In-flight ticket -> how many other requests were in flight at some point of its lifetime.
        self._overlaps: dict[int, int] = {}
        self.waited_s = 0.0

    def acquire(self, path: str, deadline: float) -> int:
        """Wait until a request may go and return its ticket; raise when that would not leave room before `deadline`."""
        while True:
            with self._lock:
                now = self._monotonic()
                if self._left is None or self._left > 0 or now >= self._reset_at:
                    if self._left:
                        self._left -= 1
                    elif self._left == 0:
                        # At least one request was added back since the last report; its answer tells more.
                        self._reset_at = now + max(self._reset_s, PACE_MIN_INTERVAL_S)
                    ticket = next(self._tickets)
                    for other in self._overlaps:
                        self._overlaps[other] += 1
                    self._overlaps[ticket] = len(self._overlaps)
                    return ticket
                wait = self._reset_at - now
            if now + wait + RATE_LIMIT_SAFETY_S > deadline:
                raise reasons.paced_out(path, wait, deadline - now)
            step = min(wait, PACE_POLL_S)
            self._sleep(step)
            self.waited_s += step

    def observe(self, ticket: int, response: requests.Response) -> None:
        remaining = int_header(response, "X-RateLimit-Remaining")
        reset_ms = int_header(response, "X-RateLimit-Reset")
        with self._lock:
            overlapping = self._overlaps.pop(ticket, 0)
            if remaining is None:
                self._left = None
                return
            self._left = 0 if response.status_code == 429 else max(remaining - overlapping, 0)
            self._reset_s = max(reset_ms or 0, 0) / 1000.0
            self._reset_at = self._monotonic() + self._reset_s

    def release(self, ticket: int) -> None:
        """A request that got no answer."""
        with self._lock:
            self._overlaps.pop(ticket, None)
