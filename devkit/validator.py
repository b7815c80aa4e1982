"""Validate every definition file the platform reads; the hand-written ones also against MimecastConstants.

Rules follow the platform's package format (docs/PACKAGE_FORMAT.md) and the `mp validate`
checks; the built-format model of Google's packaging tool lives in devkit/builtformat.py. Every
problem is reported as "<file>: <field>: <problem>".
"""

import base64
import binascii
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devkit import builtformat
from devkit.definitions import (
    ACTIONS_DEFS_DIR,
    ACTIONS_SCRIPTS_DIR,
    CONNECTORS_DEFS_DIR,
    CONNECTORS_SCRIPTS_DIR,
    CONSTANTS_FILE,
    INTEGRATION_DEF_GLOB,
    MAPPING_RULES_FILE,
    load_constants,
    load_json,
    platform_value,
)
from devkit.generate import PROPERTY_TYPE_CODES as PROPERTY_CODES
from devkit.widgets import validate_widgets

IDENTIFIER_RE = re.compile(r"[a-zA-Z0-9\-_]+")
NAME_RE = re.compile(r"[A-Za-z0-9\-_,\s]+")
MAX_NAME_CHARS = 150
MAX_PARAM_WORDS = 13
MAX_DESCRIPTION_CHARS = 2050
MAX_SCRIPT_RESULT_NAME_CHARS = 100
MAX_PARAMETERS = 50
MIN_VERSION = 1.0
MIN_SYSTEM_VERSION = 5.3
PYTHON_VERSION_CODE = 3

PROPERTY_TYPE_CODES = frozenset(range(14))
ACTION_TYPE_CODES = frozenset({-1, 0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16, 17, 21})
ACTION_OPTION_TYPES = frozenset({14, 15, 21})
ACTION_MULTI_CHOICE = 21
CONNECTOR_MODES = frozenset({0, 2})
CHECKBOX_PROPERTY_TYPE = 0
INTEGER_PROPERTY_TYPE = 1
RULE_TYPES = frozenset({0, 1})

PING_ACTION = "Ping"
VERIFY_SSL = "Verify SSL"
# Verify SSL is required too, with its own rule (verify_ssl).
REQUIRED_CONNECTOR_PARAMS = ("DeviceProductField", "EventClassId", "PythonProcessTimeout")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


TYPES: dict[str, Callable[[Any], bool]] = {
    "a string": lambda v: isinstance(v, str),
    "a string or null": lambda v: v is None or isinstance(v, str),
    "an integer": _is_int,
    "a number": _is_number,
    "a boolean": lambda v: isinstance(v, bool),
    "a list": lambda v: isinstance(v, list),
    "a list of strings": lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v),
    "a list of strings or null": lambda v: v is None or (isinstance(v, list) and all(isinstance(i, str) for i in v)),
    "an integer or a numeric string": lambda v: _is_int(v) or (isinstance(v, str) and v.lstrip("-").isdigit()),
    "a string, boolean or number": lambda v: isinstance(v, str | bool | int | float),
    "a string, boolean, number or null": lambda v: v is None or isinstance(v, str | bool | int | float),
}

# (key, expected type, required)
INTEGRATION_KEYS = (
    ("Identifier", "a string", True),
    ("DisplayName", "a string", True),
    ("MarketingDisplayName", "a string", False),
    ("Description", "a string", False),
    ("Categories", "a list of strings", False),
    ("DocumentationLink", "a string or null", True),
    ("ImageBase64", "a string or null", True),
    ("PythonVersion", "an integer", True),
    ("Version", "a number", True),
    ("IntegrationProperties", "a list", True),
    ("MinimumSystemVersion", "a number", False),
    ("IsCustom", "a boolean", False),
    ("IsPowerUp", "a boolean", False),
    ("IsAvailableForCommunity", "a boolean", False),
    ("ShouldInstalledInSystem", "a boolean", False),
    ("IsCertified", "a boolean", False),
)
PROPERTY_KEYS = (
    ("IntegrationIdentifier", "a string", True),
    ("PropertyName", "a string", True),
    ("PropertyType", "an integer or a numeric string", True),
    ("Value", "a string, boolean or number", True),
    ("PropertyDisplayName", "a string", False),
    ("PropertyDescription", "a string", False),
    ("IsMandatory", "a boolean", False),
)
ACTION_KEYS = (
    ("Name", "a string", True),
    ("IntegrationIdentifier", "a string", True),
    ("Creator", "a string", True),
    ("Description", "a string", False),
    ("Parameters", "a list", False),
    ("DynamicResultsMetadata", "a list", False),
    ("IsAsync", "a boolean", False),
    ("IsCustom", "a boolean", False),
    ("IsEnabled", "a boolean", False),
    ("ScriptResultName", "a string", False),
    ("SimulationDataJson", "a string", False),
    ("DefaultResultValue", "a string", False),
    ("Version", "a number", False),
    ("DocumentationLink", "a string or null", False),
)
ACTION_PARAM_KEYS = (
    ("Name", "a string", True),
    ("Type", "an integer", True),
    ("IsMandatory", "a boolean", True),
    ("Description", "a string", False),
    ("DefaultValue", "a string, boolean, number or null", False),
    ("Value", "a string, boolean, number or null", False),
    ("OptionalValues", "a list of strings or null", False),
)
RESULT_METADATA_KEYS = (
    ("ResultName", "a string", True),
    ("ShowResult", "a boolean", False),
    ("ResultExample", "a string or null", False),
)
CONNECTOR_KEYS = (
    ("Name", "a string", True),
    ("Integration", "a string", True),
    ("Creator", "a string", True),
    ("IsConnectorRulesSupported", "a boolean", True),
    ("IsCustom", "a boolean", True),
    ("IsEnabled", "a boolean", True),
    ("Parameters", "a list", True),
    ("Description", "a string", False),
    ("Rules", "a list", False),
    ("Version", "a number", False),
    ("DocumentationLink", "a string or null", False),
)
CONNECTOR_PARAM_KEYS = (
    ("Name", "a string", True),
    ("Description", "a string", True),
    ("Type", "an integer", True),
    ("Mode", "an integer", True),
    ("IsMandatory", "a boolean", True),
    ("DefaultValue", "a string, boolean, number or null", True),
    ("IsAdvanced", "a boolean", False),
)
RULE_KEYS = (("RuleName", "a string", True), ("RuleType", "an integer", True))


@dataclass(frozen=True)
class Problem:
    file: str
    field: str
    problem: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.problem}"


@dataclass
class ValidationReport:
    files: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _entry_field(prefix: str, entry: Any, index: int, name_key: str = "Name") -> str:
    """Where a list entry is reported: `prefix[<its name>]`, or its index when it has none."""
    return f"{prefix}[{entry.get(name_key, index) if isinstance(entry, dict) else index}]"


def _type_name(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "list", dict: "object"}.get(
        type(value), "null" if value is None else type(value).__name__
    )


class _Validator:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.report = ValidationReport()
        self.identifier: str | None = None
        self.mapping: list[dict] = []

    def add(self, file: str | Path, field_name: str, problem: str) -> None:
        name = file.relative_to(self.root).as_posix() if isinstance(file, Path) else file
        self.report.problems.append(Problem(name, field_name, problem))

    def load(self, path: Path) -> Any:
        self.report.files.append(path.relative_to(self.root).as_posix())
        try:
            return load_json(path)
        except (OSError, ValueError) as exc:
            self.add(path, "(file)", f"is not valid JSON: {exc}")
            return None

    def keys(self, path: Path, prefix: str, obj: Any, spec: tuple[tuple[str, str, bool], ...]) -> bool:
        """Check required keys and value types; False when obj is not an object at all."""
        if not isinstance(obj, dict):
            self.add(path, prefix or "(file)", f"must be a JSON object, got {_type_name(obj)}")
            return False
        for key, expected, required in spec:
            where = f"{prefix}.{key}" if prefix else key
            if key not in obj:
                if required:
                    self.add(path, where, "missing required key")
            elif not TYPES[expected](obj[key]):
                self.add(path, where, f"must be {expected}, got {_type_name(obj[key])}")
        return True

    def name(self, path: Path, where: str, value: Any, pattern: re.Pattern, what: str) -> None:
        if not isinstance(value, str):
            return
        if not pattern.fullmatch(value):
            self.add(path, where, f"{value!r} does not match the platform's {what} pattern {pattern.pattern}")
        if len(value) > MAX_NAME_CHARS:
            self.add(path, where, f"longer than {MAX_NAME_CHARS} characters")

    def description(self, path: Path, where: str, value: Any) -> None:
        if isinstance(value, str) and len(value) > MAX_DESCRIPTION_CHARS:
            self.add(path, where, f"longer than {MAX_DESCRIPTION_CHARS} characters ({len(value)})")

    def version(self, path: Path, where: str, value: Any, minimum: float) -> None:
        if _is_number(value) and value < minimum:
            self.add(path, where, f"must be at least {minimum}, got {value}")

    def parameter_names(self, path: Path, prefix: str, params: list) -> None:
        if len(params) > MAX_PARAMETERS:
            self.add(path, prefix, f"has {len(params)} parameters; the platform allows at most {MAX_PARAMETERS}")
        seen: set[str] = set()
        for param in params:
            name = param.get("Name", param.get("PropertyName")) if isinstance(param, dict) else None
            if not isinstance(name, str):
                continue
            if name in seen:
                self.add(path, f"{prefix}[{name}]", "duplicate parameter name")
            seen.add(name)
            if len(name) > MAX_NAME_CHARS or len(name.split()) > MAX_PARAM_WORDS:
                self.add(
                    path,
                    f"{prefix}[{name}]",
                    f"parameter names are limited to {MAX_PARAM_WORDS} words and {MAX_NAME_CHARS} characters",
                )

    def verify_ssl(self, path: Path, prefix: str, params: list, name_key: str, type_key: str, default_key: str) -> None:
        matches = [p for p in params if isinstance(p, dict) and p.get(name_key) == VERIFY_SSL]
        if not matches:
            self.add(path, prefix, f'missing the "{VERIFY_SSL}" parameter (boolean, default true)')
            return
        param = matches[0]
        if str(param.get(type_key)) != str(CHECKBOX_PROPERTY_TYPE):
            self.add(path, f"{prefix}[{VERIFY_SSL}].{type_key}", f"must be {CHECKBOX_PROPERTY_TYPE} (boolean)")
        if platform_value(param.get(default_key)).lower() != "true":
            self.add(path, f"{prefix}[{VERIFY_SSL}].{default_key}", "must default to true")

    # -- integration -----------------------------------------------------------------------------------

    def integration(self) -> dict | None:
        paths = sorted(self.root.glob(INTEGRATION_DEF_GLOB))
        if len(paths) != 1:
            self.add(INTEGRATION_DEF_GLOB, "(file)", f"expected exactly one integration definition, found {len(paths)}")
        if not paths:
            return None
        path = paths[0]
        definition = self.load(path)
        if definition is None or not self.keys(path, "", definition, INTEGRATION_KEYS):
            return None
        identifier = definition.get("Identifier")
        if isinstance(identifier, str):
            self.identifier = identifier
            if not IDENTIFIER_RE.fullmatch(identifier) or len(identifier) > MAX_NAME_CHARS:
                self.add(path, "Identifier", f"{identifier!r} must match {IDENTIFIER_RE.pattern} (at most 150 chars)")
            if path.name != f"Integration-{identifier}.def":
                self.add(path, "Identifier", f"file name must be Integration-{identifier}.def")
        if "SVGImage" not in definition and "SvgImage" not in definition:
            self.add(path, "SVGImage", "missing required key (raw SVG text or null)")
        svg = definition.get("SVGImage", definition.get("SvgImage"))
        if svg is not None and (not isinstance(svg, str) or "<svg" not in svg):
            self.add(path, "SVGImage", "must be raw SVG text (not base64) or null")
        image = definition.get("ImageBase64")
        if isinstance(image, str):
            try:
                if not base64.b64decode(image, validate=True).startswith(PNG_SIGNATURE):
                    self.add(path, "ImageBase64", "is not a base64-encoded PNG")
            except (binascii.Error, ValueError):
                self.add(path, "ImageBase64", "is not valid base64")
        if "PythonVersion" in definition and definition["PythonVersion"] != PYTHON_VERSION_CODE:
            self.add(path, "PythonVersion", f"must be {PYTHON_VERSION_CODE} (Python 3.11)")
        self.version(path, "Version", definition.get("Version"), MIN_VERSION)
        self.version(path, "MinimumSystemVersion", definition.get("MinimumSystemVersion"), MIN_SYSTEM_VERSION)
        self.description(path, "Description", definition.get("Description"))
        properties = definition.get("IntegrationProperties")
        if isinstance(properties, list):
            for index, prop in enumerate(properties):
                where = _entry_field("IntegrationProperties", prop, index, "PropertyName")
                if not self.keys(path, where, prop, PROPERTY_KEYS):
                    continue
                if identifier and prop.get("IntegrationIdentifier") not in (None, identifier):
                    self.add(path, f"{where}.IntegrationIdentifier", f"must be {identifier!r}")
                code = prop.get("PropertyType")
                if TYPES["an integer or a numeric string"](code) and int(code) not in PROPERTY_TYPE_CODES:
                    self.add(path, f"{where}.PropertyType", f"{code} is not a property type code (0-13)")
                self.description(path, f"{where}.PropertyDescription", prop.get("PropertyDescription"))
            self.parameter_names(
                path,
                "IntegrationProperties",
                [{"Name": p.get("PropertyName")} for p in properties if isinstance(p, dict)],
            )
            self.verify_ssl(path, "IntegrationProperties", properties, "PropertyName", "PropertyType", "Value")
        return definition

    # -- actions ---------------------------------------------------------------------------------------

    def actions(self) -> dict[str, tuple[Path, dict]]:
        found: dict[str, tuple[Path, dict]] = {}
        for path in self._definitions(ACTIONS_DEFS_DIR, ".actiondef", ACTIONS_SCRIPTS_DIR):
            definition = self.load(path)
            if definition is None or not self.keys(path, "", definition, ACTION_KEYS):
                continue
            name = definition.get("Name")
            self.name(path, "Name", name, NAME_RE, "action name")
            if isinstance(name, str):
                if name in found:
                    self.add(path, "Name", f"duplicate action name, also used by {found[name][0].name}")
                else:
                    found[name] = (path, definition)
            self._integration_ref(path, "IntegrationIdentifier", definition)
            self.description(path, "Description", definition.get("Description"))
            self.version(path, "Version", definition.get("Version"), MIN_VERSION)
            result_name = definition.get("ScriptResultName")
            if isinstance(result_name, str) and len(result_name) > MAX_SCRIPT_RESULT_NAME_CHARS:
                self.add(path, "ScriptResultName", f"longer than {MAX_SCRIPT_RESULT_NAME_CHARS} characters")
            simulation = definition.get("SimulationDataJson")
            if isinstance(simulation, str):
                self._json_text(path, "SimulationDataJson", simulation)
            params = definition.get("Parameters") or []
            if isinstance(params, list):
                for index, param in enumerate(params):
                    self._action_param(path, param, index)
                self.parameter_names(path, "Parameters", params)
            self._result_examples(path, definition)
        if PING_ACTION not in found:
            self.add(ACTIONS_DEFS_DIR, "Name", f'no "{PING_ACTION}" action: the platform requires one')
        return found

    def _json_text(self, path: Path, where: str, text: str) -> bool:
        try:
            json.loads(text)
        except ValueError as exc:
            self.add(path, where, f"is not valid JSON: {exc}")
            return False
        return True

    def _action_param(self, path: Path, param: Any, index: int) -> None:
        where = _entry_field("Parameters", param, index)
        if not self.keys(path, where, param, ACTION_PARAM_KEYS):
            return
        code = param.get("Type")
        if _is_int(code) and code not in ACTION_TYPE_CODES:
            self.add(path, f"{where}.Type", f"{code} is not an action parameter type code")
        self.description(path, f"{where}.Description", param.get("Description"))
        default = param.get("DefaultValue")
        if "Value" in param and "DefaultValue" in param and platform_value(param["Value"]) != platform_value(default):
            self.add(path, f"{where}.Value", f"{param['Value']!r} differs from DefaultValue {default!r}")
        options = param.get("OptionalValues")
        if code in ACTION_OPTION_TYPES:
            if not options:
                self.add(path, f"{where}.OptionalValues", f"type {code} needs a non-empty list of options")
                return
            chosen = self._chosen_values(default) if code == ACTION_MULTI_CHOICE else [platform_value(default)]
            outside = [value for value in chosen if value not in options]
            if outside or not chosen:
                self.add(
                    path,
                    f"{where}.DefaultValue",
                    f"{default!r} is not one of the OptionalValues {options}",
                )
        elif options:
            self.add(path, f"{where}.OptionalValues", f"must be null for type {code}: only 14, 15, 21 take options")

    @staticmethod
    def _chosen_values(default: Any) -> list[str]:
        if isinstance(default, list):
            return [platform_value(v) for v in default]
        text = platform_value(default)
        try:
            decoded = json.loads(text)
            if isinstance(decoded, list):
                return [platform_value(v) for v in decoded]
        except ValueError:
            pass
        return [part.strip() for part in text.split(",") if part.strip()]

    def _result_examples(self, path: Path, definition: dict) -> None:
        metadata = definition.get("DynamicResultsMetadata") or []
        if not isinstance(metadata, list):
            return
        has_example = False
        for index, entry in enumerate(metadata):
            where = f"DynamicResultsMetadata[{index}]"
            if not self.keys(path, where, entry, RESULT_METADATA_KEYS):
                continue
            example = entry.get("ResultExample")
            if isinstance(example, str) and self._json_text(path, f"{where}.ResultExample", example):
                has_example = has_example or entry.get("ResultName") == "JsonResult"
        if definition.get("Name") != PING_ACTION and not has_example:
            self.add(
                path,
                "DynamicResultsMetadata",
                'needs a "JsonResult" entry with a ResultExample (a JSON string): this action returns a JSON result',
            )

    # -- connectors ------------------------------------------------------------------------------------

    def connectors(self) -> list[tuple[Path, dict]]:
        found: list[tuple[Path, dict]] = []
        names: dict[str, Path] = {}
        for path in self._definitions(CONNECTORS_DEFS_DIR, ".connectordef", CONNECTORS_SCRIPTS_DIR):
            definition = self.load(path)
            if definition is None or not self.keys(path, "", definition, CONNECTOR_KEYS):
                continue
            found.append((path, definition))
            name = definition.get("Name")
            self.name(path, "Name", name, NAME_RE, "connector name")
            if isinstance(name, str):
                if name in names:
                    self.add(path, "Name", f"duplicate connector name, also used by {names[name].name}")
                names[name] = path
            self._integration_ref(path, "Integration", definition)
            self.description(path, "Description", definition.get("Description"))
            self.version(path, "Version", definition.get("Version"), MIN_VERSION)
            for index, rule in enumerate(definition.get("Rules") or []):
                if self.keys(path, f"Rules[{index}]", rule, RULE_KEYS) and rule.get("RuleType") not in RULE_TYPES:
                    self.add(path, f"Rules[{index}].RuleType", "must be 0 (allow-list) or 1 (block-list)")
            params = definition.get("Parameters")
            if not isinstance(params, list):
                continue
            for index, param in enumerate(params):
                where = _entry_field("Parameters", param, index)
                if not self.keys(path, where, param, CONNECTOR_PARAM_KEYS):
                    continue
                if _is_int(param.get("Type")) and param["Type"] not in PROPERTY_TYPE_CODES:
                    self.add(path, f"{where}.Type", f"{param['Type']} is not a connector parameter type code (0-13)")
                if _is_int(param.get("Mode")) and param["Mode"] not in CONNECTOR_MODES:
                    self.add(path, f"{where}.Mode", "must be 0 (regular) or 2 (script)")
                self.description(path, f"{where}.Description", param.get("Description"))
            self.parameter_names(path, "Parameters", params)
            by_name = {p.get("Name"): p for p in params if isinstance(p, dict)}
            for required in REQUIRED_CONNECTOR_PARAMS:
                if required not in by_name:
                    self.add(path, "Parameters", f'missing the "{required}" parameter the platform needs')
            timeout = by_name.get("PythonProcessTimeout")
            if timeout:
                if timeout.get("Type") != INTEGER_PROPERTY_TYPE:
                    self.add(path, "Parameters[PythonProcessTimeout].Type", "must be 1 (integer)")
                if not platform_value(timeout.get("DefaultValue")).isdigit():
                    self.add(path, "Parameters[PythonProcessTimeout].DefaultValue", "must be a whole number of seconds")
            self.verify_ssl(path, "Parameters", params, "Name", "Type", "DefaultValue")
        return found

    # -- shared ----------------------------------------------------------------------------------------

    def _integration_ref(self, path: Path, key: str, definition: dict) -> None:
        value = definition.get(key)
        if self.identifier and isinstance(value, str) and value != self.identifier:
            self.add(path, key, f"{value!r} must be the integration identifier {self.identifier!r}")

    def _definitions(self, defs_dir: str, suffix: str, scripts_dir: str) -> list[Path]:
        """Definition files, after checking that each has exactly one same-stem script and vice versa."""
        definitions = self._files(defs_dir, suffix)
        scripts = self._files(scripts_dir, ".py")
        for group, other_dir, other_suffix, others in (
            (definitions, scripts_dir, ".py", scripts),
            (scripts, defs_dir, suffix, definitions),
        ):
            other_stems = {p.stem for p in others}
            seen: dict[str, Path] = {}
            for path in group:
                if path.stem not in other_stems:
                    self.add(path, "(file)", f"has no matching {other_dir}/{path.stem}{other_suffix}")
                folded = path.stem.casefold()
                if folded in seen:
                    self.add(path, "(file)", f"clashes with {seen[folded].name}: stems must differ beyond letter case")
                seen[folded] = path
        return definitions

    def _files(self, directory: str, suffix: str) -> list[Path]:
        base = self.root / directory
        if not base.is_dir():
            return []
        files = []
        for path in sorted(base.iterdir()):
            if path.name.startswith(".") or path.name == "__pycache__":
                continue
            if path.is_file() and path.suffix == suffix:
                files.append(path)
            else:
                self.add(path, "(file)", f"unexpected entry: {directory}/ holds only *{suffix} files")
        return files

    def mapping_rules(self, has_connector: bool) -> None:
        path = self.root / MAPPING_RULES_FILE
        if not path.exists():
            if has_connector:
                self.add(MAPPING_RULES_FILE, "(file)", "missing: a connector needs default ontology mapping rules")
            return
        rules = self.load(path)
        if rules is None:
            return
        if not isinstance(rules, list):
            self.add(path, "(file)", f"must be a JSON list of mapping rules, got {_type_name(rules)}")
            return
        # Each rule's keys and codes: builtformat.check_mapping_rules.
        self.mapping = [rule for rule in rules if isinstance(rule, dict)]

    # -- contract cross-check --------------------------------------------------------------------------
    #
    # The action and connector definitions are generated from the scripts' specs (devkit/generate.py checks
    # them). The integration definition and the mapping rules are written by hand: they are checked here
    # against MimecastConstants.

    def contract(self, integration: dict | None) -> None:
        try:
            constants = load_constants(self.root)
        except Exception as exc:  # any import-time error in the module is a finding, not a crash
            self.add(CONSTANTS_FILE, "(module)", f"cannot be loaded: {type(exc).__name__}: {exc}")
            return
        self.report.files.append(CONSTANTS_FILE)
        if not hasattr(constants, "INTEGRATION_PARAMS"):
            self.add(CONSTANTS_FILE, "INTEGRATION_PARAMS", "missing from the public contract")
            return
        if integration is not None:
            path = sorted(self.root.glob(INTEGRATION_DEF_GLOB))[0]
            expected = getattr(constants, "INTEGRATION_IDENTIFIER", None)
            if expected and integration.get("Identifier") != expected:
                self.add(path, "Identifier", f"must be {expected!r} (MimecastConstants.INTEGRATION_IDENTIFIER)")
            props = [p for p in integration.get("IntegrationProperties") or [] if isinstance(p, dict)]
            self._properties_match(path, constants.INTEGRATION_PARAMS, {p.get("PropertyName"): p for p in props})
        self._mapping_matches_events(constants)

    def _mapping_matches_events(self, constants: Any) -> None:
        """Mapping rules must name event types and fields the connector really writes."""
        event_types, event_fields = getattr(constants, "EVENT_TYPES", None), getattr(constants, "EVENT_FIELDS", None)
        if not self.mapping or event_types is None or event_fields is None:
            return
        for index, rule in enumerate(self.mapping):
            if isinstance(rule.get("EventName"), str) and rule["EventName"] not in event_types:
                self.add(
                    MAPPING_RULES_FILE,
                    f"[{index}].EventName",
                    f"{rule['EventName']!r} is not an event type the connector writes ({', '.join(event_types)})",
                )
            field = rule.get("RawDataPrimaryFieldMatchTerm")
            if isinstance(field, str) and field not in event_fields:
                self.add(
                    MAPPING_RULES_FILE,
                    f"[{index}].RawDataPrimaryFieldMatchTerm",
                    f"{field!r} is not an event field in MimecastConstants.EVENT_FIELDS",
                )

    def _properties_match(self, path: Path, specs: Any, defined: dict[str, dict]) -> None:
        """The integration's properties are MimecastConstants.INTEGRATION_PARAMS: type, default, mandatory."""
        prefix = "IntegrationProperties"
        spec_names = set()
        for spec in specs:
            spec_names.add(spec.name)
            where = f"{prefix}[{spec.name}]"
            param = defined.get(spec.name)
            if param is None:
                self.add(path, where, "missing: MimecastConstants defines this parameter")
                continue
            code = PROPERTY_CODES.get(spec.kind)
            if str(param.get("PropertyType")) != str(code):
                self.add(
                    path, f"{where}.PropertyType", f"must be {code} ({spec.kind}), got {param.get('PropertyType')!r}"
                )
            actual, wanted = platform_value(param.get("Value")), platform_value(spec.default)
            if wanted in ("true", "false"):
                actual = actual.lower()
            if actual != wanted:
                self.add(
                    path,
                    f"{where}.Value",
                    f"{param.get('Value')!r} differs from MimecastConstants default {spec.default!r}",
                )
            if bool(param.get("IsMandatory", False)) != spec.mandatory:
                self.add(path, f"{where}.IsMandatory", f"must be {str(spec.mandatory).lower()}")
        for name in defined:
            if name not in spec_names:
                self.add(path, f"{prefix}[{name}]", "not in MimecastConstants: add it to the contract or remove it")


def validate(root: Path) -> ValidationReport:
    """Validate every definition file under root (the integration layout)."""
    validator = _Validator(root.resolve())
    integration = validator.integration()
    actions = validator.actions()
    connectors = validator.connectors()
    validator.mapping_rules(has_connector=bool(connectors))
    validator.contract(integration)
    builtformat.check_package(validator.root, validator.add, validator.report.files.append)
    widgets = validate_widgets(validator.root, set(actions))
    validator.report.files.extend(widgets.files)
    for file, field_name, problem in widgets.problems:
        validator.add(file, field_name, problem)
    return validator.report
