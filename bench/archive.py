"""Scenario 2: requests and wall time to return 50, 500 and 2,000 archive emails; baseline = fixed pages of 100."""

from statistics import median
from typing import Any

from bench.harness import ARCHIVE_SEARCH_PATH, Settings, instance, request_counts, simulator
from bench.probe import probe
from bench.report import Row, ours_at_most, requests_bound

SCENARIO = "Archive search cost"
EMAIL_COUNTS = (50, 500, 2000)
# The largest page Mimecast accepts (500 worked on a live tenant; simulator/README.md, assumption 20). The goal
# is judged against it, not against the product's own constant, so a smaller page in the product would show.
LARGEST_PAGE = 500
BASELINE_PAGE = 100


def _search(sim: Any, emails: int, page_size: int | None) -> tuple[int, float]:
    """(search requests the simulator answered, wall time) of one fresh-process search; page_size None = as shipped."""
    sim.state.log.reset()
    answer = probe({"kind": "archive", "instance": instance(sim.url), "emails": emails, "page_size": page_size})
    if answer["returned"] != emails:
        raise RuntimeError(f"the archive search returned {answer['returned']} emails, not {emails}")
    sent = request_counts(sim).get(ARCHIVE_SEARCH_PATH, 0)
    if sent != answer["requests"]:
        raise RuntimeError(f"the Manager counted {answer['requests']} requests, the simulator {sent}")
    return sent, answer["wall_s"]


def run(settings: Settings) -> tuple[list[Row], list[str]]:
    rows: list[Row] = []
    walls: dict[tuple[int, str], list[float]] = {}
    requests: dict[tuple[int, str], set[int]] = {}
    options = {"archive": {"size": settings.archive_size}}
    with simulator(latency_ms=settings.latency_ms, feature_options=options, seed=settings.seed) as sim:
        _search(sim, 50, None)  # the simulator builds its archive on first use; not measured
        for emails in EMAIL_COUNTS:
            for repeat in range(settings.archive_repeats):
                # Alternate which goes first, so neither always meets a warmer simulator.
                order = (("ours", None), ("baseline", BASELINE_PAGE))
                for label, page in order if repeat % 2 == 0 else reversed(order):
                    sent, wall = _search(sim, emails, page)
                    walls.setdefault((emails, label), []).append(wall)
                    requests.setdefault((emails, label), set()).add(sent)
    for emails in EMAIL_COUNTS:
        ours_requests, base_requests = (_single(requests[(emails, label)]) for label in ("ours", "baseline"))
        rows.append(
            Row(
                SCENARIO,
                f"{emails:,} emails: search requests",
                ours_requests,
                base_requests,
                goal=ours_at_most(requests_bound(emails, LARGEST_PAGE)),
            )
        )
        rows.append(
            Row(
                SCENARIO,
                f"{emails:,} emails: wall time (median of {settings.archive_repeats})",
                median(walls[(emails, "ours")]),
                median(walls[(emails, "baseline")]),
                unit="s",
            )
        )
    notes = [
        f"* Archive: the simulator's seeded archive of {settings.archive_size:,} emails, every one matching the "
        f"query (Simple Archive Search's default fields, a custom 90-day window); {settings.latency_ms} ms latency "
        "per call.",
        "* Ours: `MimecastManager.search_archive` as shipped (each page asks for the emails still wanted, up to "
        f"{LARGEST_PAGE}). Baseline: the same Manager code with its page size pinned to {BASELINE_PAGE} "
        "(`MimecastManager.ARCHIVE_MAX_PAGE_SIZE = 100` in the measuring process), so the only difference is the "
        "page size; the query is built by `SimpleArchiveQuery` exactly as the action builds it.",
        "* Each search runs in a fresh process (`python -m bench.probe`); the API 2.0 token is fetched first "
        "(`get_account`), so the timed part holds only archive-search calls. Requests are counted by the "
        "simulator and checked against the Manager's own count.",
        f"* Goal: at most ceil(n / {LARGEST_PAGE}) + 1 requests, {LARGEST_PAGE} being the largest page Mimecast "
        "accepts.",
    ]
    return rows, notes


def _single(values: set[int]) -> int:
    """Paging is deterministic, so every repetition must have sent the same number of requests."""
    if len(values) != 1:
        raise RuntimeError(f"the request count changed between repetitions: {sorted(values)}")
    return next(iter(values))
