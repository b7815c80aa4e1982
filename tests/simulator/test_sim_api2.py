"""API 2.0: the OAuth token endpoint, bearer checks, token expiry and client revocation."""

import pytest
import requests
from simtest_helpers import API1_ONLY, GET_ACCOUNT, TIMEOUT, fetch_token, first_error, sample

from simulator import DEFAULT_API2_CLIENT_ID, DEFAULT_API2_CLIENT_SECRET, Simulator

INVALID_TOKEN = {"code": "invalid_token", "message": "The access token is invalid or has expired.", "retryable": False}


def test_token_response_has_the_mimecast_shape(sim):
    response = fetch_token(sim.url)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == set(sample("auth_oauth_token_success.json"))
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 1799
    assert body["scope"] == ""
    assert len(body["access_token"]) >= 20


def test_every_token_request_gets_a_fresh_token(sim):
    assert fetch_token(sim.url).json()["access_token"] != fetch_token(sim.url).json()["access_token"]


@pytest.mark.parametrize(
    ("client_id", "client_secret"),
    [(DEFAULT_API2_CLIENT_ID, "wrong-secret"), ("unknown-client", DEFAULT_API2_CLIENT_SECRET)],
    ids=["bad secret", "unknown client"],
)
def test_bad_client_credentials_are_rejected(sim, client_id, client_secret):
    response = fetch_token(sim.url, client_id, client_secret)
    assert response.status_code == 401
    assert response.json() == sample("auth_oauth_token_invalid_client_401.json")


@pytest.mark.parametrize("missing", ["client_id", "client_secret", "grant_type"])
def test_missing_form_field_is_a_bad_request(sim, missing):
    form = {"client_id": DEFAULT_API2_CLIENT_ID, "client_secret": DEFAULT_API2_CLIENT_SECRET}
    form["grant_type"] = "client_credentials"
    del form[missing]
    response = requests.post(sim.url + "/oauth/token", data=form, timeout=TIMEOUT)
    assert response.status_code == 400
    assert response.json()["fail"][0]["code"] == "InvalidRequest"
    assert missing in response.json()["fail"][0]["message"]


def test_wrong_grant_type_is_a_bad_request(sim):
    form = {"client_id": DEFAULT_API2_CLIENT_ID, "client_secret": DEFAULT_API2_CLIENT_SECRET, "grant_type": "password"}
    response = requests.post(sim.url + "/oauth/token", data=form, timeout=TIMEOUT)
    assert response.status_code == 400
    assert response.json()["fail"][0]["code"] == "UnsupportedGrantType"


def test_token_endpoint_only_accepts_post(sim):
    response = requests.get(sim.url + "/oauth/token", timeout=TIMEOUT)
    assert response.status_code == 405


def test_bearer_request_returns_the_account(sim, api2):
    response = api2()
    assert response.status_code == 200
    assert response.json()["data"] == [sim.state.account.to_json()]


def test_unknown_token_is_unauthorized(api2):
    response = api2(token="not-a-token-the-simulator-issued")
    assert response.status_code == 401
    assert response.json()["meta"]["status"] == 401
    assert first_error(response) == INVALID_TOKEN


def test_token_expires_after_its_ttl_on_the_simulator_clock(sim, api2):
    sim.state.clock.advance(1798)
    assert api2().status_code == 200
    sim.state.clock.advance(2)
    response = api2()
    assert response.status_code == 401
    assert first_error(response) == INVALID_TOKEN


def test_token_ttl_knob_sets_expires_in_and_the_lifetime():
    with Simulator(port=0, token_ttl_s=60) as sim:
        body = fetch_token(sim.url).json()
        assert body["expires_in"] == 60
        headers = {"Authorization": f"Bearer {body['access_token']}"}
        sim.state.clock.advance(61)
        response = requests.post(sim.url + GET_ACCOUNT, json={"data": []}, headers=headers, timeout=TIMEOUT)
        assert response.status_code == 401


def test_token_ttl_can_change_at_run_time(sim, admin):
    admin.set_token_ttl(5)
    assert fetch_token(sim.url).json()["expires_in"] == 5


def test_expire_all_tokens_now(sim, admin, api2):
    assert admin.expire_tokens() == 1
    assert api2().status_code == 401
    fresh = fetch_token(sim.url).json()["access_token"]
    assert api2(token=fresh).status_code == 200


def test_revoked_client_loses_its_tokens_and_cannot_get_new_ones(sim, admin, api2):
    admin.revoke_client(DEFAULT_API2_CLIENT_ID)
    assert api2().status_code == 401
    response = fetch_token(sim.url)
    assert response.status_code == 401
    assert response.json() == sample("auth_oauth_token_invalid_client_401.json")
    admin.revoke_client(DEFAULT_API2_CLIENT_ID, revoked=False)
    assert api2(token=fetch_token(sim.url).json()["access_token"]).status_code == 200


def test_added_client_can_get_a_token(sim, admin, api2):
    admin.add_api2_client("second-client", "second-secret")
    response = fetch_token(sim.url, "second-client", "second-secret")
    assert response.status_code == 200
    assert api2(token=response.json()["access_token"]).status_code == 200


def test_api1_only_endpoint_does_not_exist_for_api2_callers(api1, api2):
    response = api2(API1_ONLY)
    assert response.status_code == 404
    assert first_error(response)["code"] == "not_found"
    assert api1(API1_ONLY).status_code == 200
