"""The Message Tracking connector's HTTP door, end to end: redirects and the cached API 2.0 token across runs.

Each test runs the real connector script as the platform does, against the simulator; every run is also
checked for leaked secrets (tests/conftest.py). The faults themselves are in test_e2e_connector_fault_matrix.py.
"""

from collections.abc import Iterator

import pytest
from fault_injection import inject, statuses
from tracking_scenario import SEARCH, TOKEN, TrackingScenario, assert_run_failed, ticket_ids

from simulator.server import Simulator

pytestmark = pytest.mark.e2e

PARAMS = {"Status Filter": "held"}


@pytest.fixture(scope="module")
def shared_sim() -> Iterator[Simulator]:
    with Simulator(port=0) as sim:
        yield sim


@pytest.fixture(scope="module")
def shared_elsewhere_sim() -> Iterator[Simulator]:
    with Simulator(port=0) as sim:
        yield sim


@pytest.fixture
def scenario(shared_sim, connector_runner, store) -> TrackingScenario:
    shared_sim.state.reset()
    return TrackingScenario(shared_sim, connector_runner, store)


@pytest.fixture
def elsewhere(shared_elsewhere_sim) -> Simulator:
    """A second tenant with the same credentials: where redirects point, or the API Root moves to."""
    shared_elsewhere_sim.state.reset()
    return shared_elsewhere_sim


@pytest.mark.parametrize("root", ["http://svc:Hunter2-Secret@{host}", "http://{host}#Hunter2-Secret"])
def test_an_api_root_with_credentials_or_a_fragment_fails_the_run_and_is_never_shown(scenario, root):
    scenario.message()

    run = scenario.run(**PARAMS, **{"API Root": root.format(host=scenario.sim.url.removeprefix("http://"))})

    assert_run_failed(run, scenario, None, '"API Root" must not contain', "The value is not shown here.")
    shown = run.stdout + run.stderr + run.log_path.read_text()
    assert "Hunter2" not in shown
    assert scenario.requests() == []


@pytest.mark.parametrize(("path", "status"), [(TOKEN, 307), (TOKEN, 301), (SEARCH, 308), (SEARCH, 302)])
def test_a_redirect_fails_the_run_naming_its_host_and_nothing_is_sent_there(scenario, elsewhere, path, status):
    message = scenario.message()
    inject(scenario.sim, "redirect", path, status=status, location=f"{elsewhere.url}{path}?token=x")

    run = scenario.run(**PARAMS)

    assert_run_failed(run, scenario, None, f"HTTP {status}, a redirect to {elsewhere.url}.", "never followed")
    assert "token=x" not in run.stderr
    # The two searches (recipient, sender) run side by side: one is redirected, and neither is sent twice.
    assert statuses(scenario.sim, path) in ([status], [status, 200], [200, status])
    assert elsewhere.state.log.entries() == []
    assert ticket_ids(scenario.run(**PARAMS)) == [message.id], "the next run, without the redirect, delivers"


# The cached API 2.0 token belongs to one API Root, Client ID and Client Secret


def test_a_wrong_client_secret_is_not_hidden_by_the_cached_token(scenario):
    scenario.message()
    scenario.run(**PARAMS)
    scenario.advance(60)

    run = scenario.run(**PARAMS, **{"Client Secret": "a-wrong-client-secret"})

    assert_run_failed(run, scenario, scenario.state(), "Mimecast rejected the API 2.0", "Client Secret")
    first_run, *second_run = statuses(scenario.sim, TOKEN)
    assert first_run == 200 and second_run and set(second_run) == {401}, "Mimecast was asked, and refused"
    assert statuses(scenario.sim, SEARCH) == [200, 200], "only the first run searched"


def test_a_cached_token_is_never_sent_to_a_new_api_root(scenario, elsewhere):
    scenario.message()
    scenario.run(**PARAMS)
    old_token = scenario.cached_token()

    run = scenario.run(**PARAMS, **{"API Root": elsewhere.url})

    assert run.exit_code == 0, run.stderr[-2000:]
    first = elsewhere.state.log.entries()[0]
    assert (first["path"], first["status"]) == (TOKEN, 200), "the new host is asked for its own token first"
    assert 401 not in statuses(elsewhere, SEARCH)
    assert scenario.cached_token() != old_token
