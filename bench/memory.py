"""Scenario 4: peak RSS of connector runs facing 1,000 and 10,000 tracked messages, and of a 2,000-email search."""

import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from bench import connector
from bench.archive import LARGEST_PAGE
from bench.harness import ARCHIVE_SEARCH_PATH, Settings, instance, mib, request_counts, simulator
from bench.probe import probe
from bench.report import Goal, Row, less_than_linear, ours_at_most, requests_bound, skipped

SCENARIO = "Memory"
ARCHIVE_EMAILS = 2000
# The connector runs take this many messages per run whatever the backlog, so only what scales with the
# backlog (search results, remembered ids) can make the larger backlog cost more.
CONNECTOR_MESSAGES_PER_RUN = 1000
CONNECTOR_SPAN_HOURS = 24


def floor_kb() -> int:
    """Peak RSS of the same interpreter importing requests: what any script here costs before doing anything."""
    return probe({"kind": "command", "argv": [sys.executable, "-c", "import requests"]})["peak_rss_kb"]


def archive_rows(settings: Settings) -> tuple[list[Row], list[str]]:
    options = {"archive": {"size": settings.archive_size}}
    with simulator(latency_ms=settings.latency_ms, feature_options=options, seed=settings.seed) as sim:
        configuration = instance(sim.url)
        start = (datetime.now(UTC) - timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%SZ")
        params = {"Time Frame": "Custom", "Start Time": start, "Max Emails To Return": str(ARCHIVE_EMAILS)}
        search = _action(configuration, "Simple Archive Search", params)
        if search["json_items"] != ARCHIVE_EMAILS:
            raise RuntimeError(f"Simple Archive Search returned {search['json_items']} emails, not {ARCHIVE_EMAILS}")
        searches = request_counts(sim).get(ARCHIVE_SEARCH_PATH, 0)
        ping = _action(configuration, "Ping", {})
    rows = [
        Row(
            SCENARIO,
            f"Simple Archive Search, {ARCHIVE_EMAILS:,} emails: peak RSS (baseline: Ping)",
            mib(search["peak_rss_kb"]),
            mib(ping["peak_rss_kb"]),
            unit="MiB",
        ),
        Row(
            SCENARIO,
            f"Simple Archive Search action, {ARCHIVE_EMAILS:,} emails: search requests",
            searches,
            goal=ours_at_most(requests_bound(ARCHIVE_EMAILS, LARGEST_PAGE)),
        ),
    ]
    notes = [
        f"* Archive: the Simple Archive Search action (Time Frame Custom, 90 days, Max Emails To Return "
        f"{ARCHIVE_EMAILS:,}) run by the devkit runner inside a fresh `python -m bench.probe` process, whose only "
        "child is the script; its peak RSS is `getrusage(RUSAGE_CHILDREN).ru_maxrss` after the script ended. "
        "Baseline: a Ping run measured the same way (the same skeleton doing the least work). The action's "
        "search requests are counted by the simulator.",
    ]
    return rows, notes


def _action(configuration: dict[str, Any], name: str, params: dict[str, str]) -> dict:
    answer = probe({"kind": "action", "name": name, "params": params, "instance": configuration})
    if not answer["completed"]:
        raise RuntimeError(f"{name} did not complete: {answer['message'] or answer['stderr_tail']}")
    return answer


def connector_rows(settings: Settings, floor: int) -> tuple[list[Row], list[str]]:
    absent = connector.connector_absent()
    if absent:
        return [skipped(SCENARIO, f"connector peak RSS: {absent}")], [connector.PENDING_NOTE]
    small, large = settings.memory_backlogs
    drains = {backlog: _drain(settings, backlog) for backlog in (small, large)}
    growth = large / small
    goal = Goal(
        f"less than linear: RSS above the floor grows < {growth:g}x",
        lambda row: less_than_linear(row.baseline, row.ours, mib(floor), growth),
    )
    rows = [
        Row(
            SCENARIO,
            f"connector peak RSS, backlog {large:,} (baseline: backlog {small:,})",
            mib(drains[large].peak_rss_kb),
            mib(drains[small].peak_rss_kb),
            unit="MiB",
            goal=goal,
        )
    ]
    notes = [
        f"* Connector: backlogs of {small:,} and {large:,} held messages over the last {CONNECTOR_SPAN_HOURS} hours "
        f"(same mix as the throughput scenario), {connector.MAX_HOURS} = {CONNECTOR_SPAN_HOURS}, "
        f"{connector.MAX_MESSAGES} = {CONNECTOR_MESSAGES_PER_RUN:,}, no added latency, no rate limit; runs back to "
        "back until the backlog is drained, each inside a fresh `python -m bench.probe` process. The figure is the "
        "highest peak RSS of any of those runs.",
        f'* Floor: `python -c "import requests"` peaks at {mib(floor):.1f} MiB. Growth is judged on what is above it.',
    ]
    for backlog, drained in drains.items():
        notes.append(
            f"* Backlog {backlog:,}: {len(drained.runs)} run(s), {drained.unique_alerts:,} alerts, peak RSS per run "
            f"{', '.join(f'{mib(r.peak_rss_kb or 0):.1f}' for r in drained.runs)} MiB."
        )
        if drained.problem:
            notes.append(f"* **Problem (backlog {backlog:,}):** {drained.problem}")
    return rows, notes


def _drain(settings: Settings, backlog: int) -> connector.Drain:
    concurrency = settings.connector_concurrency or connector.default_concurrency()
    with simulator(latency_ms=0, seed=settings.seed) as sim:
        connector.seed_backlog(sim, backlog, span_s=CONNECTOR_SPAN_HOURS * 3600 - 120, seed=settings.seed)
        params = connector.connector_params(sim, concurrency, CONNECTOR_MESSAGES_PER_RUN, CONNECTOR_SPAN_HOURS)
        budget = connector.run_budget(backlog, CONNECTOR_MESSAGES_PER_RUN)
        return connector.drain(sim, params, backlog, budget, measure_memory=True)


def run(settings: Settings) -> tuple[list[Row], list[str]]:
    floor = floor_kb()
    connector_part, connector_notes = connector_rows(settings, floor)
    archive_part, archive_notes = archive_rows(settings)
    return [*connector_part, *archive_part], [*connector_notes, *archive_notes]
