"""The platform's files, written from the specs the scripts declare: `python -m devkit generate [--check]`.

Generated, and committed as generated: `ActionsDefinitions/<Stem>.actiondef` for every action script,
`ConnectorsDefinitions/<Stem>.connectordef` for every connector script, the AI metadata
(`resources/ai/actions_ai_description.yaml`) and `Widgets/<Stem>.json` for every action that declares a
widget. Written by hand: the integration definition (whose DocumentationLink every action's and the
connector's link starts with), the widget pages, release notes and mapping rules, and the definition of a
widget whose action is only planned (no script yet).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devkit.builtformat import (
    ACTIONS_AI_FILE,
    AI_ENTITY_FILTERS,
    AI_OUTCOMES,
    dump_yaml,
    integration_definition,
    load_yaml,
)
from devkit.definitions import ACTIONS_DEFS_DIR, CONNECTORS_DEFS_DIR
from devkit.specs import Specs, read_specs
from devkit.widgets import PLANNED_ACTIONS, WIDGETS_DIR, load_widget, widget_stems

# The platform's type codes of action parameters, and of connector parameters (the integration's property codes).
ACTION_TYPE_CODES = {"string": 0, "checkbox": 1, "password": 12, "ddl": 15}
PROPERTY_TYPE_CODES = {"checkbox": 0, "integer": 1, "string": 2, "password": 3}
# The platform's own connector parameters are "regular" (Mode 0); every other one is a script parameter (Mode 2).
REGULAR_CONNECTOR_PARAMS = frozenset({"DeviceProductField", "EventClassId"})
CONNECTOR_MODES = {True: 0, False: 2}
# How a parameter's type is named in the AI metadata's parameter table.
AI_TYPE_LABELS = {
    "string": "String",
    "password": "Password",
    "checkbox": "Checkbox",
    "integer": "Integer",
    "ddl": "DDL",
}
NO_PARAMETERS = "The action has no parameters."
AI_HEADER = (
    "AI metadata of every action, keyed by action name (Google's packaging tool reads this file).\n"
    "The devkit writes and reads a YAML subset: see docs/PACKAGE_FORMAT.md before editing."
)
JSON_RESULT = "[{stepInstanceName}.JsonResult]"
# When a widget shows: for a list result, the JSON result starts with "[" and holds an object; for an object
# result, it starts with "{", is not "{}" and is no longer the unresolved placeholder.
MATCH_CONTAINS, MATCH_STARTS_WITH, MATCH_NOT_EQUAL, MATCH_NOT_CONTAINS = 1, 2, 5, 6
WIDGET_CONDITIONS = {
    "list": ((MATCH_STARTS_WITH, "["), (MATCH_CONTAINS, "{")),
    "object": ((MATCH_NOT_CONTAINS, "{stepInstanceName}"), (MATCH_STARTS_WITH, "{"), (MATCH_NOT_EQUAL, "{}")),
}
HTML_WIDGET, ALERT_SCOPE, BOTH_VIEWS, HALF_WIDTH, WIDGET_HEIGHT = 3, 0, 2, 1, 400
REGENERATE = "run `python -m devkit generate` to rewrite it from the specs"


@dataclass(frozen=True)
class Finding:
    file: str
    field: str
    problem: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.problem}"


@dataclass(frozen=True)
class Generated:
    """What the specs generate (file relative to the root -> content), what stopped it, and the stale files."""

    files: dict[str, bytes]
    problems: list[Finding]
    # Committed files that were generated from a spec that no longer exists (or no longer declares a widget).
    stale: list[str]


def _json(data: Any, indent: int) -> bytes:
    return (json.dumps(data, indent=indent) + "\n").encode("utf-8")


def _link(base: str, anchor: str) -> str:
    return f"{base}#{anchor}" if anchor else base


def action_definition(spec: dict[str, Any], contract: dict[str, str], documentation: str) -> dict[str, Any]:
    example = spec["result_example"]
    return {
        "Name": spec["name"],
        "IntegrationIdentifier": contract["identifier"],
        "Description": spec["description"],
        "DocumentationLink": _link(documentation, spec["documentation_anchor"]),
        "Creator": "admin",
        "IsAsync": False,
        "IsCustom": False,
        "IsEnabled": True,
        "Version": 1.0,
        "ScriptResultName": contract["script_result_name"],
        "SimulationDataJson": json.dumps({"Entities": []}),
        "DynamicResultsMetadata": (
            []
            if example is None
            else [{"ResultName": "JsonResult", "ShowResult": True, "ResultExample": json.dumps(example, indent=2)}]
        ),
        "Parameters": [
            {
                "Name": param["name"],
                "Description": param["description"],
                "Type": ACTION_TYPE_CODES[param["kind"]],
                "IsMandatory": param["mandatory"],
                "DefaultValue": param["default"],
                "Value": param["default"],
                "OptionalValues": list(param["options"]) or None,
            }
            for param in spec["params"]
        ],
    }


def connector_definition(spec: dict[str, Any], contract: dict[str, str], documentation: str) -> dict[str, Any]:
    return {
        "Name": spec["name"],
        "Integration": contract["identifier"],
        "Description": spec["description"],
        "Creator": "admin",
        "IsConnectorRulesSupported": True,
        "IsCustom": False,
        "IsEnabled": True,
        "Version": 1.0,
        "DocumentationLink": _link(documentation, spec["documentation_anchor"]),
        "Rules": [],
        "Parameters": [
            {
                "Name": param["name"],
                "Description": param["description"],
                "Type": PROPERTY_TYPE_CODES[param["kind"]],
                "Mode": CONNECTOR_MODES[param["name"] in REGULAR_CONNECTOR_PARAMS],
                "IsMandatory": param["mandatory"],
                "IsAdvanced": param["advanced"],
                # A checkbox's default is a JSON boolean in a connector definition, a string in an action's.
                "DefaultValue": param["default"] == "true" if param["kind"] == "checkbox" else param["default"],
            }
            for param in spec["params"]
        ],
    }


def parameters_table(params: list[dict[str, Any]]) -> str:
    """The AI metadata's Markdown table of the parameters: name, type, mandatory, short description."""
    if not params:
        return NO_PARAMETERS
    rows = ["| Parameter | Type | Mandatory | Description |", "| --- | --- | --- | --- |"]
    for param in params:
        kind = AI_TYPE_LABELS[param["kind"]] + (f" ({param['value_format']})" if param["value_format"] else "")
        mandatory = "Yes" if param["mandatory"] else "No"
        rows.append(f"| {param['name']} | {kind} | {mandatory} | {param['ai_description']} |")
    return "\n".join(rows)


def ai_entry(spec: dict[str, Any]) -> dict[str, Any]:
    """The action's entry in the AI metadata, in the layout of Google's packaging tool."""
    ai = spec["ai"]
    changes = ai["changes_in_mimecast"]
    return {
        "ai_description": ai["description"],
        "ai_short_description": ai["short_description"],
        "parameters_description": parameters_table(spec["params"]),
        "capabilities": {
            "reasoning": ai["capabilities"],
            "fetches_data": ai["fetches_data"],
            "can_mutate_external_data": changes is not None,
            "external_data_mutation_explanation": changes,
            "can_mutate_internal_data": False,
            "internal_data_mutation_explanation": None,
            "can_update_entities": False,
            "can_create_insight": False,
            "can_modify_alert_data": False,
            "can_create_case_comments": False,
        },
        "categories": {"reasoning": "", "enrichment": ai["enrichment"], "remediation": ai["remediation"]},
        "entity_usage": {
            "reasoning": ai["entity_usage"],
            "entity_types": [],
            **dict.fromkeys(AI_ENTITY_FILTERS, False),
        },
        "action_outcomes_categories": {"reasoning": "", **{name: name in ai["outcomes"] for name in AI_OUTCOMES}},
    }


def widget_definition(spec: dict[str, Any], contract: dict[str, str]) -> dict[str, Any]:
    widget = spec["widget"]
    return {
        "Title": f"{contract['display_name']} - {spec['name']}",
        "Type": HTML_WIDGET,
        "Scope": ALERT_SCOPE,
        "ActionIdentifier": spec["name"],
        "Description": widget["description"],
        "DataDefinition": {
            "htmlContent": "",
            "htmlHeight": WIDGET_HEIGHT,
            "safeRendering": False,
            "type": HTML_WIDGET,
            "widgetDefinitionScope": BOTH_VIEWS,
        },
        "ConditionsGroup": {
            "Conditions": [
                {"FieldName": JSON_RESULT, "Value": value, "MatchType": match, "CustomOperatorName": None}
                for match, value in WIDGET_CONDITIONS[widget["result"]]
            ],
            "LogicalOperator": 0,
        },
        "DefaultSize": HALF_WIDTH,
    }


def _spec_problems(specs: Specs) -> list[Finding]:
    """What the generator cannot write: kinds without a type code, unknown outcomes or widget results."""
    problems = [Finding(*problem) for problem in specs.problems]
    components = [("ActionsScripts", specs.actions, ACTION_TYPE_CODES), ("ConnectorsScripts", specs.connectors, None)]
    for directory, found, codes in components:
        for stem, spec in found.items():
            where = f"{directory}/{stem}.py"
            for param in spec["params"]:
                if param["kind"] not in (codes or PROPERTY_TYPE_CODES):
                    kind = "an action" if codes else "a connector"
                    problems.append(Finding(where, f"SPEC.params[{param['name']}]", f"{kind} has no {param['kind']!r}"))
            ai, widget = spec.get("ai"), spec.get("widget")
            for outcome in (ai or {}).get("outcomes", ()):
                if outcome not in AI_OUTCOMES:
                    problems.append(Finding(where, "SPEC.ai.outcomes", f"{outcome!r} is not an outcome category"))
            if widget and widget["result"] not in WIDGET_CONDITIONS:
                expected = " or ".join(repr(result) for result in WIDGET_CONDITIONS)
                problems.append(Finding(where, "SPEC.widget.result", f"{widget['result']!r} is not {expected}"))
    return problems


def generate(root: Path) -> Generated:
    """Every generated file's content; nothing is written."""
    specs = read_specs(root)
    problems = _spec_problems(specs)
    found = integration_definition(root)
    documentation = found[1].get("DocumentationLink") if found else None
    if not isinstance(documentation, str) or not documentation:
        file = found[0] if found else "Integration-*.def"
        problems.append(Finding(file, "DocumentationLink", "needed: every action's link is this page and an anchor"))
    if problems:
        return Generated({}, problems, [])
    contract = specs.contract
    files: dict[str, bytes] = {}
    for stem, spec in specs.actions.items():
        files[f"{ACTIONS_DEFS_DIR}/{stem}.actiondef"] = _json(action_definition(spec, contract, documentation), 4)
        if spec["widget"]:
            files[f"{WIDGETS_DIR}/{stem}.json"] = _json(widget_definition(spec, contract), 4)
    for stem, spec in specs.connectors.items():
        files[f"{CONNECTORS_DEFS_DIR}/{stem}.connectordef"] = _json(
            connector_definition(spec, contract, documentation), 2
        )
    entries = {spec["name"]: ai_entry(spec) for spec in specs.actions.values() if spec["ai"]}
    files[ACTIONS_AI_FILE] = dump_yaml(entries, AI_HEADER).encode("utf-8")
    return Generated(files, [], _stale(root, files))


def _stale(root: Path, files: dict[str, bytes]) -> list[str]:
    """Generated files no spec generates any more: the script was removed or renamed, or declares no widget.

    A widget of a planned action (devkit.widgets.PLANNED_ACTIONS) is written by hand, and so is never stale.
    """
    candidates = [
        *(f"{ACTIONS_DEFS_DIR}/{path.name}" for path in (root / ACTIONS_DEFS_DIR).glob("*.actiondef")),
        *(f"{CONNECTORS_DEFS_DIR}/{path.name}" for path in (root / CONNECTORS_DEFS_DIR).glob("*.connectordef")),
        *(f"{WIDGETS_DIR}/{stem}.json" for stem in widget_stems(root) if not _hand_written_widget(root, stem)),
    ]
    return sorted(file for file in candidates if file not in files)


def _hand_written_widget(root: Path, stem: str) -> bool:
    try:
        action = load_widget(root, stem).get("ActionIdentifier")
    except (OSError, ValueError, AttributeError):
        return True  # the validator reports a widget it cannot read; generate never deletes it
    return action in PLANNED_ACTIONS


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:79] + "…"


def _name(entry: Any) -> str | None:
    """The name a list entry is reported by (a parameter's, a result's), or None."""
    for key in ("Name", "ResultName"):
        if isinstance(entry, dict) and isinstance(entry.get(key), str):
            return entry[key]
    return None


def differences(committed: Any, generated: Any, where: str = "") -> list[tuple[str, str]]:
    """(field, problem) for every value of a committed file that differs from what the specs generate.

    Entries of a list of named objects (parameters) are matched by name: `Parameters[Note].IsMandatory`.
    """
    if isinstance(committed, dict) and isinstance(generated, dict):
        found: list[tuple[str, str]] = []
        for key, value in generated.items():
            at = f"{where}.{key}" if where else key
            found += differences(committed[key], value, at) if key in committed else [(at, _missing(value))]
        extra = [key for key in committed if key not in generated]
        return found + [(f"{where}.{key}" if where else key, "not generated from the spec") for key in extra]
    if isinstance(committed, list) and isinstance(generated, list):
        names = [_name(entry) for entry in generated]
        if names and all(names) and len(set(names)) == len(names):
            return _named_differences(committed, generated, names, where)
        if len(committed) == len(generated) and any(isinstance(entry, dict | list) for entry in generated):
            found = []
            for index, (old, new) in enumerate(zip(committed, generated, strict=True)):
                found += differences(old, new, f"{where}[{index}]")
            return found
    if committed != generated or type(committed) is not type(generated):
        old, new = _contrast(committed, generated)
        return [(where or "(file)", f"{old} in the file; the spec gives {new}")]
    return []


def _contrast(committed: Any, generated: Any) -> tuple[str, str]:
    """Both values as shown; two long texts from just before the first character where they differ."""
    if not (isinstance(committed, str) and isinstance(generated, str)) or max(len(committed), len(generated)) <= 78:
        return _shown(committed), _shown(generated)
    first = next((i for i, (a, b) in enumerate(zip(committed, generated, strict=False)) if a != b), None)
    start = max(0, (min(len(committed), len(generated)) if first is None else first) - 20)

    def excerpt(text: str) -> str:
        shown = json.dumps(text[start:], ensure_ascii=False)[1:-1]
        return '"' + ("…" if start else "") + (shown if len(shown) <= 70 else shown[:70] + "…") + '"'

    return excerpt(committed), excerpt(generated)


def _named_differences(committed: list, generated: list, names: list, where: str) -> list[tuple[str, str]]:
    by_name = {_name(entry): entry for entry in committed}
    found: list[tuple[str, str]] = []
    for name, entry in zip(names, generated, strict=True):
        at = f"{where}[{name}]"
        found += differences(by_name[name], entry, at) if name in by_name else [(at, _missing(entry))]
    found += [(f"{where}[{name}]", "not generated from the spec") for name in by_name if name not in names]
    order = [_name(entry) for entry in committed if _name(entry) in names]
    if not found and order != names:
        found.append((where, f"in the order {_shown(order)}; the spec gives {_shown(names)}"))
    return found


def _missing(value: Any) -> str:
    return f"missing; the spec gives {_shown(value)}"


def _parse(file: str, content: bytes) -> Any:
    text = content.decode("utf-8")
    return load_yaml(text) if file.endswith(".yaml") else json.loads(text)


def check(root: Path) -> list[Finding]:
    """Every committed file that differs from what the specs generate, field by field; [] when all match."""
    generated = generate(root)
    if generated.problems:
        return generated.problems
    findings = []
    for file, content in generated.files.items():
        path = root / file
        if not path.is_file():
            findings.append(Finding(file, "(file)", f"missing: {REGENERATE}"))
            continue
        committed = path.read_bytes()
        if committed == content:
            continue
        try:
            fields = differences(_parse(file, committed), _parse(file, content))
        except ValueError as exc:
            fields = [("(file)", f"cannot be read ({exc})")]
        findings += [Finding(file, field, problem) for field, problem in fields[:20]]
        findings.append(Finding(file, "(file)", f"differs from what the specs generate: {REGENERATE}"))
    for file in generated.stale:
        findings.append(Finding(file, "(file)", "no spec generates it: delete it (`python -m devkit generate` does)"))
    return findings


def write(root: Path, report: Callable[[str], None]) -> list[Finding]:
    """Write every generated file that differs and remove stale definitions; returns what stopped it."""
    generated = generate(root)
    if generated.problems:
        return generated.problems
    for file, content in generated.files.items():
        path = root / file
        if not path.is_file() or path.read_bytes() != content:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            report(f"Wrote {file}")
    for file in generated.stale:
        (root / file).unlink()
        report(f"Removed {file}: no spec generates it")
    return []
