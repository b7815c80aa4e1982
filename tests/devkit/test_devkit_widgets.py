"""Widget definitions: validation against mp's built widget model, page building, and what the ZIP ships."""

import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from devkit_layouts import edit_json, valid_layout

import devkit.generate as devkit_generate
import devkit.widgets as devkit_widgets
from devkit import REPO_ROOT
from devkit.cli import main
from devkit.packager import build_package
from devkit.validator import validate
from devkit.widgets import (
    JSON_RESULT_PLACEHOLDER,
    build_html,
    held_back,
    package_files,
    validate_widgets,
    widget_stems,
)

SIMPLE = "Widgets/SimpleArchiveSearch.json"
HELD = "Widgets/GetMessageDetails.json"
SHIPPED_STEMS = ("AdvancedArchiveSearch", "CreateBlockSenderPolicy", "SimpleArchiveSearch")
PINS = ["requests==2.34.2"]


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A valid layout holding a copy of the repository's widgets, without the Get Message Details definition:
    there it stands in for a planned action (the repository ships it)."""
    for module in (devkit_widgets, devkit_generate):
        monkeypatch.setattr(module, "PLANNED_ACTIONS", frozenset({"Get Message Details"}))
    root = valid_layout(tmp_path / "integration")
    for planned in ("ActionsDefinitions/GetMessageDetails.actiondef", "ActionsScripts/GetMessageDetails.py"):
        (root / planned).unlink(missing_ok=True)
    edit_json(root / "RN.json", lambda notes: notes.__setitem__(slice(None), unplanned(notes)))
    ai = root / "resources" / "ai" / "actions_ai_description.yaml"
    ai.write_text(without_top_level_key(ai.read_text(), "Get Message Details"))
    for folder in ("Widgets", "WidgetsScripts"):
        shutil.copytree(REPO_ROOT / folder, root / folder)
    return root


def without_top_level_key(yaml_text: str, key: str) -> str:
    """The YAML text without the block of one top-level key (the lines up to the next top-level key)."""
    kept, skipping = [], False
    for line in yaml_text.splitlines(keepends=True):
        if line[:1] not in ("", " ", "\n"):
            skipping = line.startswith(f"{key}:")
        if not skipping:
            kept.append(line)
    return "".join(kept)


def unplanned(notes: list) -> list:
    return [note for note in notes if note.get("ItemName") != "Get Message Details"]


@pytest.fixture
def wheels(tmp_path: Path) -> Path:
    """A wheel cache holding a stand-in for the one pinned wheel."""
    directory = tmp_path / "wheels"
    directory.mkdir()
    with zipfile.ZipFile(directory / "requests-2.34.2-py3-none-any.whl", "w") as wheel:
        wheel.writestr("requests/__init__.py", "")
        wheel.writestr("requests-2.34.2.dist-info/top_level.txt", "requests\n")
    return directory


def problems(root: Path) -> list[str]:
    return [str(p) for p in validate(root).problems]


def test_the_repository_widgets_are_valid():
    report = validate_widgets(
        REPO_ROOT,
        {"Simple Archive Search", "Advanced Archive Search", "Create Block Sender Policy", "Get Message Details"},
    )

    assert report.problems == []
    assert set(widget_stems(REPO_ROOT)) == {*SHIPPED_STEMS, "GetMessageDetails"}


def test_the_repository_ships_the_held_message_widget_with_its_action():
    assert not devkit_widgets.PLANNED_ACTIONS
    assert held_back(REPO_ROOT) == []
    assert "Widgets/GetMessageDetails.json" in dict(package_files(REPO_ROOT))


def test_widgets_are_validated_with_the_package(root):
    report = validate(root)

    assert report.problems == []
    assert {SIMPLE, "WidgetsScripts/SimpleArchiveSearch.html", HELD} <= set(report.files)


def test_an_action_identifier_that_names_no_action_is_reported(root):
    edit_json(root / SIMPLE, lambda d: d.update(ActionIdentifier="Simple Archive Serch"))

    assert problems(root) == [
        f'{SIMPLE}: ActionIdentifier: "Simple Archive Serch" is not an action in ActionsDefinitions/ '
        "(nor a planned action)"
    ]


def test_a_widget_may_name_a_planned_action_before_it_exists(root):
    assert json.loads((root / HELD).read_text())["ActionIdentifier"] == "Get Message Details"
    assert not (root / "ActionsDefinitions" / "GetMessageDetails.actiondef").exists()

    assert problems(root) == []


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d.update(Scope=2), "Scope: 2 is not a widget scope (0, 1)"),
        (lambda d: d.update(DefaultSize=0), "DefaultSize: 0 is not a widget size (1, 2, 3, 4)"),
        (lambda d: d.update(Type=22), "Type: 22 is not a widget type (0, 1, "),
        (
            lambda d: d["DataDefinition"].update(widgetDefinitionScope=3),
            "DataDefinition.widgetDefinitionScope: 3 is not a definition scope (0, 1, 2)",
        ),
        (
            lambda d: d["ConditionsGroup"].update(LogicalOperator=2),
            "ConditionsGroup.LogicalOperator: 2 is not a logical operator (0, 1)",
        ),
        (
            lambda d: d["ConditionsGroup"]["Conditions"][0].update(MatchType=4),
            "ConditionsGroup.Conditions[0].MatchType: 4 is not a match type (0, 1, 2, 3, 5, 6, 7, 8)",
        ),
        (
            lambda d: d["DataDefinition"].update(safeRendering="false"),
            "DataDefinition.safeRendering: must be a boolean",
        ),
        (lambda d: d["DataDefinition"].update(htmlHeight=0), "DataDefinition.htmlHeight: must be a positive number"),
        (lambda d: d.pop("ConditionsGroup"), "ConditionsGroup: missing required key"),
        (lambda d: d.update(Identifier="x"), "Identifier: not a key of the widget model"),
        (lambda d: d.update(Title="Mimecast: Archive"), "Title: 'Mimecast: Archive' must match"),
        (
            lambda d: d["DataDefinition"].update(htmlContent="<p>copy</p>"),
            "DataDefinition.htmlContent: must be empty: the page is WidgetsScripts/<stem>.html",
        ),
    ],
)
def test_values_outside_the_widget_model_are_reported(root, edit, expected):
    edit_json(root / SIMPLE, edit)

    found = problems(root)
    assert len(found) == 1 and found[0].startswith(f"{SIMPLE}: {expected}"), found


def test_a_widget_without_its_page_is_reported(root):
    (root / "WidgetsScripts" / "SimpleArchiveSearch.html").unlink()

    assert problems(root) == [f"{SIMPLE}: (file): has no matching WidgetsScripts/SimpleArchiveSearch.html"]


def test_a_page_without_a_definition_and_stray_files_are_reported(root):
    (root / "WidgetsScripts" / "Orphan.html").write_text("<p>")
    (root / "Widgets" / "notes.txt").write_text("")

    assert problems(root) == [
        "Widgets/notes.txt: (file): unexpected entry: Widgets/ holds only *.json",
        "WidgetsScripts/Orphan.html: (file): has no matching Widgets/Orphan.json",
    ]


def test_an_include_of_a_missing_shared_part_is_reported(root):
    page = root / "WidgetsScripts" / "SimpleArchiveSearch.html"
    page.write_text(page.read_text().replace("@include archive-results.js", "@include archive-result.js"))

    assert problems(root) == [
        "WidgetsScripts/SimpleArchiveSearch.html: (include): @include archive-result.js: "
        "no WidgetsScripts/shared/archive-result.js"
    ]


def test_a_shared_script_that_would_end_its_script_element_is_refused(root):
    with (root / "WidgetsScripts" / "shared" / "archive-results.js").open("a") as part:
        part.write('  var markup = "</script>";\n')

    found = problems(root)
    assert (
        "WidgetsScripts/AdvancedArchiveSearch.html: (include): @include archive-results.js: contains </script"
        in (found[0])
    )
    assert len(found) == 2


@pytest.mark.parametrize("copies", [0, 2])
def test_a_page_must_hold_the_json_result_placeholder_exactly_once(root, copies):
    page = root / "WidgetsScripts" / "CreateBlockSenderPolicy.html"
    page.write_text(page.read_text().replace(JSON_RESULT_PLACEHOLDER, JSON_RESULT_PLACEHOLDER * copies))

    assert problems(root) == [
        f"WidgetsScripts/CreateBlockSenderPolicy.html: (placeholder): must hold {JSON_RESULT_PLACEHOLDER} once, "
        f"found {copies}"
    ]


def test_a_built_page_stands_alone():
    source = (REPO_ROOT / "WidgetsScripts" / "SimpleArchiveSearch.html").read_text()
    built = build_html(REPO_ROOT, "SimpleArchiveSearch")

    assert "@include" in source and "@include" not in built
    assert (REPO_ROOT / "WidgetsScripts/shared/widget-kit.js").read_text().rstrip("\n") in built
    assert (REPO_ROOT / "WidgetsScripts/shared/archive-results.css").read_text().rstrip("\n") in built
    assert built.count("<script>") == 1 and built.count("<style>") == 1


def package(root: Path, wheels: Path, tmp_path: Path) -> tuple[dict[str, bytes], str]:
    out = tmp_path / "dist" / "Mimecast.zip"
    summary = build_package(root, out, wheels, requirements=PINS, download=False)
    with zipfile.ZipFile(out) as archive:
        return {name: archive.read(name) for name in archive.namelist()}, summary.describe()


def test_the_zip_ships_built_pages_only_for_widgets_whose_action_is_defined(root, wheels, tmp_path):
    files, summary = package(root, wheels, tmp_path)

    widget_files = sorted(name for name in files if name.startswith("Widgets"))
    assert widget_files == sorted(
        [f"Widgets/{stem}.json" for stem in SHIPPED_STEMS] + [f"WidgetsScripts/{stem}.html" for stem in SHIPPED_STEMS]
    )
    for stem in SHIPPED_STEMS:
        assert files[f"WidgetsScripts/{stem}.html"].decode() == build_html(root, stem)
        assert files[f"Widgets/{stem}.json"] == (root / "Widgets" / f"{stem}.json").read_bytes()
    assert not [name for name in files if "shared" in name or "GetMessageDetails" in name]
    assert 'Not shipped: widget GetMessageDetails (its action "Get Message Details" has no definition yet)' in summary


def test_a_held_back_widget_ships_once_its_action_is_defined(root, wheels, tmp_path):
    # Block Sender stands in for the planned action: it has a definition in the layout and no widget of its own.
    edit_json(root / HELD, lambda d: d.update(ActionIdentifier="Block Sender"))

    files, summary = package(root, wheels, tmp_path)

    assert files["WidgetsScripts/GetMessageDetails.html"].decode() == build_html(root, "GetMessageDetails")
    assert "Widgets/GetMessageDetails.json" in files
    assert "Not shipped" not in summary


def test_cli_widgets_without_chromium_says_so_and_exits_1(monkeypatch, tmp_path):
    monkeypatch.setattr("devkit.browser.find_chromium", lambda: None)
    out = io.StringIO()

    code = main(["widgets", "--screenshots", str(tmp_path / "shots")], out)

    assert code == 1
    assert out.getvalue() == "no chromium or chromium-browser on PATH (Debian: apt-get install chromium)\n"
    assert not (tmp_path / "shots").exists()
