"""Blocked Senders policies in the simulator: create (with Mimecast's validation), get, delete, admin view."""

import pytest
from simtest_helpers import first_error, sample

CREATE = "/api/policy/blockedsenders/create-policy"
GET = "/api/policy/blockedsenders/get-policy"
DELETE = "/api/policy/blockedsenders/delete-policy"
TIMES = ("createTime", "lastUpdated")


def policy_of(name):
    return sample(name)["data"][0]["policy"]


def without_times(policy):
    return {k: v for k, v in policy.items() if k not in TIMES}


def create(call, policy, option="block_sender"):
    return call(CREATE, {"data": [{"option": option, "policy": policy}]})


def test_new_style_request_is_answered_like_the_email_address_sample(sim, api2):
    request = {
        "description": "g",
        "fromPart": "both",
        "from": {"type": "individual_email_address", "emailAddress": "exm@gmail.com"},
        "to": {"type": "everyone"},
        "bidirectional": True,
        "enforced": True,
        "enabled": True,
        "fromEternal": True,
        "toEternal": True,
    }

    [created] = create(api2, request).json()["data"]

    expected = without_times(policy_of("blockedsenders_create_policy_email_address.json"))
    del expected["toValue"]  # the sample's null toValue comes from Google's hand-written example
    assert without_times(created["policy"]) == expected
    assert created["option"] == "block_sender" and created["id"].startswith("eNp")
    assert sim.state.blocked_sender_policies.get(created["id"]).policy == created["policy"]


def test_legacy_fields_and_defaults_are_answered_like_the_domain_and_everyone_samples(api1):
    domain = create(
        api1,
        {
            "description": "test",
            "fromPart": "both",
            "fromType": "email_domain",
            "fromValue": "google.com",
            "toType": "everyone",
        },
    )
    everyone = create(
        api1, {"description": "some test policy", "from": {"type": "everyone"}, "to": {"type": "everyone"}}
    )

    assert without_times(domain.json()["data"][0]["policy"]) == without_times(
        policy_of("blockedsenders_create_policy_email_domain.json")
    )
    assert without_times(everyone.json()["data"][0]["policy"]) == without_times(
        policy_of("blockedsenders_create_policy_everyone.json")
    )


def test_checkboxes_sent_as_strings_are_read_as_booleans(sim, api2):
    # Google's integration sends Bidirectional / Enforced unconverted: "true" / "false".
    policy = {
        **VALID,
        "bidirectional": "false",
        "enforced": "true",
        "enabled": "True",
        "override": "FALSE",
        "fromEternal": "true",
        "toEternal": "false",
        "toDate": "2030-01-01T00:00:00+0000",
    }

    response = create(api2, policy)

    assert response.json()["fail"] == []
    [created] = response.json()["data"]
    flags = ("bidirectional", "enforced", "enabled", "override", "fromEternal", "toEternal")
    assert {name: created["policy"][name] for name in flags} == {
        "bidirectional": False,
        "enforced": True,
        "enabled": True,
        "override": False,
        "fromEternal": True,
        "toEternal": False,
    }
    assert created["policy"]["toDate"] == "2030-01-01T00:00:00+0000"
    assert sim.state.blocked_sender_policies.get(created["id"]).policy["enforced"] is True


def test_a_dated_policy_keeps_its_window(api2):
    policy = {
        "description": "Campaign",
        "from": {"type": "header_display_name", "headerDisplayName": "CEO Office"},
        "to": {"type": "internal_addresses"},
        "fromDate": "2026-03-07T16:03:00Z",
        "toDate": "2026-03-08T16:03:00+0000",
        "comment": "SOAR case 123",
    }

    created = create(api2, policy).json()["data"][0]["policy"]

    assert (created["fromEternal"], created["toEternal"]) == (False, False)
    assert (created["fromDate"], created["toDate"]) == ("2026-03-07T16:03:00+0000", "2026-03-08T16:03:00+0000")
    assert (created["fromValue"], created["comment"]) == ("CEO Office", "SOAR case 123")
    assert "toValue" not in created


VALID = {"description": "d", "from": {"type": "everyone"}, "to": {"type": "everyone"}}


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        (
            {"from": {"type": "individual_email_address", "emailAddress": "not-an-address"}},
            "policy",
            "err_policy_invalid_from_value",
        ),
        ({"from": {"type": "individual_email_address"}}, "policy", "err_policy_invalid_from_value"),
        ({"to": {"type": "email_domain", "emailDomain": "@example.com"}}, "policy", "err_policy_invalid_to_value"),
        ({"from": {"type": "email_domain", "emailDomain": "example"}}, "policy", "err_policy_invalid_from_value"),
        (
            {"from": {"type": "header_display_name", "headerDisplayName": " "}},
            "policy",
            "err_policy_invalid_from_value",
        ),
        ({"to": {"type": "someone"}}, "policy", "err_policy_invalid_to_type"),
        ({"from": None}, "from", "err_validation_null"),
        ({"description": None}, "description", "err_validation_null"),
        ({"fromPart": "envelope"}, "fromPart", "err_validation_invalid_value"),
        ({"fromDate": "07/03/2026"}, "fromDate", "err_validation_invalid_date"),
        ({"fromEternal": False}, "fromDate", "err_validation_null"),
        ({"bidirectional": "yes"}, "bidirectional", "err_validation_invalid_type"),
        ({"enforced": 1}, "enforced", "err_validation_invalid_type"),
        ({"toEternal": "no"}, "toEternal", "err_validation_invalid_type"),
        (
            {"fromDate": "2026-03-08T00:00:00+0000", "toDate": "2026-03-07T00:00:00+0000"},
            "toDate",
            "err_policy_invalid_date_range",
        ),
    ],
)
def test_invalid_policies_are_refused_and_nothing_is_stored(sim, api2, change, field, code):
    response = create(api2, {**VALID, **change})

    assert response.status_code == 200 and response.json()["data"] == []
    assert (first_error(response)["field"], first_error(response)["code"]) == (field, code)
    assert sim.state.blocked_sender_policies.all() == []


def test_invalid_option_and_the_sample_error_shape(api1):
    invalid_option = create(api1, VALID, option="block")
    invalid_from = create(api1, {**VALID, "from": {"type": "email_domain", "emailDomain": ""}})

    assert first_error(invalid_option)["code"] == "err_validation_invalid_value"
    assert (
        invalid_from.json()["fail"][0]["errors"]
        == sample("error_blockedsenders_invalid_from_value.json")["fail"][0]["errors"]
    )


def test_get_lists_pages_and_single_policies_and_delete_removes_them(sim, admin, api2):
    ids = [create(api2, {**VALID, "description": f"p{n}"}).json()["data"][0]["id"] for n in range(3)]

    page = api2(GET, {"meta": {"pagination": {"pageSize": 2}}, "data": []}).json()
    one = api2(GET, {"data": [{"id": ids[1]}]}).json()
    unknown = api2(GET, {"data": [{"id": "eNpMISSING"}]}).json()
    deleted = api2(DELETE, {"data": [{"id": ids[0]}]}).json()
    again = api2(DELETE, {"data": [{"id": ids[0]}]}).json()

    assert [p["id"] for p in page["data"]] == ids[:2] and page["meta"]["pagination"]["next"]
    assert [p["policy"]["description"] for p in one["data"]] == ["p1"]
    assert unknown["meta"]["status"] == 404 and unknown["data"] == []
    assert deleted == {"meta": {"status": 200}, "data": [{"id": ids[0]}], "fail": []}
    assert again == sample("blockedsenders_delete_policy_not_found.json")
    assert [p["id"] for p in admin.get("/_sim/blocked-sender-policies")["policies"]] == ids[1:]


@pytest.mark.parametrize("api", ["api1", "api2"])
def test_a_deleted_policy_is_gone_from_get_policy(sim, request, api):
    call = request.getfixturevalue(api)
    kept, deleted = (create(call, {**VALID, "description": d}).json()["data"][0]["id"] for d in ("kept", "gone"))

    assert call(DELETE, {"data": [{"id": deleted}]}).json()["data"] == [{"id": deleted}]

    listed = call(GET, {"data": []}).json()
    by_id = call(GET, {"data": [{"id": deleted}]}).json()
    both = call(GET, {"data": [{"id": kept}, {"id": deleted}]}).json()
    assert [p["id"] for p in listed["data"]] == [kept] and listed["meta"]["status"] == 200
    assert listed["meta"]["pagination"]["totalCount"] == 1
    assert (by_id["meta"]["status"], by_id["data"], by_id["fail"]) == (404, [], [])
    assert both["meta"]["status"] == 404 and [p["id"] for p in both["data"]] == [kept]
    listed_item = listed["data"][0]
    assert set(listed_item) == set(sample("blockedsenders_get_policy.json")["data"][0])
    assert set(listed_item["policy"]) == set(sample("blockedsenders_get_policy.json")["data"][0]["policy"])


def test_create_with_an_id_replaces_that_policy(sim, api2):
    created = create(api2, VALID).json()["data"][0]
    update = {"id": created["id"], "option": "no_action", "policy": {**VALID, "description": "changed"}}

    [updated] = api2(CREATE, {"data": [update]}).json()["data"]
    missing = api2(CREATE, {"data": [{**update, "id": "eNpMISSING"}]})

    assert (updated["id"], updated["option"], updated["policy"]["description"]) == (
        created["id"],
        "no_action",
        "changed",
    )
    assert updated["policy"]["createTime"] == created["policy"]["createTime"]
    assert first_error(missing)["code"] == "err_policy_not_found"
    assert len(sim.state.blocked_sender_policies.all()) == 1


@pytest.mark.parametrize(
    ("path", "permission"),
    [
        ("/api/gateway/hold-release", "Account | Monitoring | Held | Edit"),
        ("/api/gateway/hold-reject", "Account | Monitoring | Held | Edit"),
        ("/api/message-finder/release-held-email-to-sandbox", "Account | Monitoring | Held | Edit"),
        ("/api/message-finder/reject-held-email", "Account | Monitoring | Held | Edit"),
        ("/api/message-finder/report-message", "Archive | View Logs | Read"),
        ("/api/managedsender/permit-or-block-sender", "Gateway | Managed Senders | Edit"),
        (CREATE, "Gateway | Policies | Edit"),
        (GET, "Gateway | Policies | Read"),
        (DELETE, "Gateway | Policies | Edit"),
    ],
)
def test_triage_endpoints_declare_their_permission(admin, path, permission):
    assert {e["path"]: e["permission"] for e in admin.endpoints()}[path] == permission
