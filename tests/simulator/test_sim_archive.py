"""/api/archive/search in the simulator: the seeded archive, the xmlquery grammar, paging, Mimecast's errors."""

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape, quoteattr

import pytest
from simtest_helpers import REPO_ROOT, sample

from simulator import Simulator
from simulator.client import SimulatorAdminError, SimulatorClient

SEARCH = "/api/archive/search"
NOW = datetime(2025, 3, 31, 12, 0, tzinfo=UTC)
# Every field of an archive item, as in Mimecast's sample answer.
ALL_FIELDS = sorted(sample("archive_search.json")["data"][0]["items"][0])


def xmlquery(*muse: str, page_size: int | None = 25, startrow: int = 0, fields=("id",), mailboxes=()) -> str:
    size = f' page-size="{page_size}"' if page_size is not None else ""
    boxes = "".join(f'<mailbox include-aliases="true">{escape(m)}</mailbox>' for m in mailboxes)
    return (
        '<?xml version="1.0"?><xmlquery trace="iql,muse">'
        f'<metadata query-type="emailarchive" archive="true" active="false"{size} startrow="{startrow}">'
        f"{f'<mailboxes>{boxes}</mailboxes>' if boxes else ''}<smartfolders/>"
        f"<return-fields>{''.join(f'<return-field>{f}</return-field>' for f in fields)}</return-fields>"
        f"</metadata><muse>{''.join(muse)}</muse></xmlquery>"
    )


def text(value: str) -> str:
    return f"<text>{escape(value)}</text>"


def between(start: datetime | None = None, end: datetime | None = None) -> str:
    attrs = "".join(
        f" {name}={quoteattr(value.strftime('%Y-%m-%dT%H:%M:%S+0000'))}"
        for name, value in (("from", start), ("to", end))
        if value
    )
    return f'<date select="between"{attrs}/>'


@pytest.fixture
def archive(sim, admin):
    """An empty archive at a frozen instant; returns a function that archives emails and gives their ids."""
    admin.freeze_clock(NOW)
    admin.post("/_sim/archive/reset", {"size": 0})

    def add(*emails: dict) -> list[str]:
        return [email["id"] for email in admin.post("/_sim/archive/emails", {"emails": list(emails)})["emails"]]

    return add


@pytest.fixture
def search(api2):
    def call(query: str, *, admin: bool | None = True, meta: dict | None = None, item: dict | None = None):
        body = {"data": [item if item is not None else {"query": query, **({} if admin is None else {"admin": admin})}]}
        if meta is not None:
            body["meta"] = meta
        response = api2(SEARCH, body)
        assert response.status_code == 200
        return response.json()

    return call


def ids(body: dict) -> list[str]:
    return [item["id"] for item in body["data"][0]["items"]]


def email(email_id: str, minutes_ago: float, **fields) -> dict:
    received = (NOW - timedelta(minutes=minutes_ago)).isoformat()
    return {"id": email_id, "receiveddate": received, **fields}


def test_seeded_archive_is_deterministic_realistic_and_spans_60_days(admin):
    admin.freeze_clock(NOW)
    admin.post("/_sim/archive/reset", {"size": 400})
    first = admin.get("/_sim/archive/emails", {"limit": 400})["emails"]
    admin.post("/_sim/archive/reset", {})
    again = admin.get("/_sim/archive/emails", {"limit": 400})["emails"]

    assert first == again and len(first) == 400
    assert admin.get("/_sim/archive")["count"] == 400
    received = [datetime.strptime(e["receiveddate"], "%Y-%m-%dT%H:%M:%S%z") for e in first]
    assert received == sorted(received, reverse=True)
    assert NOW - timedelta(days=60) <= received[-1] < received[0] <= NOW
    assert received[0] - received[-1] > timedelta(days=50)
    assert len({e["id"] for e in first}) == 400
    for item in first:
        assert set(ALL_FIELDS) <= set(item) and item["status"] == "ARCHIVED"
        assert "@" in item["displayfromaddress"] and item["displaytoaddresslist"][0]["emailAddress"].count("@") == 1
        assert item["size"] > 0 and 0 <= item["attachmentcount"] <= 3 and len(item["smash"]) == 40
        assert item["mailboxes"]


def test_another_seed_gives_another_archive():
    with Simulator(port=0, seed=1, frozen_at=NOW) as one, Simulator(port=0, seed=2, frozen_at=NOW) as two:
        assert [e.id for e in one.state.archive.emails[:5]] != [e.id for e in two.state.archive.emails[:5]]
        assert len(one.state.archive.emails) == 3000


def test_size_is_a_start_up_option_and_data_reset_returns_to_it():
    with Simulator(port=0, feature_options={"archive": {"size": 120}}) as sim, SimulatorClient(sim.url) as admin:
        assert admin.get("/_sim/archive")["count"] == 120
        assert admin.config()["feature_options"] == {"archive": {"size": 120}}
        admin.post("/_sim/archive/reset", {"size": 7})
        assert admin.get("/_sim/archive")["count"] == 7
        admin.reset_data()
        assert admin.get("/_sim/archive")["count"] == 120


def test_unknown_feature_option_is_refused():
    with pytest.raises(ValueError, match="unknown simulator feature"):
        Simulator(port=0, feature_options={"archives": {"size": 1}})
    with pytest.raises(TypeError):
        Simulator(port=0, feature_options={"archive": {"sise": 1}})


def test_cli_feature_option_sets_the_archive_size():
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "--port", "0", "--feature-option", "archive.size=35"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = process.stdout.readline().strip().rpartition(" ")[2]
        with SimulatorClient(url) as admin:
            assert admin.get("/_sim/archive")["count"] == 35
    finally:
        process.terminate()
        process.communicate(timeout=10)
    refused = subprocess.run(
        [sys.executable, "-m", "simulator", "--port", "0", "--feature-option", "archive.size=-1"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert refused.returncode == 2 and "archive size must be a whole number" in refused.stderr


def test_only_requested_fields_come_back_newest_first(archive, search):
    archive(email("old", 50, subject="a"), email("new", 5, subject="b"), email("mid", 20, subject="c"))

    body = search(xmlquery(fields=("subject", "receiveddate", "subject", "nosuchfield")))

    assert body["fail"] == [] and body["meta"]["status"] == 200
    assert body["data"][0]["items"] == [
        {"subject": "b", "receiveddate": "2025-03-31T11:55:00+0000"},
        {"subject": "c", "receiveddate": "2025-03-31T11:40:00+0000"},
        {"subject": "a", "receiveddate": "2025-03-31T11:10:00+0000"},
    ]
    assert isinstance(body["data"][0]["queryDuration"], int)


def test_no_return_fields_gives_every_field_like_the_sample(archive, search):
    archive(email("x", 1, displaytoaddresslist=[{"displayableName": "Ann", "emailAddress": "ann@corp.example"}]))

    [item] = search(xmlquery(fields=()))["data"][0]["items"]

    assert sorted(item) == ALL_FIELDS
    assert item["displaytoaddresslist"] == [{"displayableName": "Ann", "emailAddress": "ann@corp.example"}]


def test_text_terms_from_to_subject_or_and_free_text(archive, search):
    archive(
        email("a", 1, displayfromaddress="alice@partner.example", displaytoaddresslist=["ceo@corp.example"]),
        email(
            "b", 2, displayfromaddress="bob@mail.vendor.example", subject="Invoice 7", displaytoaddresslist=["x@c.ex"]
        ),
        email("c", 3, displayfromaddress="carol@news.example", subject="Weekly invoice digest"),
    )

    assert ids(search(xmlquery(text("from:alice@partner.example")))) == ["a"]
    assert ids(search(xmlquery(text("from:ALICE@partner.example or from:carol@news.example")))) == ["a", "c"]
    assert ids(search(xmlquery(text("from:vendor.example")))) == ["b"]  # a domain covers its subdomains
    assert ids(search(xmlquery(text("from:@news.example")))) == ["c"]
    assert ids(search(xmlquery(text("to:ceo@corp.example")))) == ["a"]
    assert ids(search(xmlquery(text("subject:INVOICE")))) == ["b", "c"]
    assert ids(search(xmlquery(text("subject:invoice"), text("from:carol@news.example")))) == ["c"]  # AND
    assert ids(search(xmlquery(text("digest")))) == ["c"]
    assert ids(search(xmlquery(text("from:nobody@partner.example")))) == []


def test_parsed_queries_show_exactly_the_terms_received(archive, search, admin):
    archive()
    search(xmlquery(text("from:a@x.example or from:b@y.example"), text('subject:</text><text>from:* & "q"')))
    search("not xml")

    parsed, failed = admin.get("/_sim/archive/queries")["queries"]

    assert parsed["text"] == [
        [{"field": "from", "value": "a@x.example"}, {"field": "from", "value": "b@y.example"}],
        [{"field": "subject", "value": '</text><text>from:* & "q"'}],
    ]
    assert parsed["admin"] is True and parsed["return_fields"] == ["id"] and parsed["matched"] == 0
    assert failed == {"seq": failed["seq"], "admin": True, "error": "err_invalid_search_xml"}
    assert admin.get("/_sim/archive/queries", {"since": failed["seq"]})["queries"] == []


def test_or_inside_a_subject_splits_only_before_a_field_prefix(archive, search, admin):
    archive(email("s", 1, subject="Salt or pepper"))

    assert ids(search(xmlquery(text("subject:Salt or pepper")))) == ["s"]
    assert ids(search(xmlquery(text("subject:nothing or subject:pepper")))) == ["s"]


def test_date_between_from_to_alone_both_and_last_year(archive, search):
    archive(email("d1", 60), email("d2", 60 * 24 * 3), email("d3", 60 * 24 * 100), email("d4", 60 * 24 * 400))

    assert ids(search(xmlquery(between(NOW - timedelta(hours=2), NOW)))) == ["d1"]
    assert ids(search(xmlquery(between(NOW - timedelta(days=5))))) == ["d1", "d2"]
    assert ids(search(xmlquery(between(end=NOW - timedelta(days=5))))) == ["d3", "d4"]
    assert ids(search(xmlquery('<date select="last_year"/>'))) == ["d1", "d2", "d3"]
    assert ids(search(xmlquery())) == ["d1", "d2", "d3", "d4"]
    exactly = NOW - timedelta(minutes=60)
    assert ids(search(xmlquery(between(exactly, exactly)))) == ["d1"]  # both ends inclusive


@pytest.mark.parametrize(
    "query",
    [
        "from:x@y.com",
        "<xmlquery><metadata></xmlquery>",
        "<query/>",
        '<!DOCTYPE xmlquery [<!ENTITY e "boom">]><xmlquery><muse><text>&e;</text></muse></xmlquery>',
        xmlquery('<date select="last_week"/>'),
        xmlquery('<date select="between" from="yesterday"/>'),
        xmlquery(page_size=None).replace("<metadata ", '<metadata page-size="many" '),
    ],
)
def test_queries_mimecast_cannot_read_fail_like_the_sample(archive, search, query):
    body = search(query)

    expected = sample("error_archive_search_invalid_xml.json")
    expected["fail"][0]["key"]["query"] = query
    assert body == expected


def test_empty_query_is_blank_like_the_sample(archive, search):
    assert search("") == sample("error_validation_blank.json")


def test_without_admin_an_org_wide_search_finds_nothing(archive, search):
    archive(email("a", 1), email("b", 2))

    for admin_flag in (None, False):
        body = search(xmlquery(), admin=admin_flag)
        assert body["fail"] == [] and body["data"][0]["items"] == []
    assert ids(search(xmlquery())) == ["a", "b"]


def test_mailboxes_restrict_the_search(archive, search):
    archive(
        email("ceo", 1, displaytoaddresslist=["ceo@corp.example"]),
        email("both", 2, displaytoaddresslist=["ceo@corp.example", "cfo@corp.example"]),
        email("cfo", 3, displaytoaddresslist=["cfo@corp.example"]),
        email("own", 4, displaytoaddresslist=["ext@other.example"], mailboxes=["archivist@corp.example"]),
    )

    assert ids(search(xmlquery(mailboxes=["CEO@corp.example"]))) == ["ceo", "both"]
    assert ids(search(xmlquery(mailboxes=["cfo@corp.example", "archivist@corp.example"]))) == ["both", "cfo", "own"]


def test_pages_follow_next_with_page_token_and_page_size(archive, search):
    archive(*(email(f"m{i:02d}", i + 1) for i in range(7)))
    query = xmlquery(page_size=3)

    first = search(query)
    second = search(query, meta={"pagination": {"pageToken": first["meta"]["pagination"]["next"]}})
    last = search(query, meta={"pagination": {"pageToken": second["meta"]["pagination"]["next"], "pageSize": 5}})

    assert ids(first) == ["m00", "m01", "m02"] and first["meta"]["pagination"]["pageSize"] == 3
    assert ids(second) == ["m03", "m04", "m05"] and second["meta"]["pagination"]["recordStart"] == 3
    assert ids(last) == ["m06"] and "next" not in last["meta"]["pagination"]
    assert last["meta"]["pagination"] == {"pageSize": 5, "recordStart": 6}


def test_meta_page_size_wins_startrow_offsets_and_500_is_the_largest_page(archive, search):
    archive(*(email(f"m{i:03d}", i + 1) for i in range(520)))

    assert len(ids(search(xmlquery(page_size=10), meta={"pagination": {"pageSize": 4}}))) == 4
    assert ids(search(xmlquery(page_size=2, startrow=5))) == ["m005", "m006"]
    big = search(xmlquery(page_size=25), meta={"pagination": {"pageSize": 999}})
    assert len(ids(big)) == 500 and big["meta"]["pagination"]["pageSize"] == 500
    assert len(ids(search(xmlquery(page_size=None)))) == 25


def test_page_token_of_another_query_and_bad_page_size_are_refused(archive, search):
    archive(*(email(f"m{i}", i + 1) for i in range(4)))
    token = search(xmlquery(page_size=2))["meta"]["pagination"]["next"]

    other = search(xmlquery(page_size=3), meta={"pagination": {"pageToken": token}})
    assert other["fail"][0]["errors"][0]["code"] == "err_invalid_page_token"
    garbage = search(xmlquery(), meta={"pagination": {"pageToken": "%%%"}})
    assert garbage["fail"][0]["errors"][0]["code"] == "err_invalid_page_token"
    zero = search(xmlquery(), meta={"pagination": {"pageSize": 0}})
    assert zero["fail"][0]["errors"][0] == {
        "field": "pagination.pageSize",
        "code": "err_validation_invalid_value",
        "message": "This field must be a positive integer",
        "retryable": False,
    }


def test_search_needs_the_archive_permission_and_exactly_one_item(sim, admin, api2):
    assert api2(SEARCH, {"data": [{"query": xmlquery()}, {"query": xmlquery()}]}).status_code == 400
    admin.set_permissions(["Account | Dashboard | Read"], client_id="sim-client-3f8a1b7c")
    assert api2(SEARCH, {"data": [{"admin": True, "query": xmlquery()}]}).status_code == 403


def test_added_emails_are_checked(archive, admin):
    with pytest.raises(SimulatorAdminError, match="unknown email field"):
        admin.post("/_sim/archive/emails", {"emails": [{"from": "a@b.example"}]})
    archive(email("dup", 1))
    with pytest.raises(SimulatorAdminError, match="already archived"):
        archive(email("dup", 2))
    [added] = admin.post("/_sim/archive/emails", {"emails": [{}]})["emails"]
    assert added["receiveddate"] == "2025-03-31T12:00:00+0000" and added["id"].startswith("eNo")


def test_archived_emails_are_reportable_by_their_id():
    from simulator.messages import message_status

    with Simulator(port=0, seed=4) as sim:
        email = sim.state.archive.emails[0]
        assert message_status(sim.state, email.id) == "archived"
        assert message_status(sim.state, "no-such-id") is None
