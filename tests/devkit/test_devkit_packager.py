"""The packager: platform ZIP layout, wheels for every runtime pin, and the third-party import check."""

import io
import json
import zipfile
from pathlib import Path

import pytest
from devkit_layouts import valid_layout

from devkit import REPO_ROOT
from devkit.cli import main
from devkit.packager import DEFAULT_WHEELS_DIR, PackageError, build_package
from devkit.pins import pins

FAKE_PINS = ["requests==2.34.2", "python-dateutil==4.0.0"]


def fake_wheel(directory: Path, filename: str, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / filename
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return path


@pytest.fixture
def wheels(tmp_path: Path) -> Path:
    """A wheel cache with a top_level.txt wheel and one that only has a RECORD."""
    directory = tmp_path / "wheels"
    fake_wheel(
        directory,
        "requests-2.34.2-py3-none-any.whl",
        {"requests/__init__.py": "", "requests-2.34.2.dist-info/top_level.txt": "requests\n"},
    )
    fake_wheel(
        directory,
        "python_dateutil-4.0.0-py3-none-any.whl",
        {"dateutil/__init__.py": "", "python_dateutil-4.0.0.dist-info/RECORD": "dateutil/__init__.py,,\n"},
    )
    return directory


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = valid_layout(tmp_path / "integration")
    (root / "Managers" / "MimecastHttp.py").write_text(
        "import json\nimport requests\nfrom dateutil import parser\nimport SiemplifyUtils\nimport MimecastConstants\n"
    )
    for dev_dir in ("devkit", "simulator", "tests", "Managers/__pycache__", "ActionsScripts/__pycache__"):
        (root / dev_dir).mkdir(parents=True, exist_ok=True)
        (root / dev_dir / "leftover.py").write_text("")
    (root / "Managers" / "__pycache__" / "MimecastConstants.cpython-311.pyc").write_bytes(b"\0")
    return root


def build(root: Path, wheels: Path, tmp_path: Path, **kwargs) -> tuple[Path, list[str]]:
    out = tmp_path / "dist" / "Mimecast.zip"
    build_package(root, out, wheels, requirements=kwargs.pop("requirements", FAKE_PINS), download=False, **kwargs)
    with zipfile.ZipFile(out) as archive:
        return out, archive.namelist()


def test_zip_has_the_platform_layout(root, wheels, tmp_path):
    _, names = build(root, wheels, tmp_path)

    assert "Integration-Mimecast.def" in names
    assert "ActionsDefinitions/Ping.actiondef" in names and "ActionsScripts/Ping.py" in names
    assert "Connectors/Tick.connectordef" in names
    assert "ConnectorsScripts/Tick.py" in names
    assert "DefaultMappingRules/integration_mapping_rules.json" in names
    assert {"Managers/MimecastConstants.py", "Managers/MimecastHttp.py"} <= set(names)
    assert sorted(n for n in names if n.startswith("Dependencies/")) == [
        "Dependencies/python_dateutil-4.0.0-py3-none-any.whl",
        "Dependencies/requests-2.34.2-py3-none-any.whl",
    ]


def test_zip_ships_the_release_notes_at_its_root(root, wheels, tmp_path):
    out, names = build(root, wheels, tmp_path)

    with zipfile.ZipFile(out) as archive:
        notes = json.loads(archive.read("RN.json"))
    assert "RN.json" in names
    assert [(n["ItemType"], n["ItemName"], n["IntroducedInIntegrationVersion"]) for n in notes][:2] == [
        ("Integration", "Mimecast", 1.0),
        ("Action", "Ping", 1.0),
    ]


def test_zip_ships_the_ai_metadata_and_action_definitions_carry_their_ai_description(root, wheels, tmp_path):
    out, _ = build(root, wheels, tmp_path)

    source = json.loads((root / "ActionsDefinitions/RejectMessage.actiondef").read_text())
    with zipfile.ZipFile(out) as archive:
        shipped = json.loads(archive.read("ActionsDefinitions/RejectMessage.actiondef"))
        ai_yaml = archive.read("resources/ai/actions_ai_description.yaml")
    assert ai_yaml == (root / "resources/ai/actions_ai_description.yaml").read_bytes()
    description = "### General description\nReject Message in Mimecast.\n\n### Flow\n1. Calls Mimecast."
    assert shipped == {**source, "AIDescription": description}
    assert shipped["DocumentationLink"] == "https://docs.example.com/mimecast#reject_message"


def test_zip_has_no_development_files(root, wheels, tmp_path):
    _, names = build(root, wheels, tmp_path)

    assert not [n for n in names if n.startswith("ConnectorsDefinitions/")]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in names if n.split("/")[0] in ("devkit", "simulator", "tests")]
    assert all("/" not in n or n.split("/")[0] != "" for n in names)


def test_zip_contents_are_the_source_files(root, wheels, tmp_path):
    out, _ = build(root, wheels, tmp_path)

    with zipfile.ZipFile(out) as archive:
        connector = (root / "ConnectorsDefinitions/Tick.connectordef").read_bytes()
        assert archive.read("Connectors/Tick.connectordef") == connector
        assert archive.read("Managers/MimecastHttp.py") == (root / "Managers/MimecastHttp.py").read_bytes()


def test_two_builds_of_the_same_tree_are_identical(root, wheels, tmp_path):
    first, _ = build(root, wheels, tmp_path)
    first_bytes = first.read_bytes()
    second, _ = build(root, wheels, tmp_path)

    assert second.read_bytes() == first_bytes


def test_an_import_without_a_wheel_fails_the_build_naming_file_and_module(root, wheels, tmp_path):
    (root / "ActionsScripts" / "RejectMessage.py").write_text("import MimecastConstants\nimport yaml.loader\n")

    with pytest.raises(PackageError) as error:
        build(root, wheels, tmp_path)

    assert error.value.problems == [
        "ActionsScripts/RejectMessage.py: imports 'yaml', which no wheel in Dependencies/ provides"
    ]
    assert not (tmp_path / "dist" / "Mimecast.zip").exists()


def test_a_pinned_package_without_a_cached_wheel_fails_offline(root, wheels, tmp_path):
    with pytest.raises(PackageError, match=r"no wheel for defusedxml==0\.7\.1"):
        build(root, wheels, tmp_path, requirements=[*FAKE_PINS, "defusedxml==0.7.1"])


def test_the_build_validates_first(root, wheels, tmp_path):
    (root / "ActionsScripts" / "Ping.py").unlink()

    with pytest.raises(PackageError) as error:
        build(root, wheels, tmp_path)

    assert "ActionsDefinitions/Ping.actiondef: (file): has no matching ActionsScripts/Ping.py" in error.value.problems


def test_the_build_refuses_mapping_rules_google_tooling_cannot_load(root, wheels, tmp_path):
    rules = root / "DefaultMappingRules" / "integration_mapping_rules.json"
    rules.write_text(rules.read_text().replace('"TransformationFunction": 0', '"TransformationFunction": null'))

    with pytest.raises(PackageError) as error:
        build(root, wheels, tmp_path)

    expected = "DefaultMappingRules/integration_mapping_rules.json: [0].TransformationFunction: null is not one of"
    assert any(problem.startswith(expected) for problem in error.value.problems)
    assert not (tmp_path / "dist" / "Mimecast.zip").exists()


def test_cli_package_prints_a_summary(root, wheels, tmp_path, monkeypatch):
    monkeypatch.setattr("devkit.packager.pins", lambda *groups: FAKE_PINS)
    out_path = tmp_path / "out.zip"
    out = io.StringIO()

    code = main(["package", "--root", str(root), "--out", str(out_path), "--wheels-dir", str(wheels), "--offline"], out)

    assert code == 0
    assert out.getvalue().startswith(f"Wrote {out_path}: ")
    assert "2 wheels" in out.getvalue() and "KiB" in out.getvalue()


def test_cli_package_failure_exits_1_with_the_problems(root, wheels, tmp_path, monkeypatch):
    monkeypatch.setattr("devkit.packager.pins", lambda *groups: FAKE_PINS)
    (root / "Managers" / "MimecastExtra.py").write_text("import boto3\n")
    out = io.StringIO()

    argv = ["package", "--root", str(root), "--out", str(tmp_path / "x.zip"), "--wheels-dir", str(wheels), "--offline"]
    code = main(argv, out)

    assert code == 1
    assert out.getvalue() == (
        "Managers/MimecastExtra.py: imports 'boto3', which no wheel in Dependencies/ provides\nPackage not built.\n"
    )


def test_the_real_package_builds_from_the_repository(tmp_path):
    """`make package` on the real tree; fetches the pinned wheels into .cache/wheels when they are missing."""
    out = tmp_path / "Mimecast.zip"
    summary = build_package(REPO_ROOT, out, DEFAULT_WHEELS_DIR, download=True)

    names = set(summary.files)
    assert {
        "Integration-Mimecast.def",
        "ActionsScripts/Ping.py",
        "ActionsDefinitions/Ping.actiondef",
        "RN.json",
        "resources/ai/actions_ai_description.yaml",
    } <= names
    assert len(summary.wheels) == len(pins("runtime"))
    assert not [n for n in names if n.split("/")[0] in ("devkit", "simulator", "tests", "ConnectorsDefinitions")]
