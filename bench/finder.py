"""Scenario 5: calls and wall time of Search Message Tracking and List Held Messages for 50, 500 and 1,000 results.

Ours asks each page for the results still wanted (up to the largest page); the baseline is the same Manager code
pinned to fixed pages of 100, followed one after another.
"""

import math
from datetime import UTC, datetime, timedelta
from statistics import median
from typing import Any

from bench.harness import Settings, instance, request_counts, simulator
from bench.probe import probe
from bench.report import Row, ours_at_most

SCENARIO = "Tracking and held-list paging"
RESULT_COUNTS = (50, 500, 1000)
# Matching messages waiting: more than the largest count asked for, so every search could return more.
BACKLOG = 1200
SENDER_DOMAIN = "bulk-phish.example.net"
# The largest page both functions accept (500 worked on a live tenant for the paged functions; the simulator
# caps both at 500). The goal is judged against it, not against the product's constant.
LARGEST_PAGE = 500
BASELINE_PAGE = 100
PATHS = {"tracking": "/api/message-finder/search", "held": "/api/gateway/get-hold-message-list"}
LABELS = {"tracking": "Search Message Tracking", "held": "List Held Messages"}


def seed(sim: Any, count: int) -> None:
    """`count` held messages from one sender domain over the last 50 minutes: tracked, and held per recipient."""
    now = datetime.now(UTC)
    store = sim.state.feature("tracking")
    with sim.state.lock:
        for number in range(count):
            store.add(
                sender=f"sender{number % 37}@{SENDER_DOMAIN}",
                recipients=[f"user{number % 40 + 1}@{store.domains[0]}"],
                subject=f"Bulk message {number}",
                status="held",
                received=now - timedelta(seconds=60 + 2.5 * number),
            )


def _search(sim: Any, what: str, results: int, page_size: int | None) -> tuple[int, float]:
    """(calls the simulator answered, wall time) of one fresh-process search; page_size None = as shipped."""
    sim.state.log.reset()
    job = {
        "kind": "finder",
        "what": what,
        "instance": instance(sim.url),
        "results": results,
        "sender": SENDER_DOMAIN,
        "page_size": page_size,
    }
    answer = probe(job)
    if answer["returned"] != results:
        raise RuntimeError(f"{LABELS[what]} returned {answer['returned']} messages, not {results}")
    sent = request_counts(sim).get(PATHS[what], 0)
    if sent != answer["requests"]:
        raise RuntimeError(f"the Manager counted {answer['requests']} requests, the simulator {sent}")
    return sent, answer["wall_s"]


def run(settings: Settings) -> tuple[list[Row], list[str]]:
    walls: dict[tuple[str, int, str], list[float]] = {}
    calls: dict[tuple[str, int, str], set[int]] = {}
    with simulator(latency_ms=settings.latency_ms, seed=settings.seed) as sim:
        seed(sim, BACKLOG)
        for what in PATHS:
            for results in RESULT_COUNTS:
                for repeat in range(settings.archive_repeats):
                    # Alternate which goes first, so neither always meets a warmer simulator.
                    order = (("ours", None), ("baseline", BASELINE_PAGE))
                    for label, page in order if repeat % 2 == 0 else reversed(order):
                        sent, wall = _search(sim, what, results, page)
                        walls.setdefault((what, results, label), []).append(wall)
                        calls.setdefault((what, results, label), set()).add(sent)
    rows: list[Row] = []
    for what in PATHS:
        for results in RESULT_COUNTS:
            ours, base = (_single(calls[(what, results, label)]) for label in ("ours", "baseline"))
            rows.append(
                Row(
                    SCENARIO,
                    f"{LABELS[what]}, {results:,} results: calls",
                    ours,
                    base,
                    goal=ours_at_most(math.ceil(results / LARGEST_PAGE)),
                )
            )
            rows.append(
                Row(
                    SCENARIO,
                    f"{LABELS[what]}, {results:,} results: wall time (median of {settings.archive_repeats})",
                    median(walls[(what, results, "ours")]),
                    median(walls[(what, results, "baseline")]),
                    unit="s",
                )
            )
    notes = [
        f"* Data: {BACKLOG:,} held messages from senders of {SENDER_DOMAIN}, received over the last 50 minutes, added "
        "to the simulator's message tracking (so each is also in the held queue), next to its seeded messages; "
        f"{settings.latency_ms} ms latency per call.",
        "* Search Message Tracking: `MimecastManager.search_message_tracking` with Sender = the domain and a 2-hour "
        "window, as the action builds it (message-finder/search, `meta.pagination` asked for and `next` "
        "followed). List Held Messages: `MimecastManager.find_held_messages` with Sender = the domain (Mimecast's "
        "`searchBy`, so no filter is left to apply locally), the same window.",
        "* Ours: as shipped, each page asks for the results still wanted, up to "
        f"{LARGEST_PAGE}. Baseline: the same Manager code with its page size pinned to {BASELINE_PAGE} "
        f"(`MimecastFinderOperations.FINDER_MAX_PAGE_SIZE = {BASELINE_PAGE}` in the measuring process), the pages "
        "followed one after another; the only difference is the page size.",
        "* Each search runs in a fresh process (`python -m bench.probe`); the API 2.0 token is fetched first "
        "(`get_account`), so the timed part holds only the search calls. Calls are counted by the simulator and "
        "checked against the Manager's own count; every search must return exactly the number asked for. "
        f"Repetitions: `--archive-repeats` ({settings.archive_repeats}).",
        f"* Goal: ceil(n / {LARGEST_PAGE}) calls, the fewest that can return n results when a page holds at most "
        f"{LARGEST_PAGE}.",
    ]
    return rows, notes


def _single(values: set[int]) -> int:
    """Paging is deterministic, so every repetition must have sent the same number of calls."""
    if len(values) != 1:
        raise RuntimeError(f"the call count changed between repetitions: {sorted(values)}")
    return next(iter(values))
