"""Secrets the configuration does not hold: the platform's proxy password reaches actions through the
platform's proxy settings (the SDK exports them to the environment) and must never show either. Every
action's cases run (tests/e2e/actions/, found by matrix_rows.py)."""

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from action_cases import SHORT_RUN_S, assert_failed, each
from matrix_rows import CASES
from suite_helpers import assert_nothing_forbidden, refused_port, shown_texts, simulator_instance

from simulator.server import Simulator

pytestmark = pytest.mark.e2e

PROXY_PASSWORD = "proxy-pw-Zq81/secret"


@pytest.fixture(scope="module")
def sim():
    with Simulator(port=0) as running:
        yield running


@pytest.fixture(scope="module")
def closed_port_proxy() -> Iterator[dict]:
    """The platform's proxy settings: a proxy that refuses connections, with a password."""
    with refused_port() as port:
        yield {
            "proxy_server_address": f"http://127.0.0.1:{port}",
            "username": "svc",
            "password": PROXY_PASSWORD,
            "ignore_addresses": ["localhost"],
        }


@each(CASES)
def test_the_proxy_password_never_shows(action_runner, sim, closed_port_proxy, case):
    run = action_runner(
        case.action,
        case.params(sim),
        instance=simulator_instance(sim.url, case.api),
        proxy=closed_port_proxy,
        timeout_s=SHORT_RUN_S,
    )

    assert_failed(run, case, "Could not connect to Mimecast through the configured proxy")
    shown = shown_texts(run.stdout, run.stderr, run.log_path)
    assert_nothing_forbidden(shown, [PROXY_PASSWORD, quote(PROXY_PASSWORD, safe=""), "svc:"])
