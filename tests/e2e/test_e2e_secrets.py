"""Secrets the configuration does not hold: the platform's proxy password reaches actions through the
platform's proxy settings (the SDK exports them to the environment) and must never show either. Every
action's cases run (tests/e2e/actions/, found by matrix_rows.py)."""

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from urllib.parse import quote

import pytest
from action_cases import assert_failed, each
from matrix_rows import CASES
from suite_helpers import assert_nothing_forbidden, refused_port, shown_texts, simulator_instance

from devkit.runner import run_action
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


@pytest.fixture(scope="module")
def proxied_runs(sim, closed_port_proxy, tmp_path_factory) -> Iterator[dict[str, Future]]:
    """Every action through the refusing proxy, side by side: each run has the platform's full time, so its
    attempts and backoff, not how long it took to start, decide what it reports."""
    stores = {case.id: tmp_path_factory.mktemp(f"proxy-{case.id}") / "store" for case in CASES}
    params = {case.id: case.params(sim) for case in CASES}
    with ThreadPoolExecutor(max_workers=4) as pool:
        yield {
            case.id: pool.submit(
                run_action,
                case.action,
                params[case.id],
                instance=simulator_instance(sim.url, case.api),
                proxy=closed_port_proxy,
                store=stores[case.id],
            )
            for case in CASES
        }


@each(CASES)
def test_the_proxy_password_never_shows(proxied_runs, case):
    run = proxied_runs[case.id].result()

    assert_failed(run, case, "Could not connect to Mimecast through the configured proxy")
    shown = shown_texts(run.stdout, run.stderr, run.log_path)
    assert_nothing_forbidden(shown, [PROXY_PASSWORD, quote(PROXY_PASSWORD, safe=""), "svc:"])
