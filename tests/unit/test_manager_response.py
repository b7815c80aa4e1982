"""The Manager's delivered-message response (remediation, managed URLs, policies listed and deleted): against the
simulator in process in both authentication modes, and against requests-mock for the shapes Mimecast may answer."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import requests_mock as rm
from test_manager import API1, ROOT, manager, shown_by_an_action, token

from MimecastExceptions import (
    MimecastApiError,
    MimecastError,
    MimecastNotFoundError,
    MimecastResponseError,
    MimecastServerError,
)
from MimecastManager import MimecastManager
from simulator.server import Simulator

INSTANCES = Path(__file__).resolve().parents[2] / "devkit" / "instances"
CREATE = "/api/ttp/remediation/create"
GET_INCIDENT = "/api/ttp/remediation/get-incident"
CREATE_URL = "/api/ttp/url/create-managed-url"
LIST_URLS = "/api/ttp/url/get-all-managed-urls"
GET_POLICY = "/api/policy/blockedsenders/get-policy"
DELETE_POLICY = "/api/policy/blockedsenders/delete-policy"
HASH = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
POLICY = {
    "option": "block_sender",
    "policy": {"description": "Undo me", "fromPart": "both", "from": {"type": "everyone"}, "to": {"type": "everyone"}},
}


@pytest.fixture(scope="module")
def shared_sim():
    with Simulator(port=0, seed=3) as sim:
        yield sim


@pytest.fixture
def sim(shared_sim):
    shared_sim.state.reset()
    return shared_sim


@pytest.fixture(params=["api1", "api2"])
def mgr(request, sim):
    configuration = json.loads((INSTANCES / f"simulator-{request.param}.json").read_text())
    configuration["API Root"] = sim.url
    manager = MimecastManager.from_configuration(configuration)
    yield manager
    manager.close()


def sent(sim, path):
    return [entry["body"]["data"] for entry in sim.state.log.entries(path=path)]


@pytest.fixture
def phish(sim):
    domain = sim.state.tracking.domains[0]
    now = sim.state.clock.now()
    return sim.state.tracking.add(
        sender="ceo@spoof.example",
        recipients=[f"ann@{domain}", f"bob@{domain}", "carl@partner.example"],
        status="archived",
        message_id="phish-7@mail.spoof.example",
        attachments=[{"filename": "wire.pdf", "sha256": HASH}],
        urls=["https://login.account-verify.example.net/login"],
        received=now - timedelta(hours=2),
    )


# Remediation


def test_remediate_by_message_id_creates_an_incident_whose_counts_rise(sim, mgr, phish):
    incident = mgr.remediate_message("messageId", "<phish-7@mail.spoof.example>", "Phish, case 12")

    assert sent(sim, CREATE) == [
        [{"reason": "Phish, case 12", "searchBy": "messageId", "hashOrMessageId": "<phish-7@mail.spoof.example>"}]
    ]
    assert (incident.identified, incident.removed, incident.failed, incident.pending) == (3, 0, 0, 3)
    assert incident.id and incident.code.startswith("TR-")
    sim.state.clock.advance(10)
    later = mgr.get_remediation_incident(incident.id)
    assert (later.identified, later.removed, later.failed, later.pending) == (3, 2, 1, 0)
    assert later.to_table()["Message ID"] == "<phish-7@mail.spoof.example>"
    start, end = now_window(sim)
    tracked = {t.id: t for t in mgr.search_tracked_messages(start, end)}
    assert tracked[phish.id].info == "Message removed by Threat Remediation"


def now_window(sim):
    now = sim.state.clock.now()
    return now - timedelta(days=1), now + timedelta(minutes=1)


@pytest.mark.parametrize(
    ("search_by", "value", "field"),
    [("hash", HASH, "hashOrMessageId"), ("url", "https://login.account-verify.example.net/login", "url")],
)
def test_remediate_by_hash_or_url_sends_that_field_only(sim, mgr, phish, search_by, value, field):
    incident = mgr.remediate_message(search_by, value, "Phish")

    [[item]] = sent(sim, CREATE)
    assert item == {"reason": "Phish", "searchBy": search_by, field: value}
    assert incident.identified == 3


def test_remediation_window_is_sent_in_mimecasts_date_format(sim, mgr, phish):
    start, end = now_window(sim)
    mgr.remediate_message("messageId", "<phish-7@mail.spoof.example>", "Phish", start=start, end=end)

    [[item]] = sent(sim, CREATE)
    assert item["start"].endswith("+0000") and item["end"].endswith("+0000")


def test_unknown_incident_is_reported_as_not_found(sim, mgr):
    with pytest.raises(MimecastNotFoundError) as raised:
        mgr.get_remediation_incident("TR-0001-00001-A")

    assert str(raised.value).startswith('Mimecast found no remediation incident with ID "TR-0001-00001-A"')
    assert "not its code" in str(raised.value)


def test_an_incident_answer_without_an_id_confirms_nothing_and_says_where_to_look(clock):
    with rm.Mocker() as m:
        m.post(f"{ROOT}{CREATE}", json={"meta": {"status": 200}, "data": [{"code": ""}], "fail": []})
        with pytest.raises(MimecastResponseError) as raised:
            manager(clock, API1).remediate_message("hash", HASH, "Phish")
    assert raised.value.write_may_have_applied
    assert "the remediation incidents (Threat Remediation" in shown_by_an_action(raised.value)


@pytest.mark.parametrize(
    "failure",
    [
        {"status_code": 500, "json": {"meta": {"status": 500}, "data": [], "fail": []}},
        {"exc": requests.exceptions.ReadTimeout("read timed out")},
    ],
    ids=["5xx", "read timeout"],
)
def test_remediation_is_never_sent_twice_and_an_unknown_outcome_says_what_to_check(clock, failure):
    with rm.Mocker() as m:
        m.post(f"{ROOT}{CREATE}", **failure)
        with pytest.raises(MimecastError) as raised:
            manager(clock, API1).remediate_message("hash", HASH, "Phish")
        assert m.call_count == 1
    text = shown_by_an_action(raised.value)
    assert "heck the item in Mimecast before running the action again." in text
    assert raised.value.write_may_have_applied
    assert text.endswith(
        "Look for it among the remediation incidents (Threat Remediation in the Administration Console)."
    )


def test_get_incident_reads_the_documented_date_key_and_absent_counts(clock):
    incident = {"id": "i1", "code": "c1", "searchCriteria": {"date": "2026-01-01T00:00:00+0000"}, "successful": "x"}
    with rm.Mocker() as m:
        m.post(f"{ROOT}/oauth/token", **token())
        m.post(f"{ROOT}{GET_INCIDENT}", json={"meta": {"status": 200}, "data": [incident], "fail": []})
        found = manager(clock).get_remediation_incident("i1")
    row = found.to_table()
    assert row["Start"] == "2026-01-01T00:00:00+0000"
    assert (row["Identified"], row["Removed"], row["Pending"]) == (0, 0, 0)


# Managed URLs


def test_block_url_creates_an_entry_the_list_shows(sim, mgr):
    entry, existed = mgr.manage_url("https://phish.example/login", "block", match_type="explicit", comment="case 12")

    assert not existed and entry.action == "block" and entry.url == "https://phish.example/login"
    assert sent(sim, CREATE_URL) == [
        [
            {
                "url": "https://phish.example/login",
                "action": "block",
                "matchType": "explicit",
                "disableLogClick": False,
                "comment": "case 12",
            }
        ]
    ]
    assert [listed.id for listed in sim.state.managed_urls.all()] == [entry.id]


def test_permit_url_sends_the_permit_only_options(sim, mgr):
    entry, _ = mgr.manage_url(
        "phish.example", "permit", match_type="domain", disable_rewrite=True, disable_user_awareness=True
    )

    [[item]] = sent(sim, CREATE_URL)
    assert item["disableRewrite"] is True and item["disableUserAwareness"] is True
    assert entry.to_json()["disableRewrite"] is True and entry.url == "phish.example"


def test_an_existing_entry_with_the_same_action_is_reported_not_an_error(sim, mgr):
    first, _ = mgr.manage_url("https://phish.example/login", "block", match_type="explicit")
    again, existed = mgr.manage_url("https://PHISH.example/login", "block", match_type="explicit")

    assert existed and again.id == first.id
    assert len(sim.state.managed_urls.all()) == 1
    assert sent(sim, LIST_URLS) == [[{"domainOrUrl": "phish.example"}]]


def test_an_existing_entry_with_the_other_action_fails_without_changing_it(sim, mgr):
    permitted, _ = mgr.manage_url("https://phish.example/", "permit", match_type="domain")
    with pytest.raises(MimecastApiError) as raised:
        mgr.manage_url("https://phish.example/x", "block", match_type="domain")

    text = shown_by_an_action(raised.value)
    assert (
        'Mimecast did not block the URL "https://phish.example/x": it already has a managed URL entry that permits'
        in text
    )
    assert f'entry ID "{permitted.id}"' in text and "delete that entry in Mimecast first" in text
    assert [e.action for e in sim.state.managed_urls.all()] == ["permit"]


def test_an_answer_about_another_entry_confirms_nothing(clock):
    with rm.Mocker() as m:
        m.post(f"{ROOT}{CREATE_URL}", json={"data": [{"id": "u1", "action": "permit", "matchType": "explicit"}]})
        with pytest.raises(MimecastResponseError) as raised:
            manager(clock, API1).manage_url("https://phish.example/", "block", match_type="explicit")
    text = str(raised.value)
    assert 'action "permit" (asked: "block")' in text and "the managed URLs (URL Protection" in text


def test_a_duplicate_whose_entry_is_not_listed_is_reported_with_what_was_asked(clock):
    exists = {"key": {"url": "u"}, "errors": [{"code": "err_managed_url_exists_code", "message": "exists"}]}
    with rm.Mocker() as m:
        m.post(f"{ROOT}{CREATE_URL}", json={"meta": {"status": 200}, "data": [], "fail": [exists]})
        m.post(f"{ROOT}{LIST_URLS}", json={"meta": {"status": 200}, "data": [], "fail": []})
        entry, existed = manager(clock, API1).manage_url("https://phish.example/", "block", match_type="explicit")
    assert existed and entry.to_json()["url"] == "https://phish.example/" and entry.action == "block"


# Blocked Senders policies


def test_list_policies_returns_every_policy_and_one_by_id(sim, mgr):
    created = [sim.state.blocked_sender_policies.create(POLICY) for _ in range(3)]

    listed = mgr.list_blocked_sender_policies(100)
    one = mgr.list_blocked_sender_policies(100, created[1].id)

    assert [p.policy.id for p in listed] == [p.id for p in created]
    assert [p.policy.id for p in one] == [created[1].id]
    assert listed[0].to_table()["Sender Type"] == "everyone" and listed[0].to_table()["Start"] == "eternal"
    assert sent(sim, GET_POLICY)[0] == []


def test_list_policies_follows_pages_up_to_the_limit_and_takes_an_unpaged_answer_whole(clock):
    def page(ids, next_token=None):
        meta = {"status": 200, **({"pagination": {"next": next_token}} if next_token else {})}
        return {"json": {"meta": meta, "data": [{"id": i, "option": "block_sender", "policy": {}} for i in ids]}}

    with rm.Mocker() as m:
        m.post(f"{ROOT}{GET_POLICY}", [page(["a", "b"], "t1"), page(["c", "d"], "t2"), page(["e"])])
        listed = manager(clock, API1).list_blocked_sender_policies(3)
        bodies = [json.loads(r.text) for r in m.request_history]
    assert [p.policy.id for p in listed] == ["a", "b", "c"]
    assert [b["meta"]["pagination"] for b in bodies] == [{"pageSize": 3}, {"pageSize": 1, "pageToken": "t1"}]
    with rm.Mocker() as m:
        m.post(f"{ROOT}{GET_POLICY}", **page(["a", "b"]))
        assert len(manager(clock, API1).list_blocked_sender_policies(100)) == 2
        assert m.call_count == 1


def test_delete_policy_removes_it_from_the_list(sim, mgr):
    created = sim.state.blocked_sender_policies.create(POLICY)

    mgr.delete_blocked_sender_policy(created.id)

    assert sim.state.blocked_sender_policies.all() == []
    assert mgr.list_blocked_sender_policies(100) == []


def test_delete_of_an_unknown_policy_is_not_found_from_meta_status_alone(sim, mgr):
    with pytest.raises(MimecastNotFoundError) as raised:
        mgr.delete_blocked_sender_policy("eNoGone")

    assert str(raised.value) == (
        'Mimecast found no block sender policy with ID "eNoGone" (it may have been deleted already); nothing was '
        "deleted."
    )
    assert len(sent(sim, DELETE_POLICY)) == 1
    with pytest.raises(MimecastNotFoundError, match='found no block sender policy with ID "eNoGone"'):
        mgr.list_blocked_sender_policies(100, "eNoGone")


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"meta": {"status": 200}, "data": [{"id": "other"}], "fail": []}, 'it names "other"'),
        ({"meta": {"status": 200}, "data": [], "fail": []}, "it holds no policy ID"),
    ],
)
def test_a_delete_answer_that_does_not_echo_the_id_confirms_nothing(clock, answer, expected):
    with rm.Mocker() as m:
        m.post(f"{ROOT}{DELETE_POLICY}", json=answer)
        with pytest.raises(MimecastResponseError) as raised:
            manager(clock, API1).delete_blocked_sender_policy("p1")
    assert expected in str(raised.value) and "Check the Blocked Senders policies in Mimecast" in str(raised.value)
    assert raised.value.write_may_have_applied


def test_an_unknown_path_is_not_taken_for_an_unknown_policy(clock):
    body = {"meta": {"status": 404}, "data": [], "fail": [{"errors": [{"code": "not_found", "message": "No route"}]}]}
    with rm.Mocker() as m:
        m.post(f"{ROOT}{DELETE_POLICY}", status_code=404, json=body)
        with pytest.raises(MimecastApiError) as raised:
            manager(clock, API1).delete_blocked_sender_policy("p1")
    assert not isinstance(raised.value, MimecastNotFoundError)
    assert "HTTP 404" in str(raised.value)


def test_a_5xx_on_delete_is_not_retried_and_says_where_to_look(clock):
    with rm.Mocker() as m:
        m.post(f"{ROOT}{DELETE_POLICY}", status_code=503, json={"meta": {"status": 503}, "data": [], "fail": []})
        with pytest.raises(MimecastServerError) as raised:
            manager(clock, API1).delete_blocked_sender_policy("p1")
        assert m.call_count == 1
    assert str(raised.value).endswith("Look for it among the Blocked Senders policies.")
