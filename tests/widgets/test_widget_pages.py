"""Every widget page rendered in headless Chromium, as the platform serves it with a step's JSON result.

Each page is checked for what an analyst sees (visible text and field rows from the rendered DOM),
for hostile values in every field (shown as text; no script ran, no element or request appeared), for
the same result under a strict Content-Security-Policy, and for sideways overflow at half width.
"""

import json
from collections.abc import Callable
from functools import cache

import pytest
from hostile import PAYLOADS, hostile_copy
from page_harness import FULL_WIDTH, HALF_WIDTH, Page, needs_chromium, render
from suite_helpers import mimecast_sample

from devkit import REPO_ROOT
from devkit.widgets import JSON_RESULT_PLACEHOLDER, build_html, example_result, with_json_result

pytestmark = needs_chromium

ARCHIVE_STEMS = ("SimpleArchiveSearch", "AdvancedArchiveSearch")
TITLES = {
    "SimpleArchiveSearch": "Mimecast - Simple Archive Search",
    "AdvancedArchiveSearch": "Mimecast - Advanced Archive Search",
    "CreateBlockSenderPolicy": "Mimecast - Create Block Sender Policy",
    "GetMessageDetails": "Mimecast - Get Message Details",
}
STEMS = tuple(TITLES)
# Tags no value may ever turn into, and attributes that would load or run something.
FORBIDDEN_TAGS = {"img", "svg", "iframe", "object", "embed", "a", "link", "form", "video", "audio", "base"}
FORBIDDEN_ATTRIBUTES = {"src", "href", "srcdoc", "action", "formaction", "style"}


@cache
def page_for(stem: str, result_json: str | None, width: int = FULL_WIDTH, csp: bool = False) -> Page:
    """The page rendered with this JSON result (text as the step wrote it); None leaves the placeholder."""
    html = build_html(REPO_ROOT, stem)
    if result_json is not None:
        html = html.replace(JSON_RESULT_PLACEHOLDER, result_json)
    return render(html, width=width, csp=csp)


def mimecast_data(name: str) -> list:
    return mimecast_sample(name)["data"]


def sample(stem: str) -> str:
    return json.dumps(example_result(REPO_ROOT, stem))


def hostile(stem: str) -> tuple[str, dict[tuple, str]]:
    value, by_path = hostile_copy(example_result(REPO_ROOT, stem))
    return json.dumps(value, ensure_ascii=False), by_path


def assert_inert(page: Page, stem: str) -> None:
    """The tripwire: the widget rendered, nothing a value carried ran, became an element or was fetched."""
    assert page.rendered == "result"
    assert "data-pwned" not in page.attributes("html")
    assert page.title == TITLES[stem]
    assert page.requests == ["/widget.html"]
    assert [tag for tag, _ in page.elements if tag in FORBIDDEN_TAGS] == []
    assert page.count("script") == 2  # the widget's own and the test's layout probe
    for tag, attributes in page.elements:
        assert not [name for name in attributes if name.startswith("on") or name in FORBIDDEN_ATTRIBUTES], tag


# -- what an analyst sees --------------------------------------------------------------------------------


@pytest.mark.parametrize("stem", ARCHIVE_STEMS)
def test_archive_search_widget_lists_the_emails_with_a_count(stem):
    page = page_for(stem, sample(stem))
    text = page.visible_text

    assert page.rendered == "result"
    assert "Archive emails\n2 emails" in text
    for header in ("Received", "From", "To", "Subject", "Status", "Attachments", "Archive ID"):
        assert f"\n{header}\n" in text
    assert "2025-03-07 15:41 UTC\nBilling Team\nbilling@northwind.example\nAlex Rivera <alex.rivera@example.com>" in (
        text
    )
    assert "Invoice 48213 is due\nARCHIVED\n1\n" in text
    assert (
        "Robin Novak <robin.novak@example.com>\nCasey Tanaka <casey.tanaka@example.com>\nRe: Quarterly report" in text
    )
    assert "eNo1jk0LgkAYhP_KsueCVVvd9RalQkVEdOgSYu-uSZjrRy5F9N_bDrsdZuaZF2ZGSAs5d7Y3XKM6lmQG5mW4cQpU\nCopy" in text


def test_archive_search_widget_shows_mimecasts_own_sample():
    items = mimecast_data("archive_search.json")[0]["items"]
    page = page_for("SimpleArchiveSearch", json.dumps(items))

    assert "3 emails" in page.visible_text
    for n in (1, 2, 3):
        assert f"test{n}_id\nCopy" in page.visible_text
    assert page.visible_text.count("2023-08-06 07:23 UTC") == 3


@pytest.mark.parametrize(
    ("result", "shown"),
    [
        ([], "Archive emails\n0 emails\nNo archive emails matched the search."),
        ({"items": []}, "The JSON result is not a list of archive emails."),
    ],
)
def test_archive_search_widget_says_when_there_is_nothing_to_list(result, shown):
    page = page_for("AdvancedArchiveSearch", json.dumps(result))

    assert page.visible_text == shown


def test_block_sender_policy_widget_shows_the_policy():
    page = page_for("CreateBlockSenderPolicy", sample("CreateBlockSenderPolicy"))

    assert page.visible_text.startswith("Block sender policy\nBlock sender\n")
    assert page.fields == {
        "Description": "Block Sender Policy from SecOps automation.",
        "Response": "Block sender",
        "Sender": "Email address attacker@example.org",
        "Recipient": "Everyone",
        "Extracted data": "Both (envelope and header)",
        "Bidirectional": "Yes",
        "Enforced": "Yes",
        "Enabled": "Yes",
        "Starts": "Eternal (no start date)",
        "Ends": "Eternal (no end date)",
        "Created": "2025-04-04 11:41 UTC",
        "Policy ID": "eNo1jrsOgjAAAP-lM0Npi4KJg_EFvoJIRd2wVCwoxRYkaPx3cXC Copy",
    }


def test_block_sender_policy_widget_shows_a_domain_policy_with_dates():
    policy = mimecast_data("blockedsenders_create_policy_email_domain.json")[0]
    policy["policy"].update(toEternal=False, toDate="2025-07-01T00:00:00+0200", option="no_action")
    policy["option"] = "no_action"
    page = page_for("CreateBlockSenderPolicy", json.dumps(policy))

    assert page.fields["Response"] == "No action"
    assert page.fields["Sender"] == "Email domain google.com"
    assert (page.fields["Bidirectional"], page.fields["Enforced"]) == ("No", "No")
    assert page.fields["Ends"] == "2025-07-01 00:00 +0200"


def test_held_message_widget_puts_the_held_queue_ids_first():
    page = page_for("GetMessageDetails", sample("GetMessageDetails"))
    example = example_result(REPO_ROOT, "GetMessageDetails")
    first, second = example["heldMessages"]

    assert page.visible_text.startswith(
        "Action required: confirm your payroll details\nheld\nRisk: high\n"
        "Held-queue ID for Release / Reject Message\n"
        f"alex.rivera@example.com\n{first['id']}\nCopy\nrobin.novak@example.com\n{second['id']}\nCopy\nMessage\n"
    )
    assert page.fields == {
        "From": "payroll@northwind-hr.example",
        "Envelope from": "bounce-7731@mailer.northwind-hr.example",
        "To": "alex.rivera@example.com robin.novak@example.com",
        "Queue reason": "Fraud Alert",
        "Queue status": "Message Hold Applied - Content examination policy",
        "Sent": "2025-04-16 15:32 UTC",
        "Spam score": "20",
        "Tracking ID": f"{example['id']} Copy",
    }


@pytest.mark.parametrize(
    ("sample_file", "status_line", "held_notice"),
    [
        (
            "message_finder_get_message_info_held.json",
            "(no subject)\nheld\nNo risk verdict\n",
            "No held-queue ID in this result: look the message up in the held queue.",
        ),
        (
            "message_finder_get_message_info_archived.json",
            "Demand Ken Lay Donate Proceeds from Enron Stock Sales\narchived\nNo risk verdict\n",
            "The message is not held, so there is nothing to release or reject.",
        ),
    ],
)
def test_held_message_widget_on_mimecasts_samples(sample_file, status_line, held_notice):
    page = page_for("GetMessageDetails", json.dumps(mimecast_data(sample_file)[0]))

    assert page.visible_text.startswith(status_line)
    assert held_notice in page.visible_text
    assert page.fields["Tracking ID"].endswith(" Copy")


@pytest.mark.parametrize("stem", STEMS)
def test_a_page_without_a_result_says_so(stem):
    page = page_for(stem, None)

    assert page.rendered == "no-result"
    assert page.visible_text == "No result to show: the step has not run, or it returned no JSON result."
    assert JSON_RESULT_PLACEHOLDER not in page.dom


@pytest.mark.parametrize("stem", STEMS)
def test_markup_the_platform_appends_after_the_page_is_ignored(stem):
    page = page_for(stem, sample(stem) + '\n<script>window.platformAppended = true;</script><div id="x">')

    assert page.rendered == "result"
    assert page.visible_text == page_for(stem, sample(stem)).visible_text


@pytest.mark.parametrize("stem", STEMS)
def test_the_sdks_ascii_escaped_json_shows_the_same_text(stem):
    value = example_result(REPO_ROOT, stem)
    escaped = with_json_result("[{stepInstanceName}.JsonResult]", value, ensure_ascii=True)
    raw = with_json_result("[{stepInstanceName}.JsonResult]", value, ensure_ascii=False)

    assert page_for(stem, escaped).visible_text == page_for(stem, raw).visible_text


# -- hostile values --------------------------------------------------------------------------------------

# The paths of the example result each widget shows, by the rule it follows.
SHOWN: dict[str, Callable[[tuple], bool]] = {
    "SimpleArchiveSearch": lambda at: at[1] not in ("size", "smash", "displayto"),
    "AdvancedArchiveSearch": lambda at: at[1] not in ("size", "smash", "displayto"),
    # With a type it does not know, the widget shows the type and falls back to fromValue / toValue.
    "CreateBlockSenderPolicy": lambda at: (
        at
        in {
            ("option",),
            ("id",),
            ("policy", "description"),
            ("policy", "from", "type"),
            ("policy", "fromValue"),
            ("policy", "to", "type"),
            ("policy", "fromPart"),
            ("policy", "createTime"),
        }
    ),
    "GetMessageDetails": lambda at: (
        at in {("status",), ("id",), ("queueInfo", "reason"), ("spamInfo", "spamScore")}
        or at[:2] == ("heldMessages", *at[1:2])
        or at
        in {("recipientInfo", "txInfo", "queueDetailStatus"), ("spamInfo", "spamProcessingDetail", "verdict", "risk")}
        or (
            at[:2] == ("recipientInfo", "messageInfo")
            and at[2] in ("fromHeader", "fromEnvelope", "to", "subject", "sent")
        )
    ),
}


@pytest.mark.parametrize("width", [HALF_WIDTH, FULL_WIDTH])
@pytest.mark.parametrize("stem", STEMS)
def test_hostile_values_show_as_text_and_run_nothing(stem, width):
    result, by_path = hostile(stem)
    page = page_for(stem, result, width)

    assert_inert(page, stem)
    shown = {at: value for at, value in by_path.items() if SHOWN[stem](at)}
    assert len(shown) >= 8
    assert [value for value in shown.values() if value not in page.visible_text] == []


@pytest.mark.parametrize("width", [HALF_WIDTH, FULL_WIDTH])
@pytest.mark.parametrize("stem", STEMS)
def test_long_values_wrap_inside_the_window(stem, width):
    result, _ = hostile(stem)

    assert page_for(stem, result, width).overflow_px == 0
    assert page_for(stem, sample(stem), width).overflow_px == 0


@pytest.mark.parametrize("stem", STEMS)
def test_the_sample_page_is_inert_too(stem):
    assert_inert(page_for(stem, sample(stem)), stem)


def test_every_payload_reached_a_widget():
    seen = {
        payload
        for stem in STEMS
        for value in hostile(stem)[1].values()
        for payload in PAYLOADS
        if value.startswith(payload)
    }

    assert seen == set(PAYLOADS)


# -- a strict Content-Security-Policy ----------------------------------------------------------------------


@pytest.mark.parametrize("stem", STEMS)
def test_the_widget_renders_the_same_under_a_strict_csp(stem):
    page = page_for(stem, sample(stem), csp=True)

    assert_inert(page, stem)
    assert page.visible_text == page_for(stem, sample(stem)).visible_text
    assert page.overflow_px == 0


@pytest.mark.parametrize("stem", STEMS)
def test_hostile_values_under_a_strict_csp(stem):
    result, _ = hostile(stem)
    page = page_for(stem, result, HALF_WIDTH, csp=True)

    assert_inert(page, stem)
    assert page.visible_text == page_for(stem, result, HALF_WIDTH).visible_text


# -- the harness itself ----------------------------------------------------------------------------------

UNSAFE_PAGE = """<!DOCTYPE html><html><head><title>Mimecast - Simple Archive Search</title></head>
<body><main id="widget"></main><script>
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("json-result");
  document.getElementById("widget").innerHTML = JSON.parse(source.textContent)[0].subject;
  source.remove();
  document.body.setAttribute("data-rendered", "result");
});
</script><plaintext id="json-result" hidden>[{stepInstanceName}.JsonResult]
"""


def test_the_tripwire_catches_a_widget_that_writes_values_as_markup():
    result = json.dumps([{"subject": PAYLOADS[0]}])
    page = render(UNSAFE_PAGE.replace(JSON_RESULT_PLACEHOLDER, result))

    assert page.attributes("html").get("data-pwned") == "1"
    assert page.title == "PWNED"
    assert "/x" in page.requests
    with pytest.raises(AssertionError):
        assert_inert(page, "SimpleArchiveSearch")


def test_the_strict_csp_blocks_a_script_it_has_no_hash_for():
    mark = "document.documentElement.setAttribute('data-unhashed', '1');"
    html = build_html(REPO_ROOT, "CreateBlockSenderPolicy").replace(
        JSON_RESULT_PLACEHOLDER, sample("CreateBlockSenderPolicy")
    )

    assert render(html, unhashed_script=mark).attributes("html").get("data-unhashed") == "1"
    blocked = render(html, csp=True, unhashed_script=mark)
    assert "data-unhashed" not in blocked.attributes("html")
    assert blocked.rendered == "result"
