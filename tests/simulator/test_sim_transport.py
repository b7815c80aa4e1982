"""Transport: the envelope, routing, body validation, the Date header and the endpoint registry contract."""

import json
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import pytest
import requests
from simtest_helpers import (
    CONFLICT,
    CRASH,
    GET_ACCOUNT,
    ONE_ITEM,
    PAGED,
    PARTIAL,
    TIMEOUT,
    WRITE,
    api1_headers,
    first_error,
)

from simulator import DEFAULT_API1_APP_ID, DEFAULT_API2_CLIENT_ID, Simulator


def post_raw(sim, path, data, headers=None):
    sent = api1_headers(path)
    sent.update(headers or {})
    return requests.post(sim.url + path, data=data, headers=sent, timeout=TIMEOUT)


def test_unknown_path_is_not_found(api1):
    response = api1("/api/account/no-such-function")
    assert response.status_code == 404
    assert response.json()["meta"]["status"] == 404
    assert first_error(response)["code"] == "not_found"


def test_unknown_path_outside_api_is_not_found(sim):
    assert requests.post(sim.url + "/nothing-here", json={}, timeout=TIMEOUT).status_code == 404


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_other_methods_are_not_allowed(sim, method):
    response = requests.request(method, sim.url + GET_ACCOUNT, headers=api1_headers(GET_ACCOUNT), timeout=TIMEOUT)
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert response.json()["meta"]["status"] == 405


def test_body_that_is_not_json_is_a_bad_request(sim):
    response = post_raw(sim, GET_ACCOUNT, b"{not json", {"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["meta"]["status"] == 400
    assert first_error(response)["code"] == "err_validation_invalid_json"


ARCHIVE_SEARCH = "/api/archive/search"
QUERY = '<?xml version="1.0"?><xmlquery><metadata/><muse><text>subject:SUBJECT</text></muse></xmlquery>'
# json.dumps writes a lone surrogate as the escape `\ud800`: valid JSON grammar, but no Unicode text.
HALF_PAIR_QUERY = json.dumps({"data": [{"admin": True, "query": QUERY.replace("SUBJECT", "\ud800")}]}).encode()


@pytest.mark.parametrize(
    ("path", "raw"),
    [
        (ARCHIVE_SEARCH, HALF_PAIR_QUERY),
        (ARCHIVE_SEARCH, b'{"data": [{"admin": true, "query\\udc00": "x"}]}'),
        ("/api/message-finder/search", b'{"data": [{"advancedTrackAndTraceOptions": {"subject": "\\udfff"}}]}'),
        # UTF-8 bytes that decode to nothing: a lone continuation byte, and an encoded surrogate.
        (ARCHIVE_SEARCH, b'{"data": [{"admin": true, "query": "\x80"}]}'),
        (GET_ACCOUNT, b'{"data": [{"note": "\xed\xa0\x80"}]}'),
    ],
)
def test_invalid_unicode_in_the_body_is_a_bad_request_not_a_server_error(sim, path, raw):
    response = post_raw(sim, path, raw, {"Content-Type": "application/json"})

    assert response.status_code == 400
    body = response.json()
    assert body["meta"]["status"] == 400 and body["data"] == []
    assert first_error(response)["code"] == "err_validation_invalid_json"
    entry = sim.state.log.entries()[-1]
    assert (entry["status"], entry["executed"]) == (400, False)


def test_body_without_data_is_a_bad_request(api1):
    response = api1(body={"meta": {}})
    assert response.status_code == 400
    assert first_error(response) == {
        "field": "data",
        "code": "err_validation_null",
        "message": "This field is mandatory and cannot be null",
        "retryable": False,
    }


@pytest.mark.parametrize("body", [{"data": {"a": 1}}, {"data": ["text"]}, [1, 2], {"data": [], "meta": []}])
def test_wrongly_typed_body_is_a_bad_request(api1, body):
    response = api1(body=body)
    assert response.status_code == 400
    assert first_error(response)["code"] == "err_validation_invalid_type"


def test_empty_body_is_read_as_no_items(sim):
    response = post_raw(sim, GET_ACCOUNT, b"")
    assert response.status_code == 200
    assert response.json()["data"][0]["accountCode"] == sim.state.account.to_json()["accountCode"]


@pytest.mark.parametrize("items", [[], [{"a": 1}, {"a": 2}]])
def test_item_count_limits_are_enforced(api1, items):
    response = api1(ONE_ITEM, {"data": items})
    assert response.status_code == 400
    assert first_error(response)["code"] == "err_validation_item_count"


def test_item_within_the_limit_reaches_the_function(api1):
    response = api1(ONE_ITEM, {"data": [{"id": "x"}]})
    assert response.status_code == 200
    assert response.json() == {"meta": {"status": 200}, "data": [{"id": "x"}], "fail": []}


def test_handler_meta_is_returned_with_the_status(api1):
    response = api1(PAGED, {"meta": {"pagination": {"pageSize": 3}}, "data": []})
    assert response.json()["meta"] == {"status": 200, "pagination": {"pageSize": 3, "next": "token-2"}}
    assert len(response.json()["data"]) == 3


def test_item_level_failures_come_in_http_200(api1):
    response = api1(PARTIAL, {"data": [{"id": "good"}, {"id": "bad"}]})
    assert response.status_code == 200
    assert response.json()["data"] == [{"id": "good"}]
    assert response.json()["fail"] == [
        {
            "key": {"id": "bad"},
            "errors": [{"field": "id", "code": "err_not_found", "message": "Not found", "retryable": False}],
        }
    ]


def test_api_fail_becomes_an_error_envelope(api1):
    response = api1(CONFLICT, {"data": [{"id": "m1"}]})
    assert response.status_code == 409
    assert response.json() == {
        "meta": {"status": 409},
        "data": [],
        "fail": [
            {"key": {"id": "m1"}, "errors": [{"code": "err_conflict", "message": "State changed", "retryable": True}]}
        ],
    }


def test_handler_bug_is_an_internal_server_error(api1, capsys):
    response = api1(CRASH)
    assert response.status_code == 500
    assert first_error(response)["code"] == "internal_server_error"
    assert "bug in a handler" in capsys.readouterr().err


def test_date_header_comes_from_the_simulator_clock_on_every_response(sim, api1):
    frozen = datetime(2031, 5, 17, 8, 30, 0, tzinfo=UTC)
    sim.state.clock.freeze(frozen)
    responses = [
        api1(date=frozen),
        api1(),  # rejected: the client's date is years away from the simulator's
        api1("/api/unknown"),
        requests.get(sim.url + GET_ACCOUNT, timeout=TIMEOUT),
        requests.get(sim.url + "/_sim/health", timeout=TIMEOUT),
    ]
    assert [r.status_code for r in responses] == [200, 401, 404, 405, 200]
    for response in responses:
        assert parsedate_to_datetime(response.headers["Date"]) == frozen
        assert response.headers["Date"].endswith("GMT")


def test_handlers_see_the_principal_and_mode(api1, api2):
    first = api1(WRITE).json()["data"][0]
    second = api2(WRITE).json()["data"][0]
    assert (first["principal"], first["mode"]) == (DEFAULT_API1_APP_ID, "api1")
    assert (second["principal"], second["mode"]) == (DEFAULT_API2_CLIENT_ID, "api2")
    assert second["count"] == first["count"] + 1


def test_feature_state_is_reachable_and_deterministic_by_seed():
    with Simulator(port=0, seed=7) as first, Simulator(port=0, seed=7) as second, Simulator(port=0, seed=8) as third:
        assert first.state.account.to_json() == second.state.account.to_json()
        assert first.state.account.to_json() != third.state.account.to_json()


def test_account_can_be_changed_through_the_admin_api(admin, api1):
    admin.update_account({"accountName": "Renamed Ltd"})
    assert api1().json()["data"][0]["accountName"] == "Renamed Ltd"
    admin.reset_data()
    assert api1().json()["data"][0]["accountName"] != "Renamed Ltd"
