"""/api/gateway/get-hold-message-list against the held queue."""

import pytest
from simtest_helpers import post_api1

from simulator.server import Simulator

PATH = "/api/gateway/get-hold-message-list"


@pytest.fixture
def sim():
    with Simulator(port=0, seed=11) as simulator:
        yield simulator


def post(sim, body):
    return post_api1(sim.url, PATH, body)


def test_admin_list_pages_through_every_held_message(sim):
    held = sim.state.held.held()
    first = post(sim, {"meta": {"pagination": {"pageSize": 5}}, "data": [{"admin": True}]}).json()
    assert [item["id"] for item in first["data"]] == [m.id for m in held[:5]]
    assert first["meta"]["pagination"]["totalCount"] == len(held)
    second = post(
        sim,
        {
            "meta": {"pagination": {"pageSize": 5, "pageToken": first["meta"]["pagination"]["next"]}},
            "data": [{"admin": True}],
        },
    ).json()
    assert [item["id"] for item in second["data"]] == [m.id for m in held[5:10]]


def test_search_by_recipient_and_date_window(sim):
    target = sim.state.held.add(sender="x@evil.example", recipient="zed@simulated.example.com", subject="Only me")
    received = target.to_json()["dateReceived"]
    body = {
        "data": [
            {
                "admin": True,
                "start": received,
                "end": received,
                "searchBy": {"fieldName": "recipient", "value": "zed@simulated.example.com"},
            }
        ]
    }
    assert [item["id"] for item in post(sim, body).json()["data"]] == [target.id]


def test_released_messages_leave_the_list_and_non_admin_sees_nothing(sim):
    first = sim.state.held.held()[0]
    sim.state.held.release(first.id)
    items = post(sim, {"meta": {"pagination": {"pageSize": 500}}, "data": [{"admin": True}]}).json()["data"]
    assert first.id not in {item["id"] for item in items}
    assert post(sim, {"data": [{}]}).json()["data"] == []


def test_invalid_date_and_page_token_are_mimecast_failures(sim):
    bad_date = post(sim, {"data": [{"admin": True, "start": "yesterday"}]})
    assert bad_date.status_code == 200
    assert bad_date.json()["fail"][0]["errors"][0]["code"] == "err_validation_invalid_date"
    bad_token = post(sim, {"meta": {"pagination": {"pageToken": "nonsense"}}, "data": [{"admin": True}]})
    assert bad_token.status_code == 400
