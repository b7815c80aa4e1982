"""Through a real authenticating forward proxy, on the real SDK: the connector's proxy parameters, and the
platform's proxy settings for actions.

The SDK exports both to `http_proxy`/`https_proxy` in a form that breaks for some values (no scheme,
reserved characters, a user name without a password), and requests prefers that over a session's proxy;
so the simulator runs on 127.0.0.2, which the SDK's `no_proxy` (`localhost,127.0.0.1`) does not exempt,
and every Mimecast request must still reach it through the proxy with the configured credentials.
"""

import pytest
from forward_proxy import ForwardProxy
from suite_helpers import simulator_instance
from tracking_scenario import TrackingScenario, ticket_ids

from simulator.server import Simulator

pytestmark = pytest.mark.e2e

RESERVED = "p@ss/w:rd#%?&="
# The SDK leaves "/" unquoted in the proxy URL it builds for its own calls to the platform; without it, those
# calls work through the proxy too.
RESERVED_BUT_SLASH = "p@ss:w#rd%?&="


@pytest.fixture
def sim_on_other_address():
    with Simulator(host="127.0.0.2", port=0) as sim:
        yield sim


@pytest.fixture
def tls_sim_on_other_address():
    with Simulator(host="127.0.0.2", port=0, tls=True) as sim:
        yield sim


def mimecast_target(sim) -> str:
    return f"127.0.0.2:{sim.port}"


@pytest.mark.parametrize(
    ("address", "user", "password"),
    [
        ("{proxy}", "svc", "plain-secret-1"),  # no scheme
        ("http://{proxy}", "svc", RESERVED),  # reserved characters in the password
        ("http://{proxy}", "svc@corp/ops#1%", "s3cret"),  # and in the user name
        ("http://{proxy}/", "svc", ""),  # a user name without a password
    ],
    ids=["no-scheme", "reserved-password", "reserved-user", "user-without-password"],
)
@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_the_connector_reaches_mimecast_through_its_proxy(
    request, connector_runner, store, address, user, password, tls
):
    sim = request.getfixturevalue("tls_sim_on_other_address" if tls else "sim_on_other_address")
    with ForwardProxy(user, password) as proxy:
        scenario = TrackingScenario(sim, connector_runner, store)
        message = scenario.message(seconds_ago=120)

        run = scenario.run(
            **{
                "Proxy Server Address": address.format(proxy=proxy.address),
                "Proxy Username": user,
                "Proxy Password": password,
                "Verify SSL": "false" if tls else "true",
            }
        )

        assert run.exit_code == 0, run.stderr[-2000:]
        assert ticket_ids(run) == [message.id]
        assert proxy.targets(allowed=False) == []
        assert set(proxy.targets()) == {mimecast_target(sim)}
        # Plain HTTP goes request by request through the proxy; HTTPS through CONNECT tunnels it keeps open.
        assert (len(proxy.forwarded) == len(scenario.requests())) if not tls else (len(proxy.forwarded) > 0)


def test_a_proxy_that_refuses_the_credentials_fails_the_run_and_nothing_reaches_mimecast(
    sim_on_other_address, connector_runner, store
):
    with ForwardProxy("svc", "right") as proxy:
        scenario = TrackingScenario(sim_on_other_address, connector_runner, store)
        scenario.message()

        run = scenario.run(
            **{"Proxy Server Address": proxy.address, "Proxy Username": "svc", "Proxy Password": "wrong"}
        )

        assert run.exit_code != 0 and run.ingested_alerts == []
        assert "407 Proxy Authentication Required" in run.stderr.strip().splitlines()[-1]
        assert scenario.requests() == []


def test_a_user_name_with_a_colon_is_refused_before_anything_is_sent(sim_on_other_address, connector_runner, store):
    with ForwardProxy("a:b", "c") as proxy:
        scenario = TrackingScenario(sim_on_other_address, connector_runner, store)

        run = scenario.run(**{"Proxy Server Address": proxy.address, "Proxy Username": "a:b", "Proxy Password": "c"})

        assert run.exit_code != 0
        assert run.stderr.strip().endswith(
            '"Proxy Username" must not contain ":" (HTTP Basic authentication cannot carry it).'
        )
        assert proxy.forwarded == [] and scenario.requests() == []


@pytest.mark.parametrize("api", ["api2", "api1"])
@pytest.mark.parametrize(
    ("ignored", "platform_through_proxy"),
    [(["localhost"], False), ([], True)],
    ids=["platform-ignored", "platform-through-proxy"],
)
def test_actions_use_the_platform_s_proxy_settings_and_the_sdk_still_reaches_the_platform(
    sim_on_other_address, action_runner, api, ignored, platform_through_proxy
):
    password = RESERVED_BUT_SLASH if platform_through_proxy else RESERVED
    with ForwardProxy("svc", password) as proxy:
        settings = {
            "proxy_server_address": f"http://{proxy.address}",
            "username": "svc",
            "password": password,
            "ignore_addresses": ignored,
        }

        run = action_runner("Ping", instance=simulator_instance(sim_on_other_address.url, api), proxy=settings)

        assert run.completed, run.message
        assert [call.call for call in run.platform_calls] == [
            "GetProxySettings",
            "CaseMetadata",
            "configuration",
            "GetProxySettings",
        ]
        assert proxy.targets(allowed=False) == []
        mimecast = mimecast_target(sim_on_other_address)
        assert mimecast in proxy.targets()
        assert any(target.startswith("localhost:") for target in proxy.targets()) == platform_through_proxy
        assert sim_on_other_address.state.log.entries()
        assert f"through the platform's proxy http://{proxy.address}" in run.debug_output


def test_a_platform_proxy_the_sdk_cannot_use_for_its_own_calls_is_worded_as_a_platform_problem(
    sim_on_other_address, action_runner
):
    with ForwardProxy("svc", RESERVED) as proxy:
        settings = {"proxy_server_address": f"http://{proxy.address}", "username": "svc", "password": RESERVED}

        run = action_runner("Ping", instance=simulator_instance(sim_on_other_address.url), proxy=settings)

    assert run.failed and run.result_value is False
    assert run.message == (
        'Error executing action "Ping". Reason: The SOAR platform could not read the case and the integration '
        "instance's configuration: the SDK could not use the proxy settings for its own calls to the platform (add "
        'the SOAR server to the proxy\'s ignored addresses, or use a proxy password without "/"). This is a problem '
        "of the SOAR platform or its settings, not of Mimecast."
    )
    assert sim_on_other_address.state.log.entries() == []
