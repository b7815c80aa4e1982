"""`python -m devkit action|connector|generate|validate|package|widgets|demo`.

Exit codes: 0 completed / success, 1 action or connector run failed, or validation/packaging problems,
2 usage error, 3 the script crashed (no output object, killed, or a connector that exited non-zero after
returning its package).
"""

import argparse
import contextlib
import hashlib
import ipaddress
import json
import os
import re
import socket
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from devkit import INSTANCES_DIR, REPO_ROOT
from devkit.definitions import (
    UsageError,
    find_action_def,
    find_connector_def,
    load_json,
    platform_value,
    secret_property_names,
    secret_values,
)
from devkit.platform import CONTEXT_FILE
from devkit.render import (
    connector_failure,
    format_action_run,
    format_connector_run,
    masked_configuration,
    redact,
    url_credentials,
    without_credentials,
)
from devkit.runner import (
    DEFAULT_CONNECTOR_INSTANCE_ID,
    DEFAULT_ENVIRONMENT,
    build_action_parameters,
    build_connector_params,
    run_action,
    run_connector,
)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_CRASHED = 3

DEFAULT_INSTANCE = INSTANCES_DIR / "simulator-api2.json"
API_ROOT = "API Root"
# The store of runs against a simulator on this machine, inside the checkout.
CHECKOUT_STORE = Path(".devkit") / "store"
# The stores of real tenants, one per tenant, under the user's cache directory: never in the checkout.
CACHE_STORES = Path("mimecast-devkit") / "stores"
# What a store holds (devkit.platform, devkit.soar_sdk, the runner): --store refuses a folder with more.
STORE_ENTRIES = frozenset({CONTEXT_FILE, "logs", "sdk", "run"})
TENANT_FIELDS = ("Client ID", "Application ID")


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


def shown_path(path: Path) -> str:
    """A path as a person reads it: relative to the checkout when it lies inside it."""
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(REPO_ROOT))
    return str(path)


def describe_values(root: Path, values: dict[str, Any]) -> str:
    """The values that are set, secrets masked and URLs without their credentials."""
    shown = masked_configuration(values, secret_property_names(root, list(values)))
    return ", ".join(f"{k}={platform_value(v)}" for k, v in shown.items() if v != "")


def _loopback_address(url: str) -> tuple[str, int] | None:
    """(host, port) of a URL on this machine (a simulator's address), else None."""
    try:
        parts = urlsplit(url.strip())
        host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    if host is None:
        return None
    if host == "localhost":
        return host, port
    with contextlib.suppress(ValueError):
        if ipaddress.ip_address(host).is_loopback:
            return host, port
    return None


def _listening(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=2):
            return True
    except OSError:
        return False


def chosen_instance(argument: str | None, api_root_of: Callable[[dict[str, Any]], str]) -> tuple[Path | None, dict]:
    """The instance file a command runs with, and its configuration.

    Without --instance, the simulator's instance file is used; when nothing listens at its API Root, the
    command stops (exit 2) rather than run a real-tenant command against a simulator that is not there.
    """
    if argument == "":
        return None, {}
    path = Path(argument) if argument is not None else DEFAULT_INSTANCE
    configuration = load_instance(path)
    if argument is None:
        api_root = api_root_of(configuration)
        address = _loopback_address(api_root)
        if address is not None and not _listening(address):
            raise UsageError(
                f"no --instance given, so this would run with the simulator's instance {shown_path(path)} "
                f"(API Root {without_credentials(api_root)}), and nothing listens there. Start the simulator "
                "(make sim, in another terminal), or pass --instance <file> with your tenant's configuration."
            )
    return path, configuration


def cache_home() -> Path:
    """The user's cache directory: $XDG_CACHE_HOME when it is an absolute path, else ~/.cache."""
    configured = os.environ.get("XDG_CACHE_HOME", "")
    return Path(configured) if os.path.isabs(configured) else Path.home() / ".cache"


def default_store(root: Path, api_root: str, values: dict[str, Any]) -> Path:
    """Where the platform store of a run lives when --store does not say.

    A simulator on this machine: `<checkout>/.devkit/store`. Any other API Root is a real tenant, whose
    connector context holds a live API 2.0 token: a store per tenant (API Root and Client ID or
    Application ID) under the user's cache directory, outside the checkout.
    """
    if _loopback_address(api_root) is not None:
        return root / CHECKOUT_STORE
    address = str(without_credentials(api_root)).strip().rstrip("/").lower()
    tenant = next((platform_value(values.get(name)) for name in TENANT_FIELDS if values.get(name)), "")
    try:
        host = urlsplit(address).hostname or ""
    except ValueError:
        host = ""
    name = re.sub(r"[^a-z0-9.-]", "_", host) or "no-api-root"
    digest = hashlib.sha256(f"{address}\n{tenant}".encode()).hexdigest()[:12]
    return cache_home() / CACHE_STORES / f"{name}-{digest}"


def _tighten(store: Path) -> None:
    """Folders 0700 and files without group or other permissions, for what an earlier run left."""
    for directory, _folders, files in os.walk(store):
        os.chmod(directory, 0o700)
        for name in files:
            path = Path(directory, name)
            if not path.is_symlink():
                path.chmod(stat.S_IMODE(path.stat().st_mode) & 0o700)


@contextlib.contextmanager
def private_store(store: Path) -> Iterator[Path]:
    """The store, readable only by its owner (0700 folders, 0600 files), also for what the run creates in it.

    The script inherits the umask, so the SDK's logs and run folders are private too. A folder that holds
    anything a store does not is refused, so --store never tightens or litters a folder of other files.
    """
    store = store.expanduser()
    if store.exists() and not store.is_dir():
        raise UsageError(f"--store {store} is not a folder")
    if store.is_dir():
        foreign = sorted(
            entry.name
            for entry in store.iterdir()
            if entry.name not in STORE_ENTRIES and not entry.name.startswith(f".{CONTEXT_FILE}.")
        )
        if foreign:
            raise UsageError(
                f"--store {store} holds files a devkit store does not ({', '.join(foreign[:5])}); "
                "give a new folder or an existing devkit store"
            )
    previous = os.umask(0o077)
    try:
        store.mkdir(parents=True, exist_ok=True)
        _tighten(store)
        yield store
    finally:
        os.umask(previous)


def run_header(
    title: str, path: Path | None, is_default: bool, api_root: str, values: str, store: Path | None = None
) -> str:
    """The lines before a run's output: what runs, with which instance file, against which API Root, which store."""
    if path is None:
        instance = "none (only the --param values)"
    else:
        instance = shown_path(path)
        if is_default:
            instance += " (the default: the local simulator; pass --instance for a real tenant)"
    lines = [title, f"Instance: {instance}", f"API Root: {without_credentials(api_root) or '(not set)'}"]
    if values:
        lines.append(f"Values:   {values}")
    if store is not None:
        lines.append(f"Store:    {store}")
    return "\n".join(lines)


def shown_secrets(root: Path, configuration: dict[str, Any]) -> list[str]:
    """What the terminal must never show: the secret values, and the credentials any URL value carries."""
    return [*secret_values(root, configuration), *(c for v in configuration.values() for c in url_credentials(v))]


def _write(stream: TextIO, text: str, secrets: list[str]) -> None:
    stream.write(redact(text, secrets) + "\n")
    stream.flush()


def _configured_api_root(configuration: dict[str, Any]) -> str:
    return platform_value(configuration.get(API_ROOT))


def cmd_action(args: argparse.Namespace, out: TextIO) -> int:
    root = Path(args.root)
    params = parse_params(args.param)
    _path, definition = find_action_def(root, args.name)
    build_action_parameters(definition, params, fill_defaults=False)  # a misspelt --param stops here, exit 2
    instance_path, configuration = chosen_instance(args.instance, _configured_api_root)
    secrets = shown_secrets(root, configuration)
    api_root = _configured_api_root(configuration)
    store_path = Path(args.store) if args.store else default_store(root, api_root, configuration)
    with private_store(store_path) as store:
        if not args.json:
            values = describe_values(root, configuration)
            header = run_header(f'Action "{args.name}"', instance_path, args.instance is None, api_root, values, store)
            _write(out, header, secrets)
        run = run_action(
            args.name,
            params,
            instance=configuration,
            store=store,
            timeout_s=args.timeout,
            fill_defaults=not args.no_defaults,
            root=root,
        )
    if args.json and not run.crashed:
        _write(out, json.dumps(run.output, indent=2, ensure_ascii=False), secrets)
    else:
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


def connector_api_root(root: Path, params: dict[str, Any]) -> str:
    """The API Root the connector run uses: its parameter's value, else the definition's default."""
    if platform_value(params.get(API_ROOT)).strip():
        return platform_value(params[API_ROOT])
    _path, definition = find_connector_def(root)
    default = next((p.get("DefaultValue") for p in definition.get("Parameters") or [] if p.get("Name") == API_ROOT), "")
    return platform_value(default)


def cmd_connector(args: argparse.Namespace, out: TextIO) -> int:
    root = Path(args.root)
    given = parse_params(args.param)
    _path, definition = find_connector_def(root)
    build_connector_params(definition, given)  # a misspelt --param stops here, exit 2
    instance_path, configuration = chosen_instance(
        args.instance, lambda instance: connector_api_root(root, connector_params(root, instance, given))
    )
    params = connector_params(root, configuration, given)
    secrets = shown_secrets(root, params)
    api_root = connector_api_root(root, params)
    store_path = Path(args.store) if args.store else default_store(root, api_root, {**configuration, **params})
    with private_store(store_path) as store:
        title = f'Connector "{definition.get("Name")}" ({args.instance_id}{", test run" if args.test_run else ""})'
        values = describe_values(root, params)
        _write(out, run_header(title, instance_path, args.instance is None, api_root, values, store), secrets)
        run = run_connector(
            params,
            store=store,
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


def cmd_generate(args: argparse.Namespace, out: TextIO) -> int:
    from devkit.generate import check, write
    from devkit.specs import SpecReadError

    root = Path(args.root)
    try:
        problems = check(root) if args.check else write(root, lambda line: out.write(f"{line}\n"))
    except SpecReadError as exc:
        out.write(f"{exc}\n")
        return EXIT_FAILED
    for problem in problems:
        out.write(f"{problem}\n")
    if problems:
        files = sorted({problem.file for problem in problems})
        what = "differ from what the specs generate" if args.check else "stopped the generation"
        out.write(f"{len(files)} file(s) {what}: {', '.join(files)}.\n")
        return EXIT_FAILED
    out.write("The generated files match the specs.\n")
    return EXIT_OK


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


def instance_help(what: str) -> str:
    try:
        api_root = f" at {without_credentials(_configured_api_root(load_instance(DEFAULT_INSTANCE)))}"
    except UsageError:
        api_root = ""
    return (
        f"JSON file with {what}. Default: {shown_path(DEFAULT_INSTANCE)}, the local simulator{api_root}; "
        "pass your own file for a real tenant"
    )


def build_parser() -> argparse.ArgumentParser:
    from devkit.packager import DEFAULT_OUT, DEFAULT_WHEELS_DIR

    parser = argparse.ArgumentParser(
        prog="python -m devkit",
        description="Run the integration's scripts as Google SecOps SOAR does; validate and package it.",
        epilog="Exit codes: 0 completed, 1 failed / problems found, 2 usage error, 3 script crashed.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--param",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help='one parameter value, as the definition names it, e.g. "Domains=example.com" (repeatable)',
        )
        sub.add_argument(
            "--store",
            metavar="DIR",
            help=(
                "platform store folder (context properties, logs, the SDK's run folder); it persists between "
                f"runs. Default: {CHECKOUT_STORE} in the checkout for a simulator on this machine; for any other "
                f"API Root, a private store per tenant under {cache_home() / CACHE_STORES}"
            ),
        )
        sub.add_argument("--root", default=str(REPO_ROOT), help=argparse.SUPPRESS)

    action = commands.add_parser("action", help="run one action as the platform does")
    action.add_argument("name", help='the action\'s name, e.g. "Ping"')
    action.add_argument("--instance", metavar="FILE", help=instance_help("the integration configuration"))
    action.add_argument("--json", action="store_true", help="print the raw stdout object instead")
    action.add_argument("--no-defaults", action="store_true", help="do not prefill parameter defaults")
    action.add_argument("--timeout", type=float, default=300, help="seconds before the run is killed")
    action.add_argument("--debug", action="store_true", help="also print the debug output")
    common(action)
    action.set_defaults(handler=cmd_action)

    connector = commands.add_parser("connector", help="run one connector iteration with persisted state")
    connector.add_argument(
        "--instance",
        metavar="FILE",
        help=instance_help("values for the connector's parameters of the same name (API Root, credentials)")
        + '; "" for none',
    )
    connector.add_argument("--test-run", action="store_true", help='"Run connector once": no state written')
    connector.add_argument(
        "--environment",
        default=DEFAULT_ENVIRONMENT,
        help=f"the connector's default environment, given to alerts without one (default {DEFAULT_ENVIRONMENT!r})",
    )
    connector.add_argument(
        "--allowlist",
        action="append",
        default=[],
        metavar="VALUE",
        help='one entry of the connector\'s allowlist (a blocklist while "Use whitelist as a blacklist" is checked; '
        "repeatable)",
    )
    connector.add_argument(
        "--instance-id",
        default=DEFAULT_CONNECTOR_INSTANCE_ID,
        help="the connector instance's identifier; its state and cached token are kept per identifier "
        f"(default {DEFAULT_CONNECTOR_INSTANCE_ID})",
    )
    connector.add_argument(
        "--kill-after",
        type=float,
        metavar="SECONDS",
        help="kill the run after this many seconds, as the platform does (default: the PythonProcessTimeout parameter)",
    )
    common(connector)
    connector.set_defaults(handler=cmd_connector)

    generate = commands.add_parser(
        "generate", help="write the definition files, widget definitions and AI metadata from the scripts' specs"
    )
    generate.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 listing every file that differs from its spec"
    )
    generate.add_argument("--root", default=str(REPO_ROOT), help=argparse.SUPPRESS)
    generate.set_defaults(handler=cmd_generate)

    validate = commands.add_parser("validate", help="validate every definition file")
    validate.add_argument("--root", default=str(REPO_ROOT), help=argparse.SUPPRESS)
    validate.set_defaults(handler=cmd_validate)

    package = commands.add_parser("package", help="validate and build the importable ZIP")
    package.add_argument("--out", default=str(DEFAULT_OUT), help=f"where the ZIP is written (default {DEFAULT_OUT})")
    package.add_argument(
        "--wheels-dir",
        default=str(DEFAULT_WHEELS_DIR),
        help=f"cache of the runtime dependencies' wheels for Dependencies/ (default {DEFAULT_WHEELS_DIR})",
    )
    package.add_argument("--offline", action="store_true", help="use only wheels already in the cache")
    package.add_argument("--root", default=str(REPO_ROOT), help=argparse.SUPPRESS)
    package.set_defaults(handler=cmd_package)

    widgets = commands.add_parser("widgets", help="render every widget with its example result to PNG (Chromium)")
    widgets.add_argument("--screenshots", required=True, metavar="DIR", help="output folder for the PNGs")
    widgets.add_argument("--root", default=str(REPO_ROOT), help=argparse.SUPPRESS)
    widgets.set_defaults(handler=cmd_widgets)

    demo = commands.add_parser("demo", help="run the demo steps against a fresh simulator")
    demo.add_argument(
        "--port", type=int, default=0, help="port for the demo's simulator (default: a free port the system picks)"
    )
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
