"""Readable text for action and connector runs, as an analyst would read them on the case wall."""

import json
import re
import shutil
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote

from devkit.runner import ActionRun, ConnectorRun

MASK = "********"
_MAX_CELL = 60
_TAIL_LINES = 20
# How the Message Tracking connector words a run that fails on purpose (Managers/MimecastConnectorRunner.py).
CONNECTOR_RUN_FAILED = "The Message Tracking connector run failed: "
_TRACEBACK = "Traceback (most recent call last):"
_IDENTIFIER_COLUMN = re.compile(r"(?:^|[\s_])ids?$", re.IGNORECASE)
# The platform's alert priorities (AlertInfo.priority).
ALERT_PRIORITIES = {-1: "Informational", 40: "Low", 60: "Medium", 80: "High", 100: "Critical"}
# The user information of a URL (`scheme://user:password@host`, also without a scheme): up to the last
# "@" before the path. Without "//", only a "user:password@host" form counts, so an address stays as it is.
_URL_USERINFO = re.compile(
    r"^(?P<before>\s*(?:[A-Za-z][A-Za-z0-9+.-]*:)?//)(?P<userinfo>[^/?#]*)@"
    r"|^(?P<bare>\s*)(?P<pair>[^\s/?#@:]+:[^\s/?#]*)@(?=[^\s/?#@])"
)


def redact(text: str, secret_values: Iterable[str]) -> str:
    """Replace every occurrence of a secret value; short values are skipped to keep text readable."""
    for value in sorted({v for v in secret_values if v and len(v) >= 4}, key=len, reverse=True):
        text = text.replace(value, MASK)
    return text


def _userinfo(value: Any) -> re.Match[str] | None:
    return _URL_USERINFO.match(value) if isinstance(value, str) else None


def without_credentials(value: Any) -> Any:
    """A URL without its user name and password (`https://user:pass@host` -> `https://host`); else the value."""
    match = _userinfo(value)
    if match is None:
        return value
    return (match.group("before") or match.group("bare") or "") + value[match.end() :]


def url_credentials(value: Any) -> list[str]:
    """The user name and password a URL carries, as written and percent-decoded: what output must not show."""
    match = _userinfo(value)
    if match is None:
        return []
    userinfo = match.group("userinfo") if match.group("before") is not None else match.group("pair")
    parts = [part for part in userinfo.split(":", 1) if part]
    return list(dict.fromkeys([*parts, *(unquote(part) for part in parts)]))


def masked_configuration(configuration: Mapping[str, Any], secret_names: set[str]) -> dict[str, Any]:
    """The configuration as it may be shown: secret values masked, URLs without their credentials."""
    return {
        name: (MASK if name in secret_names and value not in ("", None) else without_credentials(value))
        for name, value in configuration.items()
    }


def _cell(value: Any, whole: bool = False) -> str:
    text = " ".join(str("" if value is None else value).split())
    return text if whole or len(text) <= _MAX_CELL else text[: _MAX_CELL - 3] + "..."


def is_identifier_column(column: str) -> bool:
    """A column of IDs ("Ticket ID", "held_message_id", "id"): a later step needs them whole."""
    return _IDENTIFIER_COLUMN.search(column) is not None


def priority_label(priority: Any) -> str:
    """An alert priority as the platform names it, with its value: "Informational (value -1)", "High (value 80)"."""
    if priority in (None, ""):
        return ""
    try:
        value = int(priority)
    except (TypeError, ValueError):
        return str(priority)
    name = ALERT_PRIORITIES.get(value)
    return f"{name} (value {value})" if name else f"value {value} (not a SOAR priority)"


def text_table(rows: list[Mapping[str, Any]], columns: list[str] | None = None) -> str:
    """A boxed text table; rows too wide for the terminal are shown as one block per row instead.

    Long values are shortened, except in identifier columns: IDs are what the next step takes.
    """
    if not rows:
        return "(no rows)"
    if columns is None:
        columns = list(dict.fromkeys(key for row in rows for key in row))
    whole = [is_identifier_column(column) for column in columns]
    cells = [[_cell(row.get(column), keep) for column, keep in zip(columns, whole, strict=True)] for row in rows]
    widths = [max(len(column), *(len(line[i]) for line in cells)) for i, column in enumerate(columns)]
    total = sum(widths) + 3 * len(widths) + 1
    if total > shutil.get_terminal_size((120, 24)).columns:
        label = max(len(column) for column in columns)
        blocks = []
        for number, line in enumerate(cells, 1):
            body = "\n".join(f"  {column.ljust(label)} : {value}" for column, value in zip(columns, line, strict=True))
            blocks.append(f"[{number}]\n{body}")
        return "\n".join(blocks)
    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def line(values: list[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    return "\n".join([rule, line(columns), rule, *(line(values) for values in cells), rule])


def _tail(text: str, lines: int = _TAIL_LINES) -> str:
    kept = text.rstrip("\n").splitlines()[-lines:]
    return "\n".join(kept)


def _crash_report(run: ActionRun | ConnectorRun, what: str, never_done: str) -> str:
    reason = "was killed after its timeout" if run.timed_out else f"exited with code {run.exit_code}"
    parts = [f"{what} crashed: it {reason} without {never_done}."]
    if run.stderr.strip():
        parts.append("stderr (last lines):\n" + _tail(run.stderr))
    return "\n".join(parts)


def format_action_run(run: ActionRun, result_name: str = "is_success", show_debug: bool = False) -> str:
    if run.crashed:
        return _crash_report(run, "Script", "writing an output object")
    parts = [
        f"Output message: {run.message}",
        f"Execution state: {run.execution_state_name} ({run.execution_state})",
        f"Result value ({result_name}): {json.dumps(run.result_value)}",
    ]
    if run.json_result is not None:
        parts.append("JSON result:\n" + json.dumps(run.json_result, indent=2, ensure_ascii=False))
    for title, rows in run.tables.items():
        parts.append(f"Table {title} ({len(rows)} row{'s' if len(rows) != 1 else ''}):\n" + text_table(rows))
    if show_debug and run.debug_output.strip():
        parts.append("Debug output:\n" + run.debug_output.rstrip("\n"))
    return "\n".join(parts)


def connector_failure(run: ConnectorRun) -> str | None:
    """The connector's own failure line when the run failed on purpose, else None (it succeeded or crashed).

    A run fails on purpose when it returns no package, exits non-zero by itself and the last thing it
    wrote to stderr is its failure line (raised or logged), as the platform shows it. Anything raised
    after that line, a kill or a timeout is a crash.
    """
    if run.output is not None or run.exit_code <= 0 or run.timed_out or run.killed:
        return None
    start = run.stderr.rfind(CONNECTOR_RUN_FAILED)
    if start < 0:
        return None
    line = run.stderr[start:].strip()
    if _TRACEBACK in line or not line.removeprefix(CONNECTOR_RUN_FAILED).strip():
        return None
    return line


def format_connector_run(run: ConnectorRun, test_run: bool = False) -> str:
    kind = "Test run" if test_run else "Run"
    failure = connector_failure(run)
    if failure is not None:
        parts = [f"{kind} failed: {failure}", "The platform ingests nothing from a failed run."]
        if run.log_path is not None:
            parts.append(f"Log file: {run.log_path}")
        return "\n".join(parts)
    if run.crashed:
        return _crash_report(run, "Connector", "returning a package")
    if not run.ingested:
        return (
            f"Connector crashed: it exited with code {run.exit_code} after returning its package, so the platform "
            f"ingests none of its {len(run.alerts)} alert(s)."
        )
    parts = [f"{kind}: {len(run.alerts)} alert(s), {len(run.overflow_alerts)} overflowed."]
    if run.alerts:
        rows = [
            {
                "Name": alert.get("name"),
                "Ticket ID": alert.get("ticket_id"),
                "Priority": priority_label(alert.get("priority")),
                "Environment": alert.get("environment"),
                "Events": len(alert.get("events") or []),
            }
            for alert in run.alerts
        ]
        parts.append(text_table(rows))
    if run.overflow_alerts:
        rows = [{"Name": a.get("name"), "Ticket ID": a.get("ticket_id")} for a in run.overflow_alerts]
        parts.append("Overflowed (not ingested):\n" + text_table(rows))
    if run.debug_output.strip():
        parts.append(f"Debug output (last {_TAIL_LINES} lines):\n" + _tail(run.debug_output))
    return "\n".join(parts)
