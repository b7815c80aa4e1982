"""The definition validator: one test per rule, each naming the file and field it reports."""

import base64
import io
import json
import struct
from pathlib import Path

import pytest
from devkit_layouts import (
    ai_entry,
    connector_param,
    edit_json,
    mapping_rule,
    param,
    release_note,
    valid_layout,
    write_json,
)

from devkit import REPO_ROOT
from devkit.builtformat import dump_yaml, load_yaml
from devkit.cli import main
from devkit.icon import SVG_IMAGE, envelope_png, envelope_png_base64
from devkit.validator import validate

ARCHIVE = "ActionsDefinitions/SimpleArchiveSearch.actiondef"
REJECT = "ActionsDefinitions/RejectMessage.actiondef"
INTEGRATION = "Integration-Mimecast.def"
CONNECTOR = "ConnectorsDefinitions/Tick.connectordef"
MAPPING = "DefaultMappingRules/integration_mapping_rules.json"
RN = "RN.json"
AI = "resources/ai/actions_ai_description.yaml"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return valid_layout(tmp_path / "integration")


def problems(root: Path) -> list[str]:
    return [str(p) for p in validate(root).problems]


def test_a_layout_matching_the_contract_is_valid(root):
    report = validate(root)

    assert report.problems == []
    assert INTEGRATION in report.files and ARCHIVE in report.files and CONNECTOR in report.files


def test_ddl_default_not_among_options_is_rejected(root):
    edit_json(root / ARCHIVE, lambda d: param(d, "Time Frame").update(DefaultValue="Yesterday", Value="Yesterday"))

    assert (
        f"{ARCHIVE}: Parameters[Time Frame].DefaultValue: 'Yesterday' is not one of the OptionalValues "
        "['Last Hour', 'Last 6 Hours', 'Last 24 Hours', 'Last Week', 'Last Month', 'Custom']"
    ) in problems(root)


def test_ddl_without_options_is_rejected(root):
    edit_json(root / REJECT, lambda d: param(d, "Reason").update(OptionalValues=None))

    assert f"{REJECT}: Parameters[Reason].OptionalValues: type 15 needs a non-empty list of options" in problems(root)


def test_options_on_a_plain_string_parameter_are_rejected(root):
    edit_json(root / REJECT, lambda d: param(d, "Note").update(OptionalValues=["a"]))

    assert f"{REJECT}: Parameters[Note].OptionalValues: must be null for type 0: only 14, 15, 21 take options" in (
        problems(root)
    )


def test_multi_choice_default_values_must_all_be_options(root):
    def make_multi_choice(definition: dict) -> None:
        definition["Parameters"].append(
            {"Name": "Colours", "Type": 21, "IsMandatory": False, "DefaultValue": "red,blue", "OptionalValues": ["red"]}
        )

    edit_json(root / REJECT, make_multi_choice)

    assert f"{REJECT}: Parameters[Colours].DefaultValue: 'red,blue' is not one of the OptionalValues ['red']" in (
        problems(root)
    )


def test_script_without_definition_is_rejected(root):
    (root / "ActionsScripts" / "Orphan.py").write_text("")

    assert "ActionsScripts/Orphan.py: (file): has no matching ActionsDefinitions/Orphan.actiondef" in problems(root)


def test_definition_without_script_is_rejected(root):
    (root / "ActionsScripts" / "RejectMessage.py").unlink()

    assert f"{REJECT}: (file): has no matching ActionsScripts/RejectMessage.py" in problems(root)


def test_connector_definition_and_script_must_pair(root):
    (root / "ConnectorsScripts" / "Tick.py").rename(root / "ConnectorsScripts" / "Tock.py")

    found = problems(root)
    assert f"{CONNECTOR}: (file): has no matching ConnectorsScripts/Tick.py" in found
    assert "ConnectorsScripts/Tock.py: (file): has no matching ConnectorsDefinitions/Tock.connectordef" in found


def test_stems_differing_only_in_case_are_rejected(root):
    (root / "ActionsScripts" / "ping.py").write_text("")
    ping = json.loads((root / "ActionsDefinitions/Ping.actiondef").read_text())
    write_json(root / "ActionsDefinitions" / "ping.actiondef", ping)

    assert any("clashes with" in p for p in problems(root))


def test_missing_ping_is_rejected(root):
    (root / "ActionsDefinitions" / "Ping.actiondef").unlink()
    (root / "ActionsScripts" / "Ping.py").unlink()

    assert 'ActionsDefinitions: Name: no "Ping" action: the platform requires one' in problems(root)


def test_ping_script_without_the_platform_success_text_is_refused(root):
    ping = root / "ActionsScripts" / "Ping.py"
    ping.write_text(ping.read_text().replace("Successfully connected to the Mimecast server", "Connected to Mimecast"))

    expected = 'must contain "Successfully connected to the" in the script itself: Google\'s tool reads it there'
    assert problems(root) == [f"ActionsScripts/Ping.py: success message: {expected}"]


def test_ping_script_without_the_platform_failure_text_is_refused(root):
    ping = root / "ActionsScripts" / "Ping.py"
    ping.write_text(ping.read_text().replace("Failed to connect to the Mimecast server!", "Mimecast unreachable!"))

    expected = 'must contain "Failed to connect to the" in the script itself: Google\'s tool reads it there'
    assert problems(root) == [f"ActionsScripts/Ping.py: failure message: {expected}"]


def test_ping_texts_imported_from_a_manager_do_not_count(root):
    (root / "ActionsScripts" / "Ping.py").write_text("from MimecastConstants import PING, PING_SUCCESS_MESSAGE\n")

    found = problems(root)
    assert any(p.startswith("ActionsScripts/Ping.py: success message: must contain") for p in found)
    assert any(p.startswith("ActionsScripts/Ping.py: failure message: must contain") for p in found)


def test_verify_ssl_defaulting_to_false_is_rejected_in_the_integration(root):
    edit_json(root / INTEGRATION, lambda d: param(d, "Verify SSL", "PropertyName").update(Value=False))

    found = problems(root)
    assert f"{INTEGRATION}: IntegrationProperties[Verify SSL].Value: must default to true" in found


def test_verify_ssl_defaulting_to_false_is_rejected_in_a_connector(root):
    edit_json(root / CONNECTOR, lambda d: param(d, "Verify SSL").update(DefaultValue="false"))

    assert f"{CONNECTOR}: Parameters[Verify SSL].DefaultValue: must default to true" in problems(root)


def test_verify_ssl_missing_from_a_connector_is_rejected(root):
    edit_json(root / CONNECTOR, lambda d: d["Parameters"].remove(param(d, "Verify SSL")))

    assert f'{CONNECTOR}: Parameters: missing the "Verify SSL" parameter (boolean, default true)' in problems(root)


def test_verify_ssl_must_be_a_checkbox(root):
    edit_json(root / CONNECTOR, lambda d: param(d, "Verify SSL").update(Type=2))

    assert f"{CONNECTOR}: Parameters[Verify SSL].Type: must be 0 (boolean)" in problems(root)


def test_connector_needs_the_platform_parameters(root):
    edit_json(root / CONNECTOR, lambda d: d["Parameters"].remove(param(d, "PythonProcessTimeout")))

    assert f'{CONNECTOR}: Parameters: missing the "PythonProcessTimeout" parameter the platform needs' in problems(root)


def test_connector_parameter_mode_and_type_codes(root):
    edit_json(root / CONNECTOR, lambda d: param(d, "Domains").update(Mode=1, Type=20))

    found = problems(root)
    assert f"{CONNECTOR}: Parameters[Domains].Mode: must be 0 (regular) or 2 (script)" in found
    assert f"{CONNECTOR}: Parameters[Domains].Type: 20 is not a connector parameter type code (0-13)" in found


def test_connector_required_keys(root):
    edit_json(root / CONNECTOR, lambda d: (d.pop("IsConnectorRulesSupported"), d["Parameters"].append({"Name": "X"})))

    found = problems(root)
    assert f"{CONNECTOR}: IsConnectorRulesSupported: missing required key" in found
    assert f"{CONNECTOR}: Parameters[X].DefaultValue: missing required key" in found


def test_duplicate_connector_names_are_rejected(root):
    write_json(root / "ConnectorsDefinitions" / "Tock.connectordef", json.loads((root / CONNECTOR).read_text()))
    (root / "ConnectorsScripts" / "Tock.py").write_text("")

    tock = "ConnectorsDefinitions/Tock.connectordef"
    assert f"{tock}: Name: duplicate connector name, also used by Tick.connectordef" in problems(root)


def test_missing_required_key_and_wrong_types_are_named(root):
    def damage(definition: dict) -> None:
        del definition["Creator"]
        param(definition, "Note")["IsMandatory"] = "no"
        definition["IsAsync"] = 0

    edit_json(root / REJECT, damage)

    found = problems(root)
    assert f"{REJECT}: Creator: missing required key" in found
    assert f"{REJECT}: Parameters[Note].IsMandatory: must be a boolean, got string" in found
    assert f"{REJECT}: IsAsync: must be a boolean, got integer" in found


def test_unknown_action_parameter_type_code_is_rejected(root):
    edit_json(root / REJECT, lambda d: param(d, "Note").update(Type=9))

    assert f"{REJECT}: Parameters[Note].Type: 9 is not an action parameter type code" in problems(root)


def test_action_name_pattern_and_length(root):
    edit_json(root / REJECT, lambda d: d.update(Name="Reject Message!"))
    edit_json(root / ARCHIVE, lambda d: d.update(Name="A" * 151))

    found = problems(root)
    expected = f"{REJECT}: Name: 'Reject Message!' does not match the platform's action name"
    assert any(p.startswith(expected) for p in found)
    assert f"{ARCHIVE}: Name: longer than 150 characters" in found


def test_identifier_pattern_and_file_name(root):
    edit_json(root / INTEGRATION, lambda d: d.update(Identifier="Mime cast"))

    found = problems(root)
    assert f"{INTEGRATION}: Identifier: 'Mime cast' must match [a-zA-Z0-9\\-_]+ (at most 150 chars)" in found
    assert f"{INTEGRATION}: Identifier: file name must be Integration-Mime cast.def" in found
    assert f"{INTEGRATION}: Identifier: must be 'Mimecast' (MimecastConstants.INTEGRATION_IDENTIFIER)" in found


def test_integration_required_keys_python_version_and_images(root):
    def damage(definition: dict) -> None:
        del definition["DocumentationLink"]
        del definition["SVGImage"]
        definition["PythonVersion"] = 2
        definition["ImageBase64"] = "bm90IGEgcG5n"
        definition["Version"] = 0.5

    edit_json(root / INTEGRATION, damage)

    found = problems(root)
    assert f"{INTEGRATION}: DocumentationLink: missing required key" in found
    assert f"{INTEGRATION}: SVGImage: missing required key (raw SVG text or null)" in found
    assert f"{INTEGRATION}: PythonVersion: must be 3 (Python 3.11)" in found
    assert f"{INTEGRATION}: ImageBase64: is not a base64-encoded PNG" in found
    assert f"{INTEGRATION}: Version: must be at least 1.0, got 0.5" in found


def test_integration_without_a_documentation_link_is_refused(root):
    edit_json(root / INTEGRATION, lambda d: d.update(DocumentationLink=None))

    expected = "missing: Google's tool refuses an integration without one"
    assert f"{INTEGRATION}: DocumentationLink: {expected}" in problems(root)


def test_connector_without_a_documentation_link_is_refused(root):
    edit_json(root / CONNECTOR, lambda d: d.pop("DocumentationLink"))

    assert f"{CONNECTOR}: DocumentationLink: missing: Google's tool refuses a connector without one" in problems(root)


def test_action_without_a_documentation_link_is_refused(root):
    edit_json(root / REJECT, lambda d: d.update(DocumentationLink=None))

    expected = "missing: every action links to its section of the documentation page"
    assert f"{REJECT}: DocumentationLink: {expected}" in problems(root)


def test_documentation_link_must_be_an_http_url(root):
    edit_json(root / INTEGRATION, lambda d: d.update(DocumentationLink="docs/mimecast.md"))
    edit_json(root / CONNECTOR, lambda d: d.update(DocumentationLink="https://"))

    found = problems(root)
    not_a_url = "is not an http(s) URL; the tool's model refuses it"
    assert f"{INTEGRATION}: DocumentationLink: 'docs/mimecast.md' {not_a_url}" in found
    assert f"{CONNECTOR}: DocumentationLink: 'https://' {not_a_url}" in found


def test_integration_without_a_png_image_is_refused(root):
    edit_json(root / INTEGRATION, lambda d: d.update(ImageBase64=None))

    expected = "missing: the package ships a PNG image (base64) for the Marketplace"
    assert f"{INTEGRATION}: ImageBase64: {expected}" in problems(root)


def test_corrupt_png_image_is_refused(root):
    png = bytearray(envelope_png(size=8, samples=1))
    png[-20] ^= 0xFF  # a byte of the IDAT chunk: its CRC no longer matches
    edit_json(root / INTEGRATION, lambda d: d.update(ImageBase64=base64.b64encode(bytes(png)).decode()))

    assert f"{INTEGRATION}: ImageBase64: is a corrupt PNG (bad CRC in the IDAT chunk)" in problems(root)


def test_malformed_svg_image_is_refused(root):
    edit_json(root / INTEGRATION, lambda d: d.update(SVGImage='<svg xmlns="http://www.w3.org/2000/svg"><rect>'))

    assert any(p.startswith(f"{INTEGRATION}: SVGImage: is not well-formed SVG: ") for p in problems(root))


def test_the_shipped_images_are_the_devkit_envelope():
    definition = json.loads((REPO_ROOT / INTEGRATION).read_text())

    assert definition["ImageBase64"] == envelope_png_base64()
    assert base64.b64decode(definition["ImageBase64"])[12:24] == b"IHDR" + struct.pack(">II", 128, 128)
    assert definition["SVGImage"] == SVG_IMAGE


def test_parameter_name_limits_and_duplicates(root):
    long_name = " ".join(["word"] * 14)
    edit_json(
        root / REJECT,
        lambda d: d["Parameters"].extend([dict(param(d, "Note")), dict(param(d, "Note"), Name=long_name)]),
    )

    found = problems(root)
    assert f"{REJECT}: Parameters[Note]: duplicate parameter name" in found
    assert f"{REJECT}: Parameters[{long_name}]: parameter names are limited to 13 words and 150 characters" in found


def test_value_must_equal_default_value(root):
    edit_json(root / REJECT, lambda d: param(d, "Reason").update(Value="Restricted Content"))

    assert f"{REJECT}: Parameters[Reason].Value: 'Restricted Content' differs from DefaultValue 'Select One'" in (
        problems(root)
    )


def test_duplicate_action_names_are_rejected(root):
    edit_json(root / ARCHIVE, lambda d: d.update(Name="Reject Message"))

    assert f"{ARCHIVE}: Name: duplicate action name, also used by {Path(REJECT).name}" in problems(root)


def test_actions_other_than_ping_need_a_json_result_example(root):
    edit_json(root / REJECT, lambda d: d.update(DynamicResultsMetadata=[]))

    assert (
        f'{REJECT}: DynamicResultsMetadata: needs a "JsonResult" entry with a ResultExample (a JSON string): '
        "this action returns a JSON result"
    ) in problems(root)


def test_result_example_must_be_valid_json(root):
    edit_json(root / REJECT, lambda d: d["DynamicResultsMetadata"][0].update(ResultExample="{'single': quotes}"))

    expected = f"{REJECT}: DynamicResultsMetadata[0].ResultExample: is not valid JSON"
    assert any(p.startswith(expected) for p in problems(root))


def test_invalid_json_file_is_reported(root):
    (root / REJECT).write_text("{not json")

    assert any(p.startswith(f"{REJECT}: (file): is not valid JSON") for p in problems(root))


def test_unexpected_file_in_a_definitions_folder(root):
    (root / "ActionsDefinitions" / "notes.txt").write_text("")

    expected = "unexpected entry: ActionsDefinitions/ holds only *.actiondef files"
    assert f"ActionsDefinitions/notes.txt: (file): {expected}" in problems(root)


def test_contract_integration_properties(root):
    def drift(definition: dict) -> None:
        param(definition, "Client Secret", "PropertyName").update(PropertyType=2)
        definition["IntegrationProperties"].remove(param(definition, "Access Key", "PropertyName"))

    edit_json(root / INTEGRATION, drift)

    found = problems(root)
    assert f"{INTEGRATION}: IntegrationProperties[Client Secret].PropertyType: must be 3 (password), got 2" in found
    missing = "missing: MimecastConstants defines this parameter"
    assert f"{INTEGRATION}: IntegrationProperties[Access Key]: {missing}" in found


def test_integration_reference_must_match_the_identifier(root):
    edit_json(root / CONNECTOR, lambda d: d.update(Integration="Mimecast2"))

    assert f"{CONNECTOR}: Integration: 'Mimecast2' must be the integration identifier 'Mimecast'" in problems(root)


def test_mapping_rules_required_with_a_connector_and_must_be_rule_objects(root):
    rules = root / MAPPING
    write_json(rules, [{**mapping_rule("EmailSubject", "subject"), "Product": 1}, "not a rule"])
    found = problems(root)
    assert f"{MAPPING}: [0].Product: must be a string or null, got integer" in found
    assert f"{MAPPING}: [1]: must be a JSON object, got string" in found

    rules.unlink()
    expected = "missing: a connector needs default ontology mapping rules"
    assert f"{MAPPING}: (file): {expected}" in problems(root)


def test_mapping_rule_with_a_null_transformation_function_is_refused(root):
    write_json(root / MAPPING, [{**mapping_rule("EmailSubject", "subject"), "TransformationFunction": None}])

    assert f"{MAPPING}: [0].TransformationFunction: " + (
        "null is not one of the TransformationFunction codes: 0 (to string), 1 (to integer), 2 (to double), "
        "3 (from unix time string or long), 4 (from custom date), 5 (to boolean), 7 (extract regexp), "
        "15 (extract by regex with group), 100 (to is correlation), 101 (to IP address), "
        "102 (to list of longs separated by commas), 103 (substring by length), 105 (substring by end text), "
        "106 (first lines), 107 (join raw fields), 108 (static value), 109 (extract domain from URI), 110 (clean URL)"
    ) in problems(root)


def test_mapping_rule_with_a_null_extraction_function_is_refused(root):
    write_json(root / MAPPING, [{**mapping_rule("EmailSubject", "subject"), "ExtractionFunction": None}])

    expected = "null is not one of the ExtractionFunction codes: 0 (none), 1 (regex), 2 (delimiter)"
    assert f"{MAPPING}: [0].ExtractionFunction: {expected}" in problems(root)


def test_mapping_rule_codes_outside_the_enumerations_are_refused(root):
    rule = mapping_rule("EmailSubject", "subject")
    rule.update(TransformationFunction=6, RawDataPrimaryFieldComparisonType=4, RawDataThirdFieldComparisonType="0")
    write_json(root / MAPPING, [rule])

    found = problems(root)
    assert any(
        p.startswith(f"{MAPPING}: [0].TransformationFunction: 6 is not one of the TransformationFunction codes")
        for p in found
    )
    comparison = "is not one of the ComparisonType codes: 0 (equal), 1 (contains), 2 (starts with), 3 (ends with)"
    assert f"{MAPPING}: [0].RawDataPrimaryFieldComparisonType: 4 {comparison}" in found
    assert f'{MAPPING}: [0].RawDataThirdFieldComparisonType: "0" {comparison}' in found


def test_mapping_rule_unused_match_terms_and_parameters_are_empty_strings_not_null(root):
    rule = mapping_rule("EmailSubject", "subject")
    rule.update(RawDataSecondaryFieldMatchTerm=None, RawDataThirdFieldMatchTerm=None, TransformationFunctionParam=None)
    write_json(root / MAPPING, [rule])

    found = problems(root)
    for key in ("RawDataSecondaryFieldMatchTerm", "RawDataThirdFieldMatchTerm", "TransformationFunctionParam"):
        assert f"{MAPPING}: [0].{key}: must be a string, got null" in found


def test_mapping_rule_needs_every_key_the_tool_writes(root):
    rule = mapping_rule("EmailSubject", "subject")
    del rule["RawDataThirdFieldComparisonType"], rule["IsArtifact"]
    write_json(root / MAPPING, [{**rule, "SecurityEventFieldName": None}])

    found = problems(root)
    missing = "missing: Google's packaging tool needs this key"
    assert f"{MAPPING}: [0].RawDataThirdFieldComparisonType: {missing}" in found
    assert f"{MAPPING}: [0].IsArtifact: {missing}" in found
    assert f"{MAPPING}: [0].SecurityEventFieldName: must be a string, got null" in found


def test_cli_validate_refuses_a_mapping_rule_the_tool_cannot_load(root):
    write_json(root / MAPPING, [{**mapping_rule("EmailSubject", "subject"), "TransformationFunction": None}])
    out = io.StringIO()

    code = main(["validate", "--root", str(root)], out)

    assert code == 1
    assert (
        f"{MAPPING}: [0].TransformationFunction: null is not one of the TransformationFunction codes" in out.getvalue()
    )


def test_mapping_rules_must_map_fields_the_events_carry(root):
    write_json(
        root / MAPPING,
        [
            mapping_rule("StartTime", "start_time", event="Mail"),
            mapping_rule("StartTime", "startTime"),
            {
                key: value
                for key, value in mapping_rule("StartTime", "x").items()
                if key != "RawDataPrimaryFieldMatchTerm"
            },
        ],
    )
    found = problems(root)
    assert (
        f"{MAPPING}: [0].EventName: 'Mail' is not an event type the connector writes (Message, Recipient, Attachment)"
        in found
    )
    not_a_field = "'startTime' is not an event field in MimecastConstants.EVENT_FIELDS"
    assert f"{MAPPING}: [1].RawDataPrimaryFieldMatchTerm: {not_a_field}" in found
    assert f"{MAPPING}: [2].RawDataPrimaryFieldMatchTerm: missing: Google's packaging tool needs this key" in found


def test_release_notes_are_required(root):
    (root / RN).unlink()

    assert problems(root) == [f"{RN}: (file): missing: the package ships release notes for this version"]


def test_release_notes_in_the_built_form(root):
    note = release_note("Widgets", "Reject Message")
    note.update(IntroducedInIntegrationVersion=None, New="yes")
    del note["TicketNumber"]
    write_json(root / RN, [release_note("Integration", "Mimecast"), note])

    found = problems(root)
    assert f'{RN}: [1].ItemType: "Widgets" is not one of Integration, Action, Connector, Job, Widget' in found
    assert f"{RN}: [1].IntroducedInIntegrationVersion: must be a number, got null" in found
    assert f"{RN}: [1].New: must be a boolean, got string" in found
    assert f"{RN}: [1].TicketNumber: missing: Google's packaging tool needs this key" in found


def test_release_notes_name_items_of_the_package(root):
    write_json(root / RN, [release_note("Integration", "Mimecast"), release_note("Action", "Delete Message")])

    assert f"{RN}: [1].ItemName: 'Delete Message' is not an action of this package" in problems(root)


def test_release_notes_for_this_version_are_required(root):
    edit_json(root / INTEGRATION, lambda d: d.update(Version=2.0))

    found = problems(root)
    assert (
        f"{RN}: IntroducedInIntegrationVersion: the latest release notes are for 1.0, but the integration's "
        "Version is 2.0: every release adds notes for its own version"
    ) in found

    write_json(root / RN, [release_note("Integration", "Mimecast", version=3.0)])
    expected = "3.0 is later than the integration's Version 2.0"
    assert f"{RN}: [0].IntroducedInIntegrationVersion: {expected}" in problems(root)


def edit_ai(root: Path, change) -> None:
    entries = load_yaml((root / AI).read_text())
    change(entries)
    (root / AI).write_text(dump_yaml(entries))


def test_ai_metadata_is_required(root):
    (root / AI).unlink()

    assert problems(root) == [f"{AI}: (file): missing: the package ships AI metadata for every action"]


def test_every_action_needs_ai_metadata_and_only_actions_have_it(root):
    edit_ai(root, lambda e: (e.pop("Reject Message"), e.update({"Delete Message": ai_entry("Delete Message")})))

    found = problems(root)
    assert f"{AI}: Reject Message: missing: every action needs its AI metadata" in found
    assert f"{AI}: Delete Message: not an action of this package" in found


def test_ai_metadata_in_the_tool_model(root):
    def damage(entries: dict) -> None:
        entries["Ping"]["capabilities"]["fetches_data"] = "yes"
        del entries["Ping"]["entity_usage"]["filters_by_is_pivot"]
        entries["Ping"]["ai_short_description"] = ""

    edit_ai(root, damage)

    found = problems(root)
    assert f"{AI}: Ping.capabilities.fetches_data: must be a boolean, got string" in found
    assert f"{AI}: Ping.entity_usage.filters_by_is_pivot: missing: Google's packaging tool needs this key" in found
    assert f"{AI}: Ping.ai_short_description: must be a non-empty string, got string" in found


def test_ai_metadata_says_what_an_action_changes(root):
    def damage(entries: dict) -> None:
        entries["Reject Message"]["capabilities"]["can_mutate_external_data"] = True
        entries["Ping"]["capabilities"]["external_data_mutation_explanation"] = "Nothing."

    edit_ai(root, damage)

    found = problems(root)
    where = "capabilities.external_data_mutation_explanation"
    changes = "must say what the action changes (can_mutate_external_data is true)"
    assert f"{AI}: Reject Message.{where}: {changes}" in found
    assert f"{AI}: Ping.{where}: must be null when can_mutate_external_data is false" in found


def test_ai_categories_the_tool_can_read(root):
    def damage(entries: dict) -> None:
        entries["Ping"]["categories"].update(reasoning="Not enrichment.", enrichment=True)

    edit_ai(root, damage)

    found = problems(root)
    assert f'{AI}: Ping.categories.reasoning: must be "" (the tool reads every truthy key as a flag)' in found
    assert f"{AI}: Ping.categories.enrichment: Ping is never an enrichment action" in found


def test_ai_metadata_outside_the_yaml_subset_is_reported(root):
    (root / AI).write_text("Ping:\n  ai_description: plain text\n")

    expected = "line 2: 'plain text' is not a JSON literal or |- block; the file must stay in the YAML subset"
    assert any(p.startswith(f"{AI}: (file): {expected}") for p in problems(root))


def test_unloadable_constants_are_reported(root):
    (root / "Managers" / "MimecastConstants.py").write_text("raise ValueError('broken')\n")

    assert "Managers/MimecastConstants.py: (module): cannot be loaded: ValueError: broken" in problems(root)


def test_description_length_limit(root):
    edit_json(root / CONNECTOR, lambda d: d["Parameters"].append(connector_param("Long", "", mandatory=False)))
    edit_json(root / CONNECTOR, lambda d: param(d, "Long").update(Description="x" * 2051))

    assert f"{CONNECTOR}: Parameters[Long].Description: longer than 2050 characters (2051)" in problems(root)


def test_the_repository_definitions_are_valid():
    assert [str(p) for p in validate(REPO_ROOT).problems] == []
