"""Serve one widget page from a loopback HTTP server, render it in headless Chromium, read what it shows.

The server logs every path the browser asks for, so a page that loads anything at all (an image a
hostile value smuggled in, a font, a script) is seen. With `csp=True` the page is served under
`default-src 'none'` with hashes for exactly its own inline scripts and styles.
"""

import base64
import hashlib
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from devkit.browser import BROWSER_NAMES, dump_dom, find_chromium

NO_CHROMIUM = f"no {' or '.join(BROWSER_NAMES)} on PATH: the widget pages were not rendered (apt-get install chromium)"
needs_chromium = pytest.mark.skipif(find_chromium() is None, reason=NO_CHROMIUM)

PAGE_PATH = "/widget.html"
FULL_WIDTH, HALF_WIDTH, HEIGHT = 1100, 560, 400
# Test-only: after the widget has rendered, record how far the page overflows its window sideways.
PROBE = (
    "<script>document.addEventListener('DOMContentLoaded', function () {"
    " var root = document.documentElement;"
    " root.setAttribute('data-probe-overflow', String(root.scrollWidth - root.clientWidth)); });</script>\n"
)
INLINE_RE = {tag: re.compile(rf"<{tag}>(.*?)</{tag}>", re.DOTALL) for tag in ("script", "style")}
BLOCK_TAGS = frozenset(
    {"main", "div", "p", "section", "table", "thead", "tbody", "tr", "td", "th", "ul", "li", "dl", "dt", "dd"}
    | {"h1", "h2", "h3", "code", "button", "br"}
)
# Inline elements shown as separate items: one line of a list, one chip.
SEPARATE_CLASSES = frozenset({"line", "chip"})
HIDDEN_TAGS = frozenset({"head", "script", "style", "template", "plaintext"})
VOID_TAGS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})


class _Dom(HTMLParser):
    """Elements, visible text (a newline at each block boundary) and dt/dd pairs of a serialised DOM."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.title = ""
        self.fields: list[list[str]] = []
        self._hidden: list[bool] = []
        self._open: list[str] = []
        self._capture: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if self._capture is not None and tag != "wbr":
            self._capture.append(" ")
        if tag in BLOCK_TAGS or SEPARATE_CLASSES & set((attributes.get("class") or "").split()):
            self.text.append("\n")
        if tag in VOID_TAGS:
            return
        hidden = bool(self._hidden and self._hidden[-1]) or tag in HIDDEN_TAGS or "hidden" in attributes
        self._hidden.append(hidden)
        self._open.append(tag)
        if tag == "dt":
            self.fields.append(["", ""])
        if tag in ("dt", "dd", "title"):
            self._capture = []

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_TAGS or not self._open:
            return
        if self._capture is not None:
            self._capture.append(" ")
        self._open.pop()
        self._hidden.pop()
        if tag in BLOCK_TAGS:
            self.text.append("\n")
        if tag in ("dt", "dd", "title") and self._capture is not None:
            value = " ".join("".join(self._capture).split())
            if tag == "title":
                self.title = value
            elif self.fields:
                self.fields[-1][0 if tag == "dt" else 1] = value
            self._capture = None

    def handle_data(self, data: str) -> None:
        if self._capture is not None:
            self._capture.append(data)
        if not (self._hidden and self._hidden[-1]):
            self.text.append(data)


@dataclass
class Page:
    dom: str
    requests: list[str]
    elements: list[tuple[str, dict[str, str | None]]] = field(init=False)
    visible_text: str = field(init=False)
    title: str = field(init=False)
    fields: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        parser = _Dom()
        parser.feed(self.dom)
        parser.close()
        self.elements = parser.elements
        self.visible_text = re.sub(r"\n\s*\n+", "\n", "".join(parser.text)).strip()
        self.title = parser.title
        self.fields = {label: value for label, value in parser.fields}

    def attributes(self, tag: str) -> dict[str, str | None]:
        return next((attrs for name, attrs in self.elements if name == tag), {})

    def count(self, tag: str) -> int:
        return sum(1 for name, _ in self.elements if name == tag)

    @property
    def rendered(self) -> str | None:
        return self.attributes("body").get("data-rendered")

    @property
    def overflow_px(self) -> int:
        return int(self.attributes("html").get("data-probe-overflow") or "-1")


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def strict_csp(html: str) -> str:
    """default-src 'none', plus a hash for each inline script and style element of this page."""
    scripts = " ".join(_hash(body) for body in INLINE_RE["script"].findall(html))
    styles = " ".join(_hash(body) for body in INLINE_RE["style"].findall(html))
    return f"default-src 'none'; script-src {scripts}; style-src {styles}; base-uri 'none'; form-action 'none'"


def with_probe(html: str) -> str:
    """The layout probe goes after the widget's script, so its listener runs after the widget rendered."""
    marker = '<plaintext id="json-result"'
    at = html.find(marker)
    return html[:at] + PROBE + html[at:] if at >= 0 else html + PROBE


@contextmanager
def serve(html: str, headers: dict[str, str]) -> Iterator[tuple[str, list[str]]]:
    """(url of the page, list of every path requested) for a loopback server that lives for the block."""
    requests: list[str] = []
    body = html.encode("utf-8")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            if self.path != PAGE_PATH:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{PAGE_PATH}", requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def render(html: str, width: int = FULL_WIDTH, csp: bool = False, unhashed_script: str = "") -> Page:
    """The page after load in Chromium. `unhashed_script` is added after the CSP was computed (CSP self-test)."""
    page = with_probe(html)
    headers = {"Content-Security-Policy": strict_csp(page)} if csp else {}
    if unhashed_script:
        page = page.replace("</head>", f"<script>{unhashed_script}</script></head>", 1)
    with serve(page, headers) as (url, requests):
        dom = dump_dom(url, width, HEIGHT)
    return Page(dom, [path for path in requests if path != "/favicon.ico"])
