"""When the SOAR platform itself fails (an unknown case or instance, the platform unreachable, a context
write refused), the run says so as the platform's problem: no platform URL, no traceback on the case wall,
and never "Failed to connect to the Mimecast server"."""

import pytest
from suite_helpers import simulator_instance
from tracking_scenario import FAILED_RUN, STATE_KEY, TrackingScenario

from devkit.platform import PlatformFault

pytestmark = pytest.mark.e2e

NOT_MIMECAST = "This is a problem of the SOAR platform or its settings, not of Mimecast."


@pytest.mark.parametrize("action", ["Ping", "Simple Archive Search"])
@pytest.mark.parametrize(
    ("platform", "how"),
    [
        ({"cases": {}}, "the platform answered HTTP 404 (Not Found)"),
        ({"configured_instances": {}}, "the platform answered HTTP 404 (Not Found)"),
        ({"platform_faults": [PlatformFault("configuration", status=503)]}, "the platform answered HTTP 503"),
        ({"platform_reachable": False}, "the platform did not answer"),
    ],
    ids=["unknown-case", "unknown-instance", "platform-503", "platform-unreachable"],
)
def test_an_action_words_a_platform_failure_as_the_platform_s(simulator, action_runner, action, platform, how):
    run = action_runner(action, instance=simulator_instance(simulator.url), **platform)

    assert run.failed and run.result_value is False
    assert run.message.startswith(
        f'Error executing action "{action}". Reason: The SOAR platform could not read the case and the integration '
        f"instance's configuration: {how}"
    )
    assert run.message.endswith(NOT_MIMECAST)
    for shown in (run.message, run.debug_output):
        assert "/api/external" not in shown and "localhost" not in shown and "Traceback" not in shown
        assert "Failed to connect to the Mimecast server" not in shown
    assert simulator.state.log.entries() == []


def test_a_connector_run_words_an_unreachable_platform_as_the_platform_s(simulator, connector_runner, store):
    scenario = TrackingScenario(simulator, connector_runner, store)
    scenario.message()

    run = scenario.runner(scenario.params, platform_reachable=False)

    assert run.exit_code == 1 and run.ingested_alerts == []
    last_line = run.stderr.strip().splitlines()[-1]
    assert last_line == (
        f"{FAILED_RUN}The SOAR platform could not start the connector run (the SDK reads its overflow settings): the "
        f"platform did not answer. {NOT_MIMECAST}"
    )
    assert scenario.requests() == []


def test_a_refused_state_write_fails_the_run_and_the_next_run_hands_the_messages_over_again(
    simulator, connector_runner, store
):
    scenario = TrackingScenario(simulator, connector_runner, store)
    message = scenario.message()

    refused = scenario.runner(scenario.params, platform_faults=[PlatformFault("SetContextProperty", key=STATE_KEY)])

    assert refused.exit_code == 1 and refused.ingested_alerts == []
    assert refused.stderr.strip().splitlines()[-1] == (
        f"{FAILED_RUN}The SOAR platform could not save the connector state in the connector context (the platform "
        "ingests nothing from this run, and the next run hands these messages over again): the platform answered "
        f"HTTP 500 (Internal Server Error). {NOT_MIMECAST}"
    )
    assert "/api/external" not in refused.stderr.strip().splitlines()[-1]
    assert scenario.state() is None

    again = scenario.run()

    assert [alert["ticket_id"] for alert in again.ingested_alerts] == [message.id]
