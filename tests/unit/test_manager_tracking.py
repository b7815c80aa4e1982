"""The Manager's message-tracking calls and its rate-limit pacing, against requests-mock."""

from datetime import UTC, datetime

import pytest
import requests_mock as rm
from suite_helpers import mimecast_sample as sample
from test_manager import API1, ROOT, manager

from MimecastExceptions import MimecastApiError, MimecastRateLimitError, MimecastResponseError
from MimecastPacing import RateLimitPacer

START = datetime(2026, 3, 7, 15, 0, tzinfo=UTC)
END = datetime(2026, 3, 7, 16, 3, 9, tzinfo=UTC)


def test_search_sends_one_item_with_window_filters_and_direction(clock):
    with rm.Mocker() as m:
        m.post(f"{ROOT}/api/message-finder/search", json=sample("message_finder_search_held.json"))
        found = manager(clock, API1).search_tracked_messages(
            START, END, statuses=["held", "rejected"], routes=["inbound"], recipient="corp.example"
        )
        body = m.request_history[0].json()
    assert body == {
        "data": [
            {
                "start": "2026-03-07T15:00:00+0000",
                "end": "2026-03-07T16:03:09+0000",
                "status": ["held", "rejected"],
                "route": ["inbound"],
                "advancedTrackAndTraceOptions": {"to": "corp.example"},
            }
        ]
    }
    [tracked] = found
    assert tracked.id == "Test_Id_1" and tracked.status == "held" and tracked.route == "outbound"
    assert tracked.sender == "test.ipl@app.onmicrosoft.com"
    assert tracked.recipient_addresses == ("xxx@abc.com",)
    assert tracked.received == datetime(2025, 4, 16, 16, 7, 14, tzinfo=UTC)
    assert tracked.sender_ip == "40.93.64.20"


def test_search_from_a_domain_without_filters_sends_only_the_window_and_sender(clock):
    with rm.Mocker() as m:
        m.post(f"{ROOT}/api/message-finder/search", json=sample("message_finder_search.json"))
        manager(clock, API1).search_tracked_messages(START, END, sender="corp.example")
        body = m.request_history[0].json()["data"][0]
    assert body == {
        "start": "2026-03-07T15:00:00+0000",
        "end": "2026-03-07T16:03:09+0000",
        "advancedTrackAndTraceOptions": {"from": "corp.example"},
    }


def test_search_start_beyond_retention_is_mimecasts_failure(clock):
    with rm.Mocker() as m:
        m.post(f"{ROOT}/api/message-finder/search", json=sample("error_message_finder_invalid_start_date.json"))
        with pytest.raises(MimecastApiError) as raised:
            manager(clock, API1).search_tracked_messages(START, END)
    assert raised.value.codes == ("err_track_and_trace_invalid_start_date",)
    assert "Start date is outside the permitted range" in str(raised.value)


@pytest.mark.parametrize(
    "data",
    [{"trackedEmails": []}, [], "trackedEmails", [["trackedEmails"]], [{"trackedEmails": {"id": "x"}}]],
    ids=["data not a list", "no item", "data a string", "item not an object", "trackedEmails not a list"],
)
def test_an_answer_without_a_tracked_emails_list_is_a_response_error(clock, data):
    with rm.Mocker() as m:
        m.post(f"{ROOT}/api/message-finder/search", json={"meta": {"status": 200}, "data": data, "fail": []})
        with pytest.raises(MimecastResponseError) as raised:
            manager(clock, API1).search_tracked_messages(START, END)
    assert str(raised.value) == "Mimecast's answer to /api/message-finder/search has no trackedEmails list."


def test_message_info_reads_risk_queue_reason_and_internet_message_id(clock):
    with rm.Mocker() as m:
        m.post(
            f"{ROOT}/api/message-finder/get-message-info",
            json=sample("message_finder_get_message_info_held_with_risk.json"),
        )
        info = manager(clock, API1).get_message_info("Test_Id_1")
        assert m.request_history[0].json() == {"data": [{"id": "Test_Id_1"}]}
    assert info.tracking_id == "Test_Id_1" and info.status == "held"
    assert info.risk == "high"
    assert info.queue_reason == "Fraud Alert"
    assert info.queue_detail_status == "Message Hold Applied - Content examination policy"
    assert (
        info.internet_message_id
        == "TTTTTTTTTTTTTEEEEEEEEEESSSSSSSSSSSSSSSTTTTTTTTTTT@TTTEESSSTTT.xxx05.dev.outlook.com"
    )


def test_message_info_without_verdict_or_queue_has_no_risk_or_reason(clock):
    with rm.Mocker() as m:
        m.post(
            f"{ROOT}/api/message-finder/get-message-info", json=sample("message_finder_get_message_info_archived.json")
        )
        info = manager(clock, API1).get_message_info("x")
    assert info.risk is None and info.queue_reason is None and info.queue_detail_status is None
    assert info.internet_message_id == "978aeeb7a7bded3d-193351@nodered-mimecast-686cbcb7f9-znlxj.hamilton321.net"
    assert list(info.delivered) == ["test@test.com"]


def test_held_list_is_read_page_by_page_as_admin(clock):
    page = sample("hold_message_list.json")
    last = {**page, "meta": {"status": 200, "pagination": {"pageSize": 500, "totalCount": 3}}, "data": page["data"][:1]}
    with rm.Mocker() as m:
        m.post(f"{ROOT}/api/gateway/get-hold-message-list", [{"json": page}, {"json": last}])
        entries = manager(clock, API1).list_held_messages(START, END)
        bodies = [r.json() for r in m.request_history]
    assert [len(e.id) > 20 for e in entries] == [True, True, True]
    assert entries[0].recipient == "caroline@paloaltonetworks.mime.integration.com"
    assert entries[0].sender == "dbnotes@innovation-asylum.b41.one"
    assert entries[0].received == datetime(2022, 8, 1, 13, 10, 54, tzinfo=UTC)
    assert bodies[0] == {
        "meta": {"pagination": {"pageSize": 500}},
        "data": [{"admin": True, "start": "2026-03-07T15:00:00+0000", "end": "2026-03-07T16:03:09+0000"}],
    }
    assert bodies[1]["meta"]["pagination"]["pageToken"] == page["meta"]["pagination"]["next"]


def rate_headers(remaining, reset_ms):
    return {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": str(remaining), "X-RateLimit-Reset": str(reset_ms)}


def test_an_empty_bucket_delays_the_next_request_until_mimecasts_reset(clock):
    with rm.Mocker() as m:
        m.post(
            f"{ROOT}/api/message-finder/get-message-info",
            [
                {"json": sample("message_finder_get_message_info_held.json"), "headers": rate_headers(0, 700)},
                {"json": sample("message_finder_get_message_info_held.json"), "headers": rate_headers(3, 100)},
            ],
        )
        mgr = manager(clock, API1)
        mgr.get_message_info("a")
        assert clock.sleeps == []
        mgr.get_message_info("b")
        assert m.call_count == 2
    assert sum(clock.sleeps) == pytest.approx(0.7)


def test_no_rate_limit_headers_means_no_pacing(clock):
    with rm.Mocker() as m:
        m.post(f"{ROOT}/api/message-finder/get-message-info", json=sample("message_finder_get_message_info_held.json"))
        mgr = manager(clock, API1)
        for _ in range(5):
            mgr.get_message_info("a")
    assert clock.sleeps == []


def test_a_wait_that_does_not_fit_the_run_is_refused_without_sending(clock):
    with rm.Mocker() as m:
        m.post(
            f"{ROOT}/api/message-finder/get-message-info",
            json=sample("message_finder_get_message_info_held.json"),
            headers=rate_headers(0, 30_000),
        )
        mgr = manager(clock, API1, remaining=10)
        mgr.get_message_info("a")
        with pytest.raises(MimecastRateLimitError) as raised:
            mgr.get_message_info("b")
        assert m.call_count == 1
    assert "it was not sent" in str(raised.value)


def test_a_report_is_lowered_by_every_request_that_overlapped_it(clock):
    pacer = RateLimitPacer(clock.monotonic, clock.sleep)

    class Answer:
        status_code = 200

        def __init__(self, remaining):
            self.headers = rate_headers(remaining, 1000)

    first, second, third = (pacer.acquire("/p", deadline=clock.now + 60) for _ in range(3))
    pacer.observe(second, Answer(3))  # first and third overlapped it: Mimecast may count them later
    pacer.observe(first, Answer(4))  # answers arrive out of order; second and third overlapped the first too
    pacer.acquire("/p", deadline=clock.now + 60)
    pacer.acquire("/p", deadline=clock.now + 60)
    assert clock.sleeps == []
    pacer.acquire("/p", deadline=clock.now + 60)
    assert sum(clock.sleeps) == pytest.approx(1.0)
    assert third > second > first
