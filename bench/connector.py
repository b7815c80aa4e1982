"""Scenario 1: the Message Tracking connector draining a backlog, concurrent detail calls against one at a time;
and how long a run lives after its state write (the one window in which a kill loses alerts).

Written against the connector's interface (its definition's parameter names, the simulator's `tracking`
feature); when the tree has no connector, the scenario reports itself as not present instead of failing.
"""

import math
import os
import random
import select
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.harness import TOKEN_PATH, Settings, instance, request_counts, simulator
from bench.probe import probe
from bench.report import Row, ours_at_most, ours_equal, ratio_at_least, skipped
from devkit import REPO_ROOT
from devkit import platform as platform_fake
from devkit.definitions import CONNECTORS_DEFS_DIR, CONNECTORS_SCRIPTS_DIR, MANAGERS_DIR, UsageError, find_connector_def
from devkit.platform import overflow_settings
from devkit.runner import run_connector, set_overflow_settings
from simulator.faults import parse_rate_limit

SCENARIO = "Connector throughput"
DOMAINS = ("corp.example", "branch.example")
SEARCH_PATH = "/api/message-finder/search"
DETAIL_PATH = "/api/message-finder/get-message-info"
CONCURRENCY = "Concurrent Detail Requests"
MAX_MESSAGES = "Max Messages To Return"
MAX_HOURS = "Max Hours Backwards"
TIMEOUT = "PythonProcessTimeout"
NEEDED_PARAMETERS = ("API Root", "Client ID", "Client Secret", "Domains", MAX_MESSAGES, MAX_HOURS, TIMEOUT, CONCURRENCY)
MESSAGES_PER_RUN = 100
GENEROUS_TIMEOUT_S = 600
GOAL_SPEED_UP = 5.0
GOAL_DETAIL_CALLS = 1.05
PENDING_NOTE = (
    "* Not measured in this run: the scenario (bench/connector.py) drives the Message Tracking connector through "
    "its definition's parameters and the simulator's message tracking, and runs as soon as the tree has them."
)
# A run that ingests nothing this many times in a row while messages are left means the backlog is stuck.
STALLED_RUNS = 2
EXIT_SCENARIO = "Connector state write to exit"
STATE_KEY = "mimecast_tracking_state"
EXIT_RUNS = 21
GOAL_EXIT_GAP_MS = 10.0
# The script's last line: without it the process ends through the interpreter's teardown (the baseline).
END_PROCESS_CALL = "    end_process()\n"


def connector_absent(root: Path = REPO_ROOT) -> str | None:
    """Why the connector scenarios cannot run in this tree, or None when they can."""
    if not any((root / CONNECTORS_SCRIPTS_DIR).glob("*.py")):
        return f"connector not present ({CONNECTORS_SCRIPTS_DIR}/ has no connector script)"
    try:
        _, definition = find_connector_def(root)
    except UsageError as exc:
        return f"connector not present ({exc})"
    names = {parameter.get("Name") for parameter in definition.get("Parameters") or []}
    missing = [name for name in NEEDED_PARAMETERS if name not in names]
    if missing:
        return f"the connector has no parameter {', '.join(repr(m) for m in missing)}; the scenario needs updating"
    from simulator.endpoints import load_feature_modules
    from simulator.registry import DEFAULT_REGISTRY

    load_feature_modules()
    if "tracking" not in DEFAULT_REGISTRY.features:
        return "the simulator has no message-tracking feature"
    return None


def default_concurrency(root: Path = REPO_ROOT) -> int:
    _, definition = find_connector_def(root)
    parameter = next(p for p in definition["Parameters"] if p.get("Name") == CONCURRENCY)
    return int(str(parameter.get("DefaultValue")).strip())


def seed_backlog(sim: Any, count: int, span_s: float, seed: int) -> None:
    """`count` held messages over the last `span_s` seconds, alternating between the two domains, every route."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    store = sim.state.feature("tracking")
    with sim.state.lock:
        for number in range(count):
            domain = DOMAINS[number % len(DOMAINS)]
            route = rng.choice(("inbound", "outbound", "internal"))
            internal = f"user{rng.randint(1, 40)}@{domain}"
            external = f"contact{rng.randint(1, 500)}@partner{rng.randint(1, 9)}.example.net"
            sender, recipient = {
                "inbound": (external, internal),
                "outbound": (internal, external),
                "internal": (internal, f"user{rng.randint(41, 80)}@{domain}"),
            }[route]
            store.add(
                sender=sender,
                recipients=[recipient],
                subject=f"Backlog message {number}",
                status="held",
                route=route,
                received=now - timedelta(seconds=rng.uniform(60, span_s)),
                risk=rng.choice((None, "negligible", "low", "medium", "high")),
            )


def connector_params(sim: Any, concurrency: int, max_messages: int, max_hours: int) -> dict[str, str]:
    configuration = instance(sim.url)
    return {
        "API Root": configuration["API Root"],
        "Client ID": configuration["Client ID"],
        "Client Secret": configuration["Client Secret"],
        "Domains": ", ".join(DOMAINS),
        MAX_MESSAGES: str(max_messages),
        MAX_HOURS: str(max_hours),
        TIMEOUT: str(GENEROUS_TIMEOUT_S),
        CONCURRENCY: str(concurrency),
    }


def new_store() -> Path:
    """A platform store with the overflow protection (50 alerts per 10 minutes) off, as for a volume test."""
    store = Path(tempfile.mkdtemp(prefix="bench-connector-"))
    set_overflow_settings(store, overflow_settings(enabled=False))
    return store


@dataclass
class RunRecord:
    wall_s: float
    alerts: int
    peak_rss_kb: int | None = None


@dataclass
class Drain:
    """The runs that drained (or failed to drain) one backlog."""

    backlog: int
    runs: list[RunRecord] = field(default_factory=list)
    ticket_ids: list[str] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)
    rate_limited: int = 0
    max_in_flight: int = 0
    problem: str = ""

    @property
    def unique_alerts(self) -> int:
        return len(set(self.ticket_ids))

    @property
    def duplicates(self) -> int:
        return len(self.ticket_ids) - self.unique_alerts

    @property
    def wall_s(self) -> float:
        return sum(run.wall_s for run in self.runs)

    @property
    def drained(self) -> bool:
        return self.unique_alerts >= self.backlog

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    @property
    def peak_rss_kb(self) -> int:
        return max(run.peak_rss_kb or 0 for run in self.runs)


def _direct_run(params: dict[str, str], store: Path) -> tuple[float, list[str], int | None, str]:
    started = time.perf_counter()
    run = run_connector(params, store=store)
    wall = time.perf_counter() - started
    ids = [alert.get("ticket_id") for alert in run.ingested_alerts]
    return wall, ids, None, run.stderr[-2000:] if run.exit_code else ""


def _probed_run(params: dict[str, str], store: Path) -> tuple[float, list[str], int | None, str]:
    answer = probe({"kind": "connector", "params": params, "store": str(store)})
    return answer["wall_s"], answer["ticket_ids"], answer["peak_rss_kb"], answer["stderr_tail"]


def drain(sim: Any, params: dict[str, str], backlog: int, max_runs: int, *, measure_memory: bool = False) -> Drain:
    """Run the connector back to back, as a scheduler with no interval would, until the backlog is ingested."""
    result = Drain(backlog)
    store = new_store()
    one_run: Callable[..., tuple[float, list[str], int | None, str]] = _probed_run if measure_memory else _direct_run
    sim.state.log.reset()
    idle = 0
    while not result.drained and len(result.runs) < max_runs:
        wall, ids, peak, failure = one_run(params, store)
        if failure:
            result.problem = f"run {len(result.runs) + 1} failed: {failure}"
            break
        result.runs.append(RunRecord(wall, len(ids), peak))
        result.ticket_ids.extend(ids)
        idle = 0 if ids else idle + 1
        if idle >= STALLED_RUNS:
            result.problem = f"{STALLED_RUNS} runs in a row ingested nothing with {backlog - result.unique_alerts} left"
            break
    if not result.drained and not result.problem:
        result.problem = f"not drained after {max_runs} runs ({result.unique_alerts:,} of {backlog:,})"
    stats = sim.state.log.stats()
    result.requests = request_counts(sim)
    result.rate_limited = stats["rate_limited"]
    result.max_in_flight = stats["max_in_flight"]
    return result


def measure_drain(settings: Settings, concurrency: int) -> Drain:
    rate_limit = parse_rate_limit(settings.rate_limit)
    with simulator(latency_ms=settings.latency_ms, rate_limit=rate_limit, seed=settings.seed) as sim:
        seed_backlog(sim, settings.connector_backlog, span_s=55 * 60, seed=settings.seed)
        params = connector_params(sim, concurrency, MESSAGES_PER_RUN, max_hours=1)
        backlog = settings.connector_backlog
        return drain(sim, params, backlog, max_runs=run_budget(backlog, MESSAGES_PER_RUN))


def run_budget(backlog: int, per_run: int) -> int:
    """Runs allowed before a backlog counts as not drained: three times the least needed, plus a few."""
    return 3 * math.ceil(backlog / per_run) + 5


def run(settings: Settings) -> tuple[list[Row], list[str]]:
    absent = connector_absent()
    if absent:
        return [skipped(SCENARIO, absent)], [PENDING_NOTE]
    concurrency = settings.connector_concurrency or default_concurrency()
    ours = measure_drain(settings, concurrency)
    baseline = measure_drain(settings, 1)
    gaps = measure_exit_gaps(settings)
    rows = [*drain_rows(settings, concurrency, ours, baseline), *exit_gap_rows(gaps)]
    return rows, [*drain_notes(settings, concurrency, ours, baseline), *exit_gap_notes(gaps)]


# The gap between the state write and the process exit, measured from outside the script


@dataclass
class ExitGaps:
    """Milliseconds from the platform fake applying a run's state write to the process exit, per run."""

    ours: list[float] = field(default_factory=list)
    teardown: list[float] = field(default_factory=list)


@contextmanager
def exit_gap_probe() -> Iterator[tuple[dict[str, float], Callable[[Callable[[str], None]], None]]]:
    """(marks, an on_start hook): marks["state"] when the platform fake applies the state write (it records
    the call right before sending its answer), marks["exit"] when the script process ends (a pidfd becomes
    readable). Both on this process's monotonic clock; nothing in the script is touched."""
    marks: dict[str, float] = {}
    record = platform_fake.PlatformServer.record

    def timed_record(server: Any, entry: Any) -> None:
        if entry.call == "SetContextProperty" and (entry.body or {}).get("PropertyKey") == STATE_KEY:
            marks["state"] = time.monotonic()
        record(server, entry)

    def on_start(_kill: Callable[[str], None]) -> None:
        children = {
            int(pid) for task in Path("/proc/self/task").iterdir() for pid in (task / "children").read_text().split()
        }
        if len(children) != 1:
            raise RuntimeError(f"expected the script as the only child process, found {sorted(children)}")
        descriptor = os.pidfd_open(children.pop())

        def wait_for_exit() -> None:
            poller = select.poll()
            poller.register(descriptor, select.POLLIN)
            poller.poll()
            marks["exit"] = time.monotonic()
            os.close(descriptor)

        threading.Thread(target=wait_for_exit, daemon=True).start()

    platform_fake.PlatformServer.record = timed_record  # type: ignore[method-assign]
    try:
        yield marks, on_start
    finally:
        platform_fake.PlatformServer.record = record  # type: ignore[method-assign]


@contextmanager
def connector_without_end_process(root: Path = REPO_ROOT) -> Iterator[Path]:
    """A tree whose connector script is the real one minus its last line (`end_process()`): the baseline."""
    with tempfile.TemporaryDirectory(prefix="bench-teardown-") as directory:
        tree = Path(directory)
        for folder in (CONNECTORS_DEFS_DIR, MANAGERS_DIR):
            (tree / folder).symlink_to(root / folder)
        (tree / CONNECTORS_SCRIPTS_DIR).mkdir()
        for script in (root / CONNECTORS_SCRIPTS_DIR).glob("*.py"):
            text = script.read_text(encoding="utf-8")
            if END_PROCESS_CALL not in text:
                raise RuntimeError(f"{script.name} no longer ends with {END_PROCESS_CALL.strip()!r}; update the bench")
            (tree / CONNECTORS_SCRIPTS_DIR / script.name).write_text(text.replace(END_PROCESS_CALL, ""))
        yield tree


def measure_exit_gaps(settings: Settings, runs: int = EXIT_RUNS) -> ExitGaps:
    """Each run alerts one new message; the two variants alternate so that load affects them alike."""
    gaps = ExitGaps()
    with simulator(seed=settings.seed) as sim, connector_without_end_process() as teardown_root:
        store = new_store()
        params = connector_params(sim, 1, 10, max_hours=1)
        variants = ((gaps.ours, REPO_ROOT), (gaps.teardown, teardown_root))
        for number in range(runs):
            for samples, root in variants:
                sim.state.feature("tracking").add(
                    sender="bench@outside.example",
                    recipients=[f"user{number}@{DOMAINS[0]}"],
                    subject=f"Exit gap {number}",
                    received=datetime.now(UTC) - timedelta(seconds=30),
                )
                with exit_gap_probe() as (marks, on_start):
                    result = run_connector(params, store=store, on_start=on_start, root=root)
                    deadline = time.monotonic() + 5
                    while "exit" not in marks and time.monotonic() < deadline:
                        time.sleep(0.001)
                if result.exit_code != 0 or "state" not in marks or "exit" not in marks:
                    raise RuntimeError(f"exit-gap run {number + 1} did not end cleanly: {result.stderr[-2000:]}")
                samples.append((marks["exit"] - marks["state"]) * 1000)
    return gaps


def exit_gap_rows(gaps: ExitGaps) -> list[Row]:
    median, worst = statistics.median, max
    return [
        Row(
            EXIT_SCENARIO,
            f"state write applied → process exit, median of {len(gaps.ours)} runs (baseline: interpreter teardown)",
            median(gaps.ours),
            median(gaps.teardown),
            unit="ms",
            goal=ours_at_most(GOAL_EXIT_GAP_MS),
        ),
        Row(EXIT_SCENARIO, "the same, worst run", worst(gaps.ours), worst(gaps.teardown), unit="ms"),
    ]


def exit_gap_notes(gaps: ExitGaps) -> list[str]:
    def listing(samples: list[float]) -> str:
        return ", ".join(f"{sample:.1f}" for sample in samples)

    return [
        f"* {EXIT_SCENARIO}: a run killed after its state write but before it exits has saved its state while "
        "the platform drops its alerts; this is the only window in which alerts can be lost. Measured from outside "
        "the script: the platform fake's clock when it applies the `mimecast_tracking_state` write (it records the "
        "call right before answering) and when the process ends (a pidfd on it becomes readable), over "
        f"{len(gaps.ours)} runs that each alert one new message (simulator without latency).",
        "* Ours: the connector as shipped; after the state write it only flushes and calls `os._exit(0)`. "
        "Baseline: the same script without its last line (`end_process()`), so the process ends through the "
        "interpreter's teardown. The platform fake sends each answer at once (TCP_NODELAY), as a platform server "
        "does: with Nagle's algorithm and the client's delayed ACK, its separately written body waited about 40 ms.",
        f"* Gaps in ms, ours: {listing(gaps.ours)}; baseline: {listing(gaps.teardown)}.",
    ]


def _per_alert(drained: Drain, count: float) -> float | None:
    return count / drained.unique_alerts if drained.unique_alerts else None


def drain_rows(settings: Settings, concurrency: int, ours: Drain, baseline: Drain) -> list[Row]:
    backlog = settings.connector_backlog

    def speed(d: Drain) -> float | None:
        return d.unique_alerts / d.wall_s if d.wall_s else None

    return [
        Row(
            SCENARIO,
            f"messages ingested per second ({concurrency} concurrent detail calls vs 1)",
            speed(ours),
            speed(baseline),
            unit="msg/s",
            goal=ratio_at_least(GOAL_SPEED_UP),
        ),
        Row(
            SCENARIO,
            "detail calls per processed message",
            _per_alert(ours, ours.requests.get(DETAIL_PATH, 0)),
            _per_alert(baseline, baseline.requests.get(DETAIL_PATH, 0)),
            goal=ours_at_most(GOAL_DETAIL_CALLS),
        ),
        Row(
            SCENARIO,
            "API calls per alert (token, searches, hold list, details)",
            _per_alert(ours, ours.total_requests),
            _per_alert(baseline, baseline.total_requests),
        ),
        Row(SCENARIO, "search calls per run", _search_per_run(ours), _search_per_run(baseline)),
        Row(SCENARIO, f"runs to drain {backlog:,} messages", len(ours.runs), len(baseline.runs)),
        Row(
            SCENARIO,
            f"alerts created, each message once (duplicates: {ours.duplicates} / {baseline.duplicates})",
            ours.unique_alerts,
            baseline.unique_alerts,
            goal=ours_equal(backlog),
        ),
        Row(
            SCENARIO,
            "HTTP 429 from the rate limit (bucket of {} requests per {} ms)".format(
                *parse_rate_limit(settings.rate_limit)
            ),
            ours.rate_limited,
            baseline.rate_limited,
            goal=ours_equal(0),
        ),
        Row(SCENARIO, "most requests in flight at once", ours.max_in_flight, baseline.max_in_flight),
    ]


def _search_per_run(drained: Drain) -> float | None:
    return drained.requests.get(SEARCH_PATH, 0) / len(drained.runs) if drained.runs else None


def drain_notes(settings: Settings, concurrency: int, ours: Drain, baseline: Drain) -> list[str]:
    notes = [
        f"* Backlog: {settings.connector_backlog:,} held messages received over the last 55 minutes, alternating "
        f"between {' and '.join(DOMAINS)}, inbound, outbound and internal, added to the simulator's message "
        "tracking before the first run; the simulator clock is the real clock.",
        f"* Connector: Domains = {', '.join(DOMAINS)}, {MAX_MESSAGES} = {MESSAGES_PER_RUN}, {MAX_HOURS} = 1, "
        f"{TIMEOUT} = {GENEROUS_TIMEOUT_S}, other parameters at their defaults; the platform's overflow protection "
        "is off (it would hold back alerts in a volume test). Each run is a fresh `run_connector` process, started "
        "as soon as the previous one ended, with the connector state kept between runs, until every message "
        "was alerted.",
        f"* Ours: {CONCURRENCY} = {concurrency}"
        f"{' (the definition default)' if not settings.connector_concurrency else ''}. Baseline: the same "
        f"connector with {CONCURRENCY} = 1 (detail calls one at a time), same backlog, fresh simulator.",
        f"* Simulator: {settings.latency_ms} ms latency per call, rate-limit bucket {settings.rate_limit} "
        "(requests / window ms). Messages per second = alerts / the summed wall time of the runs.",
        f"* Run times, ours: {_walls(ours)}; baseline: {_walls(baseline)}.",
        f"* Requests, ours: {_paths(ours)}; baseline: {_paths(baseline)}.",
    ]
    for label, drained in (("ours", ours), ("baseline", baseline)):
        if drained.problem:
            notes.append(f"* **Problem ({label}):** {drained.problem}")
    return notes


def _walls(drained: Drain) -> str:
    return ", ".join(f"{run.wall_s:.1f} s ({run.alerts})" for run in drained.runs) or "none"


def _paths(drained: Drain) -> str:
    order = (TOKEN_PATH, SEARCH_PATH, DETAIL_PATH)
    paths = sorted(drained.requests, key=lambda p: (order.index(p) if p in order else len(order), p))
    return ", ".join(f"{path} {drained.requests[path]:,}" for path in paths) or "none"
