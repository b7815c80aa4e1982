"""The /_sim/ admin API: errors are explained, configuration is readable and holds no secret."""

import json

import pytest
import requests
from simtest_helpers import ALL_SECRETS, TIMEOUT

from simulator.client import SimulatorAdminError


def test_config_shows_every_knob_and_no_secret(sim, admin):
    admin.set_rate_limit(10, 1000)
    admin.set_latency(5, path="/api/account/get-account")
    config = admin.config()
    assert config["seed"] == 7
    assert config["date_skew_s"] == 900
    assert config["token_ttl_s"] == 1799
    assert config["faults"]["rate_limit"]["limit"] == 10
    assert config["faults"]["path_latency_ms"] == {"/api/account/get-account": 5}
    assert config["clock"]["frozen"] is False
    assert "account" in config["features"]
    dumped = json.dumps(config) + json.dumps(admin.credentials())
    for secret in ALL_SECRETS:
        assert secret not in dumped


def test_unknown_route_and_wrong_method(sim):
    assert requests.get(sim.url + "/_sim/nothing", timeout=TIMEOUT).status_code == 404
    response = requests.get(sim.url + "/_sim/faults/clear", timeout=TIMEOUT)
    assert response.status_code == 405
    assert "GET" in response.json()["error"]


def test_body_that_is_not_json_is_refused(sim):
    response = requests.post(sim.url + "/_sim/latency", data=b"{oops", timeout=TIMEOUT)
    assert response.status_code == 400
    assert "JSON" in response.json()["error"]


def test_unknown_credential_is_named_in_the_error(admin):
    with pytest.raises(SimulatorAdminError) as refused:
        admin.revoke_client("nobody")
    assert refused.value.status == 404
    assert "nobody" in str(refused.value)


@pytest.mark.parametrize(
    ("path", "payload", "fragment"),
    [
        ("/_sim/latency", {"ms": "slow"}, "'ms' must be an integer"),
        ("/_sim/rate-limit", {"limit": 0}, "limit >= 1"),
        ("/_sim/clock", {}, "offset_s, freeze or advance_s"),
        ("/_sim/tokens/ttl", {"ttl_s": 0}, "at least 1"),
        ("/_sim/credentials/api1", {"app_id": "a", "app_key": "b", "access_key": "c", "secret_key": "*"}, "base64"),
        ("/_sim/credentials/permissions", {"client_id": "sim-client-3f8a1b7c", "permissions": "all"}, "list"),
    ],
)
def test_invalid_knob_values_are_explained(admin, path, payload, fragment):
    with pytest.raises(SimulatorAdminError) as refused:
        admin.post(path, payload)
    assert refused.value.status == 400
    assert fragment in str(refused.value)
