"""The request log and stats: what each entry records, and that no credential ever appears in it."""

import json

import requests
from simtest_helpers import ALL_SECRETS, GET_ACCOUNT, TIMEOUT, WRITE, api1_headers, fetch_token

from simulator import DEFAULT_API1_APP_ID, DEFAULT_API2_CLIENT_ID


def test_entry_records_the_request_and_the_answer(sim, admin, api1):
    api1(WRITE, {"data": [{"id": "m-1"}]})
    [entry] = admin.log()
    assert entry["method"] == "POST"
    assert entry["path"] == WRITE
    assert entry["auth_mode"] == "api1"
    assert entry["principal"] == DEFAULT_API1_APP_ID
    assert entry["body"] == {"data": [{"id": "m-1"}]}
    assert entry["status"] == 200
    assert entry["response"]["data"][0]["count"] == 1
    assert entry["fault"] is None
    assert entry["executed"] is True
    assert entry["duration_ms"] >= 0
    assert entry["time"].startswith(sim.state.clock.now().date().isoformat())
    assert set(entry["headers"]) >= {"x-mc-date", "x-mc-req-id", "x-mc-app-id"}


def test_sequence_numbers_increase_and_since_filters(sim, admin, api1):
    api1()
    api1(WRITE)
    api1()
    entries = admin.log()
    assert [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)
    assert [e["path"] for e in admin.log(since=entries[0]["seq"])] == [WRITE, GET_ACCOUNT]
    assert [e["path"] for e in admin.log(path=WRITE)] == [WRITE]


def test_token_request_is_logged_without_secret_or_token(sim, admin):
    token = fetch_token(sim.url).json()["access_token"]
    [entry] = admin.log()
    assert entry["body"] == {"client_id": DEFAULT_API2_CLIENT_ID, "grant_type": "client_credentials"}
    assert entry["principal"] == DEFAULT_API2_CLIENT_ID
    assert entry["response"]["access_token"] == "[redacted]"
    assert token not in json.dumps(entry)


def test_no_credential_appears_anywhere_in_the_log(sim, admin, api2, token):
    good = api1_headers(GET_ACCOUNT)
    bad = api1_headers(GET_ACCOUNT)
    bad["Authorization"] = bad["Authorization"][:-3] + "xx="
    for headers in (good, bad):
        requests.post(sim.url + GET_ACCOUNT, json={"data": []}, headers=headers, timeout=TIMEOUT)
    api2()
    api2(token="guessed-token-value")
    fetch_token(sim.url, client_secret="wrong-secret-value")
    signatures = [h["Authorization"].split(":", 1)[1] for h in (good, bad)]
    logged = json.dumps(admin.log()) + json.dumps(admin.stats())
    assert len(admin.log()) == 6
    for secret in (*ALL_SECRETS, *signatures, token, "guessed-token-value", "wrong-secret-value"):
        assert secret not in logged
    assert "authorization" not in logged.lower()


def test_failed_requests_are_logged_with_their_status(sim, admin, api1, api2):
    api1(access_key="nobody")
    api2(token="expired")
    requests.get(sim.url + GET_ACCOUNT, timeout=TIMEOUT)
    assert [(e["status"], e["auth_mode"], e["executed"]) for e in admin.log()[-3:]] == [
        (401, "api1", False),
        (401, "api2", False),
        (405, None, False),
    ]


def test_admin_calls_are_not_logged(sim, admin):
    admin.health()
    admin.config()
    admin.set_latency(0)
    assert admin.log() == []
    assert admin.stats()["total"] == 0


def test_stats_count_paths_statuses_and_429s(sim, admin, api1):
    api1()
    api1()
    api1(WRITE)
    admin.add_fault("rate_limit", path=WRITE)
    api1(WRITE)
    stats = admin.stats()
    assert stats["by_path"] == {GET_ACCOUNT: {"200": 2}, WRITE: {"200": 1, "429": 1}}
    assert stats["by_status"] == {"200": 3, "429": 1}
    assert stats["rate_limited"] == 1
    assert stats["total"] == 4
    assert stats["faults"] == {"rate_limit": 1}
    assert stats["max_in_flight"] >= 1


def test_reset_log_clears_entries_and_counters(sim, admin, api1):
    api1()
    admin.reset_log()
    assert admin.log() == []
    assert admin.stats()["total"] == 0
    api1()
    assert len(admin.log()) == 1
