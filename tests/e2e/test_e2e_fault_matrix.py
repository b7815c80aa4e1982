"""Every fault for every action: each cell is one run of the action's script in process (tests/action_harness.py:
its function through the runner code that builds the output message, state, result value, JSON result and
tables), against a simulator with one fault injected. A cell asserts the documented outcome and wording, what
reached the simulator (request counts, whether a write ran) and that nothing showed a traceback; every run is
also checked for leaked secrets (tests/conftest.py). The actions' cases are their test data (tests/e2e/actions/,
found by matrix_rows.py); a test that needs particular cases picks them by id.

What only a platform subprocess on the real SDK proves is in test_e2e_action_contract.py: every action
completing in each auth mode and failing with the platform's states, read timeouts, the unverified-TLS warning
left out of stderr, and an API Root with credentials never shown in the real output and log files.

Ping's and the other actions' non-fault behaviour is tested in test_e2e_ping.py, test_e2e_archive_search.py
and test_e2e_triage.py (there also: `release: false` / `reject: false` for a message that is not held).
"""

from collections.abc import Iterator

import pytest
from action_cases import ActionCase, assert_completed, assert_failed, each
from fault_injection import (
    ARCHIVE_OPTIONS,
    NOT_RETRIED_WRITE,
    TOKEN_PATH,
    TOO_LONG_RESET_MS,
    UNKNOWN_OUTCOME,
    applied,
    first_token_stops_working,
    inject,
    nothing_or,
    run_case,
    statuses,
)
from matrix_rows import API2_CASES, CASES, READS, WRITES, by_id
from suite_helpers import refused_port, simulator_instance

from devkit.runner import ActionRun
from simulator import DEFAULT_API1_ACCESS_KEY
from simulator.server import Simulator


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


@pytest.fixture(scope="module")
def shared_elsewhere_sim() -> Iterator[Simulator]:
    """Where redirects point: a second tenant with the same credentials, so a followed redirect would work."""
    with Simulator(port=0, feature_options=ARCHIVE_OPTIONS) as sim:
        yield sim


@pytest.fixture
def elsewhere(shared_elsewhere_sim: Simulator) -> Simulator:
    shared_elsewhere_sim.state.reset()
    return shared_elsewhere_sim


@pytest.fixture(scope="module")
def refused_url() -> Iterator[str]:
    with refused_port() as port:
        yield f"http://127.0.0.1:{port}"


# Transport: DNS, refused connection, read timeout, TLS


@each(CASES)
def test_dns_failure(action_in_process, sim, case):
    run, _ = run_case(action_in_process, case, sim, url="https://mimecast-api.invalid")

    assert_failed(run, case, 'Could not resolve the host of the API Root "https://mimecast-api.invalid"', "DNS")
    assert sim.state.log.entries() == []


@each(CASES)
def test_connection_refused(action_in_process, sim, refused_url, case):
    run, _ = run_case(action_in_process, case, sim, url=refused_url)

    assert_failed(run, case, f'Could not connect to the API Root "{refused_url}": connection refused.')


# A read and a write: neither reached Mimecast, so both are retried.
@each(by_id("Ping", "BlockSender"))
def test_refused_connection_is_retried_with_backoff_as_nothing_was_sent(action_in_process, sim, refused_url, case):
    run, _ = run_case(action_in_process, case, sim, url=refused_url)

    assert_failed(run, case, "connection refused")
    assert "(attempt 2 of 3)" in run.debug_output and "(attempt 3 of 3)" in run.debug_output


@each(CASES)
def test_tls_self_signed_with_verify_ssl_on_fails(action_in_process, tls_sim, case):
    run, _ = run_case(action_in_process, case, tls_sim)

    assert_failed(run, case, f'TLS certificate verification failed for the API Root "{tls_sim.url}"', "Verify SSL")
    assert tls_sim.state.log.entries() == []


@each(CASES)
def test_an_https_root_on_a_plain_http_server_says_it_does_not_speak_tls(action_in_process, sim, case):
    root = sim.url.replace("http://", "https://")

    run, _ = run_case(action_in_process, case, sim, url=root, **{"Verify SSL": False})

    assert_failed(run, case, f'The server at the API Root "{root}" does not speak TLS', "wrong version number")
    assert "certificate" not in run.message and "Verify SSL" not in run.message
    assert sim.state.log.entries() == []


@each(CASES)
def test_an_http_root_on_a_tls_server_says_to_use_https(action_in_process, tls_sim, case):
    root = tls_sim.url.replace("https://", "http://")

    run, _ = run_case(action_in_process, case, tls_sim, url=root)

    assert_failed(run, case, f'"{root}" seems to expect TLS', f'Use "{tls_sim.url}" as the API Root.')
    assert "closed without an answer" not in run.message and "try again later" not in run.message
    assert "(attempt 2 of 3)" not in run.debug_output, "not retried"
    assert UNKNOWN_OUTCOME not in run.message
    if case.write and case.api == "api1":
        # API 2.0 fails at its token request, before the write.
        assert f"so {case.path} was not applied" in run.message
    assert tls_sim.state.log.entries() == []


# Text that is not Unicode (a lone surrogate) never leaves


@pytest.mark.parametrize(
    ("case", "param"),
    list(
        zip(
            by_id("SimpleArchiveSearch", "RejectMessage", "CreateBlockSenderPolicy", "ReportMessage"),
            ("Subject", "Note", "Description", "Comment"),
            strict=True,
        )
    ),
    ids=["SimpleArchiveSearch-Subject", "RejectMessage-Note", "CreateBlockSenderPolicy-Description", "Report-Comment"],
)
def test_a_lone_surrogate_in_a_parameter_is_refused_before_anything_is_sent(action_in_process, sim, case, param):
    params = {**case.params(sim), param: "Invoice \ud800 overdue"}

    run = action_in_process(case.action, params, instance=simulator_instance(sim.url, case.api))

    # The parameter checks or, behind them, the request path refuse it; either way nothing is sent. (Not checked
    # here: the runner's log line of the parameter, which the logging module cannot write with the surrogate.)
    assert run.exit_code == 0 and run.failed and run.result_value is False, run.stderr
    assert run.message.startswith(case.failure_prefix()), run.message
    assert "surrogate" in run.message and "again later" not in run.message
    assert sim.state.log.entries(path=case.path) == []
    assert applied(sim, case) == nothing_or(case, 0)


# Redirects: never followed, whatever the call


def assert_refused_redirect(run: ActionRun, case: ActionCase, status: int, elsewhere: Simulator) -> None:
    assert_failed(run, case, f"HTTP {status}, a redirect to {elsewhere.url}.", "Redirects are never followed")
    assert "steal" not in run.message and "token=" not in run.message
    assert elsewhere.state.log.entries() == [], "nothing reached the host the redirect named"


@each(CASES)
def test_a_redirect_of_the_call_is_never_followed(action_in_process, sim, elsewhere, case):
    inject(sim, "redirect", case.path, status=307, location=f"{elsewhere.url}{case.path}?steal=1&token=x")

    run, _ = run_case(action_in_process, case, sim)

    assert_refused_redirect(run, case, 307, elsewhere)
    assert statuses(sim, case.path) == [307]
    assert applied(sim, case) == nothing_or(case, 0) and applied(elsewhere, case) == nothing_or(case, 0)
    if case.write:
        assert "check the item in Mimecast before running the action again" in run.message


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
# An API 2.0 read and an API 2.0 write: each asks for a token first.
@each(by_id("Ping", "ReleaseMessage"))
def test_a_redirect_of_the_token_request_never_resends_the_client_secret(
    action_in_process, sim, elsewhere, case, status
):
    inject(sim, "redirect", TOKEN_PATH, status=status, location=f"{elsewhere.url}{TOKEN_PATH}")

    run, _ = run_case(action_in_process, case, sim)

    assert_refused_redirect(run, case, status, elsewhere)
    assert statuses(sim, TOKEN_PATH) == [status] and statuses(sim, case.path) == []


# Authentication and authorisation


@each(CASES)
def test_http_401_api1_bad_signature(action_in_process, sim, case):
    run, _ = run_case(action_in_process, case, sim, api="api1", **{"Secret Key": "A" + "A" * 86 + "="})

    assert_failed(
        run,
        case,
        "Mimecast rejected the API 1.0 (Application ID, Application Key, Access Key, Secret Key) credentials: "
        "HTTP 401, 0004 Invalid Signature (err_xdk_invalid_signature)",
    )
    assert statuses(sim, case.path) == [401]
    assert applied(sim, case) == nothing_or(case, 0)


@each(API2_CASES)
def test_http_401_api2_expired_token_is_refreshed_once_then_succeeds(action_in_process, sim, case):
    with first_token_stops_working(sim, revoke=False):
        run, params = run_case(action_in_process, case, sim)

    assert_completed(run, case, params)
    assert statuses(sim, TOKEN_PATH) == [200, 200]
    assert statuses(sim, case.path) == [401, 200]
    assert applied(sim, case) == nothing_or(case, 1)


@each(API2_CASES)
def test_http_401_api2_client_revoked_fails(action_in_process, sim, case):
    with first_token_stops_working(sim, revoke=True):
        run, _ = run_case(action_in_process, case, sim)

    assert_failed(
        run,
        case,
        "Mimecast rejected the API 2.0 (Client ID, Client Secret) credentials: HTTP 401, Client credentials are "
        "invalid (InvalidClientIdentifier). Check the Client ID and Client Secret",
    )
    assert statuses(sim, TOKEN_PATH) == [200, 401]
    assert statuses(sim, case.path) == [401]
    assert applied(sim, case) == nothing_or(case, 0)


@each(CASES)
def test_http_418_api1_binding_expired(action_in_process, sim, case):
    sim.state.credentials.set_binding_expired(DEFAULT_API1_ACCESS_KEY)

    run, _ = run_case(action_in_process, case, sim, api="api1")

    assert_failed(run, case, "API 1.0 Access Key and Secret Key have expired (HTTP 418", "Generate new keys")
    assert statuses(sim, case.path) == [418]


# Rate limits


@each(CASES)
def test_http_429_with_a_short_reset_is_waited_out(action_in_process, sim, case):
    inject(sim, "rate_limit", case.path, reset_ms=100)

    run, params = run_case(action_in_process, case, sim)

    assert_completed(run, case, params)
    assert statuses(sim, case.path) == [429, 200]
    assert applied(sim, case) == nothing_or(case, 1)
    assert "rate limit was reached" in run.debug_output


@each(CASES)
def test_http_429_with_a_reset_beyond_the_run_time_fails_cleanly(action_in_process, sim, case):
    inject(sim, "rate_limit", case.path, reset_ms=TOO_LONG_RESET_MS)

    run, _ = run_case(action_in_process, case, sim)

    assert_failed(run, case, f"Mimecast's rate limit was reached for {case.path} (HTTP 429)", "run it again later")
    assert statuses(sim, case.path) == [429]
    assert applied(sim, case) == nothing_or(case, 0)


@each(CASES)
def test_http_429_that_persists_is_retried_a_bounded_number_of_times(action_in_process, sim, case):
    inject(sim, "rate_limit", case.path, reset_ms=100, count=1000)

    # The run is long enough for thousands of such retries: the bound, not the run time, ends them.
    run, _ = run_case(action_in_process, case, sim)

    kept_refusing = "(HTTP 429) and Mimecast kept refusing it: 5 times in a row, each time after waiting"
    assert_failed(run, case, kept_refusing, "The request was not executed; run it again later.")
    assert statuses(sim, case.path) == [429] * 5
    assert applied(sim, case) == nothing_or(case, 0)


# Server errors and unusable answers


@pytest.mark.parametrize("status", [500, 502, 503])
@each(CASES)
def test_http_5xx(action_in_process, sim, case, status):
    # Reads are retried (3 attempts in all); a write is never sent twice.
    persistent = case.write or status == 500
    inject(sim, "http_error", case.path, status=status, count=3 if persistent else 1)

    run, params = run_case(action_in_process, case, sim)

    if case.write:
        assert_failed(run, case, f"Mimecast returned an error for {case.path}: HTTP {status}", NOT_RETRIED_WRITE)
        assert statuses(sim, case.path) == [status]
        assert applied(sim, case) == 0
    elif persistent:
        assert_failed(run, case, f"HTTP {status}, Internal Server Error (internal_server_error)", "Tried 3 times")
        assert statuses(sim, case.path) == [status] * 3
    else:
        assert_completed(run, case, params)
        assert statuses(sim, case.path) == [status, 200]


@pytest.mark.parametrize(
    ("kind", "spec", "wording"),
    [
        ("http_error", {"status": 502}, ("HTTP 502", NOT_RETRIED_WRITE)),
        ("drop", {}, ("the connection closed without an answer", UNKNOWN_OUTCOME)),
        (
            "malformed",
            {"variant": "truncated"},
            ("Mimecast answered with a response that is not valid", UNKNOWN_OUTCOME),
        ),
    ],
    ids=["http_error", "drop", "malformed"],
)
@each(WRITES)
def test_write_fault_after_the_write_ran_is_an_unknown_outcome(action_in_process, sim, case, kind, spec, wording):
    inject(sim, kind, case.path, after=True, **spec)

    run, _ = run_case(action_in_process, case, sim)

    assert_failed(run, case, f"{case.path} was sent to Mimecast" if kind != "http_error" else case.path, *wording)
    assert [entry["executed"] for entry in sim.state.log.entries(path=case.path)] == [True]
    assert applied(sim, case) == 1


@each(READS)
def test_dropped_connection_on_a_read_is_retried(action_in_process, sim, case):
    inject(sim, "drop", case.path)

    run, params = run_case(action_in_process, case, sim)

    assert_completed(run, case, params)
    assert statuses(sim, case.path) == [None, 200]


@pytest.mark.parametrize("variant", ["truncated", "html"])
@each(CASES)
def test_malformed_json(action_in_process, sim, case, variant):
    inject(sim, "malformed", case.path, variant=variant)

    run, _ = run_case(action_in_process, case, sim)

    content = "text/html" if variant == "html" else "application/json"
    if case.write:
        assert_failed(run, case, f"{case.path} was sent to Mimecast but Mimecast answered with a response that is not")
        assert f"valid JSON (HTTP 200, {content}" in run.message and UNKNOWN_OUTCOME in run.message
    else:
        assert_failed(run, case, f"Mimecast's answer to {case.path} is not valid JSON (HTTP 200, {content}")
        assert "Check that the API Root is Mimecast's API" in run.message
    assert statuses(sim, case.path) == [200]
    assert applied(sim, case) == nothing_or(case, 0)


@each(CASES)
def test_fail_inside_http_200(action_in_process, sim, case):
    inject(sim, "fail", case.path, code="err_internal_error", message="Internal error. Please retry the request.")

    run, _ = run_case(action_in_process, case, sim)

    assert_failed(
        run,
        case,
        f"Mimecast returned an error for {case.path}: HTTP 200, Internal error. Please retry the request. "
        "(err_internal_error).",
    )
    # A request-level error says nothing about the message: it must not be explained as "not held".
    assert "not held" not in run.message
    assert statuses(sim, case.path) == [200]
    assert applied(sim, case) == nothing_or(case, 0)
