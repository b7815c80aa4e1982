"""The connector's step in process (MimecastTrackingStep.run_step): filters, searches, held-queue ids, environments
and the batch across runs, with a real Manager against the simulator and no SDK (tests/step_scenario.py).

What only a platform subprocess proves (the output object, the exit, the state write, kills, timeouts, the
token in the connector context, failures as the platform shows them) stays in tests/e2e/test_e2e_connector*.py.
"""

import json

import pytest
from step_scenario import StepScenario
from tracking_scenario import HOLD_LIST, INFO, log_text, message_event, search_bodies, ticket_ids


@pytest.fixture
def scenario(simulator):
    return StepScenario(simulator)


def test_each_domain_is_searched_as_recipient_and_as_sender_and_results_are_merged(scenario):
    inbound = scenario.message(seconds_ago=300, recipients=["a@corp.example"], route="inbound")
    outbound = scenario.message(
        seconds_ago=200, sender="b@corp.example", recipients=["x@outside.example"], route="outbound"
    )
    internal = scenario.message(
        seconds_ago=100, sender="b@corp.example", recipients=["a@corp.example"], route="internal"
    )
    other = scenario.message(seconds_ago=50, recipients=["c@branch.example"])

    run = scenario.run(Domains="corp.example, branch.example")

    assert ticket_ids(run) == [inbound.id, outbound.id, internal.id, other.id], "oldest first, each once"
    assert "4 tracked message(s) found: 4 not processed yet, 0 already processed, 0 before the window." in log_text(
        run
    ), "the internal message both searches return is one message"
    options = sorted(
        json.dumps(body["advancedTrackAndTraceOptions"], sort_keys=True) for body in search_bodies(scenario)
    )
    assert options == sorted(
        json.dumps({key: domain}) for domain in ("corp.example", "branch.example") for key in ("from", "to")
    )
    assert all(body["status"] == ["held"] for body in search_bodies(scenario))


def test_status_filter_drops_invalid_values_with_a_log_line(scenario):
    held = scenario.message(seconds_ago=300, status="held")
    rejected = scenario.message(seconds_ago=200, status="rejected", info="Envelope Rejected")
    scenario.message(seconds_ago=100, status="archived")

    run = scenario.run(**{"Status Filter": "held, Rejected, quarantined"})

    assert ticket_ids(run) == [held.id, rejected.id]
    assert {tuple(body["status"]) for body in search_bodies(scenario)} == {("held", "rejected")}
    assert "\"Status Filter\": ignoring invalid value(s) 'quarantined'" in log_text(run)


def test_more_than_720_max_hours_backwards_are_cut_to_720_with_a_log_line(scenario):
    old = scenario.message(seconds_ago=700 * 3600)
    run = scenario.run(**{"Max Hours Backwards": "1000"})
    assert ticket_ids(run) == [old.id]
    assert '"Max Hours Backwards" is 1000' in log_text(run) and "720 hours are used" in log_text(run)


def test_route_filter(scenario):
    scenario.message(seconds_ago=200, route="inbound")
    outbound = scenario.message(
        seconds_ago=100, sender="b@corp.example", recipients=["x@outside.example"], route="outbound"
    )

    run = scenario.run(**{"Route Filter": "outbound, sideways"})

    assert ticket_ids(run) == [outbound.id]
    assert {tuple(body["route"]) for body in search_bodies(scenario)} == {("outbound",)}
    assert "'sideways'" in log_text(run)


def test_queue_reason_filter_is_case_insensitive(scenario):
    fraud = scenario.message(seconds_ago=200, queue_reason="Fraud Alert")
    scenario.message(seconds_ago=100, queue_reason="Spam Signature")

    run = scenario.run(**{"Queue Reason Filter": "fraud alert, Attachment Management"})

    assert ticket_ids(run) == [fraud.id]


def test_filtered_messages_are_not_fetched_again(scenario):
    scenario.message(seconds_ago=100, queue_reason="Spam Signature")
    settings = {"Queue Reason Filter": "Fraud Alert"}
    assert ticket_ids(scenario.run(**settings)) == []
    scenario.advance(60)
    seq = scenario.sim.state.log.entries()[-1]["seq"]

    assert ticket_ids(scenario.run(**settings)) == []
    assert scenario.sim.state.log.entries(since=seq, path=INFO) == []


@pytest.mark.parametrize(
    ("lowest", "without_risk", "expected"),
    [
        ("", "true", ["none", "negligible", "low", "medium", "high"]),
        ("Medium", "true", ["none", "medium", "high"]),
        ("medium", "false", ["medium", "high"]),
        ("High", "false", ["high"]),
    ],
)
def test_lowest_risk_to_fetch_with_and_without_messages_without_risk(scenario, lowest, without_risk, expected):
    by_risk = {
        risk or "none": scenario.message(seconds_ago=300 - n, risk=risk, subject=f"risk {risk}")
        for n, risk in enumerate([None, "negligible", "low", "medium", "high"])
    }

    run = scenario.run(**{"Lowest Risk To Fetch": lowest, "Ingest Messages Without Risk": without_risk})

    assert ticket_ids(run) == [by_risk[name].id for name in expected]


def test_allowlist_keeps_only_listed_info_texts(scenario):
    fraud = scenario.message(seconds_ago=200, info="Message Hold Applied - Fraud Alert policy")
    scenario.message(seconds_ago=100, info="Message Hold Applied - Spam Signature policy")

    run = scenario.run(
        allowlist=("message hold applied - fraud alert policy",), **{"Use whitelist as a blacklist": "false"}
    )

    assert ticket_ids(run) == [fraud.id]
    assert "is not on the allowlist" in log_text(run)


def test_blocklist_skips_listed_info_texts(scenario):
    scenario.message(seconds_ago=200, info="Message Hold Applied - Fraud Alert policy")
    spam = scenario.message(seconds_ago=100, info="Message Hold Applied - Spam Signature policy")

    run = scenario.run(allowlist=("Message Hold Applied - Fraud Alert policy",))

    assert ticket_ids(run) == [spam.id]
    assert "is on the blocklist" in log_text(run)


def test_an_empty_allowlist_lets_everything_through_in_both_modes(scenario):
    scenario.message()
    assert len(scenario.run(**{"Use whitelist as a blacklist": "false"}).ingested_alerts) == 1


@pytest.mark.parametrize(
    ("risk", "priority"), [(None, -1), ("negligible", -1), ("low", 40), ("medium", 60), ("high", 80)]
)
def test_priority_follows_the_risk(scenario, risk, priority):
    scenario.message(risk=risk)
    [alert] = scenario.run().ingested_alerts
    assert alert["priority"] == priority
    assert message_event(alert)["risk"] == (risk or "")


def test_environment_from_an_event_field_and_regex(scenario):
    scenario.message(sender="alice@emea.partner.example")
    scenario.message(seconds_ago=30, sender="bob@partner.example")
    params = {"Environment Field Name": "sender", "Environment Regex Pattern": r"@(emea|apac)\."}

    emea, plain = scenario.run(**params).ingested_alerts

    assert emea["environment"] == "emea"
    assert plain["environment"] == "bob@partner.example", "no match keeps the field's value"


def test_an_environment_regex_with_an_optional_group_alerts_every_message(scenario):
    """`(foo)?bar` matches "bar" without its group; that message used to fail every run, and no alert came."""
    without_group = scenario.message(subject="Re: bar invoice")
    with_group = scenario.message(seconds_ago=30, subject="foobar invoice")
    params = {"Environment Field Name": "subject", "Environment Regex Pattern": "(foo)?bar"}

    run = scenario.run(**params)

    assert run.exit_code == 0, run.stderr[-2000:]
    environments = {alert["ticket_id"]: alert["environment"] for alert in run.ingested_alerts}
    assert environments == {without_group.id: "bar", with_group.id: "foo"}


def test_environment_falls_back_to_the_connectors_default(scenario):
    scenario.message()
    [alert] = scenario.run(**{"Environment Field Name": "no_such_field"}).ingested_alerts
    assert alert["environment"] == "Default Environment"


def test_one_hold_list_call_per_run_whatever_the_number_of_held_messages(scenario):
    for n in range(6):
        scenario.message(seconds_ago=300 - n, recipients=[f"user{n}@corp.example"])
    run = scenario.run()
    assert len(run.ingested_alerts) == 6
    assert all(message_event(alert)["held_message_id"] for alert in run.ingested_alerts)
    [hold_list] = scenario.requests(HOLD_LIST)
    assert hold_list["body"]["data"][0]["admin"] is True


def test_rejected_alerts_are_named_after_their_status_and_need_no_hold_list(scenario):
    scenario.message(status="rejected", info="Envelope Rejected")
    [alert] = scenario.run(**{"Status Filter": "rejected"}).ingested_alerts
    assert alert["name"] == "Rejected Message"
    assert message_event(alert)["held_message_id"] == ""
    assert scenario.requests(HOLD_LIST) == []


def test_max_messages_to_return_spreads_a_burst_over_runs_oldest_first(scenario):
    burst = [scenario.message(seconds_ago=100, subject=f"same second {n}") for n in range(5)]
    expected = sorted(message.id for message in burst)
    seen = []
    for _ in range(3):
        run = scenario.run(**{"Max Messages To Return": "2"})
        assert len(run.ingested_alerts) <= 2
        seen.extend(ticket_ids(run))
        scenario.advance(60)
    assert seen == expected
    assert len(scenario.requests(INFO)) == 5


def test_a_message_indexed_late_is_found_by_a_later_run(scenario):
    late = scenario.message(seconds_ago=20, indexing_delay_s=150)
    on_time = scenario.message(seconds_ago=10)
    assert ticket_ids(scenario.run()) == [on_time.id]
    scenario.advance(60)
    assert ticket_ids(scenario.run()) == []
    scenario.advance(120)
    assert ticket_ids(scenario.run()) == [late.id]


# Empty means all, for each filter: a message that differs from one passing every filter only in what that filter
# checks is alerted when that filter is empty, and left out when it is set.
PASSES_EVERY_FILTER = {"status": "held", "route": "inbound", "risk": "high", "queue_reason": "Fraud Alert"}
FILTERS = {
    "Status Filter": "held",
    "Route Filter": "inbound",
    "Lowest Risk To Fetch": "High",
    "Queue Reason Filter": "Fraud Alert",
}
DIFFERS = {
    "Status Filter": {"status": "rejected"},
    "Route Filter": {"route": "outbound", "sender": "user@corp.example", "recipients": ["partner@outside.example"]},
    "Lowest Risk To Fetch": {"risk": "negligible"},
    "Queue Reason Filter": {"queue_reason": "Spam Signature"},
}


# A list that lists nothing is empty too; Lowest Risk To Fetch takes one value, so "," is not one of them.
EMPTY_VALUES = [(parameter, "") for parameter in FILTERS] + [
    (parameter, " , ") for parameter in FILTERS if parameter != "Lowest Risk To Fetch"
]


@pytest.mark.parametrize(("parameter", "empty"), EMPTY_VALUES)
def test_an_empty_filter_lets_every_message_through(scenario, parameter, empty):
    passing = scenario.message(**PASSES_EVERY_FILTER)
    other = scenario.message(seconds_ago=30, **{**PASSES_EVERY_FILTER, **DIFFERS[parameter]})

    run = scenario.run(**{**FILTERS, parameter: empty})

    assert sorted(ticket_ids(run)) == sorted([passing.id, other.id])
    if parameter == "Status Filter":
        assert all("status" not in body for body in search_bodies(scenario))
        assert "statuses all;" in log_text(run)


@pytest.mark.parametrize("parameter", FILTERS)
def test_the_same_filter_set_leaves_that_message_out(scenario, parameter):
    passing = scenario.message(**PASSES_EVERY_FILTER)
    scenario.message(seconds_ago=30, **{**PASSES_EVERY_FILTER, **DIFFERS[parameter]})

    assert ticket_ids(scenario.run(**FILTERS)) == [passing.id]


def test_the_start_of_a_run_says_every_filter_left_empty_lets_everything_through(scenario):
    run = scenario.run(**dict.fromkeys(FILTERS, ""))
    assert "; statuses all; routes all; lowest risk any; queue reasons any; at most 100 message(s)" in log_text(run)


def test_a_new_connector_fetches_held_mail(scenario):
    """The definition's default Status Filter is held: a parameter the platform sends with its default."""
    scenario.message(status="rejected")
    held = scenario.message(seconds_ago=30)

    run = scenario.run()

    assert ticket_ids(run) == [held.id]
    assert {tuple(body["status"]) for body in search_bodies(scenario)} == {("held",)}
