"""Scenario 3: wall time of Ping as a fresh platform-style process against `python -c "import requests"`."""

import resource
import subprocess
import sys
import time
from collections.abc import Callable
from statistics import median

from bench.harness import Settings, instance, simulator
from bench.report import Row, ratio_at_most
from devkit.runner import run_action

SCENARIO = "Action start-up"
BASELINE_ARGV = (sys.executable, "-c", "import requests")
WARM_UP_RUNS = 2
GOAL_RATIO = 1.5


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(run: Callable[[], None]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child processes it waited for)."""
    cpu = _children_cpu_s()
    started = time.perf_counter()
    run()
    return time.perf_counter() - started, _children_cpu_s() - cpu


def run(settings: Settings) -> tuple[list[Row], list[str]]:
    with simulator(latency_ms=0, seed=settings.seed) as sim:
        configuration = instance(sim.url)

        def ping() -> None:
            result = run_action("Ping", instance=configuration)
            if not result.completed:
                raise RuntimeError(f"Ping did not complete: {result.message or result.stderr[-2000:]}")

        def floor() -> None:
            subprocess.run(BASELINE_ARGV, check=True)

        for _ in range(WARM_UP_RUNS):
            ping()
            floor()
        samples: dict[str, list[tuple[float, float]]] = {"ours": [], "baseline": []}
        for repeat in range(settings.startup_repeats):
            order = (("ours", ping), ("baseline", floor))
            for label, job in order if repeat % 2 == 0 else reversed(order):
                samples[label].append(timed(job))
    wall = {label: median([s[0] for s in values]) * 1000 for label, values in samples.items()}
    cpu = {label: median([s[1] for s in values]) * 1000 for label, values in samples.items()}
    rows = [
        Row(
            SCENARIO,
            f"Ping, median wall time of {settings.startup_repeats} fresh processes",
            wall["ours"],
            wall["baseline"],
            unit="ms",
            goal=ratio_at_most(GOAL_RATIO),
        ),
        Row(SCENARIO, "Ping, median CPU time (user + system)", cpu["ours"], cpu["baseline"], unit="ms"),
    ]
    notes = [
        '* Ours: `devkit.runner.run_action("Ping")`, the way the platform starts an action: a new '
        "`python ActionsScripts/Ping.py` process with the context JSON on stdin and only the SDK stand-in and "
        "Managers/ importable; API 2.0 (a token request, then get-account) against the simulator with no added "
        "latency. The time includes the runner writing the store files and the two HTTP calls.",
        f'* Baseline: `python -c "import requests"` on the same interpreter (`{sys.executable}`).',
        f"* {WARM_UP_RUNS} unmeasured warm-up runs each, then {settings.startup_repeats} of each, alternating which "
        "goes first; medians. CPU time is the children's user + system time, less sensitive to other load on "
        "the machine than wall time.",
        "* The devkit runs scripts with PYTHONDONTWRITEBYTECODE=1, so Managers/ and the SDK stand-in are compiled "
        "from source in every run; `requests` comes from its installed bytecode.",
    ]
    return rows, notes
