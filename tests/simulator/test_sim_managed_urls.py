"""Managed URLs in the simulator: create (with Mimecast's validation and duplicate error), list, delete."""

import pytest
from simtest_helpers import first_error

CREATE = "/api/ttp/url/create-managed-url"
LIST = "/api/ttp/url/get-all-managed-urls"
DELETE = "/api/ttp/url/delete-managed-url"
ENTRY_FIELDS = {
    "id",
    "scheme",
    "domain",
    "port",
    "path",
    "queryString",
    "matchType",
    "action",
    "comment",
    "disableUserAwareness",
    "disableRewrite",
    "disableLogClick",
}


def body(*items):
    return {"data": list(items)}


@pytest.mark.parametrize("api", ["api1", "api2"])
def test_created_entries_are_listed_newest_first_and_deleted_ones_are_gone(sim, request, api):
    call = request.getfixturevalue(api)
    block = {
        "url": "https://phish.example/login?u=1",
        "action": "block",
        "comment": "SOAR case 1",
        "disableLogClick": True,
    }
    permit = {"url": "partner.example", "action": "permit", "matchType": "domain", "disableRewrite": "true"}

    created = call(CREATE, body(block, permit)).json()
    listed = call(LIST, body()).json()

    assert created["fail"] == []
    first, second = created["data"]
    assert set(first) == ENTRY_FIELDS
    assert {k: first[k] for k in ENTRY_FIELDS - {"id"}} == {
        "scheme": "https",
        "domain": "phish.example",
        "port": -1,
        "path": "/login",
        "queryString": "u=1",
        "matchType": "explicit",
        "action": "block",
        "comment": "SOAR case 1",
        "disableUserAwareness": False,
        "disableRewrite": False,
        "disableLogClick": True,
    }
    assert (second["domain"], second["matchType"], second["disableRewrite"], second["comment"]) == (
        "partner.example",
        "domain",
        True,
        "",
    )
    assert [e["id"] for e in listed["data"]] == [second["id"], first["id"]]
    assert listed["meta"]["pagination"]["totalCount"] == 2

    deleted = call(DELETE, body({"id": first["id"]})).json()
    assert deleted == {"meta": {"status": 200}, "data": [], "fail": []}
    assert [e["id"] for e in call(LIST, body()).json()["data"]] == [second["id"]]


def test_an_existing_url_answers_exists_and_delete_then_create_replaces_it(sim, api2):
    item = {"url": "https://www.morele344.net/", "action": "permit"}
    [entry] = api2(CREATE, body(item)).json()["data"]

    again = api2(CREATE, body({**item, "action": "block", "overrideUrl": False})).json()
    other_path = api2(CREATE, body({"url": "https://www.morele344.net", "action": "block"})).json()

    assert again["data"] == []
    assert again["fail"] == [
        {
            "key": {**item, "action": "block", "overrideUrl": False},
            "errors": [
                {
                    "code": "err_managed_url_exists_code",
                    "message": "The managed URL already exists; to update it, delete and recreate",
                    "retryable": False,
                }
            ],
        }
    ]
    assert other_path["fail"] == [] and other_path["data"][0]["path"] == ""
    api2(DELETE, body({"id": entry["id"]}))
    assert api2(CREATE, body({**item, "action": "block"})).json()["data"][0]["action"] == "block"


def test_a_domain_entry_covers_the_domain_once(sim, api1):
    api1(CREATE, body({"url": "https://bad.example/a", "action": "block", "matchType": "domain"}))
    second = api1(CREATE, body({"url": "http://BAD.example/other", "action": "block", "matchType": "domain"}))
    explicit = api1(CREATE, body({"url": "https://bad.example/a", "action": "block"}))
    assert first_error(second)["code"] == "err_managed_url_exists_code"
    assert explicit.json()["fail"] == []


def test_delete_of_an_unknown_id_is_managed_url_not_found_without_a_key(sim, api2):
    [entry] = api2(CREATE, body({"url": "https://x.example/", "action": "block"})).json()["data"]

    response = api2(DELETE, body({"id": "eNpUNKNOWN"}, {"id": entry["id"]}, {}))

    assert response.json()["data"] == []
    assert response.json()["fail"] == [
        {
            "key": {},
            "errors": [
                {
                    "field": "id",
                    "code": "err_validation_null",
                    "message": "This field is mandatory and cannot be null",
                    "retryable": False,
                }
            ],
        },
        {"errors": [{"code": "err_managed_url_not_found", "message": "Managed URL not found", "retryable": False}]},
    ]
    assert sim.state.managed_urls.all() == []


@pytest.mark.parametrize(
    ("item", "field", "code"),
    [
        ({"action": "block"}, "url", "err_validation_null"),
        ({"url": "", "action": "block"}, "url", "err_validation_blank"),
        ({"url": "https://x.example/"}, "action", "err_validation_null"),
        ({"url": "https://x.example/", "action": "allow"}, "action", "err_validation_invalid_value"),
        (
            {"url": "https://x.example/", "action": "block", "matchType": "exact"},
            "matchType",
            "err_validation_invalid_value",
        ),
        ({"url": "https://x.example/#top", "action": "block"}, "url", "err_validation_invalid_value"),
        ({"url": "ftp://x.example/", "action": "block"}, "url", "err_validation_invalid_value"),
        ({"url": "https://", "action": "block"}, "url", "err_validation_invalid_value"),
        (
            {"url": "https://x.example/", "action": "block", "disableLogClick": "yes"},
            "disableLogClick",
            "err_validation_invalid_type",
        ),
    ],
)
def test_invalid_items_are_refused_and_nothing_is_stored(sim, api1, item, field, code):
    response = api1(CREATE, body(item))
    assert response.status_code == 200 and response.json()["data"] == []
    assert response.json()["fail"][0]["key"] == item
    assert (first_error(response)["field"], first_error(response)["code"]) == (field, code)
    assert sim.state.managed_urls.all() == []


def test_rewrite_and_user_awareness_switch_off_only_for_permitted_urls(api2):
    flags = {"disableRewrite": True, "disableUserAwareness": True}
    blocked, permitted = api2(
        CREATE,
        body(
            {"url": "https://a.example/", "action": "block", **flags},
            {"url": "https://b.example/", "action": "permit", **flags},
        ),
    ).json()["data"]
    assert (blocked["disableRewrite"], blocked["disableUserAwareness"]) == (False, False)
    assert (permitted["disableRewrite"], permitted["disableUserAwareness"]) == (True, True)


def test_list_filters_sorts_and_pages(sim, admin, api1):
    for url in ("https://b.example/x", "https://a.example/login", "https://c.example/login"):
        admin.add_managed_url(url, comment=f"case {url[8]}")

    def urls(item=None):
        return [f"{e['domain']}{e['path']}" for e in api1(LIST, body(*([item] if item else []))).json()["data"]]

    assert urls() == ["c.example/login", "a.example/login", "b.example/x"]
    assert urls({"domainOrUrl": "login"}) == ["c.example/login", "a.example/login"]
    assert urls({"domainOrUrl": "a.example", "exactMatch": True}) == ["a.example/login"]
    assert urls({"domainOrUrl": "a.exam", "exactMatch": True}) == []
    assert urls({"domainOrComment": "case b"}) == ["b.example/x"]
    assert urls({"sortByUrl": True, "sortOrder": "asc"}) == ["a.example/login", "b.example/x", "c.example/login"]
    assert urls({"filterBy": [{"fieldName": "domain", "value": "b.example"}]}) == ["b.example/x"]
    first = api1(LIST, {"meta": {"pagination": {"pageSize": 2}}, "data": []}).json()
    token = first["meta"]["pagination"]["next"]
    assert first["meta"]["pagination"]["totalCount"] == 3
    rest = api1(LIST, {"meta": {"pagination": {"pageSize": 2, "pageToken": token}}, "data": []}).json()
    assert [e["domain"] for e in first["data"] + rest["data"]] == ["c.example", "a.example", "b.example"]
    assert "next" not in rest["meta"]["pagination"]
    assert [e["url"] for e in admin.managed_urls()] == [
        "https://c.example/login",
        "https://a.example/login",
        "https://b.example/x",
    ]


@pytest.mark.parametrize(
    ("path", "permission"),
    [
        (CREATE, "Services | Targeted Threat Protection - URL Protect | Edit"),
        (LIST, "Services | Targeted Threat Protection - URL Protect | Edit"),
        (DELETE, "Services | URL Protection | Edit"),
    ],
)
def test_permissions_are_the_documented_labels(admin, path, permission):
    assert {e["path"]: e["permission"] for e in admin.endpoints()}[path] == permission


def test_a_role_without_the_delete_label_cannot_delete(sim, admin, api2):
    [entry] = api2(CREATE, body({"url": "https://x.example/", "action": "block"})).json()["data"]
    held = [p for p in admin.credentials()["api2"][0]["permissions"] if p != "Services | URL Protection | Edit"]
    admin.set_permissions(held, client_id="sim-client-3f8a1b7c")
    assert api2(DELETE, body({"id": entry["id"]})).status_code == 403
    assert len(sim.state.managed_urls.all()) == 1
