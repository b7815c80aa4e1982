"""API 1.0: HMAC signature verification, date skew, binding expiry, missing headers."""

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
import requests
from simtest_helpers import GET_ACCOUNT, TIMEOUT, api1_headers, first_error, sample

from simulator import DEFAULT_API1_ACCESS_KEY, DEFAULT_API1_APP_ID, DEFAULT_API1_APP_KEY, format_mc_date, mc_signature
from simulator.auth import parse_mc_date

# Synthetic credentials and the signatures Mimecast's algorithm gives for them.
VECTOR_APP_KEY = "c0ffee00-1234-4abc-8def-0123456789ab"
VECTOR_SECRET = "bWltZWNhc3QtdW5pdC10ZXN0LXNlY3JldC1rZXktYnl0ZXMtMDEyMzQ1Njc4OQ=="
VECTOR_BINARY_SECRET = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw=="
VECTOR_DATE = "Tue, 24 Nov 2015 12:50:11 UTC"
VECTOR_REQ_ID = "8578FCFC-A305-4D9A-99CB-F4D5ECEFE297"


@pytest.mark.parametrize(
    ("secret", "path", "signature"),
    [
        (VECTOR_SECRET, "/api/account/get-account", "V72ZGWccB6fkaDmK85sKpLsgNhA="),
        (VECTOR_SECRET, "/api/archive/search", "lEvIFJ4I/ngZChupZ0GW3tamrNI="),
        (VECTOR_SECRET, "/api/gateway/hold-release", "zp+I8TpCgLw1IhdcbLFSVV3lh6I="),
        (VECTOR_BINARY_SECRET, "/api/account/get-account", "UXjj/2vOeuYVNup0roCRlp9P5u0="),
    ],
)
def test_signature_matches_the_reference_vectors(secret, path, signature):
    assert mc_signature(secret, VECTOR_DATE, VECTOR_REQ_ID, path, VECTOR_APP_KEY) == signature


@pytest.mark.parametrize("path", ["/api/account/get-account", "/api/archive/search"])
def test_simulator_accepts_a_request_signed_with_the_reference_vectors(sim, admin, path):
    admin.add_api1_credential("3b9c2f7e-5a41-4c1e-9d3a-1f0e2d4c6b8a", VECTOR_APP_KEY, "vector-access", VECTOR_SECRET)
    sim.state.clock.freeze(datetime(2015, 11, 24, 12, 50, 11, tzinfo=UTC))
    expected = mc_signature(VECTOR_SECRET, VECTOR_DATE, VECTOR_REQ_ID, path, VECTOR_APP_KEY)
    headers = {
        "Authorization": f"MC vector-access:{expected}",
        "x-mc-date": VECTOR_DATE,
        "x-mc-req-id": VECTOR_REQ_ID,
        "x-mc-app-id": "3b9c2f7e-5a41-4c1e-9d3a-1f0e2d4c6b8a",
    }
    response = requests.post(sim.url + GET_ACCOUNT, json={"data": []}, headers=headers, timeout=TIMEOUT)
    # Only the get-account row's signature is valid for the get-account path: the path is signed.
    assert response.status_code == (200 if path == GET_ACCOUNT else 401)


def test_mc_date_format_uses_english_names_and_utc():
    assert format_mc_date(datetime(2015, 11, 24, 12, 50, 11, tzinfo=UTC)) == VECTOR_DATE
    assert parse_mc_date("Tue, 24 Nov 2015 12:50:11 GMT") == datetime(2015, 11, 24, 12, 50, 11, tzinfo=UTC)
    assert parse_mc_date("2015-11-24T12:50:11Z") is None


def test_signed_request_returns_the_account(sim, api1):
    response = api1()
    assert response.status_code == 200
    body = response.json()
    assert body["meta"]["status"] == 200
    assert body["fail"] == []
    assert body["data"] == [sim.state.account.to_json()]
    assert set(sample("account_get_account.json")["data"][0]) <= set(body["data"][0])


def test_query_string_is_not_part_of_the_signed_path(sim):
    headers = api1_headers(GET_ACCOUNT)
    response = requests.post(sim.url + GET_ACCOUNT + "?trace=1", json={"data": []}, headers=headers, timeout=TIMEOUT)
    assert response.status_code == 200


def _one_char_changed(signature: str) -> str:
    return ("A" if signature[0] != "A" else "B") + signature[1:]


def test_signature_with_one_character_changed_is_rejected(sim):
    headers = api1_headers(GET_ACCOUNT)
    access_key, signature = headers["Authorization"].removeprefix("MC ").split(":", 1)
    headers["Authorization"] = f"MC {access_key}:{_one_char_changed(signature)}"
    response = requests.post(sim.url + GET_ACCOUNT, json={"data": []}, headers=headers, timeout=TIMEOUT)
    assert response.status_code == 401
    assert response.json() == sample("error_invalid_signature_401.json")


@pytest.mark.parametrize(
    "override",
    [
        {"access_key": "unknown-access-key"},
        {"app_id": "00000000-0000-0000-0000-000000000000"},
        {"app_key": "wrong-app-key"},
        {"secret_key": "d3Jvbmctc2VjcmV0"},
    ],
    ids=["unknown access key", "unknown app id", "wrong app key", "wrong secret"],
)
def test_wrong_credentials_get_the_invalid_signature_envelope(api1, override):
    response = api1(**override)
    assert response.status_code == 401
    assert response.json() == sample("error_invalid_signature_401.json")


def test_signature_over_another_path_is_rejected(sim):
    headers = api1_headers("/api/archive/search")
    response = requests.post(sim.url + GET_ACCOUNT, json={"data": []}, headers=headers, timeout=TIMEOUT)
    assert response.status_code == 401


@pytest.mark.parametrize("missing", ["Authorization", "x-mc-date", "x-mc-req-id", "x-mc-app-id"])
def test_missing_header_is_a_bad_request(sim, missing):
    headers = api1_headers(GET_ACCOUNT)
    del headers[missing]
    response = requests.post(sim.url + GET_ACCOUNT, json={"data": []}, headers=headers, timeout=TIMEOUT)
    assert response.status_code == 400
    assert response.json()["meta"]["status"] == 400
    assert first_error(response)["code"] == "err_xdk_credentials_missing"
    assert first_error(response)["message"].startswith("0001")


def test_request_without_any_credentials_is_a_bad_request(sim):
    response = requests.post(sim.url + GET_ACCOUNT, json={"data": []}, timeout=TIMEOUT)
    assert response.status_code == 400
    assert first_error(response)["code"] == "err_xdk_credentials_missing"


def test_malformed_authorization_header_is_rejected(api1):
    response = api1(headers={"Authorization": f"MC {DEFAULT_API1_ACCESS_KEY}"})
    assert response.status_code == 401
    assert first_error(response)["code"] == "err_xdk_invalid_signature"


def test_date_twenty_minutes_old_is_an_invalid_date(api1):
    response = api1(date=datetime.now(UTC) - timedelta(minutes=20))
    assert response.status_code == 401
    assert response.json()["meta"]["status"] == 401
    assert first_error(response) == {"code": "err_xdk_invalid_date", "message": "0005 Invalid Date", "retryable": False}


def test_date_twenty_minutes_ahead_is_an_invalid_date(api1):
    response = api1(date=datetime.now(UTC) + timedelta(minutes=20))
    assert response.status_code == 401
    assert first_error(response)["code"] == "err_xdk_invalid_date"


def test_date_within_fifteen_minutes_is_accepted(api1):
    assert api1(date=datetime.now(UTC) - timedelta(minutes=14)).status_code == 200
    assert api1(date=datetime.now(UTC) + timedelta(minutes=14)).status_code == 200


def test_unparseable_date_is_an_invalid_date(api1):
    response = api1(date="2026-01-01T00:00:00Z")
    assert response.status_code == 401
    assert first_error(response)["code"] == "err_xdk_invalid_date"


def test_simulator_clock_ahead_rejects_a_client_with_the_real_time(sim, api1, admin):
    admin.set_clock_offset(30 * 60)
    response = api1()
    assert response.status_code == 401
    assert first_error(response)["code"] == "err_xdk_invalid_date"
    server_date = parsedate_to_datetime(response.headers["Date"])
    assert server_date - datetime.now(UTC) > timedelta(minutes=25)
    # A client that corrects its clock from the Date header gets through.
    assert api1(date=server_date).status_code == 200


def test_expired_binding_answers_418(api1, admin):
    admin.set_binding_expired(DEFAULT_API1_ACCESS_KEY)
    response = api1()
    assert response.status_code == 418
    assert response.json() == sample("error_binding_expired_418.json")
    admin.set_binding_expired(DEFAULT_API1_ACCESS_KEY, expired=False)
    assert api1().status_code == 200


def test_added_binding_works_and_removed_binding_does_not(api1, admin):
    admin.add_api1_credential(DEFAULT_API1_APP_ID, DEFAULT_API1_APP_KEY, "second-access-key", "c2Vjb25kLXNlY3JldA==")
    assert api1(access_key="second-access-key", secret_key="c2Vjb25kLXNlY3JldA==").status_code == 200
    admin.remove_api1_credential("second-access-key")
    assert api1(access_key="second-access-key", secret_key="c2Vjb25kLXNlY3JldA==").status_code == 401
