"""Bad input for every parameter of the Message Tracking connector, end to end.

Invalid input fails the run before anything is sent to Mimecast: nothing is ingested, no state is written,
and the last line of the run names the parameter and what to do. Unusual but valid input proceeds; the
cell asserts what Mimecast received or what the alert carries. The invalid values test_e2e_connector.py
already proves (Status and Route Filter with no valid value, Lowest Risk "Severe", Max Messages "0", Max
Hours "a day", Concurrent Detail Requests 32, Environment Regex "([a-z", an invalid domain, more than 720
hours, an unreachable proxy) are not repeated here.
"""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from action_cases import assert_no_traceback
from bad_input import LONG, UNICODE_TEXT, invalid, mandatory, not_a_valid
from suite_helpers import simulator_instance
from tracking_scenario import FAILED_RUN, SEARCH, TrackingScenario, assert_run_failed, message_event, ticket_ids

from simulator.server import Simulator

pytestmark = pytest.mark.e2e

POSITIVE = "It must be a positive whole number."
CHECKBOX = "Use true or false."
RISKS = "Allowed values: Negligible, Low, Medium, High."
STATUSES = "Allowed values: delivery, held, accepted, bounced, deferred, rejected, archived."
PROXY_FORM = "Use http://host:port or https://host:port."
API_ROOT_UNUSABLE = (
    "it needs a valid host name and, if it has one, a port from 1 to 65535. Use the URL of Mimecast's API, such as "
    "https://api.services.mimecast.com."
)
NO_API2 = {"Client ID": "", "Client Secret": ""}
# A failure that quotes a pasted value stays readable.
SHOWN_LINE_LIMIT = 1000
# Longer than a parameter excerpt (80 characters), as an API 1.0 Secret Key is: no part of it may be shown.
LONG_SECRET = "c2VjcmV0LWtleS1vZi1hLWxvbmctYmluZGluZy10aGF0LWlzLXNob3duLW5ldmVy" * 2


def api1(**overrides: str) -> dict[str, str]:
    values = simulator_instance("http://unused", "api1")
    return {**{k: values[k] for k in ("Application ID", "Application Key", "Access Key", "Secret Key")}, **overrides}


def refused(parameter: str, kind: str, value: str, reason: str, **others: str) -> Any:
    return pytest.param({**others, parameter: value}, reason, id=f"{parameter}-{kind}")


REFUSED = [
    refused("Domains", "empty", "", mandatory("Domains")),
    refused("Domains", "whitespace", " \n\t ", mandatory("Domains")),
    refused("Domains", "separators only", " , ,\n", 'Parameter "Domains" must list at least one domain.'),
    refused("Domains", "very long", "a" * 100_000 + ".example", not_a_valid("Domains", "a" * 80 + "…", "domain")),
    refused("Domains", "unicode", "exämple.org", not_a_valid("Domains", "exämple.org", "domain")),
    refused("Domains", "an address", "user@corp.example", not_a_valid("Domains", "user@corp.example", "domain")),
    refused(
        "PythonProcessTimeout",
        "out of range",
        "5",
        'Invalid value for "PythonProcessTimeout": 5. A run keeps its last 5 seconds for finishing in time, so it '
        "must be at least 6.",
    ),
    refused("PythonProcessTimeout", "negative", "-30", invalid("PythonProcessTimeout", "-30", POSITIVE)),
    refused("PythonProcessTimeout", "wrong type", "12.5", invalid("PythonProcessTimeout", "12.5", POSITIVE)),
    refused(
        "Max Messages To Return",
        "very long",
        "9" * 100_000,
        invalid("Max Messages To Return", "9" * 80 + "…", POSITIVE),
    ),
    refused("Max Messages To Return", "wrong type", "ten", invalid("Max Messages To Return", "ten", POSITIVE)),
    refused("Max Hours Backwards", "negative", "-1", invalid("Max Hours Backwards", "-1", POSITIVE)),
    refused("Concurrent Detail Requests", "zero", "0", invalid("Concurrent Detail Requests", "0", POSITIVE)),
    refused(
        "Ingest Messages Without Risk", "wrong type", "yes", invalid("Ingest Messages Without Risk", "yes", CHECKBOX)
    ),
    refused("Use whitelist as a blacklist", "wrong type", "1", invalid("Use whitelist as a blacklist", "1", CHECKBOX)),
    refused("Verify SSL", "wrong type", "yes", invalid("Verify SSL", "yes", CHECKBOX)),
    refused("Lowest Risk To Fetch", "wrong type", "3", invalid("Lowest Risk To Fetch", "3", RISKS)),
    refused("Lowest Risk To Fetch", "two options", "Low, High", invalid("Lowest Risk To Fetch", "Low, High", RISKS)),
    refused("Lowest Risk To Fetch", "unicode", "Hïgh", invalid("Lowest Risk To Fetch", "Hïgh", RISKS)),
    refused("Status Filter", "unicode", "hëld", f"\"Status Filter\" has no valid value (got 'hëld'). {STATUSES}"),
    refused(
        "Environment Regex Pattern",
        "very long",
        "(" * 100_000,
        'Invalid value for "Environment Regex Pattern": "' + "(" * 80 + '…" is not a regular expression (maximum '
        "recursion depth exceeded).",
    ),
    refused(
        "Environment Regex Pattern",
        "out of range",
        "a{1,99999999999}",
        'Invalid value for "Environment Regex Pattern": "a{1,99999999999}" is not a regular expression (the '
        "repetition number is too large).",
    ),
    refused(
        "Environment Regex Pattern",
        "unicode range",
        "[é-a]",
        'Invalid value for "Environment Regex Pattern": "[é-a]" is not a regular expression (bad character range '
        "é-a at position 1).",
    ),
    refused(
        "Proxy Server Address",
        "whitespace",
        "  \t ",
        'Invalid value for "Proxy Server Address": it holds only spaces. Clear it to connect to Mimecast directly, '
        "or set http://host:port.",
    ),
    refused(
        "Proxy Server Address",
        "not an address",
        "not a proxy",
        invalid("Proxy Server Address", "not a proxy", PROXY_FORM),
    ),
    refused(
        "Proxy Server Address",
        "SOCKS",
        "socks5://127.0.0.1:1080",
        invalid("Proxy Server Address", "socks5://127.0.0.1:1080", PROXY_FORM),
    ),
    refused(
        "Proxy Server Address",
        "port out of range",
        "http://127.0.0.1:99999",
        # The SDK reads the proxy parameters before the connector's checks run, and stops there.
        'the SOAR SDK cannot use "Proxy Server Address" (Port out of range 0-65535). Use http://host:port with a '
        "port from 1 to 65535.",
    ),
    refused(
        "Proxy Server Address",
        "credentials inside",
        "http://svc:Pr0xy-inline-pw@127.0.0.1:3128",
        '"Proxy Server Address" must not contain a user name or password; put them in "Proxy Username" and "Proxy '
        'Password".',
    ),
    refused(
        "Proxy Username",
        "without an address",
        "svc",
        '"Proxy Username" or "Proxy Password" is set but "Proxy Server Address" is empty. Set the proxy\'s address, '
        "or clear both so the connector connects to Mimecast directly.",
    ),
    refused(
        "Proxy Password",
        "without a username",
        "proxy-pw-only-9Qz",
        '"Proxy Password" is set but "Proxy Username" is empty; set both or neither.',
        **{"Proxy Server Address": "http://127.0.0.1:3128"},
    ),
    refused(
        "Proxy Password",
        "beyond Latin-1",
        "пароль-прокси-7",
        '"Proxy Password" holds characters a proxy cannot receive (HTTP Basic authentication carries Latin-1 '
        "characters only).",
        **{"Proxy Server Address": "http://127.0.0.1:3128", "Proxy Username": "svc"},
    ),
    refused(
        "API Root",
        "not a URL",
        "api.services.mimecast.com",
        '"API Root" must be a URL such as https://api.services.mimecast.com (got "api.services.mimecast.com").',
    ),
    refused(
        "API Root",
        "port out of range",
        "http://127.0.0.1:99999",
        f'"API Root" is not a usable URL (got "http://127.0.0.1:99999"): {API_ROOT_UNUSABLE}',
    ),
    refused(
        "API Root",
        "very long host",
        "https://" + "a" * 300 + ".example",
        f'"API Root" is not a usable URL (got "https://{"a" * 72}…"): {API_ROOT_UNUSABLE}',
    ),
    refused(
        "API Root",
        "space in the host",
        "https://mime cast.example",
        f'"API Root" is not a usable URL (got "https://mime cast.example"): {API_ROOT_UNUSABLE}',
    ),
    refused(
        "Application ID",
        "alone",
        "5a1c6e2e-0d3b-4f57-9c1e-7b2f6a9d4e01",
        "API 1.0 authentication needs all of Application ID, Application Key, Access Key, Secret Key; missing: "
        "Application Key, Access Key, Secret Key.",
        **NO_API2,
    ),
    refused(
        "Access Key",
        "unicode",
        "ключ-доступа-1234",
        '"Access Key" contains characters that Mimecast keys never have (only ASCII letters, digits and '
        "punctuation). Paste it exactly as Mimecast issued it.",
        **NO_API2,
        **{k: v for k, v in api1().items() if k != "Access Key"},
    ),
    refused(
        "Secret Key",
        "not base64",
        "not base64 at all!",
        '"Secret Key" is not valid base64. Paste it exactly as Mimecast issued it.',
        **NO_API2,
        **{k: v for k, v in api1().items() if k != "Secret Key"},
    ),
    refused(
        "Client Secret",
        "whitespace",
        "   ",
        "API 2.0 authentication needs both Client ID and Client Secret; missing: Client Secret.",
    ),
    refused("Client ID", "empty, and no API 1.0 keys", "", "No authentication parameters provided.", **NO_API2),
    # A secret is refused by the credentials' own rule, which never shows it (not a parameter excerpt of it).
    refused(
        "Secret Key",
        "noncharacter",
        LONG_SECRET + "\ufffe",
        '"Secret Key" is not valid base64. Paste it exactly as Mimecast issued it.',
        **NO_API2,
        **{k: v for k, v in api1().items() if k != "Secret Key"},
    ),
    refused(
        "Proxy Password",
        "noncharacter",
        LONG_SECRET + "\ufdd0",
        '"Proxy Password" holds characters a proxy cannot receive (HTTP Basic authentication carries Latin-1 '
        "characters only).",
        **{"Proxy Server Address": "http://127.0.0.1:3128", "Proxy Username": "svc"},
    ),
]


@pytest.fixture(scope="module")
def shared_sim() -> Iterator[Simulator]:
    with Simulator(port=0) as sim:
        yield sim


@pytest.fixture
def scenario(shared_sim, connector_runner, store) -> TrackingScenario:
    shared_sim.state.reset()
    return TrackingScenario(shared_sim, connector_runner, store)


@pytest.mark.parametrize(("overrides", "reason"), REFUSED)
def test_invalid_input_fails_the_run_with_its_message_and_nothing_is_sent(scenario, overrides, reason):
    scenario.message()

    run = scenario.run(**overrides)

    assert_run_failed(run, scenario, None)
    last_line = run.stderr.strip().splitlines()[-1]
    assert last_line == FAILED_RUN + reason
    assert len(last_line) < SHOWN_LINE_LIMIT
    assert scenario.requests() == []
    assert "Pr0xy-inline-pw" not in run.stderr + run.stdout
    assert LONG_SECRET[:20] not in run.stderr + run.stdout


# Unusual but valid input: the run proceeds; what Mimecast received or what the alert carries.


def searched(field: str, expected: Any) -> Callable[[TrackingScenario, Any], None]:
    """Every search Mimecast received has `expected` at `field` ("advancedTrackAndTraceOptions" and the like)."""

    def check(scenario: TrackingScenario, run: Any) -> None:
        assert sorted(str(entry["body"]["data"][0].get(field)) for entry in scenario.requests(SEARCH)) == sorted(
            str(value) for value in expected
        )

    return check


def alert_has(check_alert: Callable[[dict], bool]) -> Callable[[TrackingScenario, Any], None]:
    def check(scenario: TrackingScenario, run: Any) -> None:
        [alert] = run.ingested_alerts
        assert check_alert(alert), alert

    return check


def alerts(count: int) -> Callable[[TrackingScenario, Any], None]:
    def check(scenario: TrackingScenario, run: Any) -> None:
        assert len(ticket_ids(run)) == count

    return check


def accepted(parameter: str, kind: str, value: str, outcome: Callable, **others: str) -> Any:
    return pytest.param({**others, parameter: value}, outcome, id=f"{parameter}-{kind}")


ACCEPTED = [
    accepted(
        "Domains",
        "spacing, case, newlines and repeats",
        "  Corp.Example \n corp.example ,branch.example,",
        searched(
            "advancedTrackAndTraceOptions",
            [{key: domain} for domain in ("Corp.Example", "branch.example") for key in ("from", "to")],
        ),
    ),
    # A filter that lists nothing sends none: Mimecast returns every status (the definition's default is held).
    accepted("Status Filter", "empty", "", searched("status", [None, None])),
    accepted("Status Filter", "separators only", " , ", searched("status", [None, None])),
    accepted("Status Filter", "other case", "HELD", searched("status", [["held"], ["held"]])),
    accepted("Route Filter", "empty", "", searched("route", [None, None])),
    accepted("Route Filter", "whitespace", " \t ", searched("route", [None, None])),
    accepted("Route Filter", "other case", "INBOUND", searched("route", [["inbound"], ["inbound"]])),
    accepted("Max Hours Backwards", "whitespace", "  ", alerts(1)),
    accepted("Max Hours Backwards", "unicode digits", "\uff12", alerts(1)),
    accepted("Max Messages To Return", "very large", "999999999", alerts(1)),
    accepted("PythonProcessTimeout", "empty", "", alerts(1)),
    accepted("Lowest Risk To Fetch", "other case", "hIGH", alerts(1)),
    accepted("Queue Reason Filter", "unicode", UNICODE_TEXT, alerts(0)),
    accepted("Queue Reason Filter", "very long", LONG, alerts(0)),
    accepted(
        "DeviceProductField",
        "unicode",
        UNICODE_TEXT,
        alert_has(lambda alert: alert["device_product"] == "Mimecast"),
    ),
    accepted("DeviceProductField", "whitespace", "  ", alert_has(lambda alert: alert["device_product"] == "Mimecast")),
    accepted(
        "EventClassId",
        "very long",
        LONG,
        alert_has(lambda alert: message_event(alert)["event_type"] == "Message"),
    ),
    accepted(
        "Environment Field Name",
        "very long",
        LONG,
        alert_has(lambda alert: alert["environment"] == "Default Environment"),
    ),
    accepted(
        "Environment Regex Pattern",
        "unicode",
        "(Счёт|Invoice)",
        alert_has(lambda alert: alert["environment"] == "Invoice"),
        **{"Environment Field Name": "subject"},
    ),
    accepted(
        "Environment Regex Pattern", "empty", "", alert_has(lambda alert: alert["environment"] == "Default Environment")
    ),
]


@pytest.mark.parametrize(("overrides", "outcome"), ACCEPTED)
def test_unusual_but_valid_input_proceeds(scenario, overrides, outcome):
    scenario.message(risk="high")

    run = scenario.run(**overrides)

    assert run.exit_code == 0, run.stderr[-2000:]
    assert_no_traceback(run)
    outcome(scenario, run)
    assert len(run.debug_output) < len(LONG), "a pasted value is logged in full"


# Empty means all, for each filter: a message that differs from one passing every filter only in what that filter
# checks (so the filter set would leave it out) is alerted when the filter is empty.
PASSES_EVERY_FILTER = {"status": "held", "route": "inbound", "risk": "high", "queue_reason": "Fraud Alert"}
FILTERS = {
    "Status Filter": "held",
    "Route Filter": "inbound",
    "Lowest Risk To Fetch": "High",
    "Queue Reason Filter": "Fraud Alert",
}
EMPTY_MEANS_ALL = [
    pytest.param("Status Filter", {"status": "rejected"}, id="Status Filter"),
    pytest.param(
        "Route Filter",
        {"route": "outbound", "sender": "user@corp.example", "recipients": ["partner@outside.example"]},
        id="Route Filter",
    ),
    pytest.param("Lowest Risk To Fetch", {"risk": "negligible"}, id="Lowest Risk To Fetch"),
    pytest.param("Queue Reason Filter", {"queue_reason": "Spam Signature"}, id="Queue Reason Filter"),
]


@pytest.mark.parametrize(("parameter", "differs"), EMPTY_MEANS_ALL)
def test_an_empty_filter_ingests_all_messages(scenario, parameter, differs):
    passing = scenario.message(**PASSES_EVERY_FILTER)
    other = scenario.message(seconds_ago=30, **{**PASSES_EVERY_FILTER, **differs})

    run = scenario.run(**{**FILTERS, parameter: ""})

    assert run.exit_code == 0, run.stderr[-2000:]
    assert sorted(ticket_ids(run)) == sorted([passing.id, other.id])
