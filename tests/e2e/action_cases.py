"""What a row of the hardening matrices is, and the documented messages the actions' test data shares.

An ActionCase knows how to run its action successfully against a freshly reset simulator, which endpoint it
calls, whether that call is a write, which API generation it needs, and how to count what its write changed
in the simulated tenant. Each action's cases live with its test data, tests/e2e/actions/<Stem>.py, and
matrix_rows.py finds them there. Messages are the documented ones, written out on purpose.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

PING_OK = "Successfully connected to the Mimecast server with the provided connection parameters!"
PING_FAILED = "Failed to connect to the Mimecast server! Error is "
ARCHIVE_FOUND = "Successfully found archive emails for the provided criteria in Mimecast"
# The default "Fields To Return".
DEFAULT_FIELDS_CSV = (
    "attachmentcount,status,subject,size,receiveddate,displayfrom,displayfromaddress,id,displayto,"
    "displaytoaddresslist,smash"
)
DEFAULT_FIELDS = DEFAULT_FIELDS_CSV.split(",")
# A typical Create Block Sender Policy step: block one address for everyone, with no end.
ISSUE_POLICY_PARAMS = {
    "Response": "Block Sender",
    "Description": "Block Sender Policy from SecOps automation.",
    "Extracted Data": "Both",
    "Sender": "attacker@example.org",
    "Sender Type": "Email Address",
    "Recipient": "",
    "Recipient Type": "Everyone",
    "Comment": "",
    "Bidirectional": "true",
    "Enforced": "true",
    "Start Time": "",
    "End Time": "",
}


def failure(action: str, reason: str = "") -> str:
    return f'Error executing action "{action}". Reason: {reason}'


@dataclass(frozen=True)
class ActionCase:
    id: str
    path: str
    permission: str
    params: Callable[[Any], dict[str, str]]
    success: Callable[[dict[str, str]], str]
    # How many times the write took effect in the simulated tenant; None for reads.
    applied: Callable[[Any], int] | None = None
    api: str = "api2"
    # How a failure of the action starts, when it is not the common wording (Ping's).
    failure: str = ""
    # The action's script stem and name: matrix_rows sets them from the script the test data belongs to.
    stem: str = ""
    action: str = ""

    @property
    def write(self) -> bool:
        return self.applied is not None

    def failure_prefix(self) -> str:
        return self.failure or failure(self.action)


def held_id(sim: Any) -> str:
    return sim.state.held.held()[0].id


def mailbox(sim: Any) -> str:
    return f"alice@{sim.state.account.domains[0]}"


def left_queue(status: str, *, sandbox: bool | None = None) -> Callable[[Any], int]:
    def count(sim: Any) -> int:
        return sum(
            1
            for message in sim.state.held.all()
            if message.status == status and (sandbox is None or message.outcome.get("sandbox") is sandbox)
        )

    return count


def each(cases: tuple[ActionCase, ...] | list[ActionCase]) -> pytest.MarkDecorator:
    """Parametrize a test over `cases`, one named test per action (e.g. `[ReleaseToSandbox]`)."""
    return pytest.mark.parametrize("case", cases, ids=[case.id for case in cases])


def assert_no_traceback(run: Any) -> None:
    shown = run.stdout + run.stderr + (run.log_path.read_text() if run.log_path and run.log_path.is_file() else "")
    assert "Traceback" not in shown


def assert_failed(run: Any, case: ActionCase, *fragments: str) -> None:
    """The documented failure: state failed, is_success false, the action's wording, each fragment."""
    assert run.exit_code == 0 and run.failed and run.result_value is False, run.stderr
    assert run.message.startswith(case.failure_prefix()), run.message
    for fragment in fragments:
        assert fragment in run.message
    assert_no_traceback(run)


def assert_completed(run: Any, case: ActionCase, params: dict[str, str]) -> None:
    assert run.completed and run.result_value is True, run.message or run.stderr
    assert run.message == case.success(params)
    assert_no_traceback(run)
