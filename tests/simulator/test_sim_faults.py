"""Fault knobs: latency, the rate-limit bucket, forced faults (before and after execution) and the clock."""

import json
import threading
from datetime import UTC, datetime

import pytest
import requests
from simtest_helpers import GET_ACCOUNT, TIMEOUT, WRITE, build_test_registry, fetch_token, post_api1, sample

from simulator import Simulator
from simulator.faults import ForcedFault, TokenBucket


def writes(sim) -> int:
    return sim.state.counter.count


def last_entry(admin) -> dict:
    return admin.log()[-1]


# Latency


def test_global_latency_delays_every_request(sim, admin, api1):
    admin.set_latency(150)
    api1()
    assert last_entry(admin)["duration_ms"] >= 150
    assert admin.config()["faults"]["latency_ms"] == 150


def test_path_latency_delays_that_path(sim, admin, api1):
    admin.set_latency(150, path=WRITE)
    api1(WRITE)
    assert last_entry(admin)["duration_ms"] >= 150
    assert admin.config()["faults"]["path_latency_ms"] == {WRITE: 150}
    admin.set_latency(0, path=WRITE)
    assert admin.config()["faults"]["path_latency_ms"] == {}


def test_latency_set_at_start_up():
    with Simulator(port=0, latency_ms=120, path_latency_ms={GET_ACCOUNT: 30}) as sim:
        post_api1(sim.url)
        assert sim.state.log.entries()[-1]["duration_ms"] >= 150


# Rate-limit bucket


@pytest.fixture
def limited_sim():
    with Simulator(port=0, rate_limit="2/60000", registry=build_test_registry()) as sim:
        yield sim


def post_write(sim):
    return post_api1(sim.url, WRITE)


def test_bucket_headers_count_down_and_the_empty_bucket_answers_429(limited_sim):
    first, second, third = post_write(limited_sim), post_write(limited_sim), post_write(limited_sim)
    assert [r.status_code for r in (first, second, third)] == [200, 200, 429]
    assert [r.headers["X-RateLimit-Limit"] for r in (first, second, third)] == ["2", "2", "2"]
    assert [r.headers["X-RateLimit-Remaining"] for r in (first, second, third)] == ["1", "0", "0"]
    # One request is added back every 30 s (2 per 60 s).
    assert 0 < int(third.headers["X-RateLimit-Reset"]) <= 30000
    assert third.json() == sample("error_rate_limited_429.json")


def test_429_from_the_bucket_does_not_execute_the_function(limited_sim):
    post_write(limited_sim)
    post_write(limited_sim)
    assert writes(limited_sim) == 2
    assert post_write(limited_sim).status_code == 429
    assert writes(limited_sim) == 2
    entry = limited_sim.state.log.entries()[-1]
    assert (entry["status"], entry["executed"], entry["fault"]["kind"]) == (429, False, "rate_limit_bucket")
    assert limited_sim.state.log.stats()["rate_limited"] == 1


def test_bucket_headers_are_on_every_response(limited_sim):
    unauthenticated = requests.post(limited_sim.url + WRITE, json={"data": []}, timeout=TIMEOUT)
    token = fetch_token(limited_sim.url)
    for response in (unauthenticated, token):
        assert response.headers["X-RateLimit-Limit"] == "2"
        assert response.headers["X-RateLimit-Remaining"] == "2"


def test_bucket_can_be_turned_on_and_off_at_run_time(sim, admin, api1):
    assert "X-RateLimit-Limit" not in api1().headers
    admin.set_rate_limit(1, 60000)
    assert api1().status_code == 200
    assert api1().status_code == 429
    admin.disable_rate_limit()
    response = api1()
    assert response.status_code == 200
    assert "X-RateLimit-Limit" not in response.headers


def test_bucket_refills_continuously():
    now = [0.0]
    bucket = TokenBucket(limit=4, window_ms=2000, monotonic=lambda: now[0])
    assert [bucket.take()[0] for _ in range(5)] == [True, True, True, True, False]
    assert bucket.take() == (False, 0, 500)
    now[0] = 0.25
    assert bucket.peek() == (0, 250)
    now[0] = 0.5
    assert bucket.take()[0] is True
    now[0] = 100.0
    assert bucket.peek() == (4, 0)


# Forced faults


def test_forced_429_carries_the_given_reset_and_does_not_execute(sim, admin, api1):
    admin.add_fault("rate_limit", path=WRITE, reset_ms=1234)
    response = api1(WRITE)
    assert response.status_code == 429
    assert response.headers["X-RateLimit-Reset"] == "1234"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert response.json() == sample("error_rate_limited_429.json")
    assert writes(sim) == 0
    assert api1(WRITE).status_code == 200


@pytest.mark.parametrize(
    ("status", "code"), [(500, "internal_server_error"), (502, "bad_gateway"), (503, "service_unavailable")]
)
def test_forced_server_error(sim, admin, api1, status, code):
    admin.add_fault("http_error", status=status, count=2)
    responses = [api1(), api1(), api1()]
    assert [r.status_code for r in responses] == [status, status, 200]
    body = responses[0].json()
    assert body["meta"]["status"] == status
    assert body["fail"][0]["errors"][0]["code"] == code
    assert body["fail"][0]["errors"][0]["retryable"] is True


def test_forced_fault_for_one_path_leaves_other_paths_alone(sim, admin, api1):
    admin.add_fault("http_error", path=WRITE, status=503)
    assert api1().status_code == 200
    assert api1(WRITE).status_code == 503
    assert api1(WRITE).status_code == 200


def test_path_fault_is_used_before_a_fault_for_every_path(sim, admin, api1):
    admin.add_fault("http_error", status=500)
    admin.add_fault("http_error", path=WRITE, status=503)
    assert api1(WRITE).status_code == 503
    assert api1(WRITE).status_code == 500
    assert api1(WRITE).status_code == 200


def test_malformed_body_is_truncated_json_in_http_200(sim, admin, api1):
    admin.add_fault("malformed")
    response = api1()
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


def test_malformed_after_execution_truncates_the_real_answer(sim, admin, api1):
    admin.add_fault("malformed", path=WRITE, after=True)
    response = api1(WRITE)
    assert response.text.startswith('{"meta": {"status": 200}, "data": [{"count": 1')
    assert writes(sim) == 1


def test_malformed_html_variant(sim, admin, api1):
    admin.add_fault("malformed", variant="html")
    response = api1()
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html"
    assert response.text.startswith("<html>")


def test_dropped_connection(sim, admin, api1):
    admin.add_fault("drop", path=WRITE)
    with pytest.raises(requests.ConnectionError):
        api1(WRITE)
    assert writes(sim) == 0
    entry = last_entry(admin)
    assert entry["status"] is None
    assert entry["fault"]["kind"] == "drop"
    assert admin.stats()["dropped"] == 1
    assert api1(WRITE).status_code == 200


def test_dropped_connection_after_the_write_happened(sim, admin, api1):
    admin.add_fault("drop", path=WRITE, after=True)
    with pytest.raises(requests.ConnectionError):
        api1(WRITE)
    assert writes(sim) == 1
    assert last_entry(admin)["executed"] is True


def test_server_error_after_the_write_happened(sim, admin, api1):
    admin.add_fault("http_error", path=WRITE, status=502, after=True)
    assert api1(WRITE).status_code == 502
    assert writes(sim) == 1
    admin.add_fault("http_error", path=WRITE, status=502)
    assert api1(WRITE).status_code == 502
    assert writes(sim) == 1


def test_fail_inside_http_200(sim, admin, api1):
    admin.add_fault("fail", code="err_xdk_operation_forbidden_for_address", message="0003 Forbidden", retryable=False)
    response = api1()
    assert response.status_code == 200
    assert response.json() == {
        "meta": {"status": 200},
        "data": [],
        "fail": [
            {
                "errors": [
                    {"code": "err_xdk_operation_forbidden_for_address", "message": "0003 Forbidden", "retryable": False}
                ]
            }
        ],
    }


def test_read_delay_outlasts_the_client_read_timeout(sim, admin, api1):
    admin.add_fault("read_delay", path=WRITE, delay_ms=3000)
    with pytest.raises(requests.ReadTimeout):
        api1(WRITE, timeout=0.3)


def test_read_delay_after_execution_still_performs_the_write(sim, admin, api1):
    admin.add_fault("read_delay", path=WRITE, delay_ms=3000, after=True)
    with pytest.raises(requests.ReadTimeout):
        api1(WRITE, timeout=0.5)
    assert writes(sim) == 1


def test_faults_on_the_token_endpoint(sim, admin):
    admin.add_fault("http_error", path="/oauth/token", status=503)
    assert fetch_token(sim.url).status_code == 503
    admin.add_fault("drop", path="/oauth/token", after=True)
    with pytest.raises(requests.ConnectionError):
        fetch_token(sim.url)
    assert last_entry(admin)["executed"] is True
    assert fetch_token(sim.url).status_code == 200


def test_faults_set_at_start_up_and_listed_and_cleared(sim, admin, api1):
    with Simulator(port=0, faults=[{"kind": "http_error", "status": 503, "count": 1}]) as started:
        assert post_api1(started.url).status_code == 503
    admin.add_fault("drop", count=3)
    assert [(f["kind"], f["count"]) for f in admin.faults()] == [("drop", 3)]
    admin.clear_faults()
    assert admin.faults() == []
    assert api1().status_code == 200


# Redirects


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_answers_the_status_and_location_without_executing(sim, admin, api1, status):
    admin.add_redirect("http://127.0.0.1:9/elsewhere", status=status, path=WRITE)

    response = api1(WRITE, allow_redirects=False)

    assert response.status_code == status
    assert response.headers["Location"] == "http://127.0.0.1:9/elsewhere"
    assert response.content == b""
    assert writes(sim) == 0
    entry = last_entry(admin)
    assert (entry["status"], entry["executed"]) == (status, False)
    assert {k: entry["fault"][k] for k in ("kind", "status", "location")} == {
        "kind": "redirect",
        "status": status,
        "location": "http://127.0.0.1:9/elsewhere",
    }
    assert admin.stats()["faults"] == {"redirect": 1}
    assert api1(WRITE, allow_redirects=False).status_code == 200


def test_redirect_to_another_simulator_reaches_it_only_when_a_client_follows(sim, admin):
    with Simulator(port=0) as other:
        admin.add_fault("redirect", location=other.url + GET_ACCOUNT, count=2)

        kept = post_api1(sim.url, allow_redirects=False)
        followed = post_api1(sim.url)

        assert kept.status_code == 302 and kept.headers["Location"] == other.url + GET_ACCOUNT
        assert [r.status_code for r in followed.history] == [302]
        # requests turns a followed 302 POST into a GET, which Mimecast (and the simulator) refuse.
        assert [(e["method"], e["path"]) for e in other.state.log.entries()] == [("GET", GET_ACCOUNT)]
        assert followed.status_code == 405


def test_redirect_after_execution_and_for_every_path_and_the_token_endpoint(sim, admin, api1):
    admin.add_redirect("https://example.invalid/moved", status=307, after=True)
    assert api1(WRITE, allow_redirects=False).status_code == 307
    assert writes(sim) == 1 and last_entry(admin)["executed"] is True

    admin.add_redirect("http://example.invalid/token", path="/oauth/token", status=308)
    token = fetch_token(sim.url, allow_redirects=False)
    assert (token.status_code, token.headers["Location"]) == (308, "http://example.invalid/token")


def test_redirect_set_at_start_up():
    spec = {"kind": "redirect", "location": "http://127.0.0.1:9/", "status": 301, "path": GET_ACCOUNT}
    with Simulator(port=0, faults=[spec]) as started:
        response = post_api1(started.url, allow_redirects=False)
        assert (response.status_code, response.headers["Location"]) == (301, "http://127.0.0.1:9/")
        assert post_api1(started.url).status_code == 200


@pytest.mark.parametrize(
    "spec",
    [
        {"kind": "redirect"},
        {"kind": "redirect", "location": " "},
        {"kind": "redirect", "location": "http://x.example/", "status": 300},
        {"kind": "redirect", "location": "http://x.example/", "status": 500},
        {"kind": "explode"},
        {"kind": "http_error", "status": 404},
        {"kind": "drop", "count": 0},
        {"kind": "malformed", "variant": "xml"},
        {"kind": "drop", "colour": "red"},
    ],
)
def test_invalid_fault_specs_are_refused(admin, spec):
    from simulator.client import SimulatorAdminError

    with pytest.raises(SimulatorAdminError) as refused:
        admin.post("/_sim/faults", spec)
    assert refused.value.status == 400
    with pytest.raises(ValueError):
        ForcedFault.from_dict(spec)


# Clock


def test_frozen_clock_decides_date_checks(sim, admin, api1):
    instant = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert admin.freeze_clock(instant)["now"] == instant.isoformat()
    assert api1().status_code == 401
    assert api1(date=instant).status_code == 200
    admin.advance_clock(3600)
    assert admin.clock()["now"] == datetime(2030, 1, 2, 4, 4, 5, tzinfo=UTC).isoformat()
    admin.unfreeze_clock()
    assert admin.clock()["frozen"] is False


def test_clock_offset_at_start_up():
    with Simulator(port=0, clock_offset_s=-3600) as sim:
        response = post_api1(sim.url)
        assert response.status_code == 401
        assert response.json()["fail"][0]["errors"][0]["code"] == "err_xdk_invalid_date"


def test_reset_restores_the_start_up_state(sim, admin, api1, api2):
    admin.set_clock_offset(7200)
    admin.set_rate_limit(1)
    admin.add_fault("drop")
    admin.revoke_client("sim-client-3f8a1b7c")
    admin.reset()
    assert api1().status_code == 200
    assert api2(token=fetch_token(sim.url).json()["access_token"]).status_code == 200
    config = admin.config()
    assert config["faults"]["rate_limit"] is None
    assert config["faults"]["forced"] == []


def test_concurrent_requests_are_served_in_parallel(sim, admin):
    admin.set_latency(2000, path=WRITE)
    threads = [threading.Thread(target=lambda: post_write(sim)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert admin.stats()["max_in_flight"] == 3
    assert writes(sim) == 3
