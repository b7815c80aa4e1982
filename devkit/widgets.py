"""Predefined widgets: `Widgets/<Stem>.json` + `WidgetsScripts/<Stem>.html`, the layout Google's packaging tool builds.

A widget page may pull shared parts from `WidgetsScripts/shared/` with a `/* @include <file> */` line;
`build_html` inlines them, so every page in the ZIP stands alone. The platform substitutes the bound
step's JSON result for the `[{stepInstanceName}.JsonResult]` placeholder in the page. A widget ships
only when the action its ActionIdentifier names has a definition; the others wait in the repository.
"""

import json
import re
from pathlib import Path
from typing import Any

from devkit.definitions import action_defs, load_json

WIDGETS_DIR = "Widgets"
WIDGETS_SCRIPTS_DIR = "WidgetsScripts"
SHARED_DIR = "shared"
EXAMPLES_DIR = "docs/widgets/examples"
JSON_RESULT_PLACEHOLDER = "[{stepInstanceName}.JsonResult]"

INCLUDE_RE = re.compile(r"^[ \t]*/\*\s*@include\s+(\S+)\s*\*/[ \t]*$", re.MULTILINE)
SHARED_SUFFIXES = (".css", ".js")
# What would end the inline <style> / <script> an included part lands in.
CLOSING_TAGS = {".css": "</style", ".js": "</script"}


class WidgetError(Exception):
    """A widget page cannot be built; the message names the file and the problem."""


def widget_stems(root: Path) -> list[str]:
    return sorted(p.stem for p in (root / WIDGETS_DIR).glob("*.json") if p.is_file())


def load_widget(root: Path, stem: str) -> dict:
    return load_json(root / WIDGETS_DIR / f"{stem}.json")


def build_html(root: Path, stem: str) -> str:
    """WidgetsScripts/<stem>.html with every `/* @include <file> */` line replaced by WidgetsScripts/shared/<file>."""
    page = root / WIDGETS_SCRIPTS_DIR / f"{stem}.html"
    try:
        source = page.read_text(encoding="utf-8")
    except OSError as exc:
        raise WidgetError(f"{WIDGETS_SCRIPTS_DIR}/{stem}.html: cannot be read: {exc}") from None

    def inline(match: re.Match) -> str:
        return _shared_part(root, stem, match.group(1))

    return INCLUDE_RE.sub(inline, source)


def _shared_part(root: Path, stem: str, name: str) -> str:
    where = f"{WIDGETS_SCRIPTS_DIR}/{stem}.html"
    suffix = Path(name).suffix
    if "/" in name or "\\" in name or suffix not in SHARED_SUFFIXES:
        raise WidgetError(f"{where}: @include {name}: name a .css or .js file in {WIDGETS_SCRIPTS_DIR}/{SHARED_DIR}/")
    try:
        text = (root / WIDGETS_SCRIPTS_DIR / SHARED_DIR / name).read_text(encoding="utf-8")
    except OSError:
        raise WidgetError(f"{where}: @include {name}: no {WIDGETS_SCRIPTS_DIR}/{SHARED_DIR}/{name}") from None
    if CLOSING_TAGS[suffix] in text.lower():
        raise WidgetError(f"{where}: @include {name}: contains {CLOSING_TAGS[suffix]}, which would end the element")
    if INCLUDE_RE.search(text) or JSON_RESULT_PLACEHOLDER in text:
        raise WidgetError(f"{where}: @include {name}: shared parts hold neither includes nor the placeholder")
    return text.rstrip("\n")


def with_json_result(html: str, result: Any, ensure_ascii: bool = True) -> str:
    """The page as the platform serves it: the step's JSON result written over the placeholder."""
    return html.replace(JSON_RESULT_PLACEHOLDER, json.dumps(result, ensure_ascii=ensure_ascii))


def example_result(root: Path, stem: str) -> Any | None:
    """The bound action's JsonResult example, else docs/widgets/examples/<stem>.json (an action not written yet)."""
    action = load_widget(root, stem).get("ActionIdentifier")
    definition = action_defs(root).get(action)
    if definition is not None:
        for entry in definition[1].get("DynamicResultsMetadata") or []:
            if entry.get("ResultName") == "JsonResult" and entry.get("ResultExample"):
                return json.loads(entry["ResultExample"])
    example = root / EXAMPLES_DIR / f"{stem}.json"
    return load_json(example) if example.is_file() else None


# -- the ZIP ------------------------------------------------------------------------------------------


def held_back(root: Path) -> list[tuple[str, str]]:
    """(stem, action) of every widget whose action has no definition yet: they stay out of the ZIP."""
    actions = set(action_defs(root))
    waiting = []
    for stem in widget_stems(root):
        action = load_widget(root, stem).get("ActionIdentifier")
        if action not in actions:
            waiting.append((stem, str(action)))
    return waiting


def package_files(root: Path) -> list[tuple[str, bytes]]:
    """(name in the ZIP, content) of the widgets whose action is defined: the definition and the built page."""
    waiting = {stem for stem, _ in held_back(root)}
    files = []
    for stem in widget_stems(root):
        if stem in waiting:
            continue
        files.append((f"{WIDGETS_DIR}/{stem}.json", (root / WIDGETS_DIR / f"{stem}.json").read_bytes()))
        files.append((f"{WIDGETS_SCRIPTS_DIR}/{stem}.html", build_html(root, stem).encode("utf-8")))
    return files
