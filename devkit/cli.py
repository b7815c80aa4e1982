"""`python -m devkit action|connector|validate|package|widgets|demo`.

Exit codes: 0 completed / success, 1 action or connector run failed, or validation/packaging problems,
2 usage error, 3 the script crashed (no output object, killed, or a connector that exited non-zero after
returning its package).
"""

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from devkit import INSTANCES_DIR, REPO_ROOT
from devkit.definitions import (
    UsageError,
    find_connector_def,
    load_json,
    platform_value,
    secret_property_names,
    secret_values,
)
from devkit.render import (
    connector_failure,
    format_action_run,
    format_connector_run,
    masked_configuration,
    redact,
    url_credentials,
)
from devkit.runner import run_action, run_connector

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_CRASHED = 3

DEFAULT_INSTANCE = INSTANCES_DIR / "simulator-api2.json"
DEFAULT_STORE = REPO_ROOT / ".devkit" / "store"


def parse_params(pairs: Sequence[str]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f'--param expects "Name=value", got {pair!r}')
        params[name.strip()] = value
    return params


def load_instance(path: Path) -> dict[str, Any]:
    try:
        data = load_json(path)
    except FileNotFoundError:
        raise UsageError(f"Instance file not found: {path}") from None
    except ValueError as exc:
        raise UsageError(f"Instance file {path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise UsageError(f"Instance file {path} must hold a JSON object of configuration values")
    return data


def describe_instance(root: Path, path: Path, configuration: dict[str, Any]) -> str:
    shown = masked_configuration(configuration, secret_property_names(root, list(configuration)))
    return f"Instance {path.name}: " + ", ".join(f"{k}={platform_value(v)}" for k, v in shown.items() if v != "")


def shown_secrets(root: Path, configuration: dict[str, Any]) -> list[str]:
    """What the terminal must never show: the secret values, and the credentials any URL value carries."""
    return [*secret_values(root, configuration), *(c for v in configuration.values() for c in url_credentials(v))]


def _write(stream: TextIO, text: str, secrets: list[str]) -> None:
    stream.write(redact(text, secrets) + "\n")


def cmd_action(args: argparse.Namespace, out: TextIO) -> int:
    root = Path(args.root)
    params = parse_params(args.param)
    instance_path = Path(args.instance)
    configuration = load_instance(instance_path)
    secrets = shown_secrets(root, configuration)
    run = run_action(
        args.name,
        params,
        instance=configuration,
        store=args.store,
        timeout_s=args.timeout,
        fill_defaults=not args.no_defaults,
        root=root,
    )
    if args.json:
        if run.crashed:
            _write(out, format_action_run(run), secrets)
        else:
            _write(out, json.dumps(run.output, indent=2, ensure_ascii=False), secrets)
    else:
        _write(out, f'Action "{args.name}" — {describe_instance(root, instance_path, configuration)}', secrets)
        _write(out, format_action_run(run, show_debug=args.debug), secrets)
    if run.crashed:
        return EXIT_CRASHED
    return EXIT_OK if run.completed else EXIT_FAILED


def connector_params(root: Path, instance: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
    """Instance values for the connector's same-named parameters, overridden by --param values."""
    _path, definition = find_connector_def(root)
    names = {p.get("Name") for p in definition.get("Parameters") or []}
    merged: dict[str, Any] = {k: v for k, v in instance.items() if k in names}
    merged.update(params)
    return merged


def cmd_connector(args: argparse.Namespace, out: TextIO) -> int:
    root = Path(args.root)
    configuration = load_instance(Path(args.instance)) if args.instance else {}
    params = connector_params(root, configuration, parse_params(args.param))
    secrets = shown_secrets(root, params)
    run = run_connector(
        params,
        store=args.store,
        instance_id=args.instance_id,
        environment=args.environment,
        allowlist=args.allowlist,
        test_run=args.test_run,
        kill_after_s=args.kill_after,
        root=root,
    )
    _write(out, format_connector_run(run, test_run=args.test_run), secrets)
    if connector_failure(run) is not None:
        return EXIT_FAILED
    return EXIT_OK if run.ingested else EXIT_CRASHED


def cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    from devkit.validator import validate

    report = validate(Path(args.root))
    for problem in report.problems:
        out.write(f"{problem}\n")
    if report.problems:
        out.write(f"{len(report.problems)} problem(s) in {len(report.files)} definition files.\n")
        return EXIT_FAILED
    out.write(f"{len(report.files)} definition files valid.\n")
    return EXIT_OK


def cmd_package(args: argparse.Namespace, out: TextIO) -> int:
    from devkit.packager import PackageError, build_package

    try:
        summary = build_package(Path(args.root), Path(args.out), Path(args.wheels_dir), download=not args.offline)
    except PackageError as exc:
        for problem in exc.problems:
            out.write(f"{problem}\n")
        out.write("Package not built.\n")
        return EXIT_FAILED
    out.write(summary.describe() + "\n")
    return EXIT_OK


def cmd_widgets(args: argparse.Namespace, out: TextIO) -> int:
    from devkit.browser import BrowserError
    from devkit.widgets import WidgetError, screenshot_widgets

    try:
        written = screenshot_widgets(Path(args.root), Path(args.screenshots))
    except (BrowserError, WidgetError) as exc:
        out.write(f"{exc}\n")
        return EXIT_FAILED
    for path in written:
        out.write(f"Wrote {path}\n")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    from devkit.demo import run_demo

    return run_demo(port=args.port, out=out)


def build_parser() -> argparse.ArgumentParser:
    from devkit.packager import DEFAULT_OUT, DEFAULT_WHEELS_DIR

    parser = argparse.ArgumentParser(
        prog="python -m devkit",
        description="Run the integration's scripts as Google SecOps SOAR does; validate and package it.",
        epilog="Exit codes: 0 completed, 1 failed / problems found, 2 usage error, 3 script crashed.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="repeatable")
        sub.add_argument("--store", default=str(DEFAULT_STORE), help="platform store directory (persists)")
        sub.add_argument("--root", default=str(REPO_ROOT), help=argparse.SUPPRESS)

    action = commands.add_parser("action", help="run one action as the platform does")
    action.add_argument("name", help='the action\'s name, e.g. "Ping"')
    action.add_argument("--instance", default=str(DEFAULT_INSTANCE), help="integration configuration JSON file")
    action.add_argument("--json", action="store_true", help="print the raw stdout object instead")
    action.add_argument("--no-defaults", action="store_true", help="do not prefill parameter defaults")
    action.add_argument("--timeout", type=float, default=300, help="seconds before the run is killed")
    action.add_argument("--debug", action="store_true", help="also print the debug output")
    common(action)
    action.set_defaults(handler=cmd_action)

    connector = commands.add_parser("connector", help="run one connector iteration with persisted state")
    connector.add_argument("--instance", default=str(DEFAULT_INSTANCE), help="configuration JSON for API params")
    connector.add_argument("--test-run", action="store_true", help='"Run connector once": no state written')
    connector.add_argument("--environment", default="Default Environment")
    connector.add_argument("--allowlist", action="append", default=[], metavar="VALUE")
    connector.add_argument("--instance-id", default="mimecast-tracking-1")
    connector.add_argument("--kill-after", type=float, help="seconds (default: PythonProcessTimeout)")
    common(connector)
    connector.set_defaults(handler=cmd_connector)

    validate = commands.add_parser("validate", help="validate every definition file")
    validate.add_argument("--root", default=str(REPO_ROOT), help=argparse.SUPPRESS)
    validate.set_defaults(handler=cmd_validate)

    package = commands.add_parser("package", help="validate and build the importable ZIP")
    package.add_argument("--out", default=str(DEFAULT_OUT))
    package.add_argument("--wheels-dir", default=str(DEFAULT_WHEELS_DIR), help="wheel cache")
    package.add_argument("--offline", action="store_true", help="use only wheels already in the cache")
    package.add_argument("--root", default=str(REPO_ROOT), help=argparse.SUPPRESS)
    package.set_defaults(handler=cmd_package)

    widgets = commands.add_parser("widgets", help="render every widget with its example result to PNG (Chromium)")
    widgets.add_argument("--screenshots", required=True, metavar="DIR", help="output folder for the PNGs")
    widgets.add_argument("--root", default=str(REPO_ROOT), help=argparse.SUPPRESS)
    widgets.set_defaults(handler=cmd_widgets)

    demo = commands.add_parser("demo", help="run the demo steps against a fresh simulator")
    demo.add_argument("--port", type=int, default=8765)
    demo.set_defaults(handler=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code else EXIT_OK
    try:
        return args.handler(args, out)
    except UsageError as exc:
        sys.stderr.write(f"python -m devkit {args.command}: {exc}\n")
        return EXIT_USAGE
