"""Throwaway integration layouts for devkit tests: small scripts that report what the runner gave them."""

import json
import shutil
from functools import cache
from pathlib import Path
from typing import Any

from devkit import REPO_ROOT
from devkit.builtformat import ACTIONS_AI_FILE, AI_ENTITY_FILTERS, AI_OUTCOMES, dump_yaml
from devkit.definitions import load_constants
from devkit.generate import ACTION_TYPE_CODES, PROPERTY_TYPE_CODES
from devkit.specs import Specs, read_specs

PNG_1X1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGBgAAAABQABpfZFQAAAAABJRU5ErkJggg=="
SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><rect width="8" height="8"/></svg>'
DOCS = "https://docs.example.com/mimecast"
# The platform's Ping wording, which Google's packaging tool looks for in the Ping script itself.
PING_SCRIPT = (
    "import MimecastConstants\n\n"
    'SUCCESS = "Successfully connected to the Mimecast server."\n'
    'FAILURE = "Failed to connect to the Mimecast server! Error is {reason}"\n'
)

# On the real SDK: reports argv, context, environment and configuration in its JSON result; "Mode" chooses
# its behaviour.
ECHO_SCRIPT = r"""
import importlib.util
import os
import signal
import sys
import time

from ScriptResult import EXECUTION_STATE_COMPLETED, EXECUTION_STATE_FAILED
from SiemplifyAction import SiemplifyAction
from SiemplifyUtils import output_handler


@output_handler
def main():
    siemplify = SiemplifyAction()
    mode = siemplify.parameters.get("Mode", "ok")
    if mode == "crash":
        raise RuntimeError("boom from the script")
    if mode in ("sleep", "stubborn"):
        if mode == "stubborn":
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        sys.stderr.write("sleeping\n")
        sys.stderr.flush()
        if os.environ.get("ECHO_ASLEEP_FILE"):
            open(os.environ["ECHO_ASLEEP_FILE"], "w").close()
        time.sleep(600)
    configuration = siemplify.get_configuration("Mimecast")
    info = {
        "argv": sys.argv[1:],
        "context": siemplify.context_data,
        "cwd": os.getcwd(),
        "pythonpath": os.environ.get("PYTHONPATH"),
        "platform": {name: os.environ.get(name) for name in ("APP_IP", "APP_PORT", "APP_USE_SSL")},
        "scrubbed": {
            name: os.environ.get(name)
            for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "https_proxy", "PYTHONUNBUFFERED")
        },
        "extra": os.environ.get("ECHO_EXTRA"),
        "importable": {
            name: importlib.util.find_spec(name) is not None
            for name in ("devkit", "simulator", "tests", "SiemplifyAction", "EchoHelper")
        },
        "configuration": configuration,
        "environment": siemplify.environment,
    }
    print("echo debug line")
    siemplify.result.add_result_json(info)
    siemplify.result.add_data_table("Mailboxes", ["Mailbox,Messages", "alice@example.com,3", "bob@example.com,0"])
    message = f"Echo ran in mode {mode}"
    if mode == "leak":
        message += " with secret " + configuration.get("Client Secret", "")
    state = EXECUTION_STATE_FAILED if mode == "fail" else EXECUTION_STATE_COMPLETED
    siemplify.end(message, state == EXECUTION_STATE_COMPLETED, state)


main()
"""

ECHO_PARAMS = [
    {
        "Name": "Mode",
        "Type": 15,
        "IsMandatory": False,
        "DefaultValue": "ok",
        "Value": "ok",
        "OptionalValues": ["ok", "fail", "crash", "sleep", "stubborn", "leak"],
    },
    {"Name": "Limit", "Type": 0, "IsMandatory": False, "DefaultValue": "5", "Value": "5", "OptionalValues": None},
    {"Name": "Verbose", "Type": 1, "IsMandatory": False, "DefaultValue": False, "Value": False, "OptionalValues": None},
    {"Name": "Note", "Type": 0, "IsMandatory": False, "DefaultValue": "", "Value": "", "OptionalValues": None},
]

# One connector iteration on the real SDK: counts its live runs in its connector context, returns one alert.
TICK_SCRIPT = r"""
import json
import shutil
from functools import cache
import os
import sys
import time

from SiemplifyConnectors import SiemplifyConnectorExecution
from SiemplifyConnectorsDataModel import AlertInfo
from SiemplifyUtils import output_handler, unix_now


@output_handler
def main():
    siemplify = SiemplifyConnectorExecution()
    params = siemplify.parameters
    if params.get("Mode") == "sleep":
        time.sleep(600)
    identifier = siemplify.context.connector_info.identifier
    runs = int(siemplify.get_connector_context_property(identifier, "runs") or "0")
    alert = AlertInfo()
    alert.name, alert.ticket_id, alert.display_id = "Held Message", f"tick-{runs}", f"tick-{runs}"
    alert.environment = siemplify.context.connector_info.environment
    alert.device_vendor = alert.device_product = "Mimecast"
    alert.rule_generator, alert.priority = "Tick", 60
    alert.events = [{"event_type": "Message"}, {"event_type": "Recipient"}]
    alerts = []
    if not siemplify.is_overflowed_alert(
        environment=alert.environment, alert_identifier=alert.ticket_id, ingestion_time=unix_now(),
        alert_name=alert.rule_generator, product=alert.device_product,
    ):
        alerts.append(alert)
    siemplify.LOGGER.info("tick")
    for n in range(1, 31):
        print(f"debug line {n}")
    siemplify.return_package(alerts, {"argv": json.dumps(sys.argv[1:]), "runs_before": str(runs)})
    sys.__stdout__.flush()  # the package out before the context write, as the real connector does
    if params.get("Mode") == "die-after-output":
        os._exit(1)
    if not siemplify.is_test_run:
        siemplify.set_connector_context_property(identifier, "runs", str(runs + 1))


main()
"""


def connector_param(name: str, default: Any, type_code: int = 2, mode: int = 2, mandatory: bool = False) -> dict:
    return {
        "Name": name,
        "Description": f"{name}.",
        "Type": type_code,
        "Mode": mode,
        "IsMandatory": mandatory,
        "IsAdvanced": False,
        "DefaultValue": default,
    }


TICK_PARAMS = [
    connector_param("DeviceProductField", "Product Name", mode=0, mandatory=True),
    connector_param("EventClassId", "event_type", mode=0, mandatory=True),
    connector_param("PythonProcessTimeout", "60", type_code=1, mandatory=True),
    connector_param("API Root", "https://api.services.mimecast.com", mandatory=True),
    connector_param("Client Secret", "", type_code=3),
    connector_param("Verify SSL", True, type_code=0, mandatory=True),
    connector_param("Domains", "", mandatory=True),
    connector_param("Mode", "ok"),
]


def write_json(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2))
    return path


def action_def(name: str, params: list[dict], example: Any = None) -> dict:
    return {
        "Name": name,
        "IntegrationIdentifier": "Mimecast",
        "Creator": "admin",
        "Description": f"{name} action.",
        "DocumentationLink": f"{DOCS}#{name.lower().replace(' ', '_')}",
        "IsAsync": False,
        "IsCustom": False,
        "IsEnabled": True,
        "Version": 1.0,
        "ScriptResultName": "is_success",
        "SimulationDataJson": '{"Entities": []}',
        "DynamicResultsMetadata": (
            []
            if example is None
            else [{"ResultName": "JsonResult", "ShowResult": True, "ResultExample": json.dumps(example)}]
        ),
        "Parameters": params,
    }


def connector_def(name: str, params: list[dict]) -> dict:
    return {
        "Name": name,
        "Integration": "Mimecast",
        "Creator": "admin",
        "Description": f"{name}.",
        "DocumentationLink": f"{DOCS}#{name.lower().replace(' ', '-')}",
        "IsConnectorRulesSupported": True,
        "IsCustom": False,
        "IsEnabled": True,
        "Version": 1.0,
        "Rules": [],
        "Parameters": params,
    }


def echo_layout(root: Path) -> Path:
    """A layout with one action "Echo" (ActionsScripts/Echo.py) and a Managers module EchoHelper."""
    write_json(root / "ActionsDefinitions" / "Echo.actiondef", action_def("Echo", ECHO_PARAMS, {"argv": []}))
    (root / "ActionsScripts").mkdir(parents=True, exist_ok=True)
    (root / "ActionsScripts" / "Echo.py").write_text(ECHO_SCRIPT)
    (root / "Managers").mkdir(parents=True, exist_ok=True)
    (root / "Managers" / "EchoHelper.py").write_text("VALUE = 1\n")
    return root


def tick_layout(root: Path) -> Path:
    """A layout with one connector "Tick" (ConnectorsScripts/Tick.py)."""
    write_json(root / "ConnectorsDefinitions" / "Tick.connectordef", connector_def("Tick Connector", TICK_PARAMS))
    (root / "ConnectorsScripts").mkdir(parents=True, exist_ok=True)
    (root / "ConnectorsScripts" / "Tick.py").write_text(TICK_SCRIPT)
    (root / "Managers").mkdir(parents=True, exist_ok=True)
    return root


def _platform_default(kind: str, default: str) -> Any:
    return default == "true" if kind == "checkbox" else default


@cache
def repository_specs() -> Specs:
    """The specs the repository's scripts declare (read once: a subprocess)."""
    return read_specs(REPO_ROOT)


def valid_layout(root: Path) -> Path:
    """A complete Mimecast layout with every action the repository's scripts declare: validates clean.

    The definitions hold the actions' real parameters (DDL, checkbox and JSON-result actions) with short
    texts; the scripts are stand-ins and the connector is Tick, so the validator's rules are exercised on
    the files alone.
    """
    (root / "Managers").mkdir(parents=True, exist_ok=True)
    for module in ("MimecastConstants.py", "MimecastSpecs.py"):
        shutil.copy(REPO_ROOT / "Managers" / module, root / "Managers" / module)
    constants = load_constants(root)
    properties = [
        {
            "IntegrationIdentifier": "Mimecast",
            "PropertyName": p.name,
            "PropertyDisplayName": p.name,
            "PropertyDescription": f"{p.name}.",
            "PropertyType": PROPERTY_TYPE_CODES[p.kind],
            "IsMandatory": p.mandatory,
            "Value": _platform_default(p.kind, p.default),
        }
        for p in constants.INTEGRATION_PARAMS
    ]
    write_json(
        root / "Integration-Mimecast.def",
        {
            "Identifier": "Mimecast",
            "DisplayName": "Mimecast",
            "MarketingDisplayName": "Mimecast",
            "Description": "Mimecast.",
            "Categories": ["Email Security"],
            "DocumentationLink": DOCS,
            "ImageBase64": PNG_1X1,
            "SVGImage": SVG,
            "PythonVersion": 3,
            "MinimumSystemVersion": 5.3,
            "Version": 1.0,
            "IsCustom": False,
            "IsPowerUp": False,
            "IsCertified": False,
            "IsAvailableForCommunity": True,
            "ShouldInstalledInSystem": False,
            "IntegrationProperties": properties,
        },
    )
    (root / "ActionsScripts").mkdir(parents=True, exist_ok=True)
    # Ping, the action the platform requires, first (as in the release notes).
    actions = sorted(repository_specs().actions.items(), key=lambda item: item[1]["name"] != "Ping")
    for stem, spec in actions:
        params = [
            {
                "Name": p["name"],
                "Description": f"{p['name']}.",
                "Type": ACTION_TYPE_CODES[p["kind"]],
                "IsMandatory": p["mandatory"],
                "DefaultValue": p["default"],
                "Value": p["default"],
                "OptionalValues": list(p["options"]) or None,
            }
            for p in spec["params"]
        ]
        example = None if spec["result_example"] is None else {"example": stem}
        write_json(root / "ActionsDefinitions" / f"{stem}.actiondef", action_def(spec["name"], params, example))
        script = PING_SCRIPT if spec["name"] == "Ping" else "import MimecastConstants\n"
        (root / "ActionsScripts" / f"{stem}.py").write_text(script)
    tick_layout(root)
    write_json(
        root / "DefaultMappingRules" / "integration_mapping_rules.json", [mapping_rule("EmailSubject", "subject")]
    )
    notes = [release_note("Integration", "Mimecast")]
    notes += [release_note("Action", spec["name"]) for _, spec in actions]
    write_json(root / "RN.json", [*notes, release_note("Connector", "Tick Connector")])
    ai = {spec["name"]: ai_entry(spec["name"]) for _, spec in actions}
    (root / ACTIONS_AI_FILE).parent.mkdir(parents=True, exist_ok=True)
    (root / ACTIONS_AI_FILE).write_text(dump_yaml(ai))
    return root


def ai_entry(name: str, changes: str | None = None) -> dict:
    """AI metadata of one action in the layout Google's packaging tool reads; changes: what it alters in Mimecast."""
    return {
        "ai_description": f"### General description\n{name} in Mimecast.\n\n### Flow\n1. Calls Mimecast.",
        "ai_short_description": f"{name} in Mimecast.",
        "parameters_description": "| Parameter | Type | Mandatory | Description |\n| --- | --- | --- | --- |",
        "capabilities": {
            "reasoning": "",
            "fetches_data": changes is None,
            "can_mutate_external_data": changes is not None,
            "external_data_mutation_explanation": changes,
            "can_mutate_internal_data": False,
            "internal_data_mutation_explanation": None,
            "can_update_entities": False,
            "can_create_insight": False,
            "can_modify_alert_data": False,
            "can_create_case_comments": False,
        },
        "categories": {"reasoning": "", "enrichment": False, "remediation": False},
        "entity_usage": {"reasoning": "", "entity_types": [], **dict.fromkeys(AI_ENTITY_FILTERS, False)},
        "action_outcomes_categories": {"reasoning": "", **dict.fromkeys(AI_OUTCOMES, False)},
    }


def release_note(item_type: str, item_name: str, version: float = 1.0) -> dict:
    """One RN.json entry in the built form Google's packaging tool writes."""
    return {
        "ChangeDescription": f"{item_name} - New.",
        "Deprecated": False,
        "IntroducedInIntegrationVersion": version,
        "ItemName": item_name,
        "ItemType": item_type,
        "New": True,
        "PublishTime": 1796169600,
        "Regressive": False,
        "Removed": False,
        "TicketNumber": None,
    }


def mapping_rule(target: str, field: str, event: str | None = "Message") -> dict:
    """One ontology mapping rule in the built form Google's packaging tool writes."""
    return {
        "Source": "Mimecast",
        "Product": "Mimecast",
        "EventName": event,
        "SecurityEventFieldName": target,
        "TransformationFunction": 0,
        "TransformationFunctionParam": "",
        "RawDataPrimaryFieldMatchTerm": field,
        "RawDataPrimaryFieldComparisonType": 0,
        "RawDataSecondaryFieldMatchTerm": "",
        "RawDataSecondaryFieldComparisonType": 0,
        "RawDataThirdFieldMatchTerm": "",
        "RawDataThirdFieldComparisonType": 0,
        "IsArtifact": False,
        "ExtractionFunctionParam": "",
        "ExtractionFunction": 0,
    }


def edit_json(path: Path, change: Any) -> None:
    """Load path, let change(data) mutate it, write it back."""
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=2))


def param(definition: dict, name: str, key: str = "Name") -> dict:
    return next(p for p in definition.get("Parameters", definition.get("IntegrationProperties")) if p[key] == name)


# An action and a connector that declare their specs, in the layout `python -m devkit generate` reads.
SPEC_ACTION_SCRIPT = """
from MimecastSpecs import CHECKBOX, DDL, LIST_RESULT, ActionSpec, AiSpec, ParamSpec, WidgetSpec

MODE = ParamSpec(
    "Mode", DDL, "ok", mandatory=True, options=("ok", "fail"), description="How it runs.", ai_description="How."
)
VERBOSE = ParamSpec("Verbose", CHECKBOX, "false", description="Say more.", ai_description="More.")
LIMIT = ParamSpec("Limit", default="5", description="At most.", ai_description="Most.", value_format="integer")
SPEC = ActionSpec(
    "Echo Back",
    description="Echoes its parameters.",
    params=(MODE, VERBOSE, LIMIT),
    result_example=[{"mode": "ok"}],
    documentation_anchor="echo_back",
    ai=AiSpec(
        description="### General description\\nEchoes.\\n\\n### Flow\\n1. Echoes.",
        short_description="Echoes its parameters.",
        capabilities="Reads nothing.",
        fetches_data=True,
        outcomes=("search_email",),
    ),
    widget=WidgetSpec("Shows what came back.", LIST_RESULT),
)


def echo(context):
    return context.text(MODE)


if __name__ == "__main__":
    raise SystemExit("run by the platform only")
"""
SPEC_CONNECTOR_SCRIPT = """
from MimecastSpecs import CHECKBOX, INTEGER, PASSWORD, ConnectorSpec, ParamSpec

SPEC = ConnectorSpec(
    "Tick Connector",
    description="Ticks.",
    params=(
        ParamSpec("DeviceProductField", default="Product Name", mandatory=True, description="Product field."),
        ParamSpec("PythonProcessTimeout", INTEGER, "60", mandatory=True, description="Seconds."),
        ParamSpec("Client Secret", PASSWORD, description="Secret."),
        ParamSpec("Verify SSL", CHECKBOX, "true", mandatory=True, description="Verify."),
        ParamSpec("Pace", INTEGER, "3", description="Ticks a run.", advanced=True),
    ),
    documentation_anchor="tick-connector",
)
"""


def spec_layout(root: Path) -> Path:
    """The repository's Managers and integration definition, with the Echo Back action and the Tick connector."""
    shutil.copytree(REPO_ROOT / "Managers", root / "Managers", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO_ROOT / "Integration-Mimecast.def", root / "Integration-Mimecast.def")
    for folder, stem, source in (
        ("ActionsScripts", "EchoBack", SPEC_ACTION_SCRIPT),
        ("ConnectorsScripts", "Tick", SPEC_CONNECTOR_SCRIPT),
    ):
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / f"{stem}.py").write_text(source)
    return root
