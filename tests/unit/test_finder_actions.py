"""Search Message Tracking, Get Message Details and List Held Messages in process: each action's function with a
stand-in context, the Manager against the in-process simulator in both auth modes, and what Mimecast received."""

import importlib.util
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from suite_helpers import simulator_instance

import MimecastFinderOperations
from MimecastDataModels import utc_timestamp
from MimecastExceptions import MimecastValidationError
from MimecastManager import MimecastManager
from MimecastParameters import TypedParameters
from simulator.server import Simulator

SCRIPTS = Path(__file__).resolve().parents[2] / "ActionsScripts"
SEARCH = "/api/message-finder/search"
HOLD_LIST = "/api/gateway/get-hold-message-list"
INFO = "/api/message-finder/get-message-info"
BOTH_APIS = pytest.mark.parametrize("api", ["api1", "api2"])


def script(stem):
    spec = importlib.util.spec_from_file_location(f"finder_{stem}", SCRIPTS / f"{stem}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Logger:
    def __init__(self):
        self.lines = []

    def info(self, msg):
        self.lines.append(str(msg))

    warn = error = info


class Context(TypedParameters):
    """What an action function uses of ActionContext: parameters, the Manager, a logger, the clock."""

    def __init__(self, spec, params, manager, now):
        super().__init__(spec)
        self.params, self.manager, self._now, self.logger = params, manager, now, Logger()

    def raw(self, name):
        return self.params.get(name)

    def now(self):
        return self._now


@pytest.fixture(scope="module")
def sim():
    with Simulator(port=0) as running:
        yield running


@pytest.fixture
def fresh(sim):
    sim.state.reset()
    sim.state.clock.freeze(datetime.now(UTC).replace(microsecond=0))
    yield sim
    sim.state.clock.unfreeze()


def run(sim, api, stem, function, **params):
    module = script(stem)
    manager = MimecastManager.from_configuration(simulator_instance(sim.url, api))
    sim.state.log.reset()
    context = Context(module.SPEC, params, manager, sim.state.clock.now())
    return getattr(module, function)(context)


def sent(sim, path):
    return [entry for entry in sim.state.log.entries() if entry["path"] == path]


def phish(sim, count, *, status="archived", start_minutes=10, **fields):
    now = sim.state.clock.now()
    return [
        sim.state.tracking.add(
            sender="attacker@bad.example",
            recipients=[f"user{n}@corp.example"],
            subject=fields.pop("subject", "Invoice overdue"),
            status=status,
            received=now - timedelta(minutes=start_minutes + n),
            **fields,
        )
        for n in range(count)
    ]


@BOTH_APIS
def test_search_returns_matches_newest_first_with_counts_per_status(fresh, api):
    archived = phish(fresh, 2)
    held = phish(fresh, 1, status="held", start_minutes=1)

    result = run(fresh, api, "SearchMessageTracking", "search_message_tracking", Sender="attacker@bad.example")

    assert result.message == (
        "Successfully found 3 tracked message(s) for the provided criteria in Mimecast: 2 archived, 1 held"
    )
    assert [item["id"] for item in result.json_result] == [held[0].id, archived[0].id, archived[1].id]
    title, rows = result.tables[0]
    assert title == "Tracked Messages" and rows[0]["Tracking ID"] == held[0].id and rows[0]["Status"] == "held"
    (request,) = sent(fresh, SEARCH)
    item = request["body"]["data"][0]
    assert item["advancedTrackAndTraceOptions"] == {"from": "attacker@bad.example"} and "messageId" not in item
    assert request["body"]["meta"] == {"pagination": {"pageSize": 50}}


def test_search_asks_for_no_more_pages_than_the_asked_number_needs(fresh, monkeypatch):
    phish(fresh, 7)
    monkeypatch.setattr(MimecastFinderOperations, "FINDER_MAX_PAGE_SIZE", 2)

    result = run(
        fresh,
        "api2",
        "SearchMessageTracking",
        "search_message_tracking",
        Subject="invoice",
        **{"Max Messages To Return": "5"},
    )

    assert len(result.json_result) == 5
    assert [r["body"]["meta"]["pagination"]["pageSize"] for r in sent(fresh, SEARCH)] == [2, 2, 1]


def test_search_by_message_id_sends_it_in_brackets_alone(fresh):
    (message,) = phish(fresh, 1, message_id="abc.123@mail.bad.example")

    result = run(
        fresh,
        "api1",
        "SearchMessageTracking",
        "search_message_tracking",
        **{"Internet Message ID": "abc.123@mail.bad.example", "Route": "inbound, Inbound"},
    )

    assert [item["id"] for item in result.json_result] == [message.id]
    item = sent(fresh, SEARCH)[0]["body"]["data"][0]
    assert item["messageId"] == "<abc.123@mail.bad.example>" and item["route"] == ["inbound"]
    assert "advancedTrackAndTraceOptions" not in item


def test_search_finding_nothing_is_a_success(fresh):
    result = run(fresh, "api2", "SearchMessageTracking", "search_message_tracking", **{"Sender IP": "203.0.113.9"})

    assert (result.message, result.json_result) == (
        "No tracked messages were found for the provided criteria in Mimecast",
        [],
    )


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({}, 'At least one search criterion is required: give "Sender", "Recipient", "Subject", "Internet Message ID"'),
        ({"Sender": "a@b.example or to:x"}, 'Invalid value for "Sender": "a@b.example or to:x" is not an email'),
        ({"Recipient": "*@corp.example"}, 'Invalid value for "Recipient": "*@corp.example" is not an email'),
        ({"Sender IP": "203.0.113.300"}, 'Invalid value for "Sender IP": "203.0.113.300" is not an IP address'),
        ({"Subject": "a\nb"}, 'Invalid value for "Subject": "a\\nb" contains a control character'),
        ({"Subject": "x", "Route": "sideways"}, 'Invalid value for "Route": "sideways". Allowed values'),
        ({"Internet Message ID": "no at sign"}, 'Invalid value for "Internet Message ID": "no at sign" is not an'),
        ({"Internet Message ID": "<a@b>", "Sender": "bad.example"}, '"Internet Message ID" is searched alone'),
        (
            {"Subject": "x", "Max Messages To Return": "1001"},
            'Invalid value for "Max Messages To Return": "1001". It must be at most 1000,',
        ),
        (
            {
                "Subject": "x",
                "Time Frame": "Custom",
                "Start Time": utc_timestamp(datetime.now(UTC) - timedelta(days=31)),
            },
            'Invalid value for "Start Time": ',
        ),
    ],
)
def test_search_refuses_bad_input_before_sending_anything(fresh, params, reason):
    with pytest.raises(MimecastValidationError) as refused:
        run(fresh, "api2", "SearchMessageTracking", "search_message_tracking", **params)

    assert str(refused.value).startswith(reason)
    assert sent(fresh, SEARCH) == []


def test_search_last_month_starts_within_the_30_days_mimecast_keeps(fresh):
    phish(fresh, 1, subject="Quarterly wire 4471")

    result = run(
        fresh,
        "api2",
        "SearchMessageTracking",
        "search_message_tracking",
        Subject="wire 4471",
        **{"Time Frame": "Last Month"},
    )

    assert len(result.json_result) == 1
    earliest = fresh.state.clock.now() - timedelta(days=30) + timedelta(minutes=10)
    assert sent(fresh, SEARCH)[0]["body"]["data"][0]["start"] == utc_timestamp(earliest)


def hold(sim, count, **fields):
    now = sim.state.clock.now()
    return [
        sim.state.held.add(
            sender=fields.get("sender", "attacker@bad.example"),
            recipient=f"user{n}@corp.example",
            subject=fields.get("subject", "Invoice overdue"),
            reason=fields.get("reason", "Fraud Alert"),
            received=now - timedelta(minutes=5 + n),
        )
        for n in range(count)
    ]


@BOTH_APIS
def test_held_list_filters_on_mimecast_and_here_in_one_call(fresh, api):
    wanted = hold(fresh, 3)
    hold(fresh, 2, subject="Weekly newsletter")

    result = run(
        fresh,
        api,
        "ListHeldMessages",
        "list_held_messages",
        Sender="BAD.example",
        Subject="invoice",
        Reason="fraud_alert",
    )

    assert result.message == "Successfully found 3 held message(s) for the provided criteria in Mimecast"
    assert [item["id"] for item in result.json_result] == [entry.id for entry in wanted]
    assert result.tables[0][1][0]["Held-queue ID"] == wanted[0].id
    (request,) = sent(fresh, HOLD_LIST)
    item = request["body"]["data"][0]
    assert item["admin"] is True and item["searchBy"] == {"fieldName": "sender", "value": "BAD.example"}
    assert request["body"]["meta"] == {"pagination": {"pageSize": 500}}


def test_held_list_without_filters_here_asks_for_just_the_number_wanted(fresh, monkeypatch):
    hold(fresh, 5)
    monkeypatch.setattr(MimecastFinderOperations, "FINDER_MAX_PAGE_SIZE", 2)

    result = run(
        fresh,
        "api2",
        "ListHeldMessages",
        "list_held_messages",
        Recipient="corp.example",
        **{"Max Messages To Return": "3"},
    )

    assert len(result.json_result) == 3
    assert [r["body"]["meta"]["pagination"]["pageSize"] for r in sent(fresh, HOLD_LIST)] == [2, 1]


def test_held_list_finding_nothing_is_a_success(fresh):
    result = run(fresh, "api1", "ListHeldMessages", "list_held_messages", Subject="no such subject")

    assert (result.message, result.json_result) == (
        "No held messages were found for the provided criteria in Mimecast",
        [],
    )


@BOTH_APIS
def test_details_of_a_held_message_carry_each_recipients_held_queue_id(fresh, api):
    now = fresh.state.clock.now()
    message = fresh.state.tracking.add(
        sender="attacker@bad.example",
        recipients=["alex@corp.example", "robin@corp.example"],
        subject="Invoice overdue",
        received=now - timedelta(minutes=3),
        risk="high",
        attachments=[{"filename": "invoice.html", "contentType": "text/html", "sha256": "ab" * 32}],
    )
    held_ids = {entry.recipient: entry.id for entry in fresh.state.held.all() if entry.tracking_id == message.id}

    result = run(fresh, api, "GetMessageDetails", "get_message_details", **{"Tracking ID": message.id})

    assert result.json_result["heldMessages"] == [
        {"recipient": "alex@corp.example", "id": held_ids["alex@corp.example"]},
        {"recipient": "robin@corp.example", "id": held_ids["robin@corp.example"]},
    ]
    assert result.message.startswith(
        f'Successfully retrieved the details of the message with tracking ID "{message.id}" from Mimecast. '
        f"Held-queue ID(s): {held_ids['alex@corp.example']} (alex@corp.example)"
    )
    (delivery, rows), (attachments, files) = result.tables
    assert (delivery, attachments) == ("Delivery", "Attachments")
    assert [(row["Recipient"], row["Risk"], row["Held-queue ID"]) for row in rows] == [
        ("alex@corp.example", "high", held_ids["alex@corp.example"]),
        ("robin@corp.example", "high", held_ids["robin@corp.example"]),
    ]
    assert files == [{"File Name": "invoice.html", "Type": "text/html", "Size": files[0]["Size"], "Hash": "ab" * 32}]


def test_details_of_a_delivered_message_have_no_held_ids_and_one_call(fresh):
    (message,) = phish(fresh, 1)

    result = run(fresh, "api2", "GetMessageDetails", "get_message_details", **{"Tracking ID": message.id})

    assert "heldMessages" not in result.json_result and result.json_result["id"] == message.id
    assert result.tables[0][1][0]["Delivery"] == "Email Delivered"
    assert [entry["path"] for entry in fresh.state.log.entries() if entry["path"].startswith("/api/")] == [INFO]


def test_details_of_an_unknown_tracking_id_say_not_found(fresh):
    result = run(fresh, "api1", "GetMessageDetails", "get_message_details", **{"Tracking ID": "eNpUnknown"})

    assert (result.message, result.result_value) == (
        'No message with tracking ID "eNpUnknown" was found in Mimecast',
        False,
    )
