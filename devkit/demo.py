"""`python -m devkit demo`: run scripted action and connector steps against a freshly started simulator.

Steps are a plain list (`STEPS`); later features append their own. A `DemoStep` runs one action exactly as
`python -m devkit action` would, a `ConnectorStep` one connector iteration as `python -m devkit connector`
would (with the demo's store, so the connector's state carries over); each states the outcome it
expects, and the demo exits 1 when any step differs from its expectation. A parameter can be a value read
when the step runs: from the simulator (`FromSimulator`), from an alert of the last connector run
(`FromAlert`) or from the JSON result an earlier step recorded under its `key` (`FromResult`).
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
from datetime import datetime, timedelta
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
    """What earlier steps produced that later ones use: the alerts of each connector run, the JSON result of
    each completed action step that has a `key`, and notes."""

    connector_alerts: list[list[dict]] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)


def message_event(alert: Mapping[str, Any]) -> dict:
    """The alert's Message event ({} when it has none)."""
    return next((e for e in alert.get("events") or [] if e.get("event_type") == "Message"), {})


@dataclass(frozen=True)
class FromAlert:
    """A parameter value taken from the newest alert of the last connector run: its message event's `field`.

    With `where` = (field, value), only alerts whose message event has that value are looked at.
    """

    description: str
    field: str
    where: tuple[str, str] | None = None

    def read(self, record: DemoRecord) -> str:
        alerts = record.connector_alerts[-1] if record.connector_alerts else []
        for alert in reversed(alerts):
            message = message_event(alert)
            if self.where and message.get(self.where[0]) != self.where[1]:
                continue
            if message.get(self.field):
                return str(message[self.field])
        which = f" with {self.where[0]} {self.where[1]!r}" if self.where else ""
        raise RuntimeError(f"no alert{which} of the last connector run has a {self.field}")


@dataclass(frozen=True)
class FromResult:
    """A parameter value read from the JSON result an earlier step recorded under `step` (its `key`).

    `path` walks the result: dictionary keys and list indexes, e.g. ("searchCriteria", "messageId") or
    (0, "fromEnv", "emailAddress"). The value found must be a non-empty string or number.
    """

    description: str
    step: str
    path: tuple[str | int, ...]

    def read(self, record: DemoRecord) -> str:
        if self.step not in record.results:
            raise RuntimeError(f"no earlier step recorded a JSON result as {self.step!r}")
        value = record.results[self.step]
        for part in self.path:
            try:
                value = value[part]
            except (KeyError, IndexError, TypeError):
                value = None
                break
        if isinstance(value, bool) or not isinstance(value, str | int | float) or value == "":
            shown = "".join(f"[{part!r}]" for part in self.path)
            raise RuntimeError(f"the JSON result recorded as {self.step!r} has no value at {shown}")
        return str(value)


def _resolve(value: Any, simulator: SimulatorClient, record: DemoRecord | None) -> str:
    if isinstance(value, FromSimulator):
        return value.read(simulator)
    if isinstance(value, FromAlert | FromResult):
        return value.read(record or DemoRecord())
    return value


def _resolved(params: Mapping[str, Any], simulator: SimulatorClient, record: DemoRecord | None) -> dict[str, str]:
    return {name: _resolve(value, simulator, record) for name, value in params.items()}


def _shown(value: Any) -> str:
    return f"<{value.description}>" if isinstance(value, FromSimulator | FromAlert | FromResult) else value


def _command_line(words: list[str], params: Mapping[str, Any]) -> str:
    for name, value in params.items():
        words += ["--param", f"{name}={_shown(value)}"]
    return shlex.join(words)


@dataclass(frozen=True)
class DemoStep:
    """One action run and the outcome it must have."""

    title: str
    action: str
    params: Mapping[str, str | FromSimulator | FromAlert | FromResult] = field(default_factory=dict)
    instance: str = "simulator-api2.json"
    # Instance values changed for this step only (e.g. a wrong secret).
    overrides: Mapping[str, Any] = field(default_factory=dict)
    expect: str = COMPLETED
    # Extra check on the output message: (description, predicate).
    message_check: tuple[str, Callable[[str], bool]] | None = None
    # Extra check on the run (its JSON result) with what earlier steps recorded: (description, predicate).
    check: tuple[str, Callable[[ActionRun, DemoRecord], bool]] | None = None
    # When the step completes, its JSON result is recorded under this name for later steps (FromResult).
    key: str | None = None
    # Something that happens in Mimecast before the run: gets the simulator and the record, returns what to print.
    prepare: Callable[[SimulatorClient, DemoRecord], str] | None = None

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


RELEASE_FROM_ALERT = DemoStep(
    "Release the held message, with the held-queue id taken from the new alert's event",
    "Release Message",
    {"Message ID": FromAlert("held_message_id from the new alert's event", "held_message_id")},
)
HELD_CONNECTOR_STEPS: list[DemoStep | ConnectorStep] = [
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
]
STEPS += [*HELD_CONNECTOR_STEPS, RELEASE_FROM_ALERT]


# The delivered-phish incident: one phish, sent once (one Internet Message-ID) and delivered in three batches,
# each a tracked message; only the last batch was rated high risk, so the connector alerts on that copy alone.
PHISH_SENDER = "billing@paypa1-invoices.example.net"
PHISH_SUBJECT = "Invoice 88213 is overdue: pay today to avoid suspension"
PHISH_URL = "https://paypa1-invoices.example.net/pay/88213"
PHISH_MESSAGE_ID = "<88213.4f2a9c@mail.paypa1-invoices.example.net>"
# (mailboxes of the tenant, minutes before the alerted copy, risk)
PHISH_BATCHES = ((("carol", "dave"), 12, "low"), (("erin",), 6, "low"), (("alice",), 0, "high"))
PHISH_ALERT_PARAMS = {
    "Domains": TENANT_DOMAINS,
    "Max Hours Backwards": "1",
    "Status Filter": "archived",
    "Lowest Risk To Fetch": "High",
    "Ingest Messages Without Risk": "false",
}


def _a_phish_is_delivered(simulator: SimulatorClient, record: DemoRecord) -> str:
    domain = simulator.account()["domain"]
    now = datetime.fromisoformat(simulator.clock()["now"])
    copies = []
    for mailboxes, minutes_before, risk in PHISH_BATCHES:
        message = simulator.post(
            "/_sim/tracking",
            {
                "sender": PHISH_SENDER,
                "sender_name": "Billing Department",
                "recipients": [[f"{name}@{domain}", name.title()] for name in mailboxes],
                "subject": PHISH_SUBJECT,
                "status": "archived",
                "risk": risk,
                "message_id": PHISH_MESSAGE_ID.strip("<>"),
                "sender_ip": "203.0.113.45",
                "received": (now - timedelta(minutes=minutes_before)).strftime("%Y-%m-%dT%H:%M:%S+0000"),
                "urls": [PHISH_URL],
            },
        )
        copies.append(message["id"])
    record.notes["phish"] = copies
    recipients = sum(len(mailboxes) for mailboxes, _, _ in PHISH_BATCHES)
    return (
        f"Meanwhile a phish was delivered: {PHISH_SUBJECT!r} from {PHISH_SENDER}, linking to {PHISH_URL}, "
        f"in {len(copies)} tracked messages to {recipients} mailboxes; only the last was rated high risk"
    )


def _phish_alert(record: DemoRecord) -> dict:
    alerts = record.connector_alerts[-1] if record.connector_alerts else []
    return next(alert for alert in alerts if message_event(alert).get("subject") == PHISH_SUBJECT)


def _the_phish_is_alerted_once_with_its_message_id(alerts: list[dict], record: DemoRecord) -> bool:
    phish = [alert for alert in alerts if message_event(alert).get("subject") == PHISH_SUBJECT]
    if len(phish) != 1:
        return False
    event = message_event(phish[0])
    return (
        phish[0]["ticket_id"] == record.notes["phish"][-1]
        and event["status"] == "archived"
        and event["internet_message_id"] == PHISH_MESSAGE_ID.strip("<>")
    )


def _every_copy_found(run: ActionRun, record: DemoRecord) -> bool:
    copies = run.json_result
    alert = message_event(_phish_alert(record))
    return (
        sorted(copy["id"] for copy in copies) == sorted(record.notes["phish"])
        and all(copy["status"] == "archived" for copy in copies)
        and {copy["fromEnv"]["emailAddress"] for copy in copies} == {alert["sender"]}
    )


def _recipients_found(record: DemoRecord) -> int:
    return sum(len(copy["to"]) for copy in record.results["copies"])


def _an_incident_for_every_copy(run: ActionRun, record: DemoRecord) -> bool:
    incident = run.json_result
    return bool(incident["id"]) and incident["identified"] == _recipients_found(record)


def _mimecast_removes_the_copies(simulator: SimulatorClient, record: DemoRecord) -> str:
    identified = int((record.results.get("incident") or {}).get("identified") or 0)
    seconds = simulator.get("/_sim/remediation")["step_s"] * identified + 1
    simulator.advance_clock(seconds)
    return (
        f"Meanwhile Mimecast removes the {identified} copies one after another (the simulator's clock moves on "
        f"{seconds:g} s rather than the demo waiting)"
    )


def _every_copy_removed(run: ActionRun, record: DemoRecord) -> bool:
    incident, created = run.json_result, record.results["incident"]
    return (
        incident["id"] == created["id"]
        and incident["identified"] == created["identified"] == _recipients_found(record)
        and incident["successful"] == incident["identified"]
        and incident["failed"] == 0
    )


def _the_url_is_blocked(run: ActionRun, record: DemoRecord) -> bool:
    entry = run.json_result
    return (
        entry["action"] == "block"
        and entry["matchType"] == "explicit"
        and f"{entry['scheme']}://{entry['domain']}{entry['path']}" == PHISH_URL
    )


def _a_policy_for_the_sender(run: ActionRun, record: DemoRecord) -> bool:
    policy = run.json_result
    sender = record.results["copies"][0]["fromEnv"]["emailAddress"]
    return (
        bool(policy["id"]) and policy["option"] == "block_sender" and policy["policy"]["from"]["emailAddress"] == sender
    )


def _that_policy_deleted(run: ActionRun, record: DemoRecord) -> bool:
    return run.json_result["id"] == record.results["policy"]["id"]


def _the_policy_is_gone(run: ActionRun, record: DemoRecord) -> bool:
    policies = run.json_result
    return isinstance(policies, list) and record.results["policy"]["id"] not in {p["id"] for p in policies}


PHISH_MESSAGE_ID_FROM_ALERT = FromAlert(
    "internet_message_id from the phish's alert", "internet_message_id", where=("subject", PHISH_SUBJECT)
)
INCIDENT_STEPS: list[DemoStep | ConnectorStep] = [
    ConnectorStep(
        "Delivered-phish incident: the connector, watching delivered mail rated high risk, alerts on the phish",
        PHISH_ALERT_PARAMS,
        ("one alert for the phish, carrying its Internet Message-ID", _the_phish_is_alerted_once_with_its_message_id),
        prepare=_a_phish_is_delivered,
    ),
    DemoStep(
        "Search Message Tracking by the alert's Internet Message-ID: its other copies",
        "Search Message Tracking",
        {"Internet Message ID": PHISH_MESSAGE_ID_FROM_ALERT, "Time Frame": "Last 24 Hours"},
        check=("every copy of the phish, delivered, from the alert's sender", _every_copy_found),
        key="copies",
    ),
    DemoStep(
        "Remediate Message: remove every copy from the mailboxes, by the same Internet Message-ID",
        "Remediate Message",
        {"Internet Message ID": PHISH_MESSAGE_ID_FROM_ALERT, "Reason": "Delivered phish: fake overdue invoice"},
        check=("an incident identifying every recipient of the copies found", _an_incident_for_every_copy),
        key="incident",
    ),
    DemoStep(
        "Get Remediation Incident, by the id of Remediate Message's JSON result",
        "Get Remediation Incident",
        {"Incident ID": FromResult("id of Remediate Message's JSON result", "incident", ("id",))},
        check=("every identified copy removed, none failed", _every_copy_removed),
        prepare=_mimecast_removes_the_copies,
    ),
    DemoStep(
        "Block URL: the link the phish carries",
        "Block URL",
        {"URL": PHISH_URL, "Comment": "Delivered phish: fake overdue invoice"},
        check=("an explicit block entry for exactly that URL", _the_url_is_blocked),
    ),
    DemoStep(
        "Create Block Sender Policy for the sender of the copies found",
        "Create Block Sender Policy",
        {
            "Response": "Block Sender",
            "Description": "Delivered phish: fake overdue invoice",
            "Extracted Data": "Both",
            "Sender": FromResult(
                "fromEnv of Search Message Tracking's first result", "copies", (0, "fromEnv", "emailAddress")
            ),
            "Sender Type": "Email Address",
            "Recipient Type": "Everyone",
        },
        check=("a Block Sender policy for that sender", _a_policy_for_the_sender),
        key="policy",
    ),
    DemoStep(
        "Delete Block Sender Policy (its undo), by the id of Create Block Sender Policy's JSON result",
        "Delete Block Sender Policy",
        {"Policy ID": FromResult("id of Create Block Sender Policy's JSON result", "policy", ("id",))},
        check=("that policy deleted", _that_policy_deleted),
    ),
    DemoStep(
        "List Block Sender Policies: the deleted policy is gone",
        "List Block Sender Policies",
        check=("the deleted policy's id no longer listed", _the_policy_is_gone),
    ),
]
STEPS += INCIDENT_STEPS


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
            if step.prepare:
                out.write(step.prepare(simulator, record) + "\n")
            params = _resolved(step.params, simulator, record)
    except RuntimeError as exc:
        return f"the step could not be prepared: {exc}"
    out.write(f"$ {step.command_line(params)}\n")
    run = run_action(step.action, params, instance=instance, store=store)
    out.write(redact(format_action_run(run), secrets) + "\n")
    difference = step_outcome(step, run, record)
    if step.key and run.completed:
        record.results[step.key] = run.json_result
    return difference


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


def step_outcome(step: DemoStep, run: ActionRun, record: DemoRecord | None = None) -> str | None:
    """None when the run is what the step expects, else what differs."""
    actual = COMPLETED if run.completed else FAILED if run.failed else run.execution_state_name.lower()
    if actual != step.expect:
        return f"expected {step.expect}, got {actual}"
    if step.message_check and not step.message_check[1](run.message or ""):
        return f"expected {step.message_check[0]}, got: {run.message}"
    if step.check and not _holds(step.check[1], run, record or DemoRecord()):
        return f"expected {step.check[0]}, got: {run.message}"
    return None


def _holds(check: Callable[[ActionRun, DemoRecord], bool], run: ActionRun, record: DemoRecord) -> bool:
    """The check's answer; a JSON result without the fields it reads does not pass."""
    try:
        return bool(check(run, record))
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        return False


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
            expectation = f"{step.check[0]})"
        else:
            difference = run_action_step(step, api_root, out, store, record)
            expectation = f"{step.expect}): {step.check[0]}" if step.check else f"{step.expect})"
        if difference:
            differences.append(f"Step {number} ({step.title}): {difference}")
            out.write(f"--> NOT AS EXPECTED: {difference}\n")
        else:
            out.write(f"--> as expected ({expectation}\n")
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
