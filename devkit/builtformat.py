"""The built-format model of Google's packaging tool (`mp`), declared per file kind, and the checks that apply it.

Google's tool loads every file of a built integration into typed models: an integer where an
enumeration belongs, a null where a string belongs or a missing key stops it (it cannot load,
deconstruct or rebuild the ZIP). The rules below say what each file must hold so that it loads,
plus the tool's validations that apply to this package. docs/PACKAGE_FORMAT.md lists every rule
with its source; every problem is reported as "<file>: <field>: <problem>".
"""

import base64
import binascii
import json
import re
import struct
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from devkit.definitions import (
    ACTIONS_DEFS_DIR,
    ACTIONS_SCRIPTS_DIR,
    CONNECTORS_DEFS_DIR,
    INTEGRATION_DEF_GLOB,
    MAPPING_RULES_FILE,
    load_json,
)

RELEASE_NOTES_FILE = "RN.json"
AI_DIR = "resources/ai"
ACTIONS_AI_FILE = f"{AI_DIR}/actions_ai_description.yaml"
PING_SCRIPT = f"{ACTIONS_SCRIPTS_DIR}/Ping.py"
# The tool looks for these two substrings in the Ping script's source text.
PING_SUCCESS_TEXT = "Successfully connected to the"
PING_FAILURE_TEXT = "Failed to connect to the"
MAX_DESCRIPTION_CHARS = 2050
MIN_VERSION = 1.0
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The key of a built action definition that carries the AI description (the tool's build copies it from the yaml).
AI_DESCRIPTION_KEY = "AIDescription"

Add = Callable[[str, str, str], None]


@dataclass(frozen=True)
class Codes:
    """An integer enumeration of the tool's model: the JSON value must be one of these codes."""

    name: str
    values: Mapping[int, str]

    def describe(self) -> str:
        return ", ".join(f"{code} ({label})" for code, label in self.values.items())


TRANSFORMATION_FUNCTION = Codes(
    "TransformationFunction",
    {
        0: "to string",
        1: "to integer",
        2: "to double",
        3: "from unix time string or long",
        4: "from custom date",
        5: "to boolean",
        7: "extract regexp",
        15: "extract by regex with group",
        100: "to is correlation",
        101: "to IP address",
        102: "to list of longs separated by commas",
        103: "substring by length",
        105: "substring by end text",
        106: "first lines",
        107: "join raw fields",
        108: "static value",
        109: "extract domain from URI",
        110: "clean URL",
    },
)
COMPARISON_TYPE = Codes("ComparisonType", {0: "equal", 1: "contains", 2: "starts with", 3: "ends with"})
EXTRACTION_FUNCTION = Codes("ExtractionFunction", {0: "none", 1: "regex", 2: "delimiter"})
RELEASE_NOTE_ITEM_TYPES = ("Integration", "Action", "Connector", "Job", "Widget")
ARTICLES = {"Integration": "the", "Action": "an", "Connector": "a", "Job": "a", "Widget": "a"}


@dataclass(frozen=True)
class Field:
    """One key of a built JSON object: its kind (a key of KINDS), whether the tool needs it, its codes if any."""

    key: str
    kind: str
    required: bool = True
    codes: Codes | None = None
    choices: tuple[str, ...] = ()


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


KINDS: dict[str, Callable[[Any], bool]] = {
    "a string": lambda v: isinstance(v, str),
    "a non-empty string": lambda v: isinstance(v, str) and bool(v.strip()),
    "a string or null": lambda v: v is None or isinstance(v, str),
    "a boolean": lambda v: isinstance(v, bool),
    "an integer code": _is_int,
    "a number": _is_number,
    "an integer or null": lambda v: v is None or _is_int(v),
    "a list of strings": lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v),
    "an object": lambda v: isinstance(v, dict),
}

# DefaultMappingRules/integration_mapping_rules.json: a list of these objects. Every key is written by the tool's
# build; match terms and function parameters are "" when unused (never null), functions are integer codes.
MAPPING_RULE = (
    Field("Source", "a string"),
    Field("Product", "a string or null"),
    Field("EventName", "a string or null"),
    Field("SecurityEventFieldName", "a string"),
    Field("TransformationFunction", "an integer code", codes=TRANSFORMATION_FUNCTION),
    Field("TransformationFunctionParam", "a string"),
    Field("RawDataPrimaryFieldMatchTerm", "a string"),
    Field("RawDataPrimaryFieldComparisonType", "an integer code", codes=COMPARISON_TYPE),
    Field("RawDataSecondaryFieldMatchTerm", "a string"),
    Field("RawDataSecondaryFieldComparisonType", "an integer code", codes=COMPARISON_TYPE),
    Field("RawDataThirdFieldMatchTerm", "a string"),
    Field("RawDataThirdFieldComparisonType", "an integer code", codes=COMPARISON_TYPE),
    Field("IsArtifact", "a boolean"),
    Field("ExtractionFunctionParam", "a string"),
    Field("ExtractionFunction", "an integer code", codes=EXTRACTION_FUNCTION),
)
# RN.json: a list of these objects.
RELEASE_NOTE = (
    Field("ChangeDescription", "a non-empty string"),
    Field("Deprecated", "a boolean"),
    Field("IntroducedInIntegrationVersion", "a number"),
    Field("ItemName", "a non-empty string"),
    Field("ItemType", "a string", choices=RELEASE_NOTE_ITEM_TYPES),
    Field("New", "a boolean"),
    Field("PublishTime", "an integer or null"),
    Field("Regressive", "a boolean"),
    Field("Removed", "a boolean"),
    Field("TicketNumber", "a string or null"),
)

# resources/ai/actions_ai_description.yaml: one entry per action display name.
AI_CAPABILITIES = (
    Field("reasoning", "a string"),
    Field("fetches_data", "a boolean"),
    Field("can_mutate_external_data", "a boolean"),
    Field("external_data_mutation_explanation", "a string or null"),
    Field("can_mutate_internal_data", "a boolean"),
    Field("internal_data_mutation_explanation", "a string or null"),
    Field("can_update_entities", "a boolean"),
    Field("can_create_insight", "a boolean"),
    Field("can_modify_alert_data", "a boolean"),
    Field("can_create_case_comments", "a boolean"),
)
AI_CATEGORIES = (
    Field("reasoning", "a string"),
    Field("enrichment", "a boolean"),
    Field("remediation", "a boolean"),
)
AI_ENTITY_FILTERS = (
    "filters_by_identifier",
    "filters_by_creation_time",
    "filters_by_modification_time",
    "filters_by_additional_properties",
    "filters_by_case_identifier",
    "filters_by_alert_identifier",
    "filters_by_entity_type",
    "filters_by_is_internal",
    "filters_by_is_suspicious",
    "filters_by_is_artifact",
    "filters_by_is_vulnerable",
    "filters_by_is_enriched",
    "filters_by_is_pivot",
)
AI_ENTITY_USAGE = (
    Field("reasoning", "a string"),
    Field("entity_types", "a list of strings"),
    *(Field(name, "a boolean") for name in AI_ENTITY_FILTERS),
)
AI_OUTCOMES = (
    "enrich_ioc",
    "enrich_asset",
    "update_alert",
    "add_alert_comment",
    "create_ticket",
    "update_ticket",
    "add_ioc_to_blocklist",
    "remove_ioc_from_blocklist",
    "add_ioc_to_allowlist",
    "remove_ioc_from_allowlist",
    "disable_identity",
    "enable_identity",
    "contain_host",
    "uncontain_host",
    "reset_identity_password",
    "update_identity",
    "search_events",
    "execute_command_on_the_host",
    "download_file",
    "send_email",
    "search_email",
    "delete_email",
    "update_email",
    "submit_file",
    "send_message",
    "search_asset",
    "get_alert_information",
)
AI_OUTCOME_CATEGORIES = (Field("reasoning", "a string"), *(Field(name, "a boolean") for name in AI_OUTCOMES))
AI_ACTION = (
    Field("ai_description", "a non-empty string"),
    Field("ai_short_description", "a non-empty string"),
    Field("parameters_description", "a non-empty string"),
    Field("capabilities", "an object"),
    Field("categories", "an object"),
    Field("entity_usage", "an object"),
    Field("action_outcomes_categories", "an object"),
)
AI_SECTIONS = {
    "capabilities": AI_CAPABILITIES,
    "categories": AI_CATEGORIES,
    "entity_usage": AI_ENTITY_USAGE,
    "action_outcomes_categories": AI_OUTCOME_CATEGORIES,
}


def _type_name(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "list", dict: "object"}.get(
        type(value), "null" if value is None else type(value).__name__
    )


def check_fields(obj: Any, fields: tuple[Field, ...], prefix: str = "") -> list[tuple[str, str]]:
    """(field, problem) for every key of obj that the model's fields refuse."""
    if not isinstance(obj, dict):
        return [(prefix or "(file)", f"must be a JSON object, got {_type_name(obj)}")]
    problems = []
    for spec in fields:
        where = f"{prefix}.{spec.key}" if prefix else spec.key
        if spec.key not in obj:
            if spec.required:
                problems.append((where, "missing: Google's packaging tool needs this key"))
            continue
        value = obj[spec.key]
        shown = "null" if value is None else json.dumps(value)
        if spec.codes is not None and not (_is_int(value) and value in spec.codes.values):
            problems.append((where, f"{shown} is not one of the {spec.codes.name} codes: {spec.codes.describe()}"))
        elif not KINDS[spec.kind](value):
            problems.append((where, f"must be {spec.kind}, got {_type_name(value)}"))
        elif spec.choices and value not in spec.choices:
            problems.append((where, f"{shown} is not one of {', '.join(spec.choices)}"))
    return problems


def is_http_url(value: Any) -> bool:
    if not isinstance(value, str) or any(c.isspace() for c in value):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def png_problem(data: bytes) -> str | None:
    """Why data is not a well-formed PNG (signature, IHDR first, every chunk CRC, IEND last), or None."""
    if not data.startswith(PNG_SIGNATURE):
        return "is not a PNG (wrong signature)"
    offset, kinds = len(PNG_SIGNATURE), []
    while offset < len(data):
        if offset + 8 > len(data):
            return "is a truncated PNG"
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        end = offset + 8 + length + 4
        if end > len(data):
            return "is a truncated PNG"
        body = data[offset + 4 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(body) != crc:
            return f"is a corrupt PNG (bad CRC in the {kind.decode('latin-1')} chunk)"
        kinds.append(kind)
        offset = end
    if not kinds or kinds[0] != b"IHDR" or kinds[-1] != b"IEND" or b"IDAT" not in kinds:
        return "is not a complete PNG (needs IHDR first, IDAT, and IEND last)"
    return None


def svg_problem(text: str) -> str | None:
    """Why text is not an SVG document the tool accepts (well-formed XML with an <svg> root), or None."""
    try:
        root = ElementTree.fromstring(text)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        return f"is not well-formed SVG: {exc}"
    if not root.tag.lower().endswith("svg"):
        return f"root element is <{root.tag}>, not <svg>"
    return None


# -- the YAML subset of resources/ai/*.yaml ---------------------------------------------------------------
#
# Only the standard library writes and reads it, so the file sticks to a small subset of YAML that any YAML
# parser reads the same way: plain keys, two-space indentation, nested mappings, `|-` literal blocks for
# text, and JSON literals (strings, true, false, null, numbers, [..], {}) for every other value.

_PLAIN_KEY = re.compile(r"[A-Za-z][A-Za-z0-9 _\-]*")
_RESERVED_KEYS = frozenset({"true", "false", "null", "yes", "no", "on", "off", "y", "n"})
INDENT = 2


class YamlSubsetError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}")


def _safe_key(key: Any) -> bool:
    return isinstance(key, str) and bool(_PLAIN_KEY.fullmatch(key)) and key.lower() not in _RESERVED_KEYS


def _block_safe(text: str) -> bool:
    lines = text.split("\n")
    return (
        len(lines) > 1
        and not text.startswith(" ")
        and "\t" not in text
        and "\r" not in text
        and all(line == "" or line == line.rstrip() for line in lines)
        and all(line.strip() or line == "" for line in lines)
        and lines[0] != ""
    )


def dump_yaml(data: Mapping[str, Any], header: str = "") -> str:
    """Write a mapping in the subset; raises ValueError for a key or value the subset cannot hold."""
    out = [f"# {line}".rstrip() for line in header.splitlines()]

    def emit(mapping: Mapping[str, Any], depth: int) -> None:
        pad = " " * (INDENT * depth)
        for key, value in mapping.items():
            if not _safe_key(key):
                raise ValueError(f"{key!r} cannot be a plain YAML key")
            if isinstance(value, Mapping) and value:
                out.append(f"{pad}{key}:")
                emit(value, depth + 1)
            elif isinstance(value, str) and _block_safe(value):
                out.append(f"{pad}{key}: |-")
                block_pad = " " * (INDENT * (depth + 1))
                out.extend(f"{block_pad}{line}" if line else "" for line in value.split("\n"))
            elif value is None or isinstance(value, str | bool | int | float | list | Mapping):
                out.append(f"{pad}{key}: {json.dumps(value, ensure_ascii=False)}")
            else:
                raise ValueError(f"{key!r}: {type(value).__name__} values are not in the subset")

    emit(data, 0)
    return "\n".join(out) + "\n"


def load_yaml(text: str) -> dict[str, Any]:
    """Read a document written in the subset; raises YamlSubsetError naming the line for anything outside it."""
    lines = text.split("\n")
    position = 0

    def indentation(line: str, number: int) -> int:
        width = len(line) - len(line.lstrip(" "))
        if line[width : width + 1] == "\t":
            raise YamlSubsetError(number, "tabs cannot indent YAML")
        return width

    def block(indent: int) -> str:
        nonlocal position
        collected: list[str] = []
        while position < len(lines):
            line = lines[position]
            if line.strip() == "":
                collected.append("")
            elif indentation(line, position + 1) >= indent:
                if not any(collected) and indentation(line, position + 1) != indent:
                    raise YamlSubsetError(position + 1, f"a |- block starts at indentation {indent}")
                collected.append(line[indent:])
            else:
                break
            position += 1
        while collected and collected[-1] == "":
            collected.pop()
        return "\n".join(collected)

    def mapping(indent: int) -> dict[str, Any] | None:
        nonlocal position
        result: dict[str, Any] = {}
        while position < len(lines):
            line, number = lines[position], position + 1
            if not line.strip() or line.lstrip().startswith("#"):
                position += 1
                continue
            width = indentation(line, number)
            if width < indent:
                break
            if width > indent:
                raise YamlSubsetError(number, f"unexpected indentation (expected {indent} spaces)")
            key, colon, rest = line[width:].partition(":")
            if not colon or (rest and not rest.startswith(" ")):
                raise YamlSubsetError(number, 'expected "key: value" or "key:"')
            if not _safe_key(key):
                raise YamlSubsetError(number, f"{key!r} is not a plain key")
            if key in result:
                raise YamlSubsetError(number, f"duplicate key {key!r}")
            rest = rest.strip()
            position += 1
            if rest == "":
                result[key] = mapping(indent + INDENT)
            elif rest == "|-":
                result[key] = block(indent + INDENT)
            else:
                try:
                    result[key] = json.loads(rest)
                except ValueError:
                    raise YamlSubsetError(number, f"{rest[:40]!r} is not a JSON literal or |- block") from None
        return result if result else None

    document = mapping(0)
    return document or {}


# -- checks per file ------------------------------------------------------------------------------------


def _load(root: Path, relative: str) -> Any:
    """The parsed JSON file, or None when it is missing or broken (the definition validator reports that)."""
    try:
        return load_json(root / relative)
    except (OSError, ValueError):
        return None


def _check_documentation_link(add: Add, file: str, definition: Any, why: str) -> None:
    if not isinstance(definition, dict):
        return
    link = definition.get("DocumentationLink")
    if link is None:
        add(file, "DocumentationLink", f"missing: {why}")
    elif not is_http_url(link):
        add(file, "DocumentationLink", f"{link!r} is not an http(s) URL; the tool's model refuses it")


def integration_definition(root: Path) -> tuple[str, dict] | None:
    """(file name, definition) of the one integration definition, or None (the definition validator reports why)."""
    paths = sorted(root.glob(INTEGRATION_DEF_GLOB))
    definition = _load(root, paths[0].name) if len(paths) == 1 else None
    return (paths[0].name, definition) if isinstance(definition, dict) else None


def check_integration_link(root: Path, add: Add) -> None:
    found = integration_definition(root)
    if found and "DocumentationLink" in found[1]:
        _check_documentation_link(add, found[0], found[1], "Google's tool refuses an integration without one")


def check_images(root: Path, add: Add) -> None:
    found = integration_definition(root)
    if not found:
        return
    file, definition = found
    image = definition.get("ImageBase64", "")
    if image is None:
        add(file, "ImageBase64", "missing: the package ships a PNG image (base64) for the Marketplace")
    elif isinstance(image, str):
        try:
            problem = png_problem(base64.b64decode(image, validate=True))
        except (binascii.Error, ValueError):
            problem = None  # the definition validator reports invalid base64
        if problem and not problem.endswith("(wrong signature)"):
            add(file, "ImageBase64", problem)
    svg = definition.get("SVGImage", definition.get("SvgImage"))
    if isinstance(svg, str) and "<svg" in svg and (problem := svg_problem(svg)):
        add(file, "SVGImage", problem)


def check_components(root: Path, add: Add) -> tuple[list[str], list[str]]:
    """Documentation links of actions and connectors; returns their names."""
    actions, connectors = [], []
    for directory, suffix, names, why in (
        (ACTIONS_DEFS_DIR, ".actiondef", actions, "every action links to its section of the documentation page"),
        (CONNECTORS_DEFS_DIR, ".connectordef", connectors, "Google's tool refuses a connector without one"),
    ):
        for path in sorted((root / directory).glob(f"*{suffix}")):
            file = f"{directory}/{path.name}"
            definition = _load(root, file)
            if not isinstance(definition, dict):
                continue
            if isinstance(definition.get("Name"), str):
                names.append(definition["Name"])
            _check_documentation_link(add, file, definition, why)
    return actions, connectors


def check_mapping_rules(root: Path, add: Add) -> None:
    rules = _load(root, MAPPING_RULES_FILE)
    if not isinstance(rules, list):
        return
    for index, rule in enumerate(rules):
        for where, problem in check_fields(rule, MAPPING_RULE, f"[{index}]"):
            add(MAPPING_RULES_FILE, where, problem)


def check_ping_script(root: Path, add: Add) -> None:
    path = root / PING_SCRIPT
    if not path.is_file():
        return
    source = path.read_text(encoding="utf-8")
    for what, text in (("success message", PING_SUCCESS_TEXT), ("failure message", PING_FAILURE_TEXT)):
        if text not in source:
            add(PING_SCRIPT, what, f'must contain "{text}" in the script itself: Google\'s tool reads it there')


def check_release_notes(root: Path, add: Add, integration: dict | None, names: dict[str, list[str]]) -> bool:
    path = root / RELEASE_NOTES_FILE
    if not path.exists():
        add(RELEASE_NOTES_FILE, "(file)", "missing: the package ships release notes for this version")
        return False
    notes = _load(root, RELEASE_NOTES_FILE)
    if not isinstance(notes, list) or not notes:
        add(RELEASE_NOTES_FILE, "(file)", "must be a non-empty JSON list of release notes")
        return True
    version = integration.get("Version") if integration else None
    versions = []
    for index, note in enumerate(notes):
        where = f"[{index}]"
        problems = check_fields(note, RELEASE_NOTE, where)
        for field_name, problem in problems:
            add(RELEASE_NOTES_FILE, field_name, problem)
        if problems:
            continue
        introduced = note["IntroducedInIntegrationVersion"]
        versions.append(introduced)
        if introduced < MIN_VERSION:
            add(RELEASE_NOTES_FILE, f"{where}.IntroducedInIntegrationVersion", f"must be at least {MIN_VERSION}")
        if _is_number(version) and introduced > version:
            add(
                RELEASE_NOTES_FILE,
                f"{where}.IntroducedInIntegrationVersion",
                f"{introduced} is later than the integration's Version {version}",
            )
        if len(note["ChangeDescription"]) > MAX_DESCRIPTION_CHARS:
            add(RELEASE_NOTES_FILE, f"{where}.ChangeDescription", f"longer than {MAX_DESCRIPTION_CHARS} characters")
        if note["PublishTime"] is not None and note["PublishTime"] <= 0:
            add(RELEASE_NOTES_FILE, f"{where}.PublishTime", "must be a Unix time in seconds (or null)")
        known = names.get(note["ItemType"])
        if known is not None and note["ItemName"] not in known and not note["Removed"]:
            add(
                RELEASE_NOTES_FILE,
                f"{where}.ItemName",
                f"{note['ItemName']!r} is not {ARTICLES[note['ItemType']]} {note['ItemType'].lower()} of this package",
            )
    if versions and _is_number(version) and max(versions) != version:
        add(
            RELEASE_NOTES_FILE,
            "IntroducedInIntegrationVersion",
            f"the latest release notes are for {max(versions)}, but the integration's Version is {version}: "
            "every release adds notes for its own version",
        )
    return True


def read_ai_descriptions(root: Path) -> dict[str, Any]:
    """The AI metadata per action name; raises OSError or YamlSubsetError."""
    return load_yaml((root / ACTIONS_AI_FILE).read_text(encoding="utf-8"))


def check_ai_descriptions(root: Path, add: Add, actions: list[str]) -> bool:
    if not (root / ACTIONS_AI_FILE).is_file():
        add(ACTIONS_AI_FILE, "(file)", "missing: the package ships AI metadata for every action")
        return False
    try:
        entries = read_ai_descriptions(root)
    except YamlSubsetError as exc:
        add(ACTIONS_AI_FILE, "(file)", f"{exc}; the file must stay in the YAML subset the devkit reads")
        return True
    for name in actions:
        if name not in entries:
            add(ACTIONS_AI_FILE, name, "missing: every action needs its AI metadata")
    for name, entry in entries.items():
        if name not in actions:
            add(ACTIONS_AI_FILE, name, "not an action of this package")
            continue
        problems = check_fields(entry, AI_ACTION, name)
        for section, fields in AI_SECTIONS.items():
            if isinstance(entry, dict) and isinstance(entry.get(section), dict):
                problems += check_fields(entry[section], fields, f"{name}.{section}")
        for where, problem in problems:
            add(ACTIONS_AI_FILE, where, problem)
        if not problems:
            _check_ai_consistency(add, name, entry)
    return True


def _check_ai_consistency(add: Add, name: str, entry: dict) -> None:
    capabilities, categories = entry["capabilities"], entry["categories"]
    for kind in ("external", "internal"):
        mutates, explanation = (
            capabilities[f"can_mutate_{kind}_data"],
            capabilities[f"{kind}_data_mutation_explanation"],
        )
        where = f"{name}.capabilities.{kind}_data_mutation_explanation"
        if mutates and not (explanation or "").strip():
            add(ACTIONS_AI_FILE, where, f"must say what the action changes (can_mutate_{kind}_data is true)")
        if not mutates and explanation is not None:
            add(ACTIONS_AI_FILE, where, f"must be null when can_mutate_{kind}_data is false")
    if categories["reasoning"]:
        # The tool turns every truthy key of this section into a category name; a reasoning text breaks that.
        add(ACTIONS_AI_FILE, f"{name}.categories.reasoning", 'must be "" (the tool reads every truthy key as a flag)')
    if categories["enrichment"]:
        if name == "Ping":
            add(ACTIONS_AI_FILE, f"{name}.categories.enrichment", "Ping is never an enrichment action")
        elif not capabilities["fetches_data"] or capabilities["can_mutate_external_data"]:
            add(
                ACTIONS_AI_FILE,
                f"{name}.categories.enrichment",
                "an enrichment action fetches data and changes nothing outside Google SecOps",
            )


def built_action_definition(definition: dict, ai_entries: Mapping[str, Any]) -> dict:
    """The action definition as the tool's build writes it: AIDescription copied from the AI metadata."""
    entry = ai_entries.get(definition.get("Name"))
    if not isinstance(entry, dict) or not isinstance(entry.get("ai_description"), str):
        return definition
    return {**definition, AI_DESCRIPTION_KEY: entry["ai_description"]}


def check_package(root: Path, add: Add, note_file: Callable[[str], None]) -> None:
    """Apply the built-format model to every file under root; note_file records each file it read."""
    check_integration_link(root, add)
    check_images(root, add)
    check_mapping_rules(root, add)
    check_ping_script(root, add)
    actions, connectors = check_components(root, add)
    found = integration_definition(root)
    integration = found[1] if found else None
    names = {
        "Integration": [integration.get("Identifier"), integration.get("DisplayName")] if integration else [],
        "Action": actions,
        "Connector": connectors,
    }
    if check_release_notes(root, add, integration, names):
        note_file(RELEASE_NOTES_FILE)
    if check_ai_descriptions(root, add, actions):
        note_file(ACTIONS_AI_FILE)
