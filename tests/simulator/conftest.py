"""Fixtures for the simulator's tests: a running simulator and plain `requests` callers for both auth modes."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from simtest_helpers import GET_ACCOUNT, TIMEOUT, build_test_registry, fetch_token, post_api1

from simulator import Simulator
from simulator.client import SimulatorClient


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(port=0, seed=7, registry=build_test_registry()) as running:
        yield running


@pytest.fixture
def admin(sim: Simulator) -> Iterator[SimulatorClient]:
    with SimulatorClient(sim.url) as client:
        yield client


@pytest.fixture
def api1(sim: Simulator) -> Callable[..., requests.Response]:
    """`post_api1` to the fixture's simulator."""

    def call(path: str = GET_ACCOUNT, body: object = None, **kwargs: Any) -> requests.Response:
        return post_api1(sim.url, path, body, **kwargs)

    return call


@pytest.fixture
def token(sim: Simulator) -> str:
    response = fetch_token(sim.url)
    assert response.status_code == 200
    return response.json()["access_token"]


@pytest.fixture
def api2(sim: Simulator, token: str) -> Callable[..., requests.Response]:
    """POST an API 2.0 request with a bearer token (the fixture's token unless `token=` is given)."""
    default_token = token

    def call(
        path: str = GET_ACCOUNT, body: object = None, *, token: str | None = None, timeout: float = TIMEOUT
    ) -> requests.Response:
        payload = {"data": []} if body is None else body
        headers = {"Authorization": f"Bearer {token or default_token}"}
        return requests.post(sim.url + path, json=payload, headers=headers, timeout=timeout)

    return call
