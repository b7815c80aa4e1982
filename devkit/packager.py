"""Build the importable integration ZIP in the platform's layout (docs/PACKAGE_FORMAT.md).

Validates first, ships a wheel for every `runtime` pin, and refuses to build when a shipped script
imports a third-party module that none of those wheels provides. RN.json and resources/ai/ go in
at the paths of the built layout; each action definition gets the AIDescription of its AI metadata,
as Google's packaging tool writes it (docs/PACKAGE_FORMAT.md).
"""

import ast
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from devkit import REPO_ROOT, builtformat
from devkit.definitions import (
    ACTIONS_DEFS_DIR,
    ACTIONS_SCRIPTS_DIR,
    CONNECTORS_DEFS_DIR,
    CONNECTORS_SCRIPTS_DIR,
    INTEGRATION_DEF_GLOB,
    MANAGERS_DIR,
)
from devkit.pins import pins
from devkit.soar_sdk import sdk_dir
from devkit.validator import Problem, validate
from devkit.widgets import held_back, package_files

DEFAULT_WHEELS_DIR = REPO_ROOT / ".cache" / "wheels"
DEFAULT_OUT = REPO_ROOT / "dist" / "Mimecast.zip"
# Source directory -> directory in the ZIP, with the file pattern shipped from it.
LAYOUT = (
    (ACTIONS_DEFS_DIR, ACTIONS_DEFS_DIR, "*.actiondef"),
    (ACTIONS_SCRIPTS_DIR, ACTIONS_SCRIPTS_DIR, "*.py"),
    (CONNECTORS_DEFS_DIR, "Connectors", "*.connectordef"),
    (CONNECTORS_SCRIPTS_DIR, CONNECTORS_SCRIPTS_DIR, "*.py"),
    ("Jobs", "Jobs", "*.jobdef"),
    ("JobsScrips", "JobsScrips", "*.py"),
    (MANAGERS_DIR, MANAGERS_DIR, "*.py"),
    ("DefaultMappingRules", "DefaultMappingRules", "*.json"),
    ("DefaultCustomFamilies", "DefaultCustomFamilies", "*.json"),
    (builtformat.AI_DIR, builtformat.AI_DIR, "*.yaml"),
)
PIP_PLATFORM_ARGS = (
    "--python-version",
    "3.11",
    "--implementation",
    "cp",
    "--abi",
    "cp311",
    "--platform",
    "manylinux_2_28_x86_64",
    "--platform",
    "manylinux_2_17_x86_64",
    "--platform",
    "manylinux2014_x86_64",
)
# A fixed timestamp makes two builds of the same tree byte-identical.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class PackageError(Exception):
    """The package cannot be built; `problems` says why, one line each."""

    def __init__(self, problems: Iterable[str | Problem]) -> None:
        self.problems = [str(p) for p in problems]
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class PackageSummary:
    path: Path
    files: list[str]
    wheels: list[str]
    size: int
    # (widget stem, action) of widgets left out because their action has no definition yet.
    held_back_widgets: tuple[tuple[str, str], ...] = ()

    def describe(self) -> str:
        scripts = sum(1 for f in self.files if f.endswith(".py"))
        text = (
            f"Wrote {self.path}: {len(self.files)} files ({scripts} scripts/modules, {len(self.wheels)} wheels), "
            f"{self.size / 1024:.1f} KiB"
        )
        for stem, action in self.held_back_widgets:
            text += f'\nNot shipped: widget {stem} (its action "{action}" has no definition yet)'
        return text


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pin_parts(pin: str) -> tuple[str, str]:
    name, _, version = pin.partition("==")
    if not version:
        raise PackageError([f"pyproject.toml: runtime: {pin!r} must be pinned as name==version"])
    return name.strip(), version.strip()


def _wheel_name_version(path: Path) -> tuple[str, str]:
    parts = path.name[: -len(".whl")].split("-")
    return _normalise(parts[0]), parts[1]


def find_wheel(wheels_dir: Path, pin: str) -> Path | None:
    name, version = _pin_parts(pin)
    for path in sorted(wheels_dir.glob("*.whl")):
        if _wheel_name_version(path) == (_normalise(name), version):
            return path
    return None


def fetch_wheels(requirements: list[str], wheels_dir: Path, download: bool = True) -> list[Path]:
    """One wheel per pin, from the cache or downloaded into it with pip."""
    wheels_dir.mkdir(parents=True, exist_ok=True)
    missing = [pin for pin in requirements if find_wheel(wheels_dir, pin) is None]
    if missing and download:
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"]
        command += [*PIP_PLATFORM_ARGS, "--dest", str(wheels_dir), *missing]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise PackageError([f"pip download failed for {', '.join(missing)}:", result.stderr.strip()])
    wheels, problems = [], []
    for pin in requirements:
        wheel = find_wheel(wheels_dir, pin)
        if wheel is None:
            problems.append(f"{wheels_dir}: no wheel for {pin} (CPython 3.11 manylinux or pure Python)")
        else:
            wheels.append(wheel)
    if problems:
        raise PackageError(problems)
    return wheels


def wheel_modules(wheel: Path) -> set[str]:
    """Top-level import names a wheel provides (top_level.txt, else the entries of its RECORD)."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        top_level = [n for n in names if n.endswith(".dist-info/top_level.txt")]
        if top_level:
            text = archive.read(top_level[0]).decode("utf-8")
            return {line.strip().split("/")[0] for line in text.splitlines() if line.strip()}
    modules = set()
    for name in names:
        first = name.split("/")[0]
        if first.endswith((".dist-info", ".data")):
            continue
        if "/" in name:
            modules.add(first)
        elif first.endswith((".py", ".so", ".pyd")):
            modules.add(first.split(".")[0])
    return modules


def imported_modules(source: str) -> set[str]:
    """Top-level names of absolute imports anywhere in the module."""
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    return modules


def check_imports(root: Path, python_files: list[tuple[Path, str]], provided: set[str]) -> list[str]:
    """Problems for every third-party import that no shipped wheel provides; files are (source, name in ZIP)."""
    # The platform provides the SDK's modules (never shipped): those of the installed soar-sdk.
    sdk = {p.stem for p in sdk_dir().glob("*.py")}
    managers = {p.stem for p in (root / MANAGERS_DIR).glob("*.py")}
    known = set(sys.stdlib_module_names) | sdk | managers | provided
    problems = []
    for source, relative in python_files:
        try:
            modules = imported_modules(source.read_text(encoding="utf-8"))
        except SyntaxError as exc:
            problems.append(f"{relative}: cannot be parsed: {exc}")
            continue
        for module in sorted(modules - known):
            problems.append(f"{relative}: imports {module!r}, which no wheel in Dependencies/ provides")
    return problems


def package_entries(root: Path) -> list[tuple[Path, str]]:
    """(source file, name in the ZIP) for every shipped file, in a stable order."""
    entries = [(path, path.name) for path in sorted(root.glob(INTEGRATION_DEF_GLOB))]
    for source_dir, zip_dir, pattern in LAYOUT:
        for path in sorted((root / source_dir).glob(pattern)):
            if path.is_file():
                entries.append((path, f"{zip_dir}/{path.name}"))
    if (root / builtformat.RELEASE_NOTES_FILE).is_file():
        entries.append((root / builtformat.RELEASE_NOTES_FILE, builtformat.RELEASE_NOTES_FILE))
    return entries


def _built_bytes(source: Path, name: str, ai_entries: dict) -> bytes:
    """A file as the ZIP holds it: action definitions get their AIDescription, as the tool's build writes them."""
    if not (name.startswith(f"{ACTIONS_DEFS_DIR}/") and ai_entries):
        return source.read_bytes()
    definition = builtformat.built_action_definition(json.loads(source.read_text(encoding="utf-8")), ai_entries)
    return (json.dumps(definition, indent=4) + "\n").encode("utf-8")


def build_package(
    root: Path = REPO_ROOT,
    out: Path = DEFAULT_OUT,
    wheels_dir: Path = DEFAULT_WHEELS_DIR,
    requirements: list[str] | None = None,
    download: bool = True,
) -> PackageSummary:
    """Validate, gather wheels, check imports and write the ZIP; raises PackageError on any problem."""
    root = root.resolve()
    report = validate(root)
    if report.problems:
        raise PackageError(report.problems)
    entries = package_entries(root)
    wheels = fetch_wheels(pins("runtime") if requirements is None else requirements, wheels_dir, download)
    provided = set().union(*(wheel_modules(w) for w in wheels)) if wheels else set()
    problems = check_imports(root, [(src, name) for src, name in entries if name.endswith(".py")], provided)
    if problems:
        raise PackageError(problems)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    ai_entries = builtformat.read_ai_descriptions(root) if (root / builtformat.ACTIONS_AI_FILE).is_file() else {}
    # Action definitions get their AI description, widget pages are built (shared parts inlined): all are
    # written from memory.
    contents = [(name, _built_bytes(source, name, ai_entries)) for source, name in entries] + package_files(root)
    contents += [(f"Dependencies/{w.name}", w.read_bytes()) for w in wheels]
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in contents:
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    tmp.replace(out)
    names = [name for name, _ in contents]
    return PackageSummary(out, names, [w.name for w in wheels], out.stat().st_size, tuple(held_back(root)))
