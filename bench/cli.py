"""`python -m bench`: run the scenarios, print the table, write bench/RESULTS.md."""

import argparse
import os
import platform
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import archive, connector, finder, memory, startup
from bench.harness import Settings
from bench.report import Report, Row, errored, render, render_table
from devkit import REPO_ROOT
from simulator.faults import parse_rate_limit

Scenario = Callable[[Settings], tuple[list[Row], list[str]]]
SCENARIOS: dict[str, tuple[str, Scenario]] = {
    "connector": (connector.SCENARIO, connector.run),
    "archive": (archive.SCENARIO, archive.run),
    "startup": (startup.SCENARIO, startup.run),
    "memory": (memory.SCENARIO, memory.run),
    "finder": (finder.SCENARIO, finder.run),
}
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "RESULTS.md"


def build_parser() -> argparse.ArgumentParser:
    defaults = Settings()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--latency-ms", type=int, default=defaults.latency_ms, help="simulator latency per call")
    parser.add_argument(
        "--rate-limit", default=defaults.rate_limit, help="connector scenario's rate-limit bucket, LIMIT/WINDOW_MS"
    )
    parser.add_argument(
        "--startup-repeats",
        type=int,
        default=defaults.startup_repeats,
        help=f"measured start-ups of each process in the start-up scenario (default {defaults.startup_repeats})",
    )
    parser.add_argument(
        "--archive-repeats",
        type=int,
        default=defaults.archive_repeats,
        help=f"runs of each archive search size; the median is reported (default {defaults.archive_repeats})",
    )
    parser.add_argument("--archive-size", type=int, default=defaults.archive_size, help="emails in the archive")
    parser.add_argument(
        "--connector-backlog",
        type=int,
        default=defaults.connector_backlog,
        help=f"held messages waiting for the connector scenario (default {defaults.connector_backlog})",
    )
    parser.add_argument(
        "--connector-concurrency",
        type=int,
        default=None,
        help="Concurrent Detail Requests for 'ours' (default: the connector definition's default)",
    )
    parser.add_argument(
        "--only", default=",".join(SCENARIOS), help=f"comma-separated scenarios among {', '.join(SCENARIOS)}"
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where the Markdown results go")
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in SCENARIOS]
    if unknown or not chosen:
        parser.error(f"--only takes {', '.join(SCENARIOS)} (got {args.only!r})")
    args.only = chosen
    try:
        parse_rate_limit(args.rate_limit)
    except ValueError as exc:
        parser.error(str(exc))
    return args


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings(
        latency_ms=args.latency_ms,
        rate_limit=args.rate_limit,
        startup_repeats=args.startup_repeats,
        archive_repeats=args.archive_repeats,
        archive_size=args.archive_size,
        connector_concurrency=args.connector_concurrency,
        connector_backlog=args.connector_backlog,
    )


def reproduce_command(args: argparse.Namespace) -> str:
    parts = [
        ".venv/bin/python -m bench",
        f"--latency-ms {args.latency_ms}",
        f"--rate-limit {args.rate_limit}",
        f"--startup-repeats {args.startup_repeats}",
        f"--archive-repeats {args.archive_repeats}",
        f"--archive-size {args.archive_size}",
        f"--connector-backlog {args.connector_backlog}",
    ]
    if args.connector_concurrency:
        parts.append(f"--connector-concurrency {args.connector_concurrency}")
    if args.only != list(SCENARIOS):
        parts.append(f"--only {','.join(args.only)}")
    return " ".join(parts)


def _git(*argv: str) -> str:
    try:
        return subprocess.run(
            ["git", *argv], cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _load() -> str:
    try:
        return " / ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def machine(started: datetime, load_before: str, elapsed_s: float) -> dict[str, str]:
    commit = _git("rev-parse", "--short", "HEAD")
    dirty = " (with uncommitted changes)" if _git("status", "--porcelain", "--untracked-files=no") else ""
    return {
        "CPUs": str(os.cpu_count()),
        "CPU model": _cpu_model(),
        "OS": platform.platform(),
        "Python": f"{platform.python_version()} ({sys.executable})",
        "Commit": f"{commit}{dirty}",
        "Run": f"{started:%Y-%m-%d %H:%M} UTC, {elapsed_s / 60:.1f} minutes",
        "Load average (1/5/15 min) before / after": f"{load_before}; {_load()}",
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    settings = settings_from(args)
    started, load_before, clock = datetime.now(UTC), _load(), time.monotonic()
    report = Report()
    failed = False
    for name in args.only:
        title, scenario = SCENARIOS[name]
        print(f"[bench] {title} ...", file=sys.stderr, flush=True)
        begun = time.monotonic()
        try:
            rows, notes = scenario(settings)
        except Exception as exc:
            traceback.print_exc()
            failed = True
            rows, notes = [errored(title, f"{type(exc).__name__}: {exc}")], []
        report.add(rows, title, notes)
        print(f"[bench] {title}: {time.monotonic() - begun:.0f} s", file=sys.stderr, flush=True)
    report.machine = machine(started, load_before, time.monotonic() - clock)
    report.settings = {
        "Simulator latency per call": f"{settings.latency_ms} ms (the start-up scenario and the memory runs: 0 ms)",
        "Rate-limit bucket (connector throughput)": f"{settings.rate_limit} (requests / window in ms)",
        "Archive size": f"{settings.archive_size:,} emails",
        "Connector backlog": f"{settings.connector_backlog:,} messages; memory: "
        f"{' and '.join(f'{n:,}' for n in settings.memory_backlogs)}",
    }
    report.commands = ["make bench", "# the same, with every setting spelled out:", reproduce_command(args)]
    args.output.write_text(render(report), encoding="utf-8")
    print("\n".join(render_table(report.rows)))
    print(f"\nWritten to {args.output}", file=sys.stderr)
    if failed:
        sys.exit(1)
