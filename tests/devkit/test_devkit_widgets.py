"""Widget pages: shared parts inlined at build time; the ZIP ships built pages of widgets whose action exists."""

import shutil
import zipfile
from pathlib import Path

import pytest
from devkit_layouts import edit_json, valid_layout

from devkit import REPO_ROOT
from devkit.packager import build_package
from devkit.widgets import build_html

HELD = "Widgets/GetMessageDetails.json"
SHIPPED_STEMS = ("AdvancedArchiveSearch", "CreateBlockSenderPolicy", "SimpleArchiveSearch")
PINS = ["requests==2.34.2"]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A valid layout holding a copy of the repository's widgets."""
    root = valid_layout(tmp_path / "integration")
    for folder in ("Widgets", "WidgetsScripts"):
        shutil.copytree(REPO_ROOT / folder, root / folder)
    return root


@pytest.fixture
def wheels(tmp_path: Path) -> Path:
    """A wheel cache holding a stand-in for the one pinned wheel."""
    directory = tmp_path / "wheels"
    directory.mkdir()
    with zipfile.ZipFile(directory / "requests-2.34.2-py3-none-any.whl", "w") as wheel:
        wheel.writestr("requests/__init__.py", "")
        wheel.writestr("requests-2.34.2.dist-info/top_level.txt", "requests\n")
    return directory


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
