"""Every fault against the Message Tracking connector, end to end: the real script as a platform subprocess against a
simulator with one fault injected on the token, search, details or hold-list call.

Each cell runs the connector once with the fault and asserts the documented end state of that run: what the
platform ingests (`ingested_alerts`), whether and how far the state moved (never past a message that was not
handed over), the line a person reads (DebugOutput for a run that ends cleanly; the final stderr line of a run
that fails), the exit code, and no traceback unless the run fails. Then the fault is lifted and the next run
must deliver the rest: every message exactly once over both runs. Every run is checked for leaked secrets
(tests/conftest.py). Non-fault behaviour is in test_e2e_connector.py; the same faults against arbitrary
arrival schedules in test_e2e_connector_exactly_once.py.

The three messages of a cell: a held one, a rejected one, a held one, oldest first. Cells that fault the
details call fetch one message at a time, so the oldest is the one whose details fail.
"""

import dataclasses
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from action_cases import assert_no_traceback
from fault_injection import TOO_LONG_RESET_MS, first_token_stops_working, inject, revoke_api2_client, statuses
from suite_helpers import UNVERIFIED_MIMECAST_WARNING, refused_port
from tracking_scenario import (
    HOLD_LIST,
    INFO,
    SEARCH,
    TOKEN,
    TrackingScenario,
    assert_run_failed,
    message_event,
    ticket_ids,
)

from devkit.runner import ConnectorRun, run_connector
from simulator import ALL_PERMISSIONS, DEFAULT_API1_ACCESS_KEY, DEFAULT_API2_CLIENT_ID, DEFAULT_REGISTRY
from simulator.endpoints import load_feature_modules
from simulator.server import Simulator

pytestmark = pytest.mark.e2e

CALLS = {"token": TOKEN, "search": SEARCH, "details": INFO, "hold_list": HOLD_LIST}
PARAMS = {"Status Filter": "held, rejected"}
ONE_AT_A_TIME = {**PARAMS, "Concurrent Detail Requests": "1"}
# Requests a call takes to fail for good: 3 attempts; the two searches (recipient, sender) run side by side.
FAILING_REQUESTS = {SEARCH: 6}
# Long enough for the first calls, short enough that a 5 s answer is a read timeout.
SHORT_RUN = {"PythonProcessTimeout": "8"}
STOPPED_CLEANLY = "Nothing was handed over; the next run tries again from the same point."
# A permission no credential has, put on get-message-info to make Mimecast refuse only the details.
DETAILS_ONLY_PERMISSION = "Gateway | Tracking | Read (details)"


def params_for(path: str) -> dict[str, str]:
    return ONE_AT_A_TIME if path == INFO else PARAMS


@pytest.fixture(scope="module")
def shared_sim() -> Iterator[Simulator]:
    with Simulator(port=0) as sim:
        yield sim


@pytest.fixture(scope="module")
def shared_tls_sim() -> Iterator[Simulator]:
    with Simulator(port=0, tls=True) as sim:
        yield sim


@pytest.fixture
def scenario(shared_sim, connector_runner, store) -> TrackingScenario:
    shared_sim.state.reset()
    return TrackingScenario(shared_sim, connector_runner, store)


@pytest.fixture
def tls_scenario(shared_tls_sim, connector_runner, store) -> TrackingScenario:
    shared_tls_sim.state.reset()
    return TrackingScenario(shared_tls_sim, connector_runner, store)


def three_messages(scenario: TrackingScenario) -> list[Any]:
    return [
        scenario.message(seconds_ago=180, subject="held first", queue_reason="Fraud Alert"),
        scenario.message(seconds_ago=120, status="rejected", info="Envelope Rejected", subject="rejected"),
        scenario.message(seconds_ago=60, subject="held last"),
    ]


def received(message: Any) -> int:
    return int(message.received.timestamp())


# The end states of a run


def assert_delivered(run: ConnectorRun, messages: list[Any]) -> None:
    assert run.exit_code == 0, run.stderr[-2000:]
    assert sorted(ticket_ids(run)) == sorted(m.id for m in messages)
    assert_no_traceback(run)


def assert_clean_stop(run: ConnectorRun, scenario: TrackingScenario, state_before: Any, *fragments: str) -> None:
    """Exit 0 with nothing handed over, the state as it was, and an error line that says why and what happens next."""
    assert run.exit_code == 0 and run.ingested, run.stderr[-2000:]
    assert run.ingested_alerts == []
    assert scenario.state() == state_before
    assert STOPPED_CLEANLY in run.debug_output
    for fragment in fragments:
        assert fragment in run.debug_output
    assert_no_traceback(run)


def assert_partial(run: ConnectorRun, scenario: TrackingScenario, delivered: list, held_back: list, *fragments: str):
    """Some alerts handed over; the checkpoint stays at or before every message that was not."""
    assert run.exit_code == 0, run.stderr[-2000:]
    assert sorted(ticket_ids(run)) == sorted(m.id for m in delivered)
    assert scenario.state()["checkpoint"] <= min(received(m) for m in held_back)
    for fragment in fragments:
        assert fragment in run.debug_output
    assert_no_traceback(run)


def assert_call_failed(path: str, run: ConnectorRun, scenario: TrackingScenario, messages: list, *wording: str):
    """The documented end state when one call could not be made in this run (a fault that is not fatal)."""
    held_first, rejected, held_last = messages
    if path in (TOKEN, SEARCH):
        assert_clean_stop(run, scenario, None, *wording)
    elif path == INFO:
        details = f"The details of {held_first.id} could not be read: "
        assert_partial(run, scenario, [rejected, held_last], [held_first], details)
        assert all(fragment in run.debug_output.split(details, 1)[1] for fragment in wording)
    else:
        assert_partial(run, scenario, [rejected], [held_first, held_last], "The held queue could not be read: ")
        assert all(fragment in run.debug_output for fragment in (*wording, "Held messages are retried next run."))


def assert_next_run_delivers_the_rest(
    scenario: TrackingScenario, earlier: list[ConnectorRun], messages: list, **params
):
    """With the fault gone, the next run hands over what the faulted runs did not: each message exactly once."""
    scenario.sim.state.faults.clear()
    scenario.advance(60)
    recovery = scenario.run(**{**PARAMS, **params})
    assert recovery.exit_code == 0, recovery.stderr[-2000:]
    created = [ticket for run in (*earlier, recovery) for ticket in ticket_ids(run)]
    assert sorted(created) == sorted(m.id for m in messages)


# Transport: DNS, refused connection, read timeout, TLS


def test_dns_failure_fails_the_run(scenario):
    messages = three_messages(scenario)

    run = scenario.run(**PARAMS, **{"API Root": "https://mimecast-api.invalid"})

    assert_run_failed(
        run, scenario, None, 'Could not resolve the host of the API Root "https://mimecast-api.invalid" (DNS', "Check"
    )
    assert scenario.requests() == []
    assert_next_run_delivers_the_rest(scenario, [run], messages)


def test_connection_refused_stops_cleanly_after_three_attempts(scenario):
    messages = three_messages(scenario)
    with refused_port() as port:
        url = f"http://127.0.0.1:{port}"
        run = scenario.run(**PARAMS, **{"API Root": url})

    assert_clean_stop(run, scenario, None, f'Could not connect to the API Root "{url}": connection refused.', "Tried 3")
    assert "(attempt 3 of 3)" in run.debug_output
    assert_next_run_delivers_the_rest(scenario, [run], messages)


@pytest.fixture(scope="module")
def read_timeout_runs(tmp_path_factory) -> Iterator[dict[str, Future]]:
    """A run per call whose answer comes too late, all started at once (each waits out its read timeout).

    Each has its own simulator and store; the next run, without the fault, runs right after it.
    """

    def cell(path: str, store: Path) -> tuple[list, list[ConnectorRun], list[Any]]:
        with Simulator(port=0) as sim:
            scenario = TrackingScenario(sim, partial(run_connector, store=store), store)
            messages = three_messages(scenario)
            inject(sim, "read_delay", path, delay_ms=5000)
            run = scenario.run(**params_for(path), **SHORT_RUN)
            state = scenario.state()
            scenario.advance(60)
            recovery = scenario.run(**PARAMS)
            return messages, [run, recovery], [state, statuses(sim, path)]

    # Made here, not in the threads: pytest's temporary directories are not made for concurrent creation.
    stores = {name: tmp_path_factory.mktemp(f"read-timeout-{name}") / "store" for name in CALLS}
    with ThreadPoolExecutor(max_workers=len(CALLS)) as pool:
        yield {name: pool.submit(cell, path, stores[name]) for name, path in CALLS.items()}


@pytest.mark.parametrize("call", CALLS)
def test_read_timeout(read_timeout_runs, call):
    messages, (run, recovery), (state, sent) = read_timeout_runs[call].result()
    path = CALLS[call]

    assert run.exit_code == 0 and not run.timed_out, run.stderr[-2000:]
    assert f"Mimecast did not answer {path} within" in run.debug_output and "(read timeout)" in run.debug_output
    assert_no_traceback(run)
    if path in (TOKEN, SEARCH):
        assert run.ingested_alerts == [] and state is None and STOPPED_CLEANLY in run.debug_output
    elif path == INFO:
        # The one detail call in flight used up the run; the others wait for the next run.
        assert run.ingested_alerts == [] and state["checkpoint"] <= received(messages[0])
        assert "Stopping early to finish before the script timeout (8 s): 2 message(s)" in run.debug_output
    else:
        assert ticket_ids(run) == [messages[1].id] and state["checkpoint"] <= received(messages[0])
    assert sent[0] == 200, "the late answer did come, after the connector gave up"
    assert sorted(ticket_ids(run) + ticket_ids(recovery)) == sorted(m.id for m in messages)


def test_tls_self_signed_with_verify_ssl_on_fails_the_run(tls_scenario):
    messages = three_messages(tls_scenario)

    run = tls_scenario.run(**PARAMS)

    assert_run_failed(
        run, tls_scenario, None, f'TLS certificate verification failed for the API Root "{tls_scenario.sim.url}"'
    )
    assert 'clear "Verify SSL" only for a server whose certificate you trust' in run.stderr
    assert tls_scenario.requests() == []
    assert_next_run_delivers_the_rest(tls_scenario, [run], messages, **{"Verify SSL": "false"})


def test_tls_self_signed_with_verify_ssl_off_works(tls_scenario):
    messages = three_messages(tls_scenario)

    run = tls_scenario.run(**PARAMS, **{"Verify SSL": "false"})

    assert_delivered(run, messages)
    assert f'"Verify SSL" is off: the certificate of {tls_scenario.sim.url} is not verified.' in run.debug_output
    assert UNVERIFIED_MIMECAST_WARNING not in run.stderr


# Authentication and authorisation


def test_http_401_api1_bad_signature_fails_the_run(scenario):
    messages = three_messages(scenario)

    run = scenario.run(**scenario.api1_params(**{"Secret Key": "A" * 87 + "="}), **PARAMS)

    assert_run_failed(
        run,
        scenario,
        None,
        "Mimecast rejected the API 1.0 (Application ID, Application Key, Access Key, Secret Key) credentials: "
        "HTTP 401, 0004 Invalid Signature (err_xdk_invalid_signature). Check the four API 1.0 values",
    )
    assert set(statuses(scenario.sim, SEARCH)) == {401}
    assert_next_run_delivers_the_rest(scenario, [run], messages, **scenario.api1_params())


def test_http_401_api2_token_expired_during_the_run_is_refreshed_once(scenario):
    messages = three_messages(scenario)

    with first_token_stops_working(scenario.sim, revoke=False):
        run = scenario.run(**PARAMS)

    assert_delivered(run, messages)
    assert statuses(scenario.sim, TOKEN) == [200, 200]
    assert sorted(statuses(scenario.sim, SEARCH)) == [200, 200, 401, 401], "both searches resent with one new token"


@pytest.mark.parametrize("concurrency", ["1", "10"])
def test_http_401_api2_cached_token_expired_since_the_last_run_is_refreshed_once(scenario, concurrency):
    """What is guaranteed whatever order the searches take: one new token, each search refused at most once.

    The two searches (recipient, sender) run side by side. The one that starts second was sent with the expired
    token or, if the first one's refusal had already replaced it, with the new one: one or two 401s, never more.
    With one search at a time the second always has the new token.
    """
    params = {**PARAMS, "Concurrent Detail Requests": concurrency}
    earlier = scenario.run(**params)
    first_token = scenario.cached_token()
    scenario.sim.state.tokens.expire_all()
    scenario.advance(60)
    messages = three_messages(scenario)
    seq = scenario.requests()[-1]["seq"]

    run = scenario.run(**params)

    assert_delivered(run, messages)
    assert earlier.ingested_alerts == []
    assert statuses(scenario.sim, TOKEN) == [200, 200], "one new token for the whole run"
    later = [entry["status"] for entry in scenario.sim.state.log.entries(since=seq, path=SEARCH)]
    # Every search succeeds (both directions, and possibly the rest of the window up to the simulator's clock,
    # which was advanced ahead of the host's); only the first searches can carry the expired token.
    assert set(later) == {200, 401}
    assert 1 <= later.count(401) <= 2 and later.count(200) >= 2
    if concurrency == "1":
        assert later[:3] == [401, 200, 200], "refused, resent with the new token; the next search has it already"
    assert scenario.cached_token() != first_token, "the new token replaced the expired one in the connector context"


def test_http_401_api2_client_revoked_since_the_last_run_fails_the_run(scenario):
    scenario.run(**PARAMS)
    state_before = scenario.state()
    sim = scenario.sim
    revoke_api2_client(sim)
    scenario.advance(60)
    messages = three_messages(scenario)

    run = scenario.run(**PARAMS)

    assert_run_failed(
        run,
        scenario,
        state_before,
        "Mimecast rejected the API 2.0 (Client ID, Client Secret) credentials: HTTP 401, Client credentials are "
        "invalid (InvalidClientIdentifier). Check the Client ID and Client Secret",
    )
    refreshes = statuses(sim, TOKEN)[1:]
    assert refreshes and set(refreshes) == {401} and len(refreshes) <= 2, "at most one refresh per rejected search"
    sim.state.revoke_api2_client(DEFAULT_API2_CLIENT_ID, revoked=False)
    assert_next_run_delivers_the_rest(scenario, [run], messages)


def set_role(sim: Simulator, *, without: str = "", plus: tuple[str, ...] = ()) -> None:
    """The API 2.0 client's permissions: all the simulator knows, `without` one, `plus` others."""
    permissions = [permission for permission in ALL_PERMISSIONS if permission != without]
    sim.state.credentials.set_permissions([*permissions, *plus], client_id=DEFAULT_API2_CLIENT_ID)


def assert_tracking_read_missing(run: ConnectorRun, scenario: TrackingScenario, path: str) -> None:
    permission = 'The Mimecast role needs the permission "Gateway | Tracking | Read".'
    assert_run_failed(run, scenario, None, f"Mimecast refused {path} (HTTP 403", permission)


def test_http_403_on_search_names_the_permission(scenario):
    messages = three_messages(scenario)
    set_role(scenario.sim, without="Gateway | Tracking | Read")

    run = scenario.run(**PARAMS)

    assert_tracking_read_missing(run, scenario, SEARCH)
    assert statuses(scenario.sim, INFO) == []
    set_role(scenario.sim)
    assert_next_run_delivers_the_rest(scenario, [run], messages)


def test_http_403_on_details_names_the_permission(connector_runner, store):
    load_feature_modules()
    registry = DEFAULT_REGISTRY.copy()
    registry.endpoints[INFO] = dataclasses.replace(registry.endpoints[INFO], permission=DETAILS_ONLY_PERMISSION)
    with Simulator(port=0, registry=registry) as sim:
        scenario = TrackingScenario(sim, connector_runner, store)
        messages = three_messages(scenario)

        run = scenario.run(**PARAMS)

        assert_tracking_read_missing(run, scenario, INFO)
        set_role(sim, plus=(DETAILS_ONLY_PERMISSION,))
        assert_next_run_delivers_the_rest(scenario, [run], messages)


def test_http_403_on_the_hold_list_alerts_without_held_queue_ids_and_says_why(scenario):
    messages = three_messages(scenario)
    set_role(scenario.sim, without="Account | Dashboard | Read")

    run = scenario.run(**PARAMS)

    assert_delivered(run, messages)
    assert [message_event(alert)["held_message_id"] for alert in run.ingested_alerts] == ["", "", ""]
    assert (
        f"Mimecast refused {HOLD_LIST} (HTTP 403, Resource or method requested does not exist in any product assigned "
        'to the application. (app_forbidden)). The Mimecast role needs the permission "Account | Dashboard | Read". '
        "Held messages are alerted without their held-queue id, which Release Message and Reject Message take."
    ) in run.debug_output
    assert "not in the held queue" not in run.debug_output
    assert scenario.state()["checkpoint"] == int(scenario.now.timestamp()), "the alerts were handed over"
    set_role(scenario.sim)
    assert_next_run_delivers_the_rest(scenario, [run], messages)


def test_http_418_api1_binding_expired_fails_the_run(scenario):
    messages = three_messages(scenario)
    scenario.sim.state.credentials.set_binding_expired(DEFAULT_API1_ACCESS_KEY)

    run = scenario.run(**scenario.api1_params(), **PARAMS)

    assert_run_failed(
        run, scenario, None, "API 1.0 Access Key and Secret Key have expired (HTTP 418", "Generate new keys"
    )
    scenario.sim.state.credentials.set_binding_expired(DEFAULT_API1_ACCESS_KEY, expired=False)
    assert_next_run_delivers_the_rest(scenario, [run], messages, **scenario.api1_params())


# Rate limits


@pytest.mark.parametrize("call", CALLS)
def test_http_429_with_a_short_reset_is_waited_out(scenario, call):
    path = CALLS[call]
    messages = three_messages(scenario)
    inject(scenario.sim, "rate_limit", path, reset_ms=100)

    run = scenario.run(**params_for(path))

    assert_delivered(run, messages)
    assert statuses(scenario.sim, path).count(429) == 1
    assert f"Mimecast's rate limit was reached for {path}; waiting 0.1 s as Mimecast asked." in run.debug_output


@pytest.mark.parametrize("call", CALLS)
def test_http_429_with_a_reset_beyond_the_run_time(scenario, call):
    path = CALLS[call]
    messages = three_messages(scenario)
    inject(scenario.sim, "rate_limit", path, reset_ms=TOO_LONG_RESET_MS)

    # One call at a time: whether a detail call left before the hold list's 429 arrived is not a race.
    run = scenario.run(**(ONE_AT_A_TIME if path in (INFO, HOLD_LIST) else PARAMS))

    wording = f"Mimecast's rate limit was reached for {path} (HTTP 429): Mimecast asked to wait 600.0 s"
    if path in (INFO, HOLD_LIST):
        # Nothing else fits either: the run stops taking work and hands over what it has, here nothing.
        stopped = "Stopping early: " + (wording if path == INFO else "Mimecast's rate limit leaves no room for " + INFO)
        assert_partial(run, scenario, [], messages, wording, stopped, "left for the next run")
        assert statuses(scenario.sim, path) == [429] and len(statuses(scenario.sim, INFO)) <= 1
        assert scenario.state()["attempts"] == {}, "a rate limit does not count against the messages"
    else:
        assert_call_failed(path, run, scenario, messages, wording)
    assert_next_run_delivers_the_rest(scenario, [run], messages)


# Server errors


@pytest.mark.parametrize("status", [500, 502, 503])
@pytest.mark.parametrize("call", ["search", "details", "hold_list"])
def test_http_5xx_on_a_read_is_retried_within_bounds(scenario, call, status):
    # A 500 persists through the 3 attempts; a 502 or 503 clears on the second.
    path = CALLS[call]
    persistent = status == 500
    messages = three_messages(scenario)
    inject(scenario.sim, "http_error", path, status=status, count=FAILING_REQUESTS.get(path, 3) if persistent else 1)

    run = scenario.run(**params_for(path))

    if persistent:
        assert_call_failed(path, run, scenario, messages, f"HTTP {status}, Internal Server Error", "Tried 3 times")
        assert statuses(scenario.sim, path).count(status) == FAILING_REQUESTS.get(path, 3)
    else:
        assert_delivered(run, messages)
        assert statuses(scenario.sim, path).count(status) == 1
        assert f"Retrying {path} in 0.5 s (attempt 2 of 3)." in run.debug_output
    assert_next_run_delivers_the_rest(scenario, [run], messages)


# Unusable answers and dropped connections


@pytest.mark.parametrize("variant", ["truncated", "html"])
@pytest.mark.parametrize("call", CALLS)
def test_malformed_json(scenario, call, variant):
    path = CALLS[call]
    messages = three_messages(scenario)
    inject(scenario.sim, "malformed", path, variant=variant)

    run = scenario.run(**params_for(path))

    content = "text/html" if variant == "html" else "application/json"
    assert_call_failed(
        path, run, scenario, messages, f"Mimecast's answer to {path} is not valid JSON (HTTP 200, {content}"
    )
    assert statuses(scenario.sim, path).count(200) >= 1, "not retried: the answer came"
    assert_next_run_delivers_the_rest(scenario, [run], messages)


@pytest.mark.parametrize("call", CALLS)
def test_fail_inside_http_200(scenario, call):
    path = CALLS[call]
    messages = three_messages(scenario)
    inject(scenario.sim, "fail", path, code="err_internal_error", message="Internal error. Please retry the request.")

    run = scenario.run(**params_for(path))

    assert_call_failed(
        path,
        run,
        scenario,
        messages,
        f"Mimecast returned an error for {path}: HTTP 200, Internal error. Please retry the request. "
        "(err_internal_error).",
    )
    assert_next_run_delivers_the_rest(scenario, [run], messages)


@pytest.mark.parametrize("call", CALLS)
def test_a_dropped_connection_is_retried(scenario, call):
    path = CALLS[call]
    messages = three_messages(scenario)
    inject(scenario.sim, "drop", path)

    run = scenario.run(**params_for(path))

    assert_delivered(run, messages)
    assert statuses(scenario.sim, path).count(None) == 1
    assert f"The connection to Mimecast was closed without an answer to {path}. Retrying" in run.debug_output


@pytest.mark.parametrize("call", ["search", "details", "hold_list"])
def test_a_connection_dropped_on_every_attempt(scenario, call):
    path = CALLS[call]
    messages = three_messages(scenario)
    inject(scenario.sim, "drop", path, count=FAILING_REQUESTS.get(path, 3))

    run = scenario.run(**params_for(path))

    assert_call_failed(
        path, run, scenario, messages, f"The connection to Mimecast was closed without an answer to {path}.", "Tried 3"
    )
    assert_next_run_delivers_the_rest(scenario, [run], messages)
