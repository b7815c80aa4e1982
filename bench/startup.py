"""Scenario 3: wall time of Ping as a fresh platform-style process, against importing the SDK (the platform's share)."""

import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from statistics import median

from bench.harness import Settings, instance, simulator
from bench.report import Row, ratio_at_most
from devkit.runner import run_action
from devkit.soar_sdk import sdk_dir

SCENARIO = "Action start-up"
REQUESTS_ARGV = (sys.executable, "-c", "import requests")
# What every script on the platform pays before its own code runs: importing the SDK's action module.
SDK_ARGV = (sys.executable, "-c", "import SiemplifyAction")
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

        sdk_env = {**os.environ, "PYTHONPATH": str(sdk_dir())}

        def sdk_floor() -> None:
            subprocess.run(SDK_ARGV, check=True, env=sdk_env, stdout=subprocess.DEVNULL)

        def requests_floor() -> None:
            subprocess.run(REQUESTS_ARGV, check=True)

        jobs = (("ours", ping), ("sdk", sdk_floor), ("requests", requests_floor))
        for _ in range(WARM_UP_RUNS):
            for _label, job in jobs:
                job()
        samples: dict[str, list[tuple[float, float]]] = {label: [] for label, _job in jobs}
        for repeat in range(settings.startup_repeats):
            for label, job in jobs if repeat % 2 == 0 else reversed(jobs):
                samples[label].append(timed(job))
    wall = {label: median([s[0] for s in values]) * 1000 for label, values in samples.items()}
    cpu = {label: median([s[1] for s in values]) * 1000 for label, values in samples.items()}
    rows = [
        Row(
            SCENARIO,
            f"Ping, median wall time of {settings.startup_repeats} fresh processes (baseline: importing the SDK)",
            wall["ours"],
            wall["sdk"],
            unit="ms",
            goal=ratio_at_most(GOAL_RATIO),
        ),
        Row(SCENARIO, "Ping, median CPU time (user + system)", cpu["ours"], cpu["sdk"], unit="ms"),
        Row(
            SCENARIO,
            "the platform's share: importing the SDK (baseline: importing requests)",
            wall["sdk"],
            wall["requests"],
            unit="ms",
        ),
    ]
    notes = [
        '* Ours: `devkit.runner.run_action("Ping")`, the way the platform starts an action: a new '
        "`python ActionsScripts/Ping.py` process on Google's soar-sdk with the context JSON on stdin, only the SDK "
        "and Managers/ importable, its platform calls (case, configuration) answered by the devkit's loopback "
        "fake of the SOAR server; API 2.0 (a token request, then get-account) against the simulator with no added "
        "latency. The time includes starting the platform fake and the four HTTP calls.",
        f'* Baseline: `python -c "import SiemplifyAction"` with the SDK on PYTHONPATH, on the same interpreter '
        f"(`{sys.executable}`): the cost every script on the platform pays before its own code runs. Its own line "
        'compares it with `python -c "import requests"`.',
        f"* {WARM_UP_RUNS} unmeasured warm-up runs each, then {settings.startup_repeats} of each, alternating the "
        "order; medians. CPU time is the children's user + system time, less sensitive to other load on the "
        "machine than wall time.",
        "* The devkit runs scripts with PYTHONDONTWRITEBYTECODE=1, so Managers/ are compiled from source in every "
        "run; the SDK and requests come from their installed bytecode.",
    ]
    return rows, notes
