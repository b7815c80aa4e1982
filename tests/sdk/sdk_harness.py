"""Helpers for the SDK stand-in conformance tests.

The SDK is never imported into the pytest process (it swaps ``sys.stdout``, reference pitfall 9;
tests/conftest.py enforces this). Scripts run as subprocesses exactly as the platform starts them
(context JSON on stdin, ``PYTHONPATH=devkit/sdk``, ``SOAR_DEVKIT_STORE=<tmp>``); pure helpers are
checked in batches through ``probe()``, which evaluates expressions in one subprocess.
"""

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devkit import SDK_DIR

# Variables of the host that would change what the SDK prints or where it writes.
_SCRUBBED_ENV = (
    "REQUESTS_CA_BUNDLE",
    "SOAR_DEVKIT_STORE",
    "SOAR_DEVKIT_NOW",
    "http_proxy",
    "https_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "no_proxy",
    "NO_PROXY",
    "PYTHONPATH",
)


def sdk_env(extra: dict[str, str] | None = None, store: Path | None = None) -> dict[str, str]:
    """The host environment without what would change the SDK's output, only the SDK importable, and the store."""
    env = {key: value for key, value in os.environ.items() if key not in _SCRUBBED_ENV}
    env["PYTHONPATH"] = str(SDK_DIR)
    if store is not None:
        env["SOAR_DEVKIT_STORE"] = str(store)
    env.update(extra or {})
    return env


def action_context(**overrides: Any) -> dict[str, Any]:
    """A complete action context (every required key) with ``overrides`` applied."""
    context = {
        "target_entities": [],
        "case_id": "0",
        "alert_id": "",
        "environment": "Default Environment",
        "workflow_id": "wf",
        "workflow_instance_id": "wfi",
        "parameters": {},
        "integration_identifier": "Mimecast",
        "integration_instance": "inst-1",
        "action_definition_name": "Ping",
        "original_requesting_user": "admin",
        "default_result_value": "",
    }
    context.update(overrides)
    return context


def connector_context(params: dict[str, Any] | list | None = None, **info_overrides: Any) -> dict[str, Any]:
    """A connector context; ``params`` as a dict becomes the platform's param list."""
    if params is None:
        params = {}
    if isinstance(params, dict):
        params = [{"param_name": name, "param_value": value} for name, value in params.items()]
    info = {
        "environment": "Default Environment",
        "integration": "Mimecast",
        "connector_definition_name": "Mimecast - Message Tracking Connector",
        "identifier": "conn-1",
        "display_name": "Mimecast Tracking",
        "description": "",
        "result_data_type": 0,
        "params": params,
    }
    info.update(info_overrides)
    return {"connector_info": info, "vault_settings": None}


@dataclass
class ScriptRun:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> dict[str, Any]:
        return json.loads(self.stdout)

    @property
    def result_object(self) -> Any:
        return json.loads(self.output["ResultObjectJson"])


class ScriptRunner:
    """Runs a script the way the platform does and returns its exit code, stdout and stderr."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.store = tmp_path / "store"
        self.store.mkdir()
        self._count = 0

    def write_store(self, file_name: str, data: Any) -> None:
        (self.store / file_name).write_text(json.dumps(data), encoding="utf-8")

    def read_store(self, file_name: str) -> Any:
        return json.loads((self.store / file_name).read_text(encoding="utf-8"))

    def env(self, extra: dict[str, str] | None = None, *, store: bool = True) -> dict[str, str]:
        return sdk_env(extra, self.store if store else None)

    def script(self, source: str) -> Path:
        self._count += 1
        path = self.tmp_path / f"script_{self._count}.py"
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        return path

    def run(
        self,
        source: str,
        args: list[str],
        stdin: Any = None,
        *,
        env: dict[str, str] | None = None,
        store: bool = True,
        timeout: float = 30,
    ) -> ScriptRun:
        if stdin is not None and not isinstance(stdin, bytes):
            stdin = json.dumps(stdin).encode("utf-8")
        completed = subprocess.run(
            [sys.executable, str(self.script(source)), *args],
            input=stdin if stdin is not None else b"",
            capture_output=True,
            env=self.env(env, store=store),
            cwd=self.tmp_path,
            timeout=timeout,
            check=False,
        )
        return ScriptRun(completed.returncode, completed.stdout.decode("utf-8"), completed.stderr.decode("utf-8"))

    def action_args(self, *extra: str) -> list[str]:
        return ["api-key-1", f"--logPath={self.store / 'logs' / 'action.log'}", *extra]

    def connector_args(self, live: bool = True, *extra: str) -> list[str]:
        return ["True" if live else "False", "api-key-1", f"--logPath={self.store / 'logs' / 'connector.log'}", *extra]

    def action(self, body: str, context: dict[str, Any] | None = None, **kwargs: Any) -> ScriptRun:
        """Run ``body`` (indented under ``main()`` with ``siemplify`` built) as an action."""
        source = (
            "from SiemplifyAction import SiemplifyAction\n"
            "from SiemplifyUtils import output_handler\n"
            "from ScriptResult import *\n"
            "import SiemplifyUtils, json, sys, os\n\n"
            "@output_handler\n"
            "def main():\n"
            "    siemplify = SiemplifyAction()\n"
            f"{textwrap.indent(textwrap.dedent(body), '    ')}\n\n"
            "main()\n"
        )
        return self.run(source, self.action_args(), context if context is not None else action_context(), **kwargs)

    def connector(
        self, body: str, context: dict[str, Any] | None = None, live: bool = True, **kwargs: Any
    ) -> ScriptRun:
        """Run ``body`` (indented under ``main()`` with ``siemplify`` built) as a connector."""
        source = (
            "from SiemplifyConnectors import SiemplifyConnectorExecution\n"
            "from SiemplifyConnectorsDataModel import AlertInfo\n"
            "from SiemplifyUtils import output_handler\n"
            "import SiemplifyUtils, json, sys, os\n\n"
            "@output_handler\n"
            "def main():\n"
            "    siemplify = SiemplifyConnectorExecution()\n"
            f"{textwrap.indent(textwrap.dedent(body), '    ')}\n\n"
            "main()\n"
        )
        return self.run(
            source, self.connector_args(live), context if context is not None else connector_context(), **kwargs
        )


_PROBE_PRELUDE = """
import inspect, json, sys
import OverflowManager, ScriptResult, Siemplify, SiemplifyAction, SiemplifyBase, SiemplifyConnectors
import SiemplifyConnectorsDataModel, SiemplifyDataModel, SiemplifyJob, SiemplifyLogger, SiemplifyUtils


class _Log:
    def __init__(self):
        self.lines = []

    def info(self, message):
        self.lines.append(message)


class _Script:
    def __init__(self):
        self.LOGGER = _Log()


def extract(params, name, **kwargs):
    script = _Script()
    value = SiemplifyUtils.extract_script_param(script, params, name, **kwargs)
    return {"value": value, "type": type(value).__name__, "log": script.LOGGER.lines}


def signature(module, path):
    target = sys.modules[module]
    for part in path.split("."):
        target = getattr(target, part)
    function = target.__init__ if inspect.isclass(target) else target
    return [
        [p.name, p.kind.name, repr(p.default), type(p.default).__name__]
        for p in inspect.signature(function).parameters.values()
        if p.name != "self"
    ]


def is_property(module, path):
    owner, attribute = path.rsplit(".", 1)
    return isinstance(inspect.getattr_static(getattr(sys.modules[module], owner), attribute), property)


outcomes = []
for expression in json.loads(sys.stdin.read()):
    try:
        outcomes.append({"value": eval(expression)})
    except Exception as error:
        outcomes.append({"error": type(error).__name__, "message": str(error)})
SiemplifyUtils.real_stdout.write(json.dumps(outcomes, default=repr))
"""


def probe(expressions: list[str], env: dict[str, str] | None = None, tmp_dir: Path | None = None) -> dict[str, Any]:
    """Evaluate each expression in one SDK subprocess: {expression: {"value": ...} | {"error", "message"}}.

    Helpers available to the expressions: ``extract(params, name, **kwargs)`` (extract_script_param
    with a recording LOGGER), ``signature(module, path)``, ``is_property(module, path)``.
    """
    completed = subprocess.run(
        [sys.executable, "-c", _PROBE_PRELUDE],
        input=json.dumps(expressions),
        capture_output=True,
        text=True,
        env=sdk_env(env),
        cwd=tmp_dir,
        timeout=60,
        check=True,
    )
    return dict(zip(expressions, json.loads(completed.stdout), strict=True))


FROZEN_NOW = "2026-03-07T16:03:00Z"
FROZEN_NOW_MS = 1_772_899_380_000
FROZEN_ENV = {"SOAR_DEVKIT_NOW": FROZEN_NOW}
