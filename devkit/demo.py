"""`python -m devkit demo`: run scripted action and connector steps against a freshly started simulator.

Steps are a plain list (`STEPS`); later features append their own. A `DemoStep` runs one action exactly as
`python -m devkit action` would, a `ConnectorStep` one connector iteration as `python -m devkit connector`
would (with the demo's store, so the connector's state carries over); each states the outcome it
expects, and the demo exits 1 when any step differs from its expectation.
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
from devkit.definitions import load_constants, load_json, secret_values
from devkit.render import format_action_run, format_connector_run, priority_label, redact, text_table
from devkit.runner import ActionRun, run_action, run_connector
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


@dataclass
class DemoRecord:
    """What earlier steps produced that later ones use: the alerts of each connector run, and notes."""

    connector_alerts: list[list[dict]] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FromAlert:
    """A parameter value taken from the newest alert of the last connector run: its message event's `field`."""

    description: str
    field: str

    def read(self, record: DemoRecord) -> str:
        alerts = record.connector_alerts[-1] if record.connector_alerts else []
        for alert in reversed(alerts):
            message = next((e for e in alert.get("events") or [] if e.get("event_type") == "Message"), {})
            if message.get(self.field):
                return str(message[self.field])
        raise RuntimeError(f"no alert of the last connector run has a {self.field}")


def _resolve(value: Any, simulator: SimulatorClient, record: DemoRecord | None) -> str:
    if isinstance(value, FromSimulator):
        return value.read(simulator)
    if isinstance(value, FromAlert):
        return value.read(record or DemoRecord())
    return value


def _resolved(params: Mapping[str, Any], simulator: SimulatorClient, record: DemoRecord | None) -> dict[str, str]:
    return {name: _resolve(value, simulator, record) for name, value in params.items()}


def _shown(value: Any) -> str:
    return f"<{value.description}>" if isinstance(value, FromSimulator | FromAlert) else value


def _command_line(words: list[str], params: Mapping[str, Any]) -> str:
    for name, value in params.items():
        words += ["--param", f"{name}={_shown(value)}"]
    return shlex.join(words)


@dataclass(frozen=True)
class DemoStep:
    """One action run and the outcome it must have."""

    title: str
    action: str
    params: Mapping[str, str | FromSimulator | FromAlert] = field(default_factory=dict)
    instance: str = "simulator-api2.json"
    # Instance values changed for this step only (e.g. a wrong secret).
    overrides: Mapping[str, Any] = field(default_factory=dict)
    expect: str = COMPLETED
    # Extra check on the output message: (description, predicate).
    message_check: tuple[str, Callable[[str], bool]] | None = None

    def command_line(self, params: Mapping[str, str] | None = None) -> str:
        """The command a person could run; `params` are the resolved values (else the step's literal ones)."""
        words = ["python", "-m", "devkit", "action", self.action, "--instance", f"devkit/instances/{self.instance}"]
        line = _command_line(words, self.params if params is None else params)
        if self.overrides:
            line += "   # with " + ", ".join(f"{name} changed" for name in self.overrides)
        return line


@dataclass(frozen=True)
class ConnectorStep:
    """One connector iteration (live, with the demo's store) and what its alerts must show."""

    title: str
    params: Mapping[str, str | FromSimulator]
    # (description, predicate on the run's alerts and the record) - the expected outcome.
    check: tuple[str, Callable[[list[dict], DemoRecord], bool]]
    instance: str = "simulator-api2.json"
    # Something that happens in Mimecast before the run: gets the simulator and the record, returns what to print.
    prepare: Callable[[SimulatorClient, DemoRecord], str] | None = None

    def command_line(self, params: Mapping[str, str]) -> str:
        words = ["python", "-m", "devkit", "connector", "--instance", f"devkit/instances/{self.instance}"]
        return _command_line(words, params)


def _says_credentials_rejected(message: str) -> bool:
    text = message.lower()
    return (
        "failed to connect to the mimecast server" in text
        and "credential" in text
        and ("rejected" in text or "invalid" in text)
    )


def _says_archive_emails_found(message: str) -> bool:
    return message == load_constants(REPO_ROOT).ARCHIVE_FOUND_MESSAGE


STEPS: list[DemoStep | ConnectorStep] = [
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
    DemoStep(
        "Simple Archive Search: invoices received in the last week",
        "Simple Archive Search",
        {"Subject": "invoice", "Time Frame": "Last Week", "Max Emails To Return": "5"},
        message_check=("archive emails were found", _says_archive_emails_found),
    ),
    DemoStep(
        "Advanced Archive Search: password mails from a look-alike domain, hand-written XML",
        "Advanced Archive Search",
        {
            "XML Query": (
                '<?xml version="1.0"?><xmlquery trace="iql,muse"><metadata query-type="emailarchive" '
                'archive="true" active="false" page-size="25" startrow="0"><smartfolders/><return-fields>'
                "<return-field>id</return-field><return-field>receiveddate</return-field>"
                "<return-field>displayfromaddress</return-field><return-field>subject</return-field>"
                "</return-fields></metadata><muse><text>subject:password</text>"
                "<text>from:secure-login-update.example.info</text>"
                '<date select="last_year"/></muse></xmlquery>'
            )
        },
        message_check=("archive emails were found", _says_archive_emails_found),
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


def _tenant_domains(simulator: SimulatorClient) -> str:
    return ", ".join(simulator.get("/_sim/tracking")["domains"])


TENANT_DOMAINS = FromSimulator("the tenant's domains", _tenant_domains)
TRACKING_PARAMS = {"Domains": TENANT_DOMAINS, "Max Hours Backwards": "24", "Status Filter": "held"}


def _every_held_alert_has_its_held_queue_id(alerts: list[dict], record: DemoRecord) -> bool:
    events = [e for alert in alerts for e in alert["events"] if e["event_type"] == "Message"]
    return bool(events) and all(e["held_message_id"] for e in events if e["status"] == "held")


def _a_held_message_arrives(simulator: SimulatorClient, record: DemoRecord) -> str:
    message = simulator.post(
        "/_sim/tracking",
        {
            "sender": "accounts@paypa1-billing.example.net",
            "recipients": [[f"alice@{simulator.account()['domain']}", "Alice"]],
            "subject": "Urgent: new bank details for invoice 4471",
            "status": "held",
            "risk": "high",
            "queue_reason": "Fraud Alert",
            "info": "Message Hold Applied - Fraud Alert policy",
        },
    )
    record.notes["arrived"] = message["id"]
    return f"Meanwhile a message is held in Mimecast: {message['subject']!r} to {message['to'][0]['emailAddress']}"


def _only_the_new_message_is_alerted(alerts: list[dict], record: DemoRecord) -> bool:
    earlier = {alert["ticket_id"] for run in record.connector_alerts[:-1] for alert in run}
    tickets = [alert["ticket_id"] for alert in alerts]
    return record.notes.get("arrived") in tickets and not earlier & set(tickets) and len(set(tickets)) == len(tickets)


STEPS += [
    ConnectorStep(
        "Message Tracking connector, first run: the last day's held messages become alerts",
        TRACKING_PARAMS,
        ("at least one alert, each held one carrying its held-queue id", _every_held_alert_has_its_held_queue_id),
    ),
    ConnectorStep(
        "Message Tracking connector, next run: only what is new, nothing twice",
        TRACKING_PARAMS,
        ("an alert for the new held message and none repeated from the first run", _only_the_new_message_is_alerted),
        prepare=_a_held_message_arrives,
    ),
    DemoStep(
        "Release the held message, with the held-queue id taken from the new alert's event",
        "Release Message",
        {"Message ID": FromAlert("held_message_id from the new alert's event", "held_message_id")},
    ),
]


def _alert_rows(alerts: list[dict]) -> list[dict]:
    rows = []
    for alert in alerts:
        message = next(e for e in alert["events"] if e["event_type"] == "Message")
        rows.append(
            {
                "Alert": alert["name"],
                "Subject": message["subject"],
                "Risk": message["risk"] or "-",
                "Priority": priority_label(alert["priority"]),
                "held_message_id": message["held_message_id"] or "-",
            }
        )
    return rows


def _step_instance(
    file_name: str, api_root: str, overrides: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], list[str]]:
    """A devkit instance file pointed at api_root with the step's overrides, and its secret values to redact."""
    instance = {**load_json(INSTANCES_DIR / file_name), "API Root": api_root, **(overrides or {})}
    return instance, secret_values(REPO_ROOT, instance)


def run_action_step(step: DemoStep, api_root: str, out: TextIO, store: Path, record: DemoRecord) -> str | None:
    """Run the action step; None when it went as expected, else what differs."""
    instance, secrets = _step_instance(step.instance, api_root, step.overrides)
    try:
        with SimulatorClient(api_root) as simulator:
            params = _resolved(step.params, simulator, record)
    except RuntimeError as exc:
        return f"the step could not be prepared: {exc}"
    out.write(f"$ {step.command_line(params)}\n")
    run = run_action(step.action, params, instance=instance, store=store)
    out.write(redact(format_action_run(run), secrets) + "\n")
    return step_outcome(step, run)


def run_connector_step(step: ConnectorStep, api_root: str, out: TextIO, store: Path, record: DemoRecord) -> str | None:
    """Run the connector step; None when it went as expected, else what differs."""
    instance, secrets = _step_instance(step.instance, api_root)
    try:
        with SimulatorClient(api_root) as simulator:
            if step.prepare:
                out.write(step.prepare(simulator, record) + "\n")
            params = _resolved(step.params, simulator, record)
    except RuntimeError as exc:
        return f"the step could not be prepared: {exc}"
    out.write(f"$ {step.command_line(params)}\n")
    definition_params = {k: v for k, v in instance.items() if k != "Verify SSL"}
    run = run_connector({**definition_params, **params}, store=store)
    out.write(redact(format_connector_run(run), secrets) + "\n")
    if not run.ingested:
        return f"expected a run that hands its alerts over, got exit code {run.exit_code}"
    record.connector_alerts.append(run.ingested_alerts)
    if run.ingested_alerts:
        out.write(redact(text_table(_alert_rows(run.ingested_alerts)), secrets) + "\n")
    if not step.check[1](run.ingested_alerts, record):
        return f"expected {step.check[0]}, got {len(run.ingested_alerts)} alert(s)"
    return None


def step_outcome(step: DemoStep, run: ActionRun) -> str | None:
    """None when the run is what the step expects, else what differs."""
    actual = COMPLETED if run.completed else FAILED if run.failed else run.execution_state_name.lower()
    if actual != step.expect:
        return f"expected {step.expect}, got {actual}"
    if step.message_check and not step.message_check[1](run.message or ""):
        return f"expected {step.message_check[0]}, got: {run.message}"
    return None


class SimulatorProcess:
    """`python -m simulator --port N` as a child process, read until its ready line (port 0: a free port)."""

    def __init__(self, port: int = 0) -> None:
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
                # The address it listens on, from its ready line: with port 0 the system chose it.
                self.url = line.split(READY_MARKER, 1)[1].strip()
                self.port = int(self.url.rsplit(":", 1)[1])
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
def running_simulator(port: int = 0) -> Iterator[SimulatorProcess]:
    simulator = SimulatorProcess(port)
    try:
        simulator.start()
        yield simulator
    finally:
        simulator.stop()


def run_steps(steps: list[DemoStep | ConnectorStep], api_root: str, out: TextIO, store: Path) -> list[str]:
    """Run each step against api_root; returns one line per step that did not go as expected."""
    differences = []
    record = DemoRecord()
    for number, step in enumerate(steps, 1):
        out.write(f"\n=== Step {number}/{len(steps)}: {step.title}\n")
        if isinstance(step, ConnectorStep):
            difference = run_connector_step(step, api_root, out, store, record)
            expectation = step.check[0]
        else:
            difference = run_action_step(step, api_root, out, store, record)
            expectation = step.expect
        if difference:
            differences.append(f"Step {number} ({step.title}): {difference}")
            out.write(f"--> NOT AS EXPECTED: {difference}\n")
        else:
            out.write(f"--> as expected ({expectation})\n")
        out.flush()
    return differences


def run_demo(port: int = 0, out: TextIO | None = None, steps: list[DemoStep | ConnectorStep] | None = None) -> int:
    """Run the steps against a simulator started on `port` (0: a free port); 0 when every step went as expected."""
    out = out or sys.stdout
    steps = STEPS if steps is None else steps
    try:
        with running_simulator(port) as simulator, tempfile.TemporaryDirectory(prefix="devkit-demo-") as store:
            out.write(
                f"Simulator running at {simulator.url} (process {simulator.process.pid}). The steps use it as their "
                "API Root in place of the instance files' own.\n"
            )
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
