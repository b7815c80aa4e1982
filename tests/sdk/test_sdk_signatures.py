"""Every signature the reference documents, transcribed, compared with inspect.signature.

Notation: ``name=default`` (default evaluated with ``str``/``bool``/``int``/``float``/``list`` in
scope), ``/`` closes positional-only parameters, ``name=<import-time now>`` marks the SDK's
``unix_now()`` defaults (pitfall 7), which are checked for type here and for value in the
connector tests.
"""

import inspect
from typing import Any

import pytest
from sdk_harness import probe

IMPORT_TIME_NOW = "<import-time now>"

# (module, attribute path, parameters without self), transcribed from reference/soar-platform.md.
REFERENCE_SIGNATURES = [
    ("SiemplifyAction", "SiemplifyAction", "mock_stdin=None"),
    (
        "Siemplify",
        "Siemplify.extract_configuration_param",
        "provider_name, param_name, default_value=None, input_type=str, is_mandatory=False, print_value=False",
    ),
    ("SiemplifyAction", "SiemplifyAction.get_configuration", "provider"),
    (
        "SiemplifyAction",
        "SiemplifyAction.extract_action_param",
        "param_name, default_value=None, input_type=str, is_mandatory=False, print_value=False",
    ),
    ("ScriptResult", "ScriptResult.add_result_json", "json_data"),
    ("ScriptResult", "ScriptResult.add_json", "title, json_data, entity_type=None"),
    ("ScriptResult", "ScriptResult.add_entity_json", "entity_identifier, json_data, entity_type=None"),
    ("ScriptResult", "ScriptResult.add_data_table", "title, data_table, entity_type=None"),
    ("ScriptResult", "ScriptResult.add_link", "title, link, entity_type=None"),
    ("ScriptResult", "ScriptResult.add_content", "title, content"),
    ("ScriptResult", "ScriptResult.add_html", "title, report_name, html"),
    ("ScriptResult", "ScriptResult.add_markdown", "title, name, md"),
    ("ScriptResult", "ScriptResult.add_attachment", "title, filename, base64_contents, additional_data=None"),
    ("Siemplify", "Siemplify.end", "message, result_value, execution_state=0"),
    ("SiemplifyLogger", "SiemplifyLogger.info", "msg"),
    ("SiemplifyLogger", "SiemplifyLogger.warn", "msg"),
    ("SiemplifyLogger", "SiemplifyLogger.error", "msg"),
    ("SiemplifyLogger", "SiemplifyLogger.debug", "msg"),
    ("SiemplifyLogger", "SiemplifyLogger.exception", "msg_or_exc"),
    ("SiemplifyLogger", "SiemplifyLogger.set_log_level", "level"),
    ("SiemplifyConnectors", "SiemplifyConnectorExecution", "mock_stdin=None"),
    (
        "SiemplifyConnectors",
        "SiemplifyConnectorExecution.extract_connector_param",
        "param_name, default_value=None, input_type=str, is_mandatory=False, print_value=False",
    ),
    ("SiemplifyBase", "SiemplifyBase.get_context_property", "context_type, identifier, key, /"),
    ("SiemplifyBase", "SiemplifyBase.set_context_property", "context_type, identifier, key, value, /"),
    ("SiemplifyBase", "SiemplifyBase.try_set_context_property", "context_type, identifier, key, value, /"),
    ("SiemplifyConnectors", "SiemplifyConnectorExecution.get_connector_context_property", "identifier, key, /"),
    ("SiemplifyConnectors", "SiemplifyConnectorExecution.set_connector_context_property", "identifier, key, value, /"),
    ("SiemplifyConnectors", "SiemplifyConnectorExecution.fetch_timestamp", "datetime_format=False, timezone=False"),
    (
        "SiemplifyConnectors",
        "SiemplifyConnectorExecution.save_timestamp",
        f"datetime_format=False, timezone=False, new_timestamp={IMPORT_TIME_NOW}",
    ),
    (
        "SiemplifyConnectors",
        "SiemplifyConnectorExecution.is_overflowed_alert",
        f"environment, alert_identifier, ingestion_time={IMPORT_TIME_NOW}, original_file_path=None, "
        "original_file_content=None, alert_name=None, product=None, source_ip=None, source_host=None, "
        "destination_ip=None, destination_host=None, siem_alert_id=None, source_system_url=None, "
        "source_rule_identifier=None",
    ),
    ("SiemplifyConnectors", "SiemplifyConnectorExecution.return_package", "cases, output_variables={}, log_items=[]"),
    ("SiemplifyConnectors", "SiemplifyConnectorExecution.return_test_result", "is_success, result_params_dictionary"),
    ("SiemplifyUtils", "unix_now", ""),
    ("SiemplifyUtils", "utc_now", ""),
]

# Signatures the reference names but does not spell out: the stand-in's choice, pinned so a change
# is deliberate. The entity variants mirror their title twins.
STAND_IN_SIGNATURES = [
    ("ScriptResult", "ScriptResult.add_entity_table", "entity_identifier, data_table, entity_type=None"),
    ("ScriptResult", "ScriptResult.add_entity_link", "entity_identifier, link, entity_type=None"),
    ("SiemplifyAction", "SiemplifyAction.update_entities", "updated_entities"),
    (
        "SiemplifyJob",
        "SiemplifyJob.extract_job_param",
        "param_name, default_value=None, input_type=str, is_mandatory=False, print_value=False",
    ),
    ("SiemplifyJob", "SiemplifyJob", "mock_stdin=None"),
    ("SiemplifyUtils", "output_handler", "func"),
    ("SiemplifyUtils", "convert_datetime_to_unix_time", "dt"),
    ("SiemplifyUtils", "convert_string_to_unix_time", "timestamp"),
    ("SiemplifyUtils", "construct_csv", "list_of_dicts"),
    ("SiemplifyUtils", "dict_to_flat", "target_dict"),
    ("SiemplifyUtils", "flat_dict_to_csv", "flat_dict"),
    (
        "SiemplifyUtils",
        "extract_script_param",
        "siemplify, input_dictionary, param_name, default_value=None, input_type=str, is_mandatory=False, "
        "print_value=False",
    ),
]

_DEFAULTS_SCOPE = {"str": str, "bool": bool, "int": int, "float": float, "list": list, "None": None}
ALL_SIGNATURES = REFERENCE_SIGNATURES + STAND_IN_SIGNATURES

DOCUMENTED_PROPERTIES = [
    ("SiemplifyAction", "SiemplifyAction.target_entities"),
    ("SiemplifyAction", "SiemplifyAction.is_timeout_reached"),
    ("SiemplifyAction", "SiemplifyAction.environment"),
    ("SiemplifyBase", "SiemplifyBase.run_folder"),
    ("SiemplifyConnectors", "SiemplifyConnectorExecution.whitelist"),
    ("SiemplifyConnectors", "SiemplifyConnectorExecution.run_folder"),
    ("SiemplifyLogger", "SiemplifyLogger.log_rows"),
    ("SiemplifyLogger", "SiemplifyLogger.error_logged"),
]

CLASS_FACTS = {
    "action": "issubclass(SiemplifyAction.SiemplifyAction, Siemplify.Siemplify)",
    "connector": "issubclass(SiemplifyConnectors.SiemplifyConnectorExecution, Siemplify.Siemplify)",
    "job": "issubclass(SiemplifyJob.SiemplifyJob, Siemplify.Siemplify)",
    "base": "issubclass(Siemplify.Siemplify, SiemplifyBase.SiemplifyBase)",
    "alert_info_is_empty_subclass": "SiemplifyConnectorsDataModel.AlertInfo.__bases__ "
    "== (SiemplifyConnectorsDataModel.CaseInfo,) and set(vars(SiemplifyConnectorsDataModel.AlertInfo)) "
    "<= {'__module__', '__doc__', '__qualname__'}",
}
ALERT_INFO_DICT = "[[k, v] for k, v in vars(SiemplifyConnectorsDataModel.AlertInfo()).items()]"
ALERT_INFO_FRESH_CONTAINERS = (
    "(lambda a, b: a.events is not b.events and a.extensions is not b.extensions)"
    "(SiemplifyConnectorsDataModel.AlertInfo(), SiemplifyConnectorsDataModel.AlertInfo())"
)
EXECUTION_STATES = (
    "[ScriptResult.EXECUTION_STATE_COMPLETED, ScriptResult.EXECUTION_STATE_INPROGRESS, "
    "ScriptResult.EXECUTION_STATE_FAILED, ScriptResult.EXECUTION_STATE_TIMEDOUT]"
)
ENTITY_FIELDS = "sorted(vars(SiemplifyDataModel.DomainEntityInfo('USER@EXAMPLE.COM', entity_type='USERUNIQNAME')))"
FLAT_MODULES = "sorted(name for name in sys.modules if name.startswith(('Siemplify', 'ScriptResult', 'Overflow')))"


@pytest.fixture(scope="module")
def facts() -> dict[str, Any]:
    expressions = [f"signature({module!r}, {path!r})" for module, path, _ in ALL_SIGNATURES]
    expressions += [f"is_property({module!r}, {path!r})" for module, path in DOCUMENTED_PROPERTIES]
    expressions += [*CLASS_FACTS.values(), ALERT_INFO_DICT, ALERT_INFO_FRESH_CONTAINERS, EXECUTION_STATES]
    expressions += [ENTITY_FIELDS, FLAT_MODULES]
    return probe(expressions)


def _expected(spec: str) -> list[list[str]]:
    """[[name, kind, repr(default), type name of default]] from the notation above."""
    parts = [part.strip() for part in spec.split(",") if part.strip()]
    kind = "POSITIONAL_OR_KEYWORD"
    if "/" in parts:
        kind = "POSITIONAL_ONLY"
        parts.remove("/")
    parameters = []
    for part in parts:
        name, has_default, default = part.partition("=")
        if not has_default:
            parameters.append([name, kind, repr(inspect.Parameter.empty), "type"])
        elif default == IMPORT_TIME_NOW:
            parameters.append([name, kind, IMPORT_TIME_NOW, "int"])
        else:
            value = eval(default, {"__builtins__": {}}, _DEFAULTS_SCOPE)  # noqa: S307 - the literal table above
            parameters.append([name, kind, repr(value), type(value).__name__])
    return parameters


@pytest.mark.parametrize(
    ("module_name", "path", "spec"), ALL_SIGNATURES, ids=[f"{module}.{path}" for module, path, _ in ALL_SIGNATURES]
)
def test_signature_matches_reference(facts: dict[str, Any], module_name: str, path: str, spec: str) -> None:
    actual = facts[f"signature({module_name!r}, {path!r})"]["value"]
    expected = _expected(spec)
    for parameter, wanted in zip(actual, expected, strict=False):
        if wanted[2] == IMPORT_TIME_NOW:
            # unix_now() evaluated when the module was imported: an int of unix milliseconds.
            assert parameter[3] == "int" and int(parameter[2]) > 1_600_000_000_000, parameter
            parameter[2] = IMPORT_TIME_NOW
    assert actual == expected


@pytest.mark.parametrize(("module_name", "path"), DOCUMENTED_PROPERTIES)
def test_documented_members_are_properties(facts: dict[str, Any], module_name: str, path: str) -> None:
    assert facts[f"is_property({module_name!r}, {path!r})"] == {"value": True}


@pytest.mark.parametrize("fact", CLASS_FACTS)
def test_class_hierarchy(facts: dict[str, Any], fact: str) -> None:
    assert facts[CLASS_FACTS[fact]] == {"value": True}


def test_modules_are_flat_top_level_modules(facts: dict[str, Any]) -> None:
    assert facts[FLAT_MODULES]["value"] == [
        "OverflowManager",
        "ScriptResult",
        "Siemplify",
        "SiemplifyAction",
        "SiemplifyBase",
        "SiemplifyConnectors",
        "SiemplifyConnectorsDataModel",
        "SiemplifyDataModel",
        "SiemplifyJob",
        "SiemplifyLogger",
        "SiemplifyUtils",
    ]


def test_execution_state_constants(facts: dict[str, Any]) -> None:
    assert facts[EXECUTION_STATES]["value"] == [0, 1, 2, 3]


def test_alert_info_fields_defaults_and_order(facts: dict[str, Any]) -> None:
    assert facts[ALERT_INFO_DICT]["value"] == [
        ["environment", None],
        ["ticket_id", None],
        ["description", None],
        ["display_id", None],
        ["reason", None],
        ["name", None],
        ["source_system_url", None],
        ["source_rule_identifier", None],
        ["device_vendor", None],
        ["device_product", None],
        ["start_time", None],
        ["end_time", None],
        ["is_test_case", False],
        ["priority", -1],
        ["rule_generator", None],
        ["source_grouping_identifier", None],
        ["extensions", {}],
        ["events", []],
        ["attachments", []],
        ["siem_alert_id", None],
        ["updated_fields", {}],
        ["alert_update_supported", False],
        ["alert_metadata", {}],
        ["data_access_scope", None],
    ]
    assert facts[ALERT_INFO_FRESH_CONTAINERS] == {"value": True}


def test_domain_entity_info_fields(facts: dict[str, Any]) -> None:
    assert facts[ENTITY_FIELDS]["value"] == sorted(
        [
            "identifier",
            "entity_type",
            "is_internal",
            "is_suspicious",
            "is_enriched",
            "is_vulnerable",
            "is_artifact",
            "is_pivot",
            "additional_properties",
            "case_identifier",
            "alert_identifier",
            "creation_time",
            "modification_time",
        ]
    )
