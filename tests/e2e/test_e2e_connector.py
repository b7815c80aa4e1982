"""The Message Tracking connector end to end: the real script as a platform subprocess against the simulator."""

import dataclasses
import json
from datetime import datetime, timedelta

import pytest
from tracking_scenario import (
    INFO,
    STATE_KEY,
    TOKEN,
    TrackingScenario,
    disable_overflow,
    log_text,
    message_event,
    search_bodies,
    ticket_ids,
)

from devkit.platform import KillAt, overflow_settings
from devkit.runner import set_overflow_settings
from simulator import DEFAULT_REGISTRY, ApiFail
from simulator.dates import format_api_date
from simulator.endpoints import load_feature_modules
from simulator.envelopes import error
from simulator.server import Simulator


@pytest.fixture
def scenario(simulator, connector_runner, store):
    return TrackingScenario(simulator, connector_runner, store)


def api_moment(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z")


def test_first_run_looks_back_max_hours_backwards_and_the_next_run_continues_with_overlap(scenario):
    scenario.message(seconds_ago=70 * 60, subject="too old")
    scenario.message(seconds_ago=62 * 60, subject="searched, as the clocks may differ, but too old")
    recent = scenario.message(seconds_ago=50 * 60, subject="recent")

    first = scenario.run()

    assert first.exit_code == 0 and ticket_ids(first) == [recent.id]
    # A first run searches CLOCK_REPLAN_S (5 minutes) further back than its window, which it plans on the host's
    # clock (a few seconds ahead of the frozen simulator's here) and then sets on Mimecast's.
    searched_from = {api_moment(body["start"]) for body in search_bodies(scenario)}
    assert len(searched_from) == 1
    assert timedelta(0) <= searched_from.pop() - (scenario.now - timedelta(hours=1, minutes=5)) < timedelta(seconds=30)
    assert scenario.state()["checkpoint"] == int(scenario.now.timestamp())
    assert scenario.state()["floor"] == [int((scenario.now - timedelta(hours=1)).timestamp()), ""]
    first_end = scenario.now
    seq = scenario.sim.state.log.entries()[-1]["seq"]

    scenario.advance(60)
    second = scenario.run()

    assert ticket_ids(second) == []
    # The window starts 10 minutes before the checkpoint; the host's clock lags the simulator's by the minute it
    # was advanced, so the rest up to Mimecast's time is searched too.
    bodies = search_bodies(scenario, since=seq)
    assert min(body["start"] for body in bodies) == format_api_date(first_end - timedelta(minutes=10))
    assert max(body["end"] for body in bodies) == format_api_date(scenario.now)


def test_first_run_with_more_hours_finds_older_messages(scenario):
    old = scenario.message(seconds_ago=5 * 3600)
    assert ticket_ids(scenario.run(**{"Max Hours Backwards": "6"})) == [old.id]


def test_a_filter_with_no_valid_value_fails_the_run_listing_the_allowed_values(scenario):
    scenario.message()

    run = scenario.run(**{"Status Filter": "quarantined, lost"})

    assert run.exit_code != 0 and run.ingested_alerts == []
    assert "Allowed values: delivery, held, accepted, bounced, deferred, rejected, archived." in run.stderr
    assert scenario.state() is None
    assert scenario.requests() == []


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        (
            "Lowest Risk To Fetch",
            "Severe",
            'Invalid value for "Lowest Risk To Fetch": "Severe". Allowed values: Negligible',
        ),
        ("Max Messages To Return", "0", 'Invalid value for "Max Messages To Return": "0". It must be a positive'),
        ("Max Hours Backwards", "a day", 'Invalid value for "Max Hours Backwards": "a day". It must be a positive'),
        (
            "Concurrent Detail Requests",
            "32",
            'Invalid value for "Concurrent Detail Requests": 32. It must be between 1',
        ),
        ("Environment Regex Pattern", "([a-z", '"([a-z" is not a regular expression'),
        ("Route Filter", "sideways", "Allowed values: internal, outbound, inbound."),
    ],
)
def test_an_invalid_parameter_fails_the_run_before_any_call(scenario, name, value, reason):
    run = scenario.run(**{name: value})
    assert run.exit_code != 0 and run.ingested_alerts == []
    assert reason in log_text(run)
    assert scenario.requests() == []


def test_a_backtracking_environment_regex_on_an_attackers_subject_cannot_hang_the_run(scenario):
    """`^(a+)+$` on 40 "a"s and a "!" backtracks for hours; the match is cut short, that message goes to the
    default environment with a warning, and the others keep theirs."""
    attack = scenario.message(subject="a" * 40 + "!")
    plain = scenario.message(seconds_ago=30, subject="aaaa")
    params = {"Environment Field Name": "subject", "Environment Regex Pattern": "^(a+)+$", "PythonProcessTimeout": "60"}

    run = scenario.run(**params)

    assert run.exit_code == 0 and not run.killed, run.stderr[-2000:]
    environments = {alert["ticket_id"]: alert["environment"] for alert in run.ingested_alerts}
    assert environments == {attack.id: "Default Environment", plain.id: "aaaa"}
    assert (
        f'Message {attack.id}: the Environment Regex Pattern took more than 0.1 s of CPU time on its "subject" value, '
        "so it goes to the default environment." in log_text(run)
    )


def test_a_run_stops_applying_a_regex_that_keeps_running_out_of_time_and_leaves_the_rest(scenario):
    """After 10 matches that ran out of time, the rest of the batch waits for the next run (with its own time)
    rather than being put in the default environment: only the attacker's messages lose their environment."""
    disable_overflow(scenario.store)
    attacks = [scenario.message(seconds_ago=200 - i, subject="a" * 40 + "!") for i in range(12)]
    plain = scenario.message(seconds_ago=30, subject="aaaa")
    params = {"Environment Field Name": "subject", "Environment Regex Pattern": "^(a+)+$", "PythonProcessTimeout": "60"}

    first = scenario.run(**params)
    scenario.advance(60)
    second = scenario.run(**params)

    assert first.exit_code == second.exit_code == 0
    assert ticket_ids(first) == [m.id for m in attacks[:10]]
    assert "ran out of time on 10 messages in this run; 3 message(s) are left for the next run." in log_text(first)
    environments = {alert["ticket_id"]: alert["environment"] for alert in second.ingested_alerts}
    default = "Default Environment"
    assert environments == {attacks[10].id: default, attacks[11].id: default, plain.id: "aaaa"}


def test_held_alert_name_fields_and_the_held_queue_id_that_release_takes(scenario):
    message = scenario.message(
        recipients=[("alice@corp.example", "Alice"), "bob@corp.example"],
        subject="Wire & <pay> now",
        risk="high",
        queue_reason="Fraud Alert",
        sender_ip="203.0.113.9",
        attachment_count=1,
    )

    [alert] = scenario.run().ingested_alerts

    assert alert["name"] == "Held Message"
    assert alert["ticket_id"] == message.id
    assert alert["rule_generator"] == alert["reason"] == "Fraud Alert"
    assert alert["description"] == message.queue_detail_status
    assert (alert["device_vendor"], alert["device_product"]) == ("Mimecast", "Mimecast")
    assert alert["start_time"] == alert["end_time"] == int(message.received.timestamp() * 1000)
    event = message_event(alert)
    assert event["sender"] == "attacker@outside.example"
    assert event["recipients"] == "alice@corp.example, bob@corp.example"
    assert event["subject"] == "Wire & <pay> now"
    assert event["sender_ip"] == "203.0.113.9"
    assert event["internet_message_id"] == message.message_id
    assert (event["tracking_id"], event["status"], event["route"]) == (message.id, "held", "inbound")
    assert (event["risk"], event["queue_reason"]) == ("high", "Fraud Alert")
    held = scenario.sim.state.held
    assert event["held_message_id"] == message.held_ids[0]
    assert held.get(event["held_message_id"]).tracking_id == message.id
    recipients = [e for e in alert["events"] if e["event_type"] == "Recipient"]
    assert [(e["recipient"], e["held_message_id"]) for e in recipients] == [
        ("alice@corp.example", message.held_ids[0]),
        ("bob@corp.example", message.held_ids[1]),
    ]
    assert [e["event_type"] for e in alert["events"]].count("Attachment") == 1
    assert all(not isinstance(v, dict | list) for e in alert["events"] for v in e.values())


def test_test_run_creates_at_most_one_alert_and_writes_no_state(scenario):
    for n in range(3):
        scenario.message(seconds_ago=100 - n)

    run = scenario.run(test_run=True)

    assert run.exit_code == 0 and len(run.ingested_alerts) == 1
    assert scenario.connector_context() is None, "no state, no token, no overflow data"
    assert len(scenario.requests(INFO)) == 1
    live = scenario.run()
    assert len(live.ingested_alerts) == 3


def test_stdout_is_exactly_the_return_package_object(scenario):
    scenario.message()
    run = scenario.run()

    assert not run.stdout.endswith("\n")
    output = json.loads(run.stdout)
    assert list(output) == ["ResultObjectJson", "DebugOutput"]
    package = json.loads(output["ResultObjectJson"])
    assert list(package) == ["cases", "overflow_cases", "log_items", "variables", "log_rows"]
    [case] = package["cases"]
    assert list(case)[:6] == ["environment", "ticket_id", "description", "display_id", "reason", "name"]
    assert package["overflow_cases"] == [] and package["log_items"] == [] and package["variables"] == {}
    assert any("Run finished" in row["message"] for row in package["log_rows"])
    assert "Run finished" in output["DebugOutput"]


def test_the_output_object_is_on_stdout_before_the_state_write_and_nothing_follows_it(scenario):
    """The state write is the last call and everything the platform reads is written before it, so the run can
    end at once after it (a kill between the write and the exit is the one window no design closes)."""
    # The platform does not set PYTHONUNBUFFERED (a developer's shell may), so the script's stdout is
    # block-buffered: a small output object (a run without alerts) stays in the buffer unless it is flushed.
    platform_stdout = {"PYTHONUNBUFFERED": ""}

    killed = scenario.runner(
        scenario.params, env=platform_stdout, kill_at=[KillAt("SetContextProperty", key=STATE_KEY)]
    )

    assert killed.killed and scenario.state() is None
    assert json.loads(json.loads(killed.stdout)["ResultObjectJson"])["cases"] == []
    assert "Run finished" in killed.log_path.read_text(), "the log file is complete before the state write"

    message = scenario.message()
    run = scenario.run(env=platform_stdout)

    assert run.exit_code == 0 and ticket_ids(run) == [message.id]
    assert run.platform_calls[-1].call == "SetContextProperty"
    assert run.platform_calls[-1].body["PropertyKey"] == STATE_KEY
    assert run.log_path.read_text().rstrip().endswith(run.log_rows[-1]["message"]), "nothing was logged after it"


def test_the_api2_token_is_reused_across_runs(scenario):
    scenario.message()
    scenario.run()
    scenario.advance(60)
    scenario.message(seconds_ago=5)
    second = scenario.run()
    assert len(second.ingested_alerts) == 1
    assert len(scenario.requests(TOKEN)) == 1


def test_api1_credentials_work_too(scenario, connector_runner):
    scenario.message()
    run = connector_runner({**scenario.params, **scenario.api1_params()})
    assert len(run.ingested_alerts) == 1
    assert scenario.requests(TOKEN) == []


def test_an_unreachable_proxy_stops_the_run_cleanly_without_showing_its_password(scenario):
    scenario.message()
    proxy = {
        "Proxy Server Address": "http://127.0.0.1:9",
        "Proxy Username": "proxy-user",
        "Proxy Password": "proxy-pass-S3cret!",
    }

    run = scenario.run(**proxy)

    assert run.ingested_alerts == [] and scenario.state() is None
    assert "through the configured proxy" in log_text(run)
    assert "through proxy http://127.0.0.1:9" in log_text(run)
    assert scenario.requests() == [], "nothing reached Mimecast directly"


def test_an_invalid_domain_fails_the_run(scenario):
    run = scenario.run(Domains="corp.example, not a domain")
    assert run.exit_code != 0
    assert 'Invalid value for "Domains": "not a domain" is not a valid domain.' in run.stderr


def test_detail_calls_are_paced_within_the_rate_limit(scenario, store):
    disable_overflow(store)
    for n in range(24):
        scenario.message(seconds_ago=300 - n, status="rejected", info="Envelope Rejected")
    scenario.sim.state.faults.set_rate_limit(6, 1000)

    run = scenario.run(**{"Status Filter": "rejected", "Concurrent Detail Requests": "4"})

    assert len(run.ingested_alerts) == 24
    assert scenario.sim.state.log.stats()["rate_limited"] == 0


def test_overflow_follows_the_platform_s_overflow_manager_and_overflowed_alerts_are_not_fetched_again(scenario, store):
    """The platform's record: at most 2 alerts per 10 minutes for one environment, product and rule generator."""
    set_overflow_settings(store, overflow_settings(max_alerts=2, period_min=10))
    fraud = [scenario.message(seconds_ago=100 - n, queue_reason="Fraud Alert") for n in range(3)]
    spam = scenario.message(seconds_ago=90, queue_reason="Spam Signature")

    first = scenario.run()

    assert ticket_ids(first) == [fraud[0].id, fraud[1].id, spam.id]
    assert [alert["alert_identifier"] for alert in first.overflow_alerts] == [fraud[2].id]
    assert {alert["alert_name"] for alert in first.overflow_alerts} == {"Fraud Alert"}
    assert f"Alert for {fraud[2].id} overflowed and was not created." in log_text(first)
    scenario.advance(60)
    late = scenario.message(seconds_ago=5, queue_reason="Fraud Alert")

    second = scenario.run()

    # Nothing handed over before is fetched again; the platform counts the overflowed attempt too, so the
    # period's third and fourth Fraud Alert both overflow.
    assert ticket_ids(second) == []
    assert [alert["alert_identifier"] for alert in second.overflow_alerts] == [late.id]
    counts = json.loads(scenario.connector_context()["overflow_data"])
    assert [len(entry["digestion_times"]) for key, entry in sorted(counts.items()) if "Fraud Alert" in key] == [4]


def test_with_latency_and_a_small_timeout_every_run_ends_in_time_and_nothing_is_lost(scenario, store):
    disable_overflow(store)
    messages = [scenario.message(seconds_ago=600 - n, status="rejected", info="Envelope Rejected") for n in range(16)]
    scenario.sim.state.faults.set_latency(400)
    params = {"Status Filter": "rejected", "PythonProcessTimeout": "7", "Concurrent Detail Requests": "2"}
    created, logs = [], []
    while len(created) < len(messages) and len(logs) < 12:
        run = scenario.run(**params)
        assert run.exit_code == 0 and not run.timed_out, run.stderr[-2000:]
        created.extend(ticket_ids(run))
        logs.append(log_text(run))
        scenario.advance(60)
    assert sorted(created) == sorted(m.id for m in messages)
    assert "Stopping early to finish before the script timeout (7 s)" in logs[0]


def test_a_message_whose_details_never_come_is_alerted_from_the_search_data_after_three_runs(connector_runner, store):
    load_feature_modules()
    registry = DEFAULT_REGISTRY.copy()
    real = registry.endpoints[INFO]
    broken: set[str] = set()

    def info_unless_broken(ctx):
        if ctx.data and ctx.data[0].get("id") in broken:
            raise ApiFail(200, [error("err_internal", "Message details unavailable")], key=ctx.data[0], meta_status=200)
        return real.handler(ctx)

    registry.endpoints[INFO] = dataclasses.replace(real, handler=info_unless_broken)
    with Simulator(port=0, registry=registry) as sim:
        scenario = TrackingScenario(sim, connector_runner, store)
        stuck = scenario.message(seconds_ago=120, subject="stuck", risk="high")
        broken.add(stuck.id)
        alerts = []
        for run_number in range(1, 5):
            scenario.message(seconds_ago=5, subject=f"fine {run_number}")
            run = scenario.run()
            alerts.extend(run.ingested_alerts)
            scenario.advance(60)
            if run_number < 3:
                assert stuck.id not in ticket_ids(run)
        [degraded] = [alert for alert in alerts if alert["ticket_id"] == stuck.id]
        assert message_event(degraded)["details_available"] is False
        assert message_event(degraded)["subject"] == "stuck"
        assert len(alerts) == 5


def test_a_burst_too_large_for_one_search_is_narrowed_and_every_run_moves_on(scenario):
    """600 messages in the last two minutes of a two-hour window: bisecting toward the window's start would
    find an empty window run after run; the end stays above the checkpoint, so runs drain the burst."""
    disable_overflow(scenario.store)
    burst = [scenario.message(seconds_ago=120 - i * 0.2, subject=f"burst {i}") for i in range(600)]
    params = {"Max Hours Backwards": "2", "Max Messages To Return": "250", "Concurrent Detail Requests": "8"}

    created: list[str] = []
    for _ in range(6):
        run = scenario.run(**params)
        assert run.exit_code == 0
        created += ticket_ids(run)
        scenario.advance(30)

    assert sorted(created) == sorted(m.id for m in burst) and len(created) == len(set(created))


def mimecast_result_cap(scenario):
    """Mimecast answers a message-finder search with at most 500 messages (the simulator's default is larger)."""
    scenario.sim.state.tracking.search_limit = 500
    disable_overflow(scenario.store)


def test_dense_mail_on_a_long_first_run_ingests_max_messages_to_return_every_run(scenario):
    """About 90 messages a minute for six hours: every second of the window holds mail, and the first version's
    six bisections ended at [checkpoint, checkpoint + 1 s], one or two messages a run, while older mail waited."""
    mimecast_result_cap(scenario)
    held = scenario.message(seconds_ago=6 * 3600 - 60, subject="held, the oldest")
    flow = [
        scenario.message(seconds_ago=6 * 3600 - 61 - i * 0.667, subject=f"flow {i}", status="archived")
        for i in range(32_000)
    ]
    params = {"Status Filter": "held, archived", "Max Hours Backwards": "6", "Max Messages To Return": "100"}
    oldest_first = [held.id, *(m.id for m in sorted(flow, key=lambda m: (m.received, m.id)))]

    created: list[str] = []
    for number in range(3):
        run = scenario.run(**params)
        assert run.exit_code == 0, run.stderr[-2000:]
        assert len(run.ingested_alerts) == 100, f"run {number + 1} ingested {len(run.ingested_alerts)}"
        created += ticket_ids(run)
        scenario.advance(60)

    assert created == oldest_first[:300], "each run the next 100, oldest first, the held message in the first"
    assert "rounds of narrower pieces" in log_text(run) and "missed" not in log_text(run)


def test_a_second_with_more_messages_than_mimecast_returns_loses_only_those_and_says_so(scenario):
    mimecast_result_cap(scenario)
    crowded = [scenario.message(seconds_ago=300, subject=f"crowded {i}") for i in range(600)]
    before = scenario.message(seconds_ago=301, subject="just before")
    after = scenario.message(seconds_ago=299, subject="just after")
    second = crowded[0].received.strftime("%Y-%m-%dT%H:%M:%SZ")

    runs = []
    for _ in range(4):
        runs.append(scenario.run(**{"Max Messages To Return": "250"}))
        assert runs[-1].exit_code == 0, runs[-1].stderr[-2000:]
        scenario.advance(60)

    created = [ticket for run in runs for ticket in ticket_ids(run)]
    assert len(created) == len(set(created)) == 502
    assert {before.id, after.id} <= set(created), "the seconds around it lose nothing"
    assert len(set(created) & {m.id for m in crowded}) == 500
    assert (
        f"A search for the messages received in the second {second} returned 500, the most Mimecast returns: "
        "those of that second it left out are missed." in log_text(runs[0])
    )
