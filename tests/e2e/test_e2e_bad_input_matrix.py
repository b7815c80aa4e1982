"""Bad input for every parameter of every action, each cell one run of the action's script in process
(tests/action_harness.py: through the runner code that builds the message, state, result value and results).

Invalid input fails with the documented message and nothing reaches Mimecast; unusual but valid input
(unicode, very long, XML-looking text, odd case and spacing) is sent exactly as given. Each action's cells are
its test data (tests/e2e/actions/<Stem>.py, REFUSED and ACCEPTED; see matrix_rows.py), so a new action brings
its own. Cells other files already prove are not repeated there: the invalid-input tests of
test_e2e_triage.py and test_e2e_archive_search.py (empty mandatory values, invalid options, emails, domains
and times, end before start, unsafe or malformed Advanced queries) and the query-structure test of
test_e2e_archive_search.py.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from action_cases import ActionCase, assert_failed, assert_no_traceback
from bad_input import LONG, invalid, not_a_valid
from matrix_rows import MATRIX, by_id
from suite_helpers import simulator_instance

from simulator.server import Simulator

# A failure that quotes a pasted value stays readable on the case wall.
SHOWN_MESSAGE_LIMIT = 2000


@pytest.fixture(scope="module")
def shared_sim() -> Iterator[Simulator]:
    with Simulator(port=0, feature_options={"archive": {"size": 200}}) as sim:
        yield sim


@pytest.fixture
def sim(shared_sim: Simulator) -> Simulator:
    shared_sim.state.reset()
    return shared_sim


def run_with(runner: Any, case: ActionCase, sim: Simulator, overrides: dict[str, str]) -> Any:
    params = {**case.params(sim), **overrides}
    return runner(case.action, params, instance=simulator_instance(sim.url, case.api))


@pytest.mark.parametrize(("case", "overrides", "reason"), MATRIX.refused)
def test_invalid_input_fails_with_its_message_and_nothing_is_sent(action_in_process, sim, case, overrides, reason):
    run = run_with(action_in_process, case, sim, overrides)

    assert_failed(run, case)
    assert run.message == case.failure_prefix() + reason
    assert sim.state.log.entries() == []


# Unusual but valid input: what Mimecast received.


@pytest.mark.parametrize(("case", "overrides", "sent", "outcome"), MATRIX.accepted)
def test_unusual_but_valid_input_is_sent_as_given(action_in_process, sim, case, overrides, sent, outcome):
    run = run_with(action_in_process, case, sim, overrides)

    if outcome.failed:
        assert_failed(run, case, *outcome.fragments)
        assert len(run.message) < SHOWN_MESSAGE_LIMIT
    else:
        assert run.completed and run.result_value is outcome.result_value, run.message
        assert all(fragment in run.message for fragment in outcome.fragments), run.message
        assert_no_traceback(run)
    sent(sim, case)
    assert len(run.debug_output) < len(LONG), "a pasted value is logged in full"


@pytest.mark.e2e
def test_the_connectors_domains_refuse_a_trailing_dot_like_the_actions(shared_sim, connector_runner, store):
    """The connector's Domains use the same domain check (MimecastParameters.require_domain)."""
    from tracking_scenario import FAILED_RUN, TrackingScenario, assert_run_failed

    shared_sim.state.reset()
    scenario = TrackingScenario(shared_sim, connector_runner, store)
    scenario.message()

    run = scenario.run(Domains="corp.example, branch.example.")

    assert_run_failed(run, scenario, None)
    assert run.stderr.strip().splitlines()[-1] == FAILED_RUN + not_a_valid("Domains", "branch.example.", "domain") + (
        " Remove the trailing dot."
    )
    assert scenario.requests() == []


@pytest.mark.parametrize("value", ["yes", "off"])
@pytest.mark.parametrize("case", by_id("Ping", "ReleaseMessage"), ids=lambda case: case.id)
def test_an_unreadable_verify_ssl_in_the_instance_is_refused_like_the_connectors(action_in_process, sim, case, value):
    """One rule for Verify SSL, actions and connector alike: true or false; anything else is refused by name,
    never guessed (an instance meant to turn verification off must not silently keep it, nor the reverse)."""
    params = case.params(sim)
    run = action_in_process(
        case.action, params, instance=simulator_instance(sim.url, case.api, **{"Verify SSL": value})
    )

    assert_failed(run, case)
    assert run.message == case.failure_prefix() + invalid("Verify SSL", value, "Use true or false.")
    assert sim.state.log.entries() == []
