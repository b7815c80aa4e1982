"""Predefined widgets: `Widgets/<Stem>.json` + `WidgetsScripts/<Stem>.html`, the layout Google's packaging tool builds.

A widget page may pull shared parts from `WidgetsScripts/shared/` with a `/* @include <file> */` line;
`build_html` inlines them, so every page in the ZIP stands alone. The platform substitutes the bound
step's JSON result for the `[{stepInstanceName}.JsonResult]` placeholder in the page. A widget ships
only when the action its ActionIdentifier names has a definition; PLANNED_ACTIONS may be named earlier.
"""

import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devkit.definitions import ACTIONS_DEFS_DIR, action_defs, load_json

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


# -- validation against mp's built widget model ------------------------------------------------------

# Actions a widget may name before their definition exists; such a widget is validated but not shipped.
PLANNED_ACTIONS: frozenset[str] = frozenset()
# The built widget model of Google's packaging tool (mp): enumerations are written as these integers.
HTML_WIDGET_TYPE = 3
WIDGET_TYPES = frozenset(range(22))
WIDGET_SCOPES = {0: "alert", 1: "case"}
DEFINITION_SCOPES = {0: "case", 1: "alert", 2: "both"}
WIDGET_SIZES = {1: "half width", 2: "full width", 3: "third width", 4: "two-thirds width"}
LOGICAL_OPERATORS = {0: "and", 1: "or"}
# mp gives "less than" the value 3 too, so 4 is not a value it reads.
MATCH_TYPES = {
    0: "equal",
    1: "contains",
    2: "starts with",
    3: "greater than",
    5: "not equal",
    6: "not contains",
    7: "is empty",
    8: "is not empty",
}
TITLE_RE = re.compile(r"[a-zA-Z0-9\-\s]+")
MAX_TITLE_CHARS = 150
MAX_DESCRIPTION_CHARS = 2200


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# (key, check, what the value must be, required)
WIDGET_KEYS = (
    ("Title", lambda v: isinstance(v, str), "a string", True),
    ("Type", _is_int, "an integer", True),
    ("Scope", _is_int, "an integer", True),
    ("ActionIdentifier", lambda v: isinstance(v, str), "a string", True),
    ("Description", lambda v: isinstance(v, str), "a string", True),
    ("DataDefinition", lambda v: isinstance(v, dict), "an object", True),
    ("ConditionsGroup", lambda v: isinstance(v, dict), "an object", True),
    ("DefaultSize", _is_int, "an integer", True),
)
DATA_DEFINITION_KEYS = (
    ("htmlHeight", _is_int, "an integer", True),
    ("safeRendering", lambda v: isinstance(v, bool), "a boolean", True),
    ("type", _is_int, "an integer", True),
    ("widgetDefinitionScope", _is_int, "an integer", True),
    ("htmlContent", lambda v: isinstance(v, str), "a string", False),
)
CONDITIONS_GROUP_KEYS = (
    ("Conditions", lambda v: isinstance(v, list), "a list", True),
    ("LogicalOperator", _is_int, "an integer", True),
)
CONDITION_KEYS = (
    ("FieldName", lambda v: isinstance(v, str), "a string", True),
    ("Value", lambda v: v is None or isinstance(v, str), "a string or null", True),
    ("MatchType", _is_int, "an integer", True),
    ("CustomOperatorName", lambda v: v is None or isinstance(v, str), "a string or null", False),
)


@dataclass
class WidgetReport:
    """Problems as (file, field, problem) and the files read, both relative to the integration root."""

    problems: list[tuple[str, str, str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def validate_widgets(root: Path, action_names: set[str]) -> WidgetReport:
    """Every widget definition against mp's built model, its page, its includes and the action it names."""
    report = WidgetReport()
    add = report.problems.append
    definitions_dir, pages_dir = root / WIDGETS_DIR, root / WIDGETS_SCRIPTS_DIR
    _only(report, definitions_dir, WIDGETS_DIR, (".json",))
    _only(report, pages_dir, WIDGETS_SCRIPTS_DIR, (".html",), allowed_dirs=(SHARED_DIR,))
    _only(report, pages_dir / SHARED_DIR, f"{WIDGETS_SCRIPTS_DIR}/{SHARED_DIR}", SHARED_SUFFIXES)
    stems = widget_stems(root)
    for page in sorted(pages_dir.glob("*.html")) if pages_dir.is_dir() else []:
        if page.stem not in stems:
            add((f"{WIDGETS_SCRIPTS_DIR}/{page.name}", "(file)", f"has no matching {WIDGETS_DIR}/{page.stem}.json"))
    for stem in stems:
        where = f"{WIDGETS_DIR}/{stem}.json"
        report.files.append(where)
        try:
            definition = load_widget(root, stem)
        except (OSError, ValueError) as exc:
            add((where, "(file)", f"is not valid JSON: {exc}"))
            continue
        if not _keys(report, where, "", definition, WIDGET_KEYS, strict=True):
            continue
        _definition_values(report, where, definition, action_names)
        if definition.get("Type") == HTML_WIDGET_TYPE:
            _page(report, root, stem)
    return report


def _only(
    report: WidgetReport, directory: Path, name: str, suffixes: tuple[str, ...], allowed_dirs: tuple[str, ...] = ()
) -> None:
    if not directory.is_dir():
        return
    for path in sorted(directory.iterdir()):
        if path.name.startswith(".") or (path.is_dir() and path.name in allowed_dirs):
            continue
        if not (path.is_file() and path.suffix in suffixes):
            kinds = " and ".join(f"*{s}" for s in suffixes) + "".join(f" and {d}/" for d in allowed_dirs)
            report.problems.append((f"{name}/{path.name}", "(file)", f"unexpected entry: {name}/ holds only {kinds}"))


def _keys(report: WidgetReport, where: str, prefix: str, obj: Any, spec: tuple, strict: bool = False) -> bool:
    if not isinstance(obj, dict):
        report.problems.append((where, prefix or "(file)", "must be a JSON object"))
        return False
    for key, check, expected, required in spec:
        at = f"{prefix}.{key}" if prefix else key
        if key not in obj:
            if required:
                report.problems.append((where, at, "missing required key"))
        elif not check(obj[key]):
            report.problems.append((where, at, f"must be {expected}, got {json.dumps(obj[key])}"))
    if strict:
        known = {key for key, *_ in spec}
        for key in obj:
            if key not in known:
                report.problems.append((where, f"{prefix}.{key}" if prefix else key, "not a key of the widget model"))
    return True


def _enum(report: WidgetReport, where: str, at: str, value: Any, allowed: Any, what: str) -> None:
    if _is_int(value) and value not in allowed:
        report.problems.append((where, at, f"{value} is not a {what} ({', '.join(str(v) for v in sorted(allowed))})"))


def _definition_values(report: WidgetReport, where: str, definition: dict, action_names: set[str]) -> None:
    add = report.problems.append
    for key in ("Title", "ActionIdentifier"):
        value = definition.get(key)
        if isinstance(value, str) and (not TITLE_RE.fullmatch(value) or len(value) > MAX_TITLE_CHARS):
            add((where, key, f"{value!r} must match {TITLE_RE.pattern} (at most {MAX_TITLE_CHARS} characters)"))
    action = definition.get("ActionIdentifier")
    if isinstance(action, str) and action not in action_names and action not in PLANNED_ACTIONS:
        add((where, "ActionIdentifier", f'"{action}" is not an action in {ACTIONS_DEFS_DIR}/ (nor a planned action)'))
    description = definition.get("Description")
    if isinstance(description, str) and len(description) > MAX_DESCRIPTION_CHARS:
        add((where, "Description", f"longer than {MAX_DESCRIPTION_CHARS} characters"))
    _enum(report, where, "Type", definition.get("Type"), WIDGET_TYPES, "widget type")
    _enum(report, where, "Scope", definition.get("Scope"), WIDGET_SCOPES, "widget scope")
    _enum(report, where, "DefaultSize", definition.get("DefaultSize"), WIDGET_SIZES, "widget size")
    data = definition.get("DataDefinition")
    if isinstance(data, dict) and _keys(report, where, "DataDefinition", data, DATA_DEFINITION_KEYS, strict=True):
        _enum(report, where, "DataDefinition.type", data.get("type"), WIDGET_TYPES, "widget type")
        scope = data.get("widgetDefinitionScope")
        _enum(report, where, "DataDefinition.widgetDefinitionScope", scope, DEFINITION_SCOPES, "definition scope")
        if _is_int(data.get("htmlHeight")) and data["htmlHeight"] <= 0:
            add((where, "DataDefinition.htmlHeight", "must be a positive number of pixels"))
        if data.get("htmlContent"):
            add((where, "DataDefinition.htmlContent", f"must be empty: the page is {WIDGETS_SCRIPTS_DIR}/<stem>.html"))
    group = definition.get("ConditionsGroup")
    if isinstance(group, dict) and _keys(report, where, "ConditionsGroup", group, CONDITIONS_GROUP_KEYS, strict=True):
        at = "ConditionsGroup.LogicalOperator"
        _enum(report, where, at, group.get("LogicalOperator"), LOGICAL_OPERATORS, "logical operator")
        for index, condition in enumerate(group.get("Conditions") or []):
            prefix = f"ConditionsGroup.Conditions[{index}]"
            if _keys(report, where, prefix, condition, CONDITION_KEYS, strict=True):
                _enum(report, where, f"{prefix}.MatchType", condition.get("MatchType"), MATCH_TYPES, "match type")


def _page(report: WidgetReport, root: Path, stem: str) -> None:
    where = f"{WIDGETS_SCRIPTS_DIR}/{stem}.html"
    if not (root / where).is_file():
        report.problems.append((f"{WIDGETS_DIR}/{stem}.json", "(file)", f"has no matching {where}"))
        return
    report.files.append(where)
    try:
        html = build_html(root, stem)
    except WidgetError as exc:
        report.problems.append((where, "(include)", str(exc).removeprefix(f"{where}: ")))
        return
    count = html.count(JSON_RESULT_PLACEHOLDER)
    if count != 1:
        report.problems.append((where, "(placeholder)", f"must hold {JSON_RESULT_PLACEHOLDER} once, found {count}"))


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


# -- screenshots --------------------------------------------------------------------------------------

# Screenshot sizes: the widget's default half-width slot and a full-width one, at its htmlHeight.
SCREENSHOT_WIDTHS = {"": 1100, "-half": 560}


def screenshot_widgets(root: Path, out_dir: Path) -> list[Path]:
    """<stem>.png (full width) and <stem>-half.png of every widget, rendered with its example result."""
    from devkit.browser import require_chromium, screenshot

    require_chromium()
    written = []
    with tempfile.TemporaryDirectory(prefix="widget-pages-") as pages:
        for stem in widget_stems(root):
            result = example_result(root, stem)
            if result is None:
                raise WidgetError(f"{WIDGETS_DIR}/{stem}.json: no example result (action example or {EXAMPLES_DIR}/)")
            page = Path(pages) / f"{stem}.html"
            page.write_text(with_json_result(build_html(root, stem), result), encoding="utf-8")
            height = load_widget(root, stem)["DataDefinition"]["htmlHeight"]
            for suffix, width in SCREENSHOT_WIDTHS.items():
                out = out_dir / f"{stem}{suffix}.png"
                screenshot(page.as_uri(), out, width, height)
                written.append(out)
    return written
