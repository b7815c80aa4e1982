"""`python -m devkit demo`: run scripted action steps against a freshly started simulator.

Steps are a plain list (`STEPS`); later features append their own. Each step runs one action exactly as
`python -m devkit action` would and states the outcome it expects; the demo exits 1 when any step
differs from its expectation.
"""

import queue
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from devkit import INSTANCES_DIR, REPO_ROOT
from devkit.definitions import load_json, secret_property_names
from devkit.render import format_action_run, redact
from devkit.runner import ActionRun, run_action
from simulator.client import SimulatorClient

COMPLETED = "completed"
FAILED = "failed"
READY_TIMEOUT_S = 30.0
# The line `python -m simulator` prints once it accepts requests.
READY_MARKER = "listening on"
STOP_GRACE_S = 5.0


@dataclass(frozen=True)
class FromSimulator:
    """A parameter value read from the running simulator when the step runs, e.g. a held-queue id."""

    description: str
    read: Callable[[SimulatorClient], str]


@dataclass(frozen=True)
class DemoStep:
    """One action run and the outcome it must have."""

    title: str
    action: str
    params: Mapping[str, str | FromSimulator] = field(default_factory=dict)
    instance: str = "simulator-api2.json"
    # Instance values changed for this step only (e.g. a wrong secret).
    overrides: Mapping[str, Any] = field(default_factory=dict)
    expect: str = COMPLETED
    # Extra check on the output message: (description, predicate).
    message_check: tuple[str, Callable[[str], bool]] | None = None

    def resolved_params(self, simulator: SimulatorClient) -> dict[str, str]:
        return {
            name: value.read(simulator) if isinstance(value, FromSimulator) else value
            for name, value in self.params.items()
        }

    def command_line(self, params: Mapping[str, str] | None = None) -> str:
        """The command a person could run; `params` are the resolved values (else the step's literal ones)."""
        words = ["python", "-m", "devkit", "action", self.action, "--instance", f"devkit/instances/{self.instance}"]
        for name, value in (self.params if params is None else params).items():
            shown = f"<{value.description}>" if isinstance(value, FromSimulator) else value
            words += ["--param", f"{name}={shown}"]
        line = shlex.join(words)
        if self.overrides:
            line += "   # with " + ", ".join(f"{name} changed" for name in self.overrides)
        return line


def _says_credentials_rejected(message: str) -> bool:
    text = message.lower()
    return (
        "failed to connect to the mimecast server" in text
        and "credential" in text
        and ("rejected" in text or "invalid" in text)
    )


STEPS: list[DemoStep] = [
    DemoStep("Ping with API 2.0 credentials", "Ping", instance="simulator-api2.json"),
    DemoStep("Ping with API 1.0 credentials", "Ping", instance="simulator-api1.json"),
    DemoStep(
        "Ping with a wrong Client Secret",
        "Ping",
        instance="simulator-api2.json",
        overrides={"Client Secret": "not-the-right-secret"},
        expect=FAILED,
        message_check=("the message says the credentials were rejected", _says_credentials_rejected),
    ),
]


def _newest_held_message_id(simulator: SimulatorClient) -> str:
    held = simulator.get("/_sim/held", {"status": "held"})["messages"]
    if not held:
        raise RuntimeError("the simulator's held queue is empty")
    return held[0]["id"]


def _tenant_mailbox(simulator: SimulatorClient) -> str:
    return f"alice@{simulator.account()['domain']}"


NEWEST_HELD_MESSAGE = FromSimulator("id of the newest held message", _newest_held_message_id)
TENANT_MAILBOX = FromSimulator("a mailbox in the tenant's domain", _tenant_mailbox)


def _says_api1_keys_needed(message: str) -> bool:
    return "needs Mimecast API 1.0 keys" in message and "the message stays held" in message


STEPS += [
    DemoStep("Release the newest held message", "Release Message", {"Message ID": NEWEST_HELD_MESSAGE}),
    DemoStep(
        "Reject the next held message with a reason, a note and a notice to the sender (API 1.0)",
        "Reject Message",
        {
            "Message ID": NEWEST_HELD_MESSAGE,
            "Reason": "Against Email Policy",
            "Note": "Rejected after review by the security team.",
            "Notify Sender": "true",
        },
        instance="simulator-api1.json",
    ),
    DemoStep(
        "Release To Sandbox with API 2.0 credentials fails before any call",
        "Release Message",
        {"Message ID": NEWEST_HELD_MESSAGE, "Release To Sandbox": "true"},
        expect=FAILED,
        message_check=("the message says API 1.0 keys are needed and the message stays held", _says_api1_keys_needed),
    ),
    DemoStep(
        "Release the same message, still held, to the sandbox with API 1.0 credentials",
        "Release Message",
        {"Message ID": NEWEST_HELD_MESSAGE, "Release To Sandbox": "true"},
        instance="simulator-api1.json",
    ),
    DemoStep(
        "Block a sender for a mailbox of the tenant",
        "Block Sender",
        {"Sender": "attacker@example.org", "Recipient": TENANT_MAILBOX},
    ),
    DemoStep(
        "Create a Blocked Senders policy for that sender towards everyone",
        "Create Block Sender Policy",
        {
            "Response": "Block Sender",
            "Description": "Block Sender Policy from SecOps automation.",
            "Extracted Data": "Both",
            "Sender": "attacker@example.org",
            "Sender Type": "Email Address",
            "Recipient Type": "Everyone",
        },
    ),
]


def step_outcome(step: DemoStep, run: ActionRun) -> str | None:
    """None when the run is what the step expects, else what differs."""
    actual = COMPLETED if run.completed else FAILED if run.failed else run.execution_state_name.lower()
    if actual != step.expect:
        return f"expected {step.expect}, got {actual}"
    if step.message_check and not step.message_check[1](run.message or ""):
        return f"expected {step.message_check[0]}, got: {run.message}"
    return None


class SimulatorProcess:
    """`python -m simulator --port N` as a child process, read until its ready line."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.output: list[str] = []
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "simulator", "--port", str(self.port)],
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._pump, daemon=True).start()
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                line = ""
            if line is None:
                raise RuntimeError("the simulator exited during start-up:\n" + "".join(self.output[-20:]))
            if line and READY_MARKER in line:
                return
        raise RuntimeError(f"the simulator did not become ready within {READY_TIMEOUT_S:.0f} s")

    def _pump(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextmanager
def running_simulator(port: int) -> Iterator[SimulatorProcess]:
    simulator = SimulatorProcess(port)
    try:
        simulator.start()
        yield simulator
    finally:
        simulator.stop()


def run_steps(steps: list[DemoStep], api_root: str, out: TextIO, store: Path) -> list[str]:
    """Run each step against api_root; returns one line per step that did not go as expected."""
    differences = []
    for number, step in enumerate(steps, 1):
        instance = dict(load_json(INSTANCES_DIR / step.instance))
        instance.update({"API Root": api_root, **step.overrides})
        secret_names = secret_property_names(REPO_ROOT, list(instance))
        secrets = [str(v) for k, v in instance.items() if k in secret_names and v]
        with SimulatorClient(api_root) as simulator:
            params = step.resolved_params(simulator)
        out.write(f"\n=== Step {number}/{len(steps)}: {step.title}\n$ {step.command_line(params)}\n")
        run = run_action(step.action, params, instance=instance, store=store)
        out.write(redact(format_action_run(run), secrets) + "\n")
        difference = step_outcome(step, run)
        if difference:
            differences.append(f"Step {number} ({step.title}): {difference}")
            out.write(f"--> NOT AS EXPECTED: {difference}\n")
        else:
            out.write(f"--> as expected ({step.expect})\n")
        out.flush()
    return differences


def run_demo(port: int = 8765, out: TextIO | None = None, steps: list[DemoStep] | None = None) -> int:
    out = out or sys.stdout
    steps = STEPS if steps is None else steps
    try:
        with running_simulator(port) as simulator, tempfile.TemporaryDirectory(prefix="devkit-demo-") as store:
            out.write(f"Simulator running at {simulator.url}\n")
            differences = run_steps(steps, simulator.url, out, Path(store))
    except KeyboardInterrupt:
        out.write("\nDemo interrupted; simulator stopped.\n")
        return 130
    except RuntimeError as exc:
        out.write(f"Demo could not start: {exc}\n")
        return 1
    if differences:
        out.write(f"\n{len(differences)} of {len(steps)} demo steps did not go as expected:\n")
        out.write("".join(line + "\n" for line in differences))
        return 1
    out.write(f"\nAll {len(steps)} demo steps went as expected.\n")
    return 0
