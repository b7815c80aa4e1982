"""The Environment Regex Pattern, bounded in time: it runs on values an attacker writes (a subject)."""

import re
import signal
import threading
import warnings
from typing import Any

# The Environment Regex Pattern is matched against a value an attacker can write (a subject): each match may use this
# much CPU time, and a run stops applying it after this many matches ran out of time (at most about 1 CPU second).
MATCH_LIMIT_S = 0.1
MAX_TIMED_OUT_MATCHES = 10
# `re` checks for the alarm only between some steps, and some of them take time in proportion to the value's length:
# longer values are not matched at all (no environment is that long).
MATCH_MAX_CHARS = 10_000


class MatchTimeout(Exception):
    """A regular expression ran out of time on one value (str: what happened, for the log)."""


# The limit of the match running now, or None while no match runs (signal handlers run in the main thread).
_running_limit_s: float | None = None


def _out_of_time(_signum: int, _frame: Any) -> None:
    if _running_limit_s is not None:
        raise MatchTimeout(f"took more than {_running_limit_s:g} s of CPU time")


def match_pattern(pattern: re.Pattern[str], text: str, limit_s: float = MATCH_LIMIT_S) -> re.Match[str] | None:
    """`pattern.search(text)`, stopped with MatchTimeout once it used `limit_s` of CPU time.

    Python's `re` backtracks, so a pattern such as `^(a+)+$` runs for ages on a crafted value; it checks for
    signals while it matches, so a CPU-time alarm (ITIMER_VIRTUAL: a process waiting for the CPU on a busy host
    does not run out of time) stops it. Signal handlers run only in the main thread, so matching elsewhere is
    refused rather than left unbounded. The handler stays installed; it does nothing unless a match is running.
    """
    global _running_limit_s
    if threading.current_thread() is not threading.main_thread():
        raise MatchTimeout("cannot be bounded in time outside the main thread")
    if signal.getsignal(signal.SIGVTALRM) is not _out_of_time:
        signal.signal(signal.SIGVTALRM, _out_of_time)
    _running_limit_s = limit_s
    try:
        signal.setitimer(signal.ITIMER_VIRTUAL, limit_s)
        try:
            return pattern.search(text)
        finally:
            signal.setitimer(signal.ITIMER_VIRTUAL, 0)
    finally:
        _running_limit_s = None


class EnvironmentPattern:
    """The Environment Regex Pattern of one run, compiled once; counts the matches that ran out of time."""

    def __init__(self, pattern: str) -> None:
        with warnings.catch_warnings():
            # re warns (FutureWarning) about constructs whose meaning may change; the parameters were checked already.
            warnings.simplefilter("ignore")
            self._compiled = re.compile(pattern)
        self.timed_out = 0

    @property
    def exhausted(self) -> bool:
        """Enough matches ran out of time in this run: it should not spend more on the pattern."""
        return self.timed_out >= MAX_TIMED_OUT_MATCHES

    def search(self, text: str) -> re.Match[str] | None:
        try:
            return match_pattern(self._compiled, text)
        except MatchTimeout:
            self.timed_out += 1
            raise
