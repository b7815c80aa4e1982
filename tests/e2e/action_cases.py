"""Every action the package ships as one row of the hardening matrices.

A row knows how to run its action successfully against a freshly reset simulator, which endpoint it
calls, whether that call is a write, which API generation it needs, and how to count what its write
changed in the simulated tenant. Messages are the documented ones, written out on purpose: here, or in the
action's own test module when that one has them already.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from test_e2e_archive_search import FOUND as ARCHIVE_FOUND
from test_e2e_ping import PING_FAILED, PING_OK
from test_e2e_triage import ISSUE_POLICY_PARAMS, failure

# A run of this length leaves the action about 2 s after the runner's 5 s safety margin: enough to send,
# too little for a retry backoff, and the read timeout the Manager derives from it stays short.
SHORT_RUN_S = 7.5
ADVANCED_QUERY = (
    '<?xml version="1.0"?><xmlquery trace="iql,muse"><metadata query-type="emailarchive" archive="true" '
    'active="false" page-size="5" startrow="0"><smartfolders/><return-fields><return-field>id</return-field>'
    '</return-fields></metadata><muse><date select="last_year"/></muse></xmlquery>'
)


@dataclass(frozen=True)
class ActionCase:
    id: str
    action: str
    path: str
    permission: str
    params: Callable[[Any], dict[str, str]]
    success: Callable[[dict[str, str]], str]
    # How many times the write took effect in the simulated tenant; None for reads.
    applied: Callable[[Any], int] | None = None
    api: str = "api2"

    @property
    def write(self) -> bool:
        return self.applied is not None

    def failure_prefix(self) -> str:
        return PING_FAILED if self.action == "Ping" else failure(self.action)


def _held_id(sim: Any) -> str:
    return sim.state.held.held()[0].id


def _mailbox(sim: Any) -> str:
    return f"alice@{sim.state.account.domains[0]}"


def _left_queue(status: str, *, sandbox: bool | None = None) -> Callable[[Any], int]:
    def count(sim: Any) -> int:
        return sum(
            1
            for message in sim.state.held.all()
            if message.status == status and (sandbox is None or message.outcome.get("sandbox") is sandbox)
        )

    return count


CASES = (
    ActionCase(
        "Ping",
        "Ping",
        "/api/account/get-account",
        "Account | Dashboard | Read",
        params=lambda sim: {},
        success=lambda p: PING_OK,
    ),
    ActionCase(
        "SimpleArchiveSearch",
        "Simple Archive Search",
        "/api/archive/search",
        "Archive | Search Logs | Read",
        params=lambda sim: {"Time Frame": "Last Month", "Max Emails To Return": "5"},
        success=lambda p: ARCHIVE_FOUND,
    ),
    ActionCase(
        "AdvancedArchiveSearch",
        "Advanced Archive Search",
        "/api/archive/search",
        "Archive | Search Logs | Read",
        params=lambda sim: {"XML Query": ADVANCED_QUERY},
        success=lambda p: ARCHIVE_FOUND,
    ),
    ActionCase(
        "RejectMessage",
        "Reject Message",
        "/api/gateway/hold-reject",
        "Account | Monitoring | Held | Edit",
        params=lambda sim: {"Message ID": _held_id(sim), "Reason": "Against Email Policy", "Note": "Phishing"},
        success=lambda p: f'Successfully rejected message with ID "{p["Message ID"]}" in Mimecast',
        applied=_left_queue("rejected"),
    ),
    ActionCase(
        "ReleaseMessage",
        "Release Message",
        "/api/gateway/hold-release",
        "Account | Monitoring | Held | Edit",
        params=lambda sim: {"Message ID": _held_id(sim)},
        success=lambda p: f'Successfully released message with ID "{p["Message ID"]}" in Mimecast',
        applied=_left_queue("released", sandbox=False),
    ),
    ActionCase(
        "ReleaseToSandbox",
        "Release Message",
        "/api/message-finder/release-held-email-to-sandbox",
        "Account | Monitoring | Held | Edit",
        params=lambda sim: {"Message ID": _held_id(sim), "Release To Sandbox": "true"},
        success=lambda p: f'Successfully released message with ID "{p["Message ID"]}" in Mimecast',
        applied=_left_queue("released", sandbox=True),
        api="api1",
    ),
    ActionCase(
        "ReportMessage",
        "Report Message",
        "/api/message-finder/report-message",
        "Archive | View Logs | Read",
        params=lambda sim: {"Message ID": sim.state.held.held()[0].tracking_id, "Report As": "Phishing"},
        success=lambda p: f'Successfully reported the following messages with ID "{p["Message ID"]}" in Mimecast',
        applied=lambda sim: len(sim.state.messages.reports),
        api="api1",
    ),
    ActionCase(
        "BlockSender",
        "Block Sender",
        "/api/managedsender/permit-or-block-sender",
        "Gateway | Managed Senders | Edit",
        params=lambda sim: {"Sender": "attacker@example.org", "Recipient": _mailbox(sim)},
        success=lambda p: f"Successfully blocked sender {p['Sender']} for recipient {p['Recipient']} in Mimecast",
        applied=lambda sim: len(sim.state.managed_senders.entries()),
    ),
    ActionCase(
        "PermitSender",
        "Permit Sender",
        "/api/managedsender/permit-or-block-sender",
        "Gateway | Managed Senders | Edit",
        params=lambda sim: {"Sender": "partner@example.org", "Recipient": _mailbox(sim)},
        success=lambda p: f"Successfully permitted sender {p['Sender']} for recipient {p['Recipient']} in Mimecast",
        applied=lambda sim: len(sim.state.managed_senders.entries()),
    ),
    ActionCase(
        "CreateBlockSenderPolicy",
        "Create Block Sender Policy",
        "/api/policy/blockedsenders/create-policy",
        "Gateway | Policies | Edit",
        params=lambda sim: dict(ISSUE_POLICY_PARAMS),
        success=lambda p: "Successfully created a block sender policy in Mimecast",
        applied=lambda sim: len(sim.state.blocked_sender_policies.all()),
    ),
)
READS = tuple(case for case in CASES if not case.write)
WRITES = tuple(case for case in CASES if case.write)
# Report Message and Release To Sandbox exist only in API 1.0: API 2.0 faults cannot reach them.
API2_CASES = tuple(case for case in CASES if case.api == "api2")


def each(cases: tuple[ActionCase, ...]) -> pytest.MarkDecorator:
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
