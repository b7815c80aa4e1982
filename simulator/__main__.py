"""`python -m simulator --port 8765 [--tls] [--seed N] ...`: run the simulator until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from datetime import datetime

from simulator.auth import DEFAULT_TOKEN_TTL_S
from simulator.faults import parse_rate_limit
from simulator.server import Simulator


def _path_latency(text: str) -> tuple[str, int]:
    path, sep, ms = text.rpartition("=")
    if not sep or not path.startswith("/"):
        raise argparse.ArgumentTypeError("use PATH=MS, e.g. /api/archive/search=2000")
    return path, int(ms)


def _fault(text: str) -> dict:
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"--fault takes a JSON object: {exc}") from None
    if not isinstance(spec, dict):
        raise argparse.ArgumentTypeError("--fault takes a JSON object")
    return spec


def _feature_option(text: str) -> tuple[str, str, object]:
    name, sep, value = text.partition("=")
    feature, dot, key = name.partition(".")
    if not sep or not dot or not feature or not key:
        raise argparse.ArgumentTypeError("use FEATURE.KEY=VALUE, e.g. archive.size=500")
    try:
        parsed: object = json.loads(value)
    except json.JSONDecodeError:
        parsed = value
    return feature, key, parsed


def _rate_limit(text: str) -> tuple[int, int]:
    try:
        return parse_rate_limit(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="Mimecast API simulator: a simulated tenant behind Mimecast's API 1.0 and 2.0 endpoints.",
        epilog=(
            'Prints "Mimecast simulator listening on URL" when ready, then runs in the foreground until Ctrl-C '
            "(SIGINT) or kill PID (SIGTERM)."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a certificate from a generated CA")
    parser.add_argument("--ca-file", help="where to write the CA certificate PEM with --tls (default: a temp file)")
    parser.add_argument("--seed", type=int, default=1, help="seed for the simulated tenant's data (default 1)")
    parser.add_argument("--latency-ms", type=int, default=0, help="latency added to every API request")
    parser.add_argument(
        "--path-latency",
        type=_path_latency,
        action="append",
        default=[],
        metavar="PATH=MS",
        help="latency added to one path (repeatable)",
    )
    parser.add_argument(
        "--rate-limit", type=_rate_limit, metavar="LIMIT/WINDOW_MS", help="turn on the rate-limit bucket"
    )
    parser.add_argument(
        "--token-ttl",
        type=int,
        default=DEFAULT_TOKEN_TTL_S,
        metavar="S",
        help=f"API 2.0 token lifetime (default {DEFAULT_TOKEN_TTL_S})",
    )
    parser.add_argument(
        "--clock-offset", type=float, default=0.0, metavar="S", help="simulator clock offset in seconds"
    )
    parser.add_argument(
        "--freeze-at", type=datetime.fromisoformat, metavar="ISO", help="freeze the clock at an instant"
    )
    parser.add_argument(
        "--fault",
        type=_fault,
        action="append",
        default=[],
        metavar="JSON",
        help='queue a forced fault, e.g. \'{"kind": "http_error", "status": 503, "count": 2}\' (repeatable)',
    )
    parser.add_argument(
        "--feature-option",
        type=_feature_option,
        action="append",
        default=[],
        metavar="FEATURE.KEY=VALUE",
        help="start-up option of a feature's data, e.g. archive.size=500 (repeatable; VALUE is JSON or text)",
    )
    parser.add_argument("--verbose", action="store_true", help="print one line per API request")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    feature_options: dict[str, dict] = {}
    for feature, key, value in args.feature_option:
        feature_options.setdefault(feature, {})[key] = value
    try:
        sim = Simulator(
            args.host,
            args.port,
            seed=args.seed,
            tls=args.tls,
            ca_file=args.ca_file,
            latency_ms=args.latency_ms,
            path_latency_ms=dict(args.path_latency),
            rate_limit=args.rate_limit,
            token_ttl_s=args.token_ttl,
            clock_offset_s=args.clock_offset,
            frozen_at=args.freeze_at,
            faults=args.fault,
            feature_options=feature_options,
            verbose=args.verbose,
        )
    except (TypeError, ValueError) as exc:
        # A misspelt feature or option name: say so instead of a traceback.
        print(f"Invalid --feature-option: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        sim.start()
    except OSError as exc:
        print(f"Cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    if sim.ca_file:
        print(f"CA certificate written to {sim.ca_file}", flush=True)
    print(f"Mimecast simulator listening on {sim.url}", flush=True)
    while not stop.wait(0.5):
        pass
    sim.stop()
    print("Mimecast simulator stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
