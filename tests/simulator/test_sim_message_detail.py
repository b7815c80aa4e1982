"""get-message-detail and get-file: a message's attachments and their download URLs, for held-queue, tracking
and archive messages."""

from datetime import timedelta

import pytest
from simtest_helpers import sample

DETAIL = "/api/gateway/message/get-message-detail"
GET_FILE = "/api/gateway/message/get-file"
HOLD_LIST = "/api/gateway/get-hold-message-list"
ARCHIVE_SEARCH = "/api/archive/search"
ATTACHMENTS = [
    {"filename": "invoice.pdf", "contentType": "application/pdf", "size": 1234, "sha256": "a" * 64},
    {"filename": "run.exe", "contentType": "application/x-msdownload", "size": 99},
]


def held_with_attachments(sim, indexing_delay_s=3600):
    return sim.state.tracking.add(
        sender="bad@outside.example",
        recipients=["x@detail.example"],
        status="held",
        received=sim.state.clock.now() - timedelta(minutes=1),
        indexing_delay_s=indexing_delay_s,
        attachments=ATTACHMENTS,
    )


@pytest.mark.parametrize("api", ["api1", "api2"])
def test_the_held_message_from_the_hold_list_lists_its_attachments_and_their_urls(sim, request, api):
    call = request.getfixturevalue(api)
    message = held_with_attachments(sim)
    search = {"admin": True, "searchBy": {"fieldName": "recipient", "value": "x@detail.example"}}
    [entry] = call(HOLD_LIST, {"data": [search]}).json()["data"]

    detail = call(DETAIL, {"data": [{"id": entry["id"]}]}).json()

    assert detail["fail"] == [] and len(detail["data"]) == 1
    attachments = detail["data"][0]["attachments"]
    sample_item = sample("gateway_message_get_message_detail.json")["data"][0]["attachments"][0]
    assert all(set(a) == set(sample_item) for a in attachments)
    assert [(a["filename"], a["extension"], a["contentType"], a["size"]) for a in attachments] == [
        ("invoice.pdf", "pdf", "application/pdf", 1234),
        ("run.exe", "exe", "application/x-msdownload", 99),
    ]
    assert attachments[0]["sha256"] == "a" * 64
    assert [a["sha256"] for a in attachments] == [a.sha256 for a in message.attachments]
    files = call(GET_FILE, {"data": [{"id": a["id"]} for a in attachments]}).json()
    assert files["fail"] == []
    assert set(files["data"][0]) == set(sample("gateway_message_get_file.json")["data"][0])
    urls = [item["urls"][0] for item in files["data"]]
    assert all(url.startswith(sim.url + "/api/archive/get-message-part?id=") for url in urls)
    assert len(set(urls)) == 2


def test_tracking_and_archive_messages_have_attachments_too(sim, api1):
    tracked = held_with_attachments(sim, indexing_delay_s=0)
    email = next(e for e in sim.state.archive.emails if e.attachment_count == 2)

    by_tracking = api1(DETAIL, {"data": [{"id": tracked.id, "context": "RECEIVED"}]}).json()["data"]
    by_archive = api1(DETAIL, {"data": [{"id": email.id, "viewType": "archive"}]}).json()["data"]
    file_of_archive = api1(GET_FILE, {"data": [{"id": by_archive[0]["attachments"][1]["id"]}]}).json()

    assert [a["filename"] for a in by_tracking[0]["attachments"]] == ["invoice.pdf", "run.exe"]
    assert len(by_archive[0]["attachments"]) == 2
    assert by_archive == api1(DETAIL, {"data": [{"id": email.id}]}).json()["data"], "derived, so stable"
    assert file_of_archive["fail"] == [] and file_of_archive["data"][0]["urls"]


def test_a_tracking_id_is_unknown_until_the_message_is_indexed(sim, api1):
    tracked = held_with_attachments(sim)
    response = api1(DETAIL, {"data": [{"id": tracked.id}]}).json()
    assert response["fail"][0]["errors"][0]["code"] == "err_message_not_found"


def test_unknown_messages_attachments_and_invalid_options_are_item_failures(sim, api1):
    message = held_with_attachments(sim)
    [attachment] = api1(DETAIL, {"data": [{"id": message.held_ids[0]}]}).json()["data"][0]["attachments"][:1]
    tampered = attachment["id"][:-4] + "AAAA"

    detail = api1(DETAIL, {"data": [{"id": "eNpUNKNOWN"}, {"id": message.held_ids[0], "context": "SENT"}, {}]})
    files = api1(GET_FILE, {"data": [{"id": "eNpUNKNOWN"}, {"id": tampered}, {"id": attachment["id"]}]})

    assert detail.status_code == 200 and detail.json()["data"] == []
    assert [(f["key"], f["errors"][0]["field"], f["errors"][0]["code"]) for f in detail.json()["fail"]] == [
        ({"id": "eNpUNKNOWN"}, "id", "err_message_not_found"),
        ({"id": message.held_ids[0], "context": "SENT"}, "context", "err_validation_invalid_value"),
        ({}, "id", "err_validation_null"),
    ]
    assert [f["errors"][0]["code"] for f in files.json()["fail"]] == ["err_file_not_found", "err_file_not_found"]
    assert len(files.json()["data"]) == 1


@pytest.mark.parametrize("path", [DETAIL, GET_FILE])
def test_both_need_tracking_read(admin, path):
    assert {e["path"]: (e["permission"], e["api1"], e["api2"]) for e in admin.endpoints()}[path] == (
        "Gateway | Tracking | Read",
        True,
        True,
    )
