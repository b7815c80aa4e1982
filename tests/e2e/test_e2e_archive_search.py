"""Simple and Advanced Archive Search against the simulator: the scripts run in process (tests/action_harness.py,
through the runner code that builds what the platform shows), except where the platform's maximum JSON result
size is reached, which only the real SDK, in a platform subprocess, can show.

The scripts run on the host's clock, so the archive is laid out around the moment of the run, with no email
near a time frame's edge; the exact resolution of each frame (calendar months included) is tested in process
(tests/unit/test_archive_search.py). Messages are written out here on purpose.
"""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from action_cases import ARCHIVE_FOUND as FOUND
from action_cases import DEFAULT_FIELDS

SIMPLE = "Simple Archive Search"
ADVANCED = "Advanced Archive Search"
SEARCH = "/api/archive/search"
NOT_FOUND = "No archive emails were found for the provided criteria in Mimecast"
NOW = datetime.now(UTC).replace(microsecond=0)
API_DATE = "%Y-%m-%dT%H:%M:%S+0000"
# Newest first, by age. Recipients are the mailboxes the emails are archived in.
EMAILS = [
    ("m30", timedelta(minutes=30), "alice@partner.example", ["analyst@corp.example"], "Invoice 1001"),
    ("h3", timedelta(hours=3), "bob@vendor.example", ["ceo@corp.example"], "Quarterly report"),
    (
        "h12",
        timedelta(hours=12),
        "alice@partner.example",
        ["ceo@corp.example", "analyst@corp.example"],
        "Invoice 1002 overdue",
    ),
    ("d3", timedelta(days=3), "carol@news.example", ["team@corp.example"], "Weekly newsletter"),
    ("d20", timedelta(days=20), "bob@vendor.example", ["analyst@corp.example"], "Invoice 0999"),
    ("d26", timedelta(days=26), "dave@partner.example", ["ceo@corp.example"], "Contract draft"),
    ("d33", timedelta(days=33), "alice@partner.example", ["ceo@corp.example"], "Old invoice"),
]


def api_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(API_DATE)


def archived(email_id, age, sender, recipients, subject):
    return {
        "id": email_id,
        "receiveddate": api_date(NOW - age),
        "displayfromaddress": sender,
        "displaytoaddresslist": recipients,
        "subject": subject,
    }


@pytest.fixture
def archive(simulator_client):
    """The simulator with exactly EMAILS archived; returns its admin client."""
    simulator_client.post("/_sim/archive/reset", {"size": 0})
    add_emails(simulator_client, *(archived(*email) for email in EMAILS))
    return simulator_client


@pytest.fixture
def simple(action_in_process, api2_instance):
    def run(**params):
        return action_in_process(
            SIMPLE, {name.replace("_", " "): value for name, value in params.items()}, instance=api2_instance
        )

    return run


@pytest.fixture
def advanced(action_in_process, api2_instance):
    def run(xml):
        return action_in_process(ADVANCED, {"XML Query": xml}, instance=api2_instance)

    return run


def add_emails(client, *emails):
    client.post("/_sim/archive/emails", {"emails": list(emails)})


def searches(client):
    return client.log(path=SEARCH)


def parsed_queries(client):
    return client.get("/_sim/archive/queries")["queries"]


def result_ids(run):
    return [item["id"] for item in run.json_result]


def moment(text: str) -> datetime:
    return datetime.strptime(text, API_DATE).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("params", "span", "expected"),
    [
        ({"Time Frame": "Last Hour"}, timedelta(hours=1), ["m30"]),
        ({"Time Frame": "Last 6 Hours"}, timedelta(hours=6), ["m30", "h3"]),
        ({"Time Frame": "Last 24 Hours"}, timedelta(hours=24), ["m30", "h3", "h12"]),
        ({"Time Frame": "Last Week"}, timedelta(days=7), ["m30", "h3", "h12", "d3"]),
        # one calendar month: 28 to 31 days, whatever today is
        ({"Time Frame": "Last Month"}, None, ["m30", "h3", "h12", "d3", "d20", "d26"]),
        # Start and End Time are ignored unless Time Frame is Custom
        (
            {"Time Frame": "Last Hour", "Start Time": "not a time", "End Time": "2020-01-01"},
            timedelta(hours=1),
            ["m30"],
        ),
    ],
)
def test_time_frames_resolve_to_utc_ranges_ending_now(archive, simple, params, span, expected):
    before = datetime.now(UTC).replace(microsecond=0)
    run = simple(**params)
    after = datetime.now(UTC)

    assert run.completed and run.result_value is True
    assert run.message == FOUND
    assert result_ids(run) == expected
    assert [row["id"] for row in run.tables["Results"]] == expected
    [search] = searches(archive)
    assert search["body"]["data"][0]["admin"] is True
    [query] = parsed_queries(archive)
    assert query["date"]["select"] == "between"
    date_from, date_to = query["date"]["from"], query["date"]["to"]
    assert before <= moment(date_to) <= after
    if span is None:
        assert timedelta(days=28) <= moment(date_to) - moment(date_from) <= timedelta(days=31)
    else:
        assert moment(date_to) - moment(date_from) == span
    assert query["text"] == [] and query["mailboxes"] == [] and query["return_fields"] == DEFAULT_FIELDS
    assert f"searching emails received from {date_from} to {date_to} (UTC)" in run.debug_output
    ignored = "Start Time" in params and params["Time Frame"] != "Custom"
    assert ('"Start Time" and "End Time" are used only when "Time Frame" is Custom; ignored.' in run.debug_output) == (
        ignored
    )


@pytest.mark.parametrize(
    ("params", "date_from", "date_to", "expected"),
    [
        (  # an offset, and no offset (UTC)
            {
                "Start Time": (NOW - timedelta(hours=4)).astimezone(timezone(timedelta(hours=2))).isoformat(),
                "End Time": (NOW - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S"),
            },
            api_date(NOW - timedelta(hours=4)),
            api_date(NOW - timedelta(hours=2)),
            ["h3"],
        ),
    ],
)
def test_custom_time_frame_converts_both_times_to_utc(archive, simple, params, date_from, date_to, expected):
    run = simple(**{"Time Frame": "Custom", **params})

    assert run.completed and result_ids(run) == expected
    [query] = parsed_queries(archive)
    assert query["date"] == {"select": "between", "from": date_from, "to": date_to}


def test_custom_time_frame_without_end_time_ends_now(archive, simple):
    before = datetime.now(UTC).replace(microsecond=0)
    run = simple(**{"Time Frame": "Custom", "Start Time": api_date(NOW - timedelta(days=4)).replace("+0000", "Z")})
    after = datetime.now(UTC)

    assert run.completed and result_ids(run) == ["m30", "h3", "h12", "d3"]
    [query] = parsed_queries(archive)
    assert query["date"]["from"] == api_date(NOW - timedelta(days=4))
    assert before <= moment(query["date"]["to"]) <= after


def term(field, value):
    return {"field": field, "value": value}


@pytest.mark.parametrize(
    ("params", "text", "mailboxes", "expected"),
    [
        ({"From": "alice@partner.example"}, [[term("from", "alice@partner.example")]], [], ["m30", "h12"]),
        (
            {"From": "alice@partner.example,\n bob@vendor.example"},
            [[term("from", "alice@partner.example"), term("from", "bob@vendor.example")]],
            [],
            ["m30", "h3", "h12", "d20"],
        ),
        ({"To": "ceo@corp.example"}, [[term("to", "ceo@corp.example")]], [], ["h3", "h12", "d26"]),
        (
            {"To": "ceo@corp.example, team@corp.example"},
            [[term("to", "ceo@corp.example"), term("to", "team@corp.example")]],
            [],
            ["h3", "h12", "d3", "d26"],
        ),
        ({"Subject": "invoice"}, [[term("subject", "invoice")]], [], ["m30", "h12", "d20"]),
        ({"Mailboxes": "team@corp.example"}, [], ["team@corp.example"], ["d3"]),
        (
            {
                "From": "alice@partner.example, dave@partner.example",
                "To": "ceo@corp.example",
                "Subject": "Invoice",
                "Mailboxes": "ceo@corp.example,\nanalyst@corp.example",
            },
            [
                [term("from", "alice@partner.example"), term("from", "dave@partner.example")],
                [term("to", "ceo@corp.example")],
                [term("subject", "Invoice")],
            ],
            ["ceo@corp.example", "analyst@corp.example"],
            ["h12"],
        ),
    ],
)
def test_filters_alone_and_combined(archive, simple, params, text, mailboxes, expected):
    run = simple(**{"Time Frame": "Last Month", **params})

    assert run.completed and run.message == FOUND
    assert result_ids(run) == expected
    [query] = parsed_queries(archive)
    assert query["text"] == text and query["mailboxes"] == mailboxes


def test_fields_to_return_pasted_with_commas_and_newlines(archive, simple):
    run = simple(**{"Time Frame": "Last 6 Hours", "Fields To Return": "id,\n subject ,\n\ndisplaytoaddresslist,"})

    assert run.completed
    assert run.json_result == [
        {
            "id": "m30",
            "subject": "Invoice 1001",
            "displaytoaddresslist": [{"displayableName": "", "emailAddress": "analyst@corp.example"}],
        },
        {
            "id": "h3",
            "subject": "Quarterly report",
            "displaytoaddresslist": [{"displayableName": "", "emailAddress": "ceo@corp.example"}],
        },
    ]
    assert run.tables["Results"] == [
        {"id": "m30", "subject": "Invoice 1001", "displaytoaddresslist": "analyst@corp.example"},
        {"id": "h3", "subject": "Quarterly report", "displaytoaddresslist": "ceo@corp.example"},
    ]
    assert parsed_queries(archive)[0]["return_fields"] == ["id", "subject", "displaytoaddresslist"]


def test_default_fields_come_back_as_mimecast_returns_them(archive, simple):
    run = simple(**{"Time Frame": "Last Hour"})

    [item] = run.json_result
    assert list(item) == DEFAULT_FIELDS
    assert item["receiveddate"] == api_date(NOW - timedelta(minutes=30)) and item["status"] == "ARCHIVED"
    assert [list(row) for row in run.tables["Results"]] == [DEFAULT_FIELDS]


@pytest.mark.parametrize(
    "value",
    [
        "Tom & Jerry <tom@example.com> \"quoted\" 'single'",
        "</text><text>from:*",
        "Invoice or unpaid",
        "Re: Fwd: notes",
        "subject:or nothing",
    ],
)
def test_subject_values_cannot_change_the_query_structure(archive, simple, value):
    add_emails(archive, {"id": "tricky", "receiveddate": api_date(NOW - timedelta(minutes=10)), "subject": value})

    run = simple(**{"Time Frame": "Last Hour", "Subject": value})

    assert run.completed and result_ids(run) == ["tricky"]
    [query] = parsed_queries(archive)
    assert query["text"] == [[term("subject", value)]]


FROM_TO_RULE = (
    "Give one email address (sender@example.com) or domain (example.com) per value, separated by commas; "
    "search operators are not allowed."
)


@pytest.mark.parametrize("parameter", ["From", "To", "Mailboxes"])
@pytest.mark.parametrize(
    "value",
    [
        "x@nowhere.example or subject:invoice",
        "x@nowhere.example or subject:",
        "x@nowhere.example OR to:ceo@corp.example",
        "x@nowhere.example\tor\tfrom:alice@partner.example",
        "x@nowhere.example\u00a0or\u00a0from:alice@partner.example",
        "x@evil.example</text><text>from:*",
        "*@partner.example",
        "alice*@partner.example",
        "!alice@partner.example",
        "partner.example?",
        '"o\'brien"&co@evil.example',
        "jöhn@exämple.org",
        "alice@partner.example.",
        "(alice@partner.example)",
    ],
)
def test_from_to_and_mailboxes_are_one_address_or_domain_each(archive, simple, parameter, value):
    run = simple(**{"Time Frame": "Last Month", parameter: f"bob@vendor.example, {value}"})

    assert run.failed and run.result_value is False
    shown = value.replace("\t", "\\t")
    assert run.message.startswith(
        f'Error executing action "{SIMPLE}". Reason: Invalid value for "{parameter}": "{shown}" is not an email '
        f"address or a domain. {FROM_TO_RULE}"
    ), run.message
    assert searches(archive) == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"From": "partner.example"}, ["m30", "h12", "d26"]),
        ({"From": "@partner.example, bob@VENDOR.example"}, ["m30", "h3", "h12", "d20", "d26"]),
        ({"To": "corp.example", "From": "carol@news.example"}, ["d3"]),
    ],
)
def test_from_and_to_take_addresses_and_domains(archive, simple, params, expected):
    run = simple(**{"Time Frame": "Last Month", **params})

    assert run.completed and result_ids(run) == expected


@pytest.mark.parametrize(
    "alternative",
    [" or from:", " OR to:", "\tor\tsubject:", "\u00a0or from:", " or  body:", " Or Cc :", "or from:"],
)
def test_a_subject_cannot_open_an_alternative_on_another_field(archive, simple, alternative):
    value = f"Invoice{alternative}alice@partner.example" if alternative[0] != "o" else f"{alternative}x"

    run = simple(**{"Time Frame": "Last Month", "Subject": value})

    assert run.failed and run.result_value is False
    assert run.message.startswith(f'Error executing action "{SIMPLE}". Reason: Invalid value for "Subject": ')
    assert "Mimecast's search would read it as a second, separate condition" in run.message, run.message
    assert searches(archive) == []


@pytest.mark.parametrize(
    ("max_emails", "page_sizes"),
    [(None, [50]), ("1000", [500, 500]), ("1100", [500, 500, 100])],
)
def test_pages_bring_exactly_max_emails_with_the_fewest_requests(simulator_client, simple, max_emails, page_sizes):
    simulator_client.post("/_sim/archive/reset", {"size": 3000})  # about 1550 in the last month
    params = {"Time Frame": "Last Month", **({"Max Emails To Return": max_emails} if max_emails else {})}

    run = simple(**params)

    expected = int(max_emails or 50)
    assert run.completed and run.message == FOUND
    assert len(run.json_result) == expected == len({item["id"] for item in run.json_result})
    received = [item["receiveddate"] for item in run.json_result]
    assert received == sorted(received, reverse=True)
    assert len(run.tables["Results"]) == expected
    sent = searches(simulator_client)
    assert [entry["body"]["meta"]["pagination"]["pageSize"] for entry in sent] == page_sizes
    assert [bool(entry["body"]["meta"]["pagination"].get("pageToken")) for entry in sent] == [
        False,
        *([True] * (len(page_sizes) - 1)),
    ]


def test_no_match_completes_with_the_no_data_message(archive, simple):
    run = simple(**{"Time Frame": "Last Hour", "Subject": "no such subject"})

    assert run.completed and run.result_value is True
    assert run.message == NOT_FOUND
    assert run.json_result == []
    assert "Results" not in run.tables
    assert len(searches(archive)) == 1


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        (
            {"Time Frame": "Custom"},
            '"Start Time" should be provided, when "Custom" is selected in "Time Frame" parameter.',
        ),
        (
            {"Time Frame": "Custom", "Start Time": "2025-03-30T10:00:00Z", "End Time": "2025-03-30T11:00:00+02:00"},
            '"End Time" should be later than "Start Time".',
        ),
        (
            {"Time Frame": "Custom", "Start Time": "yesterday"},
            'Invalid value for "Start Time": "yesterday". Use ISO 8601',
        ),
        (
            {"Time Frame": "Custom", "Start Time": "2025-03-01", "End Time": "31/03/2025"},
            'Invalid value for "End Time"',
        ),
        (
            {"Max Emails To Return": "0"},
            'Invalid value for "Max Emails To Return": "0". It must be a positive whole number.',
        ),
        ({"Max Emails To Return": "-5"}, 'Invalid value for "Max Emails To Return": "-5"'),
        ({"Max Emails To Return": "ten"}, 'Invalid value for "Max Emails To Return": "ten"'),
        ({"Time Frame": "Last Year"}, 'Invalid value for "Time Frame": "Last Year". Allowed values: Last Hour,'),
        ({"Fields To Return": " ,\n, "}, '"Fields To Return" must name at least one field'),
    ],
)
def test_invalid_input_fails_before_anything_is_sent(simulator_client, simple, params, reason):
    run = simple(**params)

    assert run.failed and run.result_value is False
    assert run.message.startswith(f'Error executing action "{SIMPLE}". Reason: {reason}')
    assert simulator_client.log() == []


def test_simple_search_with_api1_credentials(simulator_client, action_in_process, api1_instance):
    # API 1.0 signs the real time, so this test runs on the real clocks.
    simulator_client.post("/_sim/archive/reset", {"size": 0})
    received = datetime.fromisoformat(simulator_client.clock()["now"]) - timedelta(minutes=1)
    add_emails(simulator_client, {"id": "a-minute-ago", "receiveddate": received.isoformat(), "subject": "Fresh"})

    run = action_in_process(SIMPLE, {"Subject": "fresh"}, instance=api1_instance)

    assert run.completed and result_ids(run) == ["a-minute-ago"]
    assert [entry["auth_mode"] for entry in searches(simulator_client)] == ["api1"]


def xmlquery(muse, page_size=25):
    return (
        '<?xml version="1.0"?>\n<xmlquery trace="iql,muse">\n'
        f'  <metadata query-type="emailarchive" archive="true" active="false" page-size="{page_size}" startrow="0">\n'
        "    <smartfolders/><return-fields><return-field>id</return-field>"
        "<return-field>receiveddate</return-field></return-fields>\n"
        f"  </metadata>\n  <muse>{muse}</muse>\n</xmlquery>"
    )


def test_advanced_search_sends_the_query_unchanged_and_returns_the_items(archive, advanced):
    query = xmlquery('<text>subject:invoice</text><date select="last_year"/>')

    run = advanced(query)

    assert run.completed and run.message == FOUND
    invoices = [email for email in EMAILS if "invoice" in email[4].lower()]
    assert run.json_result == [{"id": email[0], "receiveddate": api_date(NOW - email[1])} for email in invoices]
    assert [row["id"] for row in run.tables["Results"]] == ["m30", "h12", "d20", "d33"]
    [search] = searches(archive)
    assert search["body"]["data"] == [{"admin": True, "query": query}]


def test_advanced_search_follows_next_up_to_its_5000_email_cap(simulator_client, advanced):
    simulator_client.post("/_sim/archive/reset", {"size": 5100})

    run = advanced(xmlquery('<date select="last_year"/>', page_size=100))

    assert run.completed and run.message == FOUND
    assert len(run.json_result) == 5000 == len({item["id"] for item in run.json_result})
    sent = searches(simulator_client)
    assert [entry["body"]["meta"]["pagination"]["pageSize"] for entry in sent] == [500] * 10
    assert "Returned 5000 emails, the most this action returns" in run.debug_output
    assert "Mimecast has more emails matching the query" in run.debug_output


def test_advanced_search_without_match_completes_with_the_no_data_message(archive, advanced):
    run = advanced(xmlquery("<text>subject:nothing like this</text>"))

    assert run.completed and run.result_value is True and run.message == NOT_FOUND and run.json_result == []


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("<!DOCTYPE xmlquery><xmlquery/>", "it contains a DOCTYPE declaration"),
        (
            '<!DOCTYPE xmlquery [<!ENTITY boom "lol">]><xmlquery><muse><text>&boom;</text></muse></xmlquery>',
            'it declares the entity "boom"',
        ),
        (
            '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xmlquery><muse><text>&xxe;</text></muse></xmlquery>',
            'it declares the entity "xxe", an external reference to "file:///etc/passwd"',
        ),
        (
            '<!DOCTYPE xmlquery SYSTEM "http://attacker.example/q.dtd"><xmlquery/>',
            'it refers to an external document type definition ("http://attacker.example/q.dtd")',
        ),
        (
            xmlquery("<text>subject:a & b</text>"),
            "it is not well-formed XML: not well-formed (invalid token) at line 6, column 26 "
            'near "se><text>subject:a & b</text></muse>".',
        ),
        ("<xmlquery><muse></xmlquery>", "it is not well-formed XML: mismatched tag at line 1, column 19"),
    ],
)
def test_unsafe_or_malformed_advanced_query_is_refused_before_any_request(simulator_client, advanced, query, reason):
    run = advanced(query)

    assert run.failed and run.result_value is False
    prefix = f'Error executing action "{ADVANCED}". Reason: "XML Query" was refused and nothing was sent to Mimecast: '
    assert run.message.startswith(prefix + reason)
    assert simulator_client.log() == []


def test_mimecast_fail_answer_gives_the_failure_with_mimecasts_text(archive, advanced):
    run = advanced(xmlquery('<date select="last_fortnight"/>'))

    assert run.failed and run.result_value is False
    assert run.message.startswith(f'Error executing action "{ADVANCED}". Reason: ')
    assert "Invalid search XML (err_invalid_search_xml, field query)" in run.message
    assert [entry["status"] for entry in searches(archive)] == [200]


def test_a_result_larger_than_the_platform_s_limit_returns_the_newest_emails_that_fit(
    simulator_client, action_runner, api2_instance
):
    simulator_client.post("/_sim/archive/reset", {"size": 3000})

    run = action_runner(
        SIMPLE,
        {"Time Frame": "Last Month", "Max Emails To Return": "1500"},
        instance=api2_instance,
        max_json_result_mb=1,
    )

    assert run.completed and run.result_value is True, run.message
    kept = len(run.json_result)
    assert 0 < kept < 1500 and len(run.tables["Results"]) == kept
    assert run.message == (
        f"{FOUND} Only the newest {kept} of 1500 emails fit in the platform's maximum JSON result size (1 MB); the "
        f"other {1500 - kept} were left out. Narrow the search or lower the number of emails to return."
    )
    received = [item["receiveddate"] for item in run.json_result]
    assert received == sorted(received, reverse=True)
    assert len(run.output["ResultObjectJson"]) <= 1_048_576


@pytest.mark.parametrize("max_emails", ["999999999", "5001", "+5001", "1000000"])
def test_simple_search_refuses_more_than_5000_emails_before_anything_is_sent(simulator_client, simple, max_emails):
    run = simple(**{"Time Frame": "Last Month", "Max Emails To Return": max_emails})

    assert run.failed and run.result_value is False
    assert run.message == (
        f'Error executing action "{SIMPLE}". Reason: Invalid value for "Max Emails To Return": "{max_emails}". '
        "It must be at most 5000, the most an archive search returns; to see older emails, narrow the search "
        "(Time Frame, From, To, Subject)."
    )
    assert simulator_client.log() == []
    assert "Successfully" not in run.debug_output + run.log_path.read_text()


def test_simple_search_takes_up_to_5000_emails_like_the_advanced_search(simulator_client, simple):
    simulator_client.post("/_sim/archive/reset", {"size": 5100})

    start = api_date(NOW - timedelta(days=70))  # the seeded archive spans 60 days

    run = simple(**{"Time Frame": "Custom", "Start Time": start, "Max Emails To Return": "5000"})

    assert run.completed and run.message == FOUND
    assert len(run.json_result) == len(run.tables["Results"]) == 5000
    assert [entry["body"]["meta"]["pagination"]["pageSize"] for entry in searches(simulator_client)] == [500] * 10


def test_an_email_too_large_for_the_platform_on_its_own_fails_the_search_and_nothing_logs_success(
    simulator_client, action_runner, api2_instance
):
    simulator_client.post("/_sim/archive/reset", {"size": 0})
    big = {"id": "big", "receiveddate": api_date(NOW - timedelta(minutes=5)), "subject": "x" * 1_200_000}
    add_emails(simulator_client, big)

    run = action_runner(
        SIMPLE,
        {"Time Frame": "Last Hour", "Fields To Return": "id,subject"},
        instance=api2_instance,
        max_json_result_mb=1,
    )

    assert run.failed and run.result_value is False
    assert run.message == (
        f'Error executing action "{SIMPLE}". Reason: Mimecast found 1 email, but even the newest one alone is larger '
        "than the platform's maximum JSON result size (1 MB). Ask for fewer fields or narrow the search."
    )
    logged = run.debug_output + run.log_path.read_text()
    assert FOUND not in logged and "Successfully" not in logged


HOSTILE_SUBJECTS = [
    '"Quarterly" report',
    '"',
    'Payment, "urgent", today',
    "line one\nline two\r\nline three\rend",
    '",evil,"',
    "a,b,c",
    '=HYPERLINK("http://attacker.example","click")',
    "+1+2",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1",
    "\r=1",
    "\uff1d1+1",
    "tab\tinside",
    "",
]


def test_table_cells_round_trip_exactly_one_row_per_email(simulator_client, simple):
    simulator_client.post("/_sim/archive/reset", {"size": 0})
    emails = [
        {
            "id": f"id{n:02d}",
            "receiveddate": api_date(NOW - timedelta(minutes=10 + n)),
            "subject": subject,
            "displayfromaddress": f"sender{n}@partner.example",
            "displaytoaddresslist": [
                {"displayableName": "Alex Novak", "emailAddress": "alex.novak@corp.example"},
                {"displayableName": "Drew, Kowalski", "emailAddress": "drew.kowalski@corp.example"},
            ],
        }
        for n, subject in enumerate(HOSTILE_SUBJECTS)
    ]
    add_emails(simulator_client, *emails)

    run = simple(
        **{
            "Time Frame": "Last Hour",
            "Fields To Return": "id,subject,displayfromaddress,displayto,displaytoaddresslist",
        }
    )

    assert run.completed and len(run.json_result) == len(HOSTILE_SUBJECTS)
    rows = run.tables["Results"]
    assert len(rows) == len(HOSTILE_SUBJECTS)
    for row, email, item in zip(rows, emails, run.json_result, strict=True):
        assert row["id"] == email["id"] == item["id"]
        assert row["displayfromaddress"] == email["displayfromaddress"]
        assert row["subject"] == spreadsheet_safe(email["subject"])
        assert item["subject"] == email["subject"]
        assert row["displayto"] == "Alex Novak, Drew, Kowalski"
        assert row["displaytoaddresslist"] == (
            "Alex Novak <alex.novak@corp.example>; Drew, Kowalski <drew.kowalski@corp.example>"
        )


def spreadsheet_safe(text):
    """A cell that a spreadsheet would read as a formula starts with an apostrophe; the rest is the value."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20") else text
