"""Helpers the shared fixtures use and test modules import: instances for the simulator, Mimecast's samples,
the leak check.

Test modules import these from here, never from `conftest`: which conftest that name means depends on
what pytest collected first.
"""

import contextlib
import json
import shutil
import socket
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from devkit import INSTANCES_DIR, REPO_ROOT
from devkit.runner import ActionRun, ConnectorRun

MIMECAST_SAMPLES = REPO_ROOT / "tests" / "samples" / "mimecast"


def simulator_instance(url: str, api: str = "api2", **overrides: Any) -> dict[str, Any]:
    """The devkit instance file for API 1.0 ("api1") or API 2.0 ("api2"), pointed at url."""
    instance = json.loads((INSTANCES_DIR / f"simulator-{api}.json").read_text())
    instance["API Root"] = url
    instance.update(overrides)
    return instance


def mimecast_sample(name: str) -> Any:
    """An answer Mimecast published (tests/samples/mimecast/<name>), parsed."""
    return json.loads((MIMECAST_SAMPLES / name).read_text())


@contextlib.contextmanager
def refused_port() -> Iterator[int]:
    """A loopback port that refuses connections: bound but never listening, so no other server can take it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


# urllib3's warning for an unverified request to the simulator (on 127.0.0.1; the platform fake is "localhost").
UNVERIFIED_MIMECAST_WARNING = "Unverified HTTPS request is being made to host '127.0.0.1'"

SECRET_PROPERTIES = ("Application Key", "Access Key", "Secret Key", "Client Secret", "Proxy Password")
# Words that appear only where a credential is being written out.
CREDENTIAL_MARKERS = ("Bearer ", "Authorization")


def secret_values(configuration: Mapping[str, Any]) -> list[str]:
    values = (str(configuration.get(name) or "").strip() for name in SECRET_PROPERTIES)
    return [value for value in values if len(value) >= 4]


def recognisable_secrets() -> list[str]:
    """The simulator's built-in credentials and token prefix: the secret values the whole suite runs with."""
    from simulator import (
        DEFAULT_API1_ACCESS_KEY,
        DEFAULT_API1_APP_KEY,
        DEFAULT_API1_SECRET_KEY,
        DEFAULT_API2_CLIENT_SECRET,
    )
    from simulator.auth import TOKEN_PREFIX

    return [
        DEFAULT_API1_APP_KEY,
        DEFAULT_API1_ACCESS_KEY,
        DEFAULT_API1_SECRET_KEY,
        DEFAULT_API2_CLIENT_SECRET,
        TOKEN_PREFIX,
    ]


def forbidden_texts(*configurations: Mapping[str, Any]) -> list[str]:
    """Every form in which a secret could show: as is, URL-encoded, and the start of a long one (a cut-off leak)."""
    secrets = {value for configuration in configurations for value in secret_values(configuration)}
    secrets.update(recognisable_secrets())
    forms = set(CREDENTIAL_MARKERS)
    for secret in secrets:
        forms.update((secret, quote(secret, safe="")))
        if len(secret) >= 24:
            forms.add(secret[:16])
    return sorted(forms)


def _strings(value: Any) -> Iterator[str]:
    """Every string in a decoded output object, JSON strings inside it decoded too (results are JSON in JSON)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value
        if value[:1] in ("{", "["):
            with contextlib.suppress(ValueError):
                yield from _strings(json.loads(value))


def shown_texts(stdout: str, stderr: str, log_path: Path | None) -> dict[str, str]:
    """What a person can read after a run: raw streams, the decoded output object, the log file."""
    shown = {"stdout": stdout, "stderr": stderr}
    with contextlib.suppress(ValueError):
        shown["decoded output (Message, DebugOutput, results)"] = "\n".join(_strings(json.loads(stdout)))
    if log_path and Path(log_path).is_file():
        shown["log file"] = Path(log_path).read_text(errors="replace")
    return shown


def assert_nothing_forbidden(shown: Mapping[str, str], forbidden: list[str]) -> None:
    for where, text in shown.items():
        for secret in forbidden:
            assert secret not in text, f"{secret[:4]}… leaked into the {where}"


def assert_no_secret_leak(run: ActionRun | ConnectorRun, configuration: Mapping[str, Any]) -> None:
    """No secret, bearer token or Authorization value in anything the run showed or logged.

    The connector may keep its API 2.0 token in the connector context (the platform's database), so
    the store's context properties are not searched; everything a person can read is.
    """
    assert_nothing_forbidden(shown_texts(run.stdout, run.stderr, run.log_path), forbidden_texts(configuration))


def run_configurations(platform: Any, context: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The configured values a run could leak: every instance its platform knew, the connector's parameters."""
    params = (context.get("connector_info") or {}).get("params") or []
    proxy = platform.store.proxy or {}
    return [
        *platform.store.configurations.values(),
        {param["param_name"]: param["param_value"] for param in params},
        {"Proxy Password": proxy.get("password") or ""},
    ]


# What `python -m devkit generate` reads and writes, and what the scripts it imports need.
REPOSITORY_LAYOUT = (
    "Integration-Mimecast.def",
    "ActionsDefinitions",
    "ActionsScripts",
    "ConnectorsDefinitions",
    "ConnectorsScripts",
    "Managers",
    "Widgets",
    "WidgetsScripts",
    "resources",
)


def repository_copy(root: Path) -> Path:
    """A copy of the repository's integration: its scripts, their specs and every file generated from them."""
    for name in REPOSITORY_LAYOUT:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            root.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, root / name)
    return root
