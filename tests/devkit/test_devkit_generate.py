"""`python -m devkit generate`: the definition files, widget definitions and AI metadata, written from the specs."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from devkit_layouts import connector_param, edit_json, param, spec_layout, write_json
from suite_helpers import repository_copy

import devkit.generate as devkit_generate
from devkit import REPO_ROOT
from devkit.builtformat import AI_ENTITY_FILTERS, AI_OUTCOMES, load_yaml
from devkit.cli import main
from devkit.generate import REGENERATE, check
from devkit.specs import read_specs

DOCS = json.loads((REPO_ROOT / "Integration-Mimecast.def").read_text())["DocumentationLink"]
ECHO = "ActionsDefinitions/EchoBack.actiondef"
TICK = "ConnectorsDefinitions/Tick.connectordef"
WIDGET = "Widgets/EchoBack.json"
AI = "resources/ai/actions_ai_description.yaml"
SCRIPT = "ActionsScripts/EchoBack.py"
GENERATED = (f"Wrote {ECHO}", f"Wrote {WIDGET}", f"Wrote {TICK}", f"Wrote {AI}")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return spec_layout(tmp_path / "integration")


@pytest.fixture
def generated(root: Path) -> Path:
    assert devkit("generate", "--root", str(root))[0] == 0
    return root


def devkit(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_generate_writes_every_file_from_the_specs(root):
    code, text = devkit("generate", "--root", str(root))

    assert code == 0
    assert text == "\n".join([*GENERATED, "The generated files match the specs.\n"])
    assert devkit("generate", "--root", str(root)) == (0, "The generated files match the specs.\n")


def test_the_action_definition_holds_the_spec(generated):
    definition = json.loads((generated / ECHO).read_text())

    assert definition == {
        "Name": "Echo Back",
        "IntegrationIdentifier": "Mimecast",
        "Description": "Echoes its parameters.",
        "DocumentationLink": f"{DOCS}#echo_back",
        "Creator": "admin",
        "IsAsync": False,
        "IsCustom": False,
        "IsEnabled": True,
        "Version": 1.0,
        "ScriptResultName": "is_success",
        "SimulationDataJson": '{"Entities": []}',
        "DynamicResultsMetadata": [
            {"ResultName": "JsonResult", "ShowResult": True, "ResultExample": '[\n  {\n    "mode": "ok"\n  }\n]'}
        ],
        "Parameters": [
            {
                "Name": "Mode",
                "Description": "How it runs.",
                "Type": 15,
                "IsMandatory": True,
                "DefaultValue": "ok",
                "Value": "ok",
                "OptionalValues": ["ok", "fail"],
            },
            {
                "Name": "Verbose",
                "Description": "Say more.",
                "Type": 1,
                "IsMandatory": False,
                "DefaultValue": "false",
                "Value": "false",
                "OptionalValues": None,
            },
            {
                "Name": "Limit",
                "Description": "At most.",
                "Type": 0,
                "IsMandatory": False,
                "DefaultValue": "5",
                "Value": "5",
                "OptionalValues": None,
            },
        ],
    }
    assert (generated / ECHO).read_text().startswith('{\n    "Name": "Echo Back",\n')


def test_the_connector_definition_holds_the_spec(generated):
    definition = json.loads((generated / TICK).read_text())

    assert {key: value for key, value in definition.items() if key != "Parameters"} == {
        "Name": "Tick Connector",
        "Integration": "Mimecast",
        "Description": "Ticks.",
        "Creator": "admin",
        "IsConnectorRulesSupported": True,
        "IsCustom": False,
        "IsEnabled": True,
        "Version": 1.0,
        "DocumentationLink": f"{DOCS}#tick-connector",
        "Rules": [],
    }
    shown = [
        (p["Name"], p["Type"], p["Mode"], p["IsMandatory"], p["IsAdvanced"], p["DefaultValue"])
        for p in definition["Parameters"]
    ]
    assert shown == [
        ("DeviceProductField", 2, 0, True, False, "Product Name"),
        ("PythonProcessTimeout", 1, 2, True, False, "60"),
        ("Client Secret", 3, 2, False, False, ""),
        ("Verify SSL", 0, 2, True, False, True),
        ("Pace", 1, 2, False, True, "3"),
    ]
    assert [p["Description"] for p in definition["Parameters"]][-1] == "Ticks a run."


def test_the_ai_metadata_holds_the_spec_and_its_parameter_table(generated):
    text = (generated / AI).read_text()

    assert text.startswith("# AI metadata of every action, keyed by action name")
    assert load_yaml(text) == {
        "Echo Back": {
            "ai_description": "### General description\nEchoes.\n\n### Flow\n1. Echoes.",
            "ai_short_description": "Echoes its parameters.",
            "parameters_description": (
                "| Parameter | Type | Mandatory | Description |\n| --- | --- | --- | --- |\n"
                "| Mode | DDL | Yes | How. |\n| Verbose | Checkbox | No | More. |\n"
                "| Limit | String (integer) | No | Most. |"
            ),
            "capabilities": {
                "reasoning": "Reads nothing.",
                "fetches_data": True,
                "can_mutate_external_data": False,
                "external_data_mutation_explanation": None,
                "can_mutate_internal_data": False,
                "internal_data_mutation_explanation": None,
                "can_update_entities": False,
                "can_create_insight": False,
                "can_modify_alert_data": False,
                "can_create_case_comments": False,
            },
            "categories": {"reasoning": "", "enrichment": False, "remediation": False},
            "entity_usage": {
                "reasoning": (
                    "The action takes its input from its parameters; it does not read or filter case entities."
                ),
                "entity_types": [],
                **dict.fromkeys(AI_ENTITY_FILTERS, False),
            },
            "action_outcomes_categories": {
                "reasoning": "",
                **{name: name == "search_email" for name in AI_OUTCOMES},
            },
        }
    }


def test_an_action_that_changes_mimecast_says_what_in_its_ai_metadata(root):
    edit(root / SCRIPT, "fetches_data=True,", 'changes_in_mimecast="Rewrites the echo.", remediation=True,')

    devkit("generate", "--root", str(root))

    entry = load_yaml((root / AI).read_text())["Echo Back"]
    assert entry["capabilities"]["can_mutate_external_data"] is True
    assert entry["capabilities"]["external_data_mutation_explanation"] == "Rewrites the echo."
    assert entry["capabilities"]["fetches_data"] is False
    assert entry["categories"]["remediation"] is True


def test_a_widget_is_generated_for_the_action_that_declares_it(generated):
    assert json.loads((generated / WIDGET).read_text()) == {
        "Title": "Mimecast - Echo Back",
        "Type": 3,
        "Scope": 0,
        "ActionIdentifier": "Echo Back",
        "Description": "Shows what came back.",
        "DataDefinition": {
            "htmlContent": "",
            "htmlHeight": 400,
            "safeRendering": False,
            "type": 3,
            "widgetDefinitionScope": 2,
        },
        "ConditionsGroup": {
            "Conditions": [
                {
                    "FieldName": "[{stepInstanceName}.JsonResult]",
                    "Value": "[",
                    "MatchType": 2,
                    "CustomOperatorName": None,
                },
                {
                    "FieldName": "[{stepInstanceName}.JsonResult]",
                    "Value": "{",
                    "MatchType": 1,
                    "CustomOperatorName": None,
                },
            ],
            "LogicalOperator": 0,
        },
        "DefaultSize": 1,
    }


def test_an_object_result_widget_shows_only_for_an_object(root):
    edit(root / SCRIPT, "LIST_RESULT)", "OBJECT_RESULT)")
    edit(root / SCRIPT, "LIST_RESULT,", "OBJECT_RESULT,")

    devkit("generate", "--root", str(root))

    conditions = json.loads((root / WIDGET).read_text())["ConditionsGroup"]["Conditions"]
    assert [(c["MatchType"], c["Value"]) for c in conditions] == [(6, "{stepInstanceName}"), (2, "{"), (5, "{}")]


def test_the_check_passes_when_the_committed_files_are_generated(generated):
    assert check(generated) == []
    assert devkit("generate", "--check", "--root", str(generated)) == (0, "The generated files match the specs.\n")


def test_the_check_names_every_field_a_spec_edit_changes_and_writes_nothing(generated):
    before = (generated / ECHO).read_bytes()
    edit(generated / SCRIPT, 'description="At most."', 'description="At most this many."')
    edit(generated / SCRIPT, '"Limit", default="5"', '"Limit", default="7"')

    code, text = devkit("generate", "--check", "--root", str(generated))

    assert code == 1
    assert text == (
        f'{ECHO}: Parameters[Limit].Description: "At most." in the file; the spec gives "At most this many."\n'
        f'{ECHO}: Parameters[Limit].DefaultValue: "5" in the file; the spec gives "7"\n'
        f'{ECHO}: Parameters[Limit].Value: "5" in the file; the spec gives "7"\n'
        f"{ECHO}: (file): differs from what the specs generate: run `python -m devkit generate` to rewrite it "
        "from the specs\n"
        f"1 file(s) differ from what the specs generate: {ECHO}.\n"
    )
    assert (generated / ECHO).read_bytes() == before

    assert devkit("generate", "--root", str(generated)) == (0, f"Wrote {ECHO}\nThe generated files match the specs.\n")
    assert check(generated) == []


def test_the_check_names_a_hand_edit_of_a_generated_file(generated):
    edit(generated / TICK, '"IsAdvanced": true', '"IsAdvanced": false')
    edit(generated / AI, "fetches_data: true", "fetches_data: false")
    edit(generated / WIDGET, '"htmlHeight": 400', '"htmlHeight": 600')

    found = [str(finding) for finding in check(generated)]

    assert f"{TICK}: Parameters[Pace].IsAdvanced: false in the file; the spec gives true" in found
    assert f"{AI}: Echo Back.capabilities.fetches_data: false in the file; the spec gives true" in found
    assert f"{WIDGET}: DataDefinition.htmlHeight: 600 in the file; the spec gives 400" in found
    assert {finding.file for finding in check(generated)} == {TICK, AI, WIDGET}


def test_the_check_names_a_file_whose_formatting_alone_differs(generated):
    (generated / ECHO).write_text(json.dumps(json.loads((generated / ECHO).read_text()), indent=2))

    assert [str(finding) for finding in check(generated)] == [
        f"{ECHO}: (file): differs from what the specs generate: run `python -m devkit generate` to rewrite it "
        "from the specs"
    ]


def test_a_new_action_script_needs_its_generated_definition(generated):
    (generated / "ActionsScripts" / "EchoTwice.py").write_text(
        (generated / SCRIPT).read_text().replace('"Echo Back"', '"Echo Twice"')
    )

    found = [str(finding) for finding in check(generated)]

    missing = "missing: run `python -m devkit generate` to rewrite it from the specs"
    assert f"ActionsDefinitions/EchoTwice.actiondef: (file): {missing}" in found
    assert f"Widgets/EchoTwice.json: (file): {missing}" in found
    assert any(line.startswith(f"{AI}: Echo Twice: missing; the spec gives") for line in found)


def test_a_removed_script_leaves_stale_files_that_generate_removes(generated):
    (generated / SCRIPT).unlink()

    found = [str(finding) for finding in check(generated)]

    stale = "(file): no spec generates it: delete it (`python -m devkit generate` does)"
    assert f"{ECHO}: {stale}" in found and f"{WIDGET}: {stale}" in found
    assert f"{AI}: Echo Back: not generated from the spec" in found
    code, text = devkit("generate", "--root", str(generated))
    assert code == 0
    assert f"Removed {ECHO}: no spec generates it\nRemoved {WIDGET}: no spec generates it\n" in text
    assert not (generated / ECHO).exists() and not (generated / WIDGET).exists()
    assert check(generated) == []


def test_a_widget_of_a_planned_action_is_written_by_hand_and_left_alone(generated, monkeypatch):
    # Get Message Details has a script now; in this layout, which has none, it stands in for a planned action.
    monkeypatch.setattr(devkit_generate, "PLANNED_ACTIONS", frozenset({"Get Message Details"}))
    held = REPO_ROOT / "Widgets" / "GetMessageDetails.json"
    assert json.loads(held.read_text())["ActionIdentifier"] == "Get Message Details"  # a planned action
    (generated / "Widgets" / held.name).write_bytes(held.read_bytes())
    unreadable = generated / "Widgets" / "Unfinished.json"
    unreadable.write_text("{not json")

    assert check(generated) == []
    assert devkit("generate", "--root", str(generated)) == (0, "The generated files match the specs.\n")
    assert (generated / "Widgets" / held.name).read_bytes() == held.read_bytes() and unreadable.exists()


def test_a_widget_no_spec_generates_is_stale(generated):
    (generated / "Widgets" / "EchoTwice.json").write_text((generated / WIDGET).read_text())

    found = [str(finding) for finding in check(generated)]

    assert found == [
        "Widgets/EchoTwice.json: (file): no spec generates it: delete it (`python -m devkit generate` does)"
    ]


def test_a_script_that_imports_the_sdk_when_imported_is_named_and_nothing_is_written(root):
    (root / "ActionsScripts" / "Eager.py").write_text("from SiemplifyAction import SiemplifyAction\n")

    code, text = devkit("generate", "--root", str(root))

    assert code == 1
    assert text == (
        "ActionsScripts/Eager.py: (module): cannot be imported: ModuleNotFoundError: No module named "
        "'SiemplifyAction' (a script imports the SDK only when it runs, inside its main code: see "
        "MimecastActionRunner)\n"
        "1 file(s) stopped the generation: ActionsScripts/Eager.py.\n"
    )
    assert not (root / ECHO).exists()


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("VALUE = 1\n", "SPEC: missing: the script declares its ActionSpec (MimecastSpecs) as SPEC"),
        ("SPEC = {'name': 'Dict'}\n", "SPEC: missing: the script declares its ActionSpec (MimecastSpecs) as SPEC"),
        ("raise ValueError('broken on import')\n", "(module): cannot be imported: ValueError: broken on import"),
        ("import sys\nsys.exit(3)\n", "(module): cannot be imported: SystemExit: 3"),
        ("def broken(:\n", "(module): cannot be imported: SyntaxError: "),
    ],
    ids=["no spec", "not an ActionSpec", "raises", "exits", "syntax error"],
)
def test_a_script_that_gives_no_spec_is_named_and_the_others_are_still_read(root, source, problem):
    (root / "ActionsScripts" / "Broken.py").write_text(source)

    found = [str(finding) for finding in check(root)]

    assert len(found) == 1 and found[0].startswith(f"ActionsScripts/Broken.py: {problem}")


def test_what_a_script_prints_when_imported_does_not_disturb_the_reading(generated):
    edit(generated / SCRIPT, "from MimecastSpecs", 'print("{not json")\nfrom MimecastSpecs')

    assert check(generated) == []


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            'outcomes=("search_email",)',
            'outcomes=("search_mail",)',
            "SPEC.ai.outcomes: 'search_mail' is not an outcome category",
        ),
        ("LIST_RESULT)", '"table")', "SPEC.widget.result: 'table' is not 'list' or 'object'"),
        ('"Limit", default', '"Limit", kind="integer", default', "SPEC.params[Limit]: an action has no 'integer'"),
    ],
    ids=["outcome", "widget result", "kind"],
)
def test_a_spec_the_platform_files_cannot_express_is_refused(root, old, new, problem):
    edit(root / SCRIPT, old, new)

    assert [str(finding) for finding in check(root)] == [f"{SCRIPT}: {problem}"]
    assert devkit("generate", "--root", str(root))[0] == 1
    assert not (root / ECHO).exists()


def test_every_link_starts_with_the_integration_documentation_link(root):
    definition_path = root / "Integration-Mimecast.def"
    definition = json.loads(definition_path.read_text())
    definition_path.write_text(json.dumps({**definition, "DocumentationLink": "https://docs.example.com/m"}))

    devkit("generate", "--root", str(root))

    assert json.loads((root / ECHO).read_text())["DocumentationLink"] == "https://docs.example.com/m#echo_back"
    assert json.loads((root / TICK).read_text())["DocumentationLink"] == "https://docs.example.com/m#tick-connector"


# The repository: its committed files are what its specs generate, and a copy shows the check catches drift.

REJECT = "ActionsDefinitions/RejectMessage.actiondef"
ARCHIVE = "ActionsDefinitions/SimpleArchiveSearch.actiondef"
CONNECTOR = "ConnectorsDefinitions/MessageTrackingConnector.connectordef"


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    return repository_copy(tmp_path / "repository")


def found_in(root: Path) -> list[str]:
    return [str(finding) for finding in check(root)]


def test_the_committed_files_are_what_the_specs_generate():
    assert check(REPO_ROOT) == []


def test_python_dash_m_devkit_generate_check_passes_on_the_repository():
    result = subprocess.run(
        [sys.executable, "-m", "devkit", "generate", "--check"], cwd=REPO_ROOT, capture_output=True, text=True
    )

    assert (result.returncode, result.stdout) == (0, "The generated files match the specs.\n"), result.stderr


def test_make_package_checks_the_generated_files_before_it_packs():
    result = subprocess.run(["make", "-n", "package"], cwd=REPO_ROOT, capture_output=True, text=True, check=True)

    commands = [line.split(" -m ", 1)[1] for line in result.stdout.splitlines() if " -m devkit " in line]
    assert commands == ["devkit generate --check", "devkit package"]


def test_a_spec_edited_in_a_copy_of_the_repository_fails_the_check_until_generated(repository):
    script = repository / "ActionsScripts" / "RejectMessage.py"
    edit(script, 'description="Send a rejection notice to the sender."', 'description="Tell the sender."')
    edit(script, 'ai_description="Sends a rejection notice to the sender."', 'ai_description="Tells the sender."')

    code, text = devkit("generate", "--check", "--root", str(repository))

    assert code == 1
    assert text.splitlines() == [
        f'{REJECT}: Parameters[Notify Sender].Description: "Send a rejection notice to the sender." in the file; '
        'the spec gives "Tell the sender."',
        f"{REJECT}: (file): differs from what the specs generate: {REGENERATE}",
        f'{AI}: Reject Message.parameters_description: "…r | Checkbox | No | Sends a rejection notice to the '
        'sender. |" in the file; the spec gives "…r | Checkbox | No | Tells the sender. |"',
        f"{AI}: (file): differs from what the specs generate: {REGENERATE}",
        f"2 file(s) differ from what the specs generate: {REJECT}, {AI}.",
    ]
    assert devkit("generate", "--root", str(repository))[0] == 0
    assert check(repository) == []


def test_a_widget_description_edited_in_its_spec_fails_the_check(repository):
    edit(
        repository / "ActionsScripts" / "CreateBlockSenderPolicy.py",
        '"Shows the Blocked Senders policy',
        '"Shows the policy',
    )

    assert found_in(repository)[0].startswith("Widgets/CreateBlockSenderPolicy.json: Description: ")


def test_a_deleted_definition_of_a_declared_action_is_missing(repository):
    (repository / "ActionsDefinitions" / "Ping.actiondef").unlink()

    assert found_in(repository) == [f"ActionsDefinitions/Ping.actiondef: (file): missing: {REGENERATE}"]


def test_definition_drift_from_the_spec_is_named_parameter_by_parameter(repository):
    def drift(definition: dict) -> None:
        param(definition, "Notify Sender").update(Type=0)
        param(definition, "Note").update(IsMandatory=True)
        param(definition, "Reason").update(OptionalValues=list(reversed(param(definition, "Reason")["OptionalValues"])))
        definition["Parameters"].append({"Name": "Extra", "Type": 0, "IsMandatory": False, "DefaultValue": ""})
        definition["Parameters"].remove(param(definition, "Message ID"))

    edit_json(repository / REJECT, drift)

    found = found_in(repository)
    assert f"{REJECT}: Parameters[Notify Sender].Type: 0 in the file; the spec gives 1" in found
    assert f"{REJECT}: Parameters[Note].IsMandatory: true in the file; the spec gives false" in found
    assert any(p.startswith(f'{REJECT}: Parameters[Reason].OptionalValues: ["Restricted Content", ') for p in found)
    assert f"{REJECT}: Parameters[Extra]: not generated from the spec" in found
    assert any(
        p.startswith(f'{REJECT}: Parameters[Message ID]: missing; the spec gives {{"Name": "Message ID"') for p in found
    )


def test_a_default_changed_in_a_definition_is_named(repository):
    edit_json(repository / ARCHIVE, lambda d: param(d, "Max Emails To Return").update(DefaultValue="100", Value="100"))

    found = found_in(repository)
    assert f'{ARCHIVE}: Parameters[Max Emails To Return].DefaultValue: "100" in the file; the spec gives "50"' in found
    assert f'{ARCHIVE}: Parameters[Max Emails To Return].Value: "100" in the file; the spec gives "50"' in found


def test_parameters_reordered_in_a_definition_are_named(repository):
    edit_json(repository / REJECT, lambda d: d["Parameters"].reverse())

    assert found_in(repository)[0] == (
        f'{REJECT}: Parameters: in the order ["Notify Sender", "Reason", "Note", "Message ID"]; the spec gives '
        '["Message ID", "Note", "Reason", "Notify Sender"]'
    )


def test_a_renamed_script_leaves_its_old_definition_stale_and_needs_a_new_one(repository):
    (repository / "ActionsScripts" / "RejectMessage.py").rename(repository / "ActionsScripts" / "Reject.py")

    found = found_in(repository)

    assert f"{REJECT}: (file): no spec generates it: delete it (`python -m devkit generate` does)" in found
    assert f"ActionsDefinitions/Reject.actiondef: (file): missing: {REGENERATE}" in found


def test_a_definition_no_script_declares_is_stale(repository):
    bogus = {"Name": "Bogus", "IntegrationIdentifier": "Mimecast", "Creator": "admin"}
    write_json(repository / "ActionsDefinitions" / "Bogus.actiondef", bogus)

    assert found_in(repository) == [
        "ActionsDefinitions/Bogus.actiondef: (file): no spec generates it: delete it (`python -m devkit generate` does)"
    ]


def test_an_action_script_without_a_spec_is_named(repository):
    (repository / "ActionsScripts" / "Bogus.py").write_text("")

    assert found_in(repository) == [
        "ActionsScripts/Bogus.py: SPEC: missing: the script declares its ActionSpec (MimecastSpecs) as SPEC"
    ]


def test_connector_definition_drift_from_the_spec_is_named(repository):
    edit_json(repository / CONNECTOR, lambda d: param(d, "PythonProcessTimeout").update(DefaultValue="90"))
    edit_json(repository / CONNECTOR, lambda d: param(d, "Domains").update(IsMandatory=False))
    edit_json(repository / CONNECTOR, lambda d: d["Parameters"].append(connector_param("Extra", "")))
    edit_json(repository / CONNECTOR, lambda d: d["Parameters"].remove(param(d, "Proxy Username")))

    found = found_in(repository)
    assert (
        f'{CONNECTOR}: Parameters[PythonProcessTimeout].DefaultValue: "90" in the file; the spec gives "180"' in found
    )
    assert f"{CONNECTOR}: Parameters[Domains].IsMandatory: false in the file; the spec gives true" in found
    assert f"{CONNECTOR}: Parameters[Extra]: not generated from the spec" in found
    assert any(p.startswith(f"{CONNECTOR}: Parameters[Proxy Username]: missing; the spec gives ") for p in found)


def test_a_connector_renamed_in_its_definition_is_named(repository):
    edit_json(repository / CONNECTOR, lambda d: d.update(Name="Tock Connector"))

    assert found_in(repository)[0] == (
        f'{CONNECTOR}: Name: "Tock Connector" in the file; the spec gives "Mimecast - Message Tracking Connector"'
    )


def test_the_connector_script_imports_without_the_sdk_and_declares_its_spec(repository):
    specs = read_specs(repository)

    assert specs.problems == []
    assert [spec["name"] for spec in specs.connectors.values()] == ["Mimecast - Message Tracking Connector"]
    assert {stem: spec["name"] for stem, spec in specs.actions.items()}["Ping"] == "Ping"
