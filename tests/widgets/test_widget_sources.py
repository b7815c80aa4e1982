"""What every built widget page is made of, checked on its text (no browser needed).

The data reaches the DOM only as text, nothing is loaded from anywhere, and the platform's placeholder
sits where no value can escape it: inside the final <plaintext> element.
"""

import re

import pytest

from devkit import REPO_ROOT
from devkit.widgets import JSON_RESULT_PLACEHOLDER, build_html, widget_stems

STEMS = widget_stems(REPO_ROOT)
PAGES = {stem: build_html(REPO_ROOT, stem) for stem in STEMS}
SCRIPT_RE = re.compile(r"<script>(.*?)</script>", re.DOTALL)
STYLE_RE = re.compile(r"<style>(.*?)</style>", re.DOTALL)
# DOM and code sinks that turn text into markup or code, and every way to reach the network.
FORBIDDEN_IN_SCRIPT = (
    "innerHTML",
    "outerHTML",
    "insertAdjacentHTML",
    "document.write",
    "createContextualFragment",
    "DOMParser",
    "srcdoc",
    "eval(",
    "Function(",
    "import(",
    "fetch(",
    "XMLHttpRequest",
    "WebSocket",
    "EventSource",
    "sendBeacon",
    ".src",
    ".href",
    'setAttribute("style',
    'setAttribute("on',
    "localStorage",
    "sessionStorage",
    "document.cookie",
)
FORBIDDEN_IN_STYLE = ("url(", "@import", "@font-face", "expression(")
# A platform placeholder looks like [Name.Path]; only the JSON result's may appear in a page.
PLACEHOLDER_LIKE = re.compile(r"\[[^\[\]\s'\"]*\.[^\[\]\s'\"]*\]")


def markup(page: str) -> str:
    return STYLE_RE.sub("<style></style>", SCRIPT_RE.sub("<script></script>", page))


def test_every_widget_has_a_page():
    assert STEMS == ["AdvancedArchiveSearch", "CreateBlockSenderPolicy", "GetMessageDetails", "SimpleArchiveSearch"]


@pytest.mark.parametrize("stem", STEMS)
def test_the_json_result_arrives_as_plaintext_at_the_very_end(stem):
    page = PAGES[stem]

    assert page.count(JSON_RESULT_PLACEHOLDER) == 1
    assert page.rstrip().endswith(f'<plaintext id="json-result" hidden>{JSON_RESULT_PLACEHOLDER}')
    assert re.sub(r"<!--.*?-->", "", markup(page), flags=re.DOTALL).lower().count("<plaintext") == 1


@pytest.mark.parametrize("stem", STEMS)
def test_one_inline_script_and_one_inline_style_and_no_other_resource(stem):
    page = PAGES[stem]
    tags = markup(page).lower()

    assert len(SCRIPT_RE.findall(page)) == 1 and len(STYLE_RE.findall(page)) == 1
    for banned in (
        "<link",
        "<img",
        "<iframe",
        "<object",
        "<embed",
        "<svg",
        "<a ",
        "<form",
        "<base",
        "<video",
        "<audio",
    ):
        assert banned not in tags, banned
    assert not re.search(r"\s(src|href|style|srcset|action)\s*=", tags)
    assert not re.search(r"\son[a-z]+\s*=", tags)
    assert "http://" not in page and "https://" not in page


@pytest.mark.parametrize("stem", STEMS)
def test_the_script_builds_the_dom_from_text_only(stem):
    script = SCRIPT_RE.findall(PAGES[stem])[0]

    assert [sink for sink in FORBIDDEN_IN_SCRIPT if sink in script] == []
    assert "textContent" in script and "createTextNode" in script


@pytest.mark.parametrize("stem", STEMS)
def test_the_style_loads_nothing(stem):
    style = STYLE_RE.findall(PAGES[stem])[0]

    assert [rule for rule in FORBIDDEN_IN_STYLE if rule in style] == []


@pytest.mark.parametrize("stem", STEMS)
def test_nothing_else_in_the_page_looks_like_a_platform_placeholder(stem):
    assert PLACEHOLDER_LIKE.findall(PAGES[stem]) == [JSON_RESULT_PLACEHOLDER]
