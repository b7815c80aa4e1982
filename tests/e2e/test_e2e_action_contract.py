"""What only a platform subprocess on the real SDK proves, for every action: each cell is one run of its script
as the platform runs it (devkit.runner), against the simulator. The fault and bad-input behaviour of the actions
runs in process (test_e2e_fault_matrix.py, test_e2e_bad_input_matrix.py); these cells prove that the same code
on Google's soar-sdk, started as the platform starts it, ends as the platform reads it:

* every action completes in each auth mode it supports (over TLS with Verify SSL off in the case's own mode:
  urllib3's warning stays out of stderr) and fails with the platform's failed state and is_success false
  (Mimecast refuses a permission);
* read timeouts, with a read timeout far below the run's time, so machine load cannot change what a run reports;
* an API Root holding credentials is refused and never shown in the real output and log files.

Every run is also checked for leaked secrets (tests/conftest.py). Rows are the actions' cases (matrix_rows.py).
"""

import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from action_cases import ActionCase, assert_completed, assert_failed, each
from fault_injection import (
    ARCHIVE_OPTIONS,
    TOKEN_PATH,
    UNKNOWN_OUTCOME,
    applied,
    inject,
    nothing_or,
    run_case,
    statuses,
    wait_for_log,
)
from matrix_rows import API2_CASES, CASES, by_id
from suite_helpers import UNVERIFIED_MIMECAST_WARNING, simulator_instance

from devkit import REPO_ROOT
from devkit.runner import ActionRun, run_action, script_environment
from simulator import ALL_PERMISSIONS, DEFAULT_API1_ACCESS_KEY, DEFAULT_API2_CLIENT_ID
from simulator.server import Simulator

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def shared_sim() -> Iterator[Simulator]:
    with Simulator(port=0, feature_options=ARCHIVE_OPTIONS) as sim:
        yield sim


@pytest.fixture(scope="module")
def shared_tls_sim() -> Iterator[Simulator]:
    with Simulator(port=0, tls=True, feature_options=ARCHIVE_OPTIONS) as sim:
        yield sim


@pytest.fixture
def sim(shared_sim: Simulator) -> Simulator:
    """The module's simulator back in its start-up state: default tenant, no faults, empty log."""
    shared_sim.state.reset()
    return shared_sim


@pytest.fixture
def tls_sim(shared_tls_sim: Simulator) -> Simulator:
    shared_tls_sim.state.reset()
    return shared_tls_sim


# Completing and failing on the real SDK


@each(CASES)
def test_tls_self_signed_with_verify_ssl_off_works(action_runner, tls_sim, case):
    run, params = run_case(action_runner, case, tls_sim, **{"Verify SSL": False})

    assert_completed(run, case, params)
    assert statuses(tls_sim, case.path) == [200]
    assert applied(tls_sim, case) == nothing_or(case, 1)
    assert f'"Verify SSL" is off: the certificate of {tls_sim.url} is not verified.' in run.debug_output
    assert UNVERIFIED_MIMECAST_WARNING not in run.stderr


@each(API2_CASES)
def test_every_action_completes_with_api1_keys_too(action_runner, sim, case):
    run, params = run_case(action_runner, case, sim, api="api1")

    assert_completed(run, case, params)
    assert statuses(sim, case.path) == [200]
    assert applied(sim, case) == nothing_or(case, 1)


@each(CASES)
def test_http_403_names_the_missing_permission(action_runner, sim, case):
    others = [permission for permission in ALL_PERMISSIONS if permission != case.permission]
    principal = {"client_id": DEFAULT_API2_CLIENT_ID} if case.api == "api2" else {"access_key": DEFAULT_API1_ACCESS_KEY}
    sim.state.credentials.set_permissions(others, **principal)

    run, _ = run_case(action_runner, case, sim)

    assert_failed(run, case, f"Mimecast refused {case.path} (HTTP 403", f'needs the permission "{case.permission}"')
    assert statuses(sim, case.path) == [403]
    assert applied(sim, case) == nothing_or(case, 0)


# Read timeouts


# The read timeout the read-timeout cells set explicitly, far below their run time (the default 300 s).
CELL_READ_TIMEOUT_S = 2
# Longer than any cell runs: a delayed answer comes only when the cell stops its simulator.
FOREVER_MS = 600_000
READ_TIMEOUT_SEAM = Path(__file__).parent / "read_timeout_seam"
TOKEN_CELL = "Ping-token"
# The API 2.0 token request is tried with Ping, which sends nothing else.
[PING] = by_id("Ping")


def explicit_read_timeout(store: Path, seconds: float) -> dict[str, str]:
    """run_action's env for a run whose read timeout is `seconds` (read_timeout_seam/sitecustomize.py)."""
    devkit_path = script_environment(store, REPO_ROOT)["PYTHONPATH"]
    return {
        "PYTHONPATH": os.pathsep.join([str(READ_TIMEOUT_SEAM), devkit_path]),
        "MIMECAST_TEST_READ_TIMEOUT_S": str(seconds),
    }


@pytest.fixture(scope="module")
def read_timeout_runs(tmp_path_factory) -> Iterator[dict[str, Future]]:
    """Every action against a simulator that never answers in time, all started at once.

    The read timeout is set explicitly and the run time is long, so how long a run takes to start (machine
    load) cannot change what it reports. Each action authenticates with API 1.0, so its only request to
    Mimecast is the delayed one: no token request that the short read timeout would apply to as well. The API
    2.0 token request has a cell of its own (Ping). A read is tried 3 times, each delayed; a write's function
    runs before its delay: Mimecast applied it, and the action cannot know.
    """

    def run(case: ActionCase, path: str, api: str, store: Path) -> tuple[ActionRun, list[int | None], int | None]:
        attempts = 1 if case.write else 3
        with Simulator(port=0, feature_options=ARCHIVE_OPTIONS) as sim:
            inject(sim, "read_delay", path, delay_ms=FOREVER_MS, after=case.write, count=attempts)
            result = run_action(
                case.action,
                case.params(sim),
                instance=simulator_instance(sim.url, api),
                store=store,
                env=explicit_read_timeout(store, CELL_READ_TIMEOUT_S),
            )
            wait_for_log(sim, path, attempts)
            return result, statuses(sim, path), applied(sim, case)

    cells = {case.id: (case, case.path, "api1") for case in CASES}
    cells[TOKEN_CELL] = (PING, TOKEN_PATH, "api2")
    # Made here, not in the threads: pytest's temporary directories are not made for concurrent creation.
    stores = {name: tmp_path_factory.mktemp(f"read-timeout-{name}") / "store" for name in cells}
    with ThreadPoolExecutor(max_workers=len(cells)) as pool:
        yield {name: pool.submit(run, *cell, stores[name]) for name, cell in cells.items()}


@each(CASES)
def test_read_timeout(read_timeout_runs, case):
    run, sent, writes = read_timeout_runs[case.id].result()

    within = f"within {CELL_READ_TIMEOUT_S} s"
    if case.write:
        assert_failed(run, case, f"{case.path} was sent to Mimecast but no answer {within}", UNKNOWN_OUTCOME)
        assert len(sent) == 1
    else:
        assert_failed(run, case, f"Mimecast did not answer {case.path} {within} (read timeout). Tried 3 times")
        assert len(sent) == 3
    assert writes == nothing_or(case, 1)


def test_read_timeout_of_the_token_request(read_timeout_runs):
    run, sent, _ = read_timeout_runs[TOKEN_CELL].result()

    assert_failed(
        run, PING, f"Mimecast did not answer {TOKEN_PATH} within {CELL_READ_TIMEOUT_S} s (read timeout). Tried 3"
    )
    assert len(sent) == 3


# The API Root: a URL with credentials, a query or a fragment is refused before anything is sent


@pytest.mark.parametrize(
    "root",
    [
        "{scheme}://svc:Hunter2-Secret@{host}",
        "{scheme}://Hunter2-Secret@{host}",
        "{scheme}://{host}/?key=Hunter2-Secret",
    ],
    ids=["user-and-password", "password-only", "query"],
)
# A read, an API 2.0 write and an API 1.0 write.
@each(by_id("Ping", "ReleaseMessage", "ReportMessage"))
def test_an_api_root_with_credentials_or_a_query_is_refused_and_never_shown(action_runner, sim, case, root):
    url = root.format(scheme="http", host=sim.url.removeprefix("http://"))

    run, _ = run_case(action_runner, case, sim, url=url)

    assert_failed(run, case, '"API Root" must not contain', "The value is not shown here.")
    shown = run.stdout + run.stderr + (run.log_path.read_text() if run.log_path else "")
    assert "Hunter2" not in shown
    assert sim.state.log.entries() == []
