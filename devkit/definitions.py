"""Reading the integration's definition files the way the platform does."""

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

INTEGRATION_DEF_GLOB = "Integration-*.def"
ACTIONS_DEFS_DIR = "ActionsDefinitions"
ACTIONS_SCRIPTS_DIR = "ActionsScripts"
CONNECTORS_DEFS_DIR = "ConnectorsDefinitions"
CONNECTORS_SCRIPTS_DIR = "ConnectorsScripts"
MANAGERS_DIR = "Managers"
MAPPING_RULES_FILE = "DefaultMappingRules/integration_mapping_rules.json"
CONSTANTS_FILE = "Managers/MimecastConstants.py"

PASSWORD_PROPERTY_TYPE = 3
_SECRET_NAME = re.compile(r"key|secret|password|token", re.IGNORECASE)


class UsageError(Exception):
    """The caller asked for something the integration does not define (CLI exit code 2)."""


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8-sig"))


def platform_value(value: Any) -> str:
    """A parameter value as the platform sends it in a context: always a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def action_defs(root: Path) -> dict[str, tuple[Path, dict]]:
    """Every action definition under root, keyed by its "Name"."""
    found: dict[str, tuple[Path, dict]] = {}
    for path in sorted((root / ACTIONS_DEFS_DIR).glob("*.actiondef")):
        definition = load_json(path)
        found[definition.get("Name", path.stem)] = (path, definition)
    return found


def find_action_def(root: Path, action_name: str) -> tuple[Path, dict]:
    defs = action_defs(root)
    if action_name not in defs:
        known = ", ".join(f'"{name}"' for name in defs) or "none"
        raise UsageError(f'No action named "{action_name}" in {root / ACTIONS_DEFS_DIR}. Actions: {known}')
    return defs[action_name]


def find_connector_def(root: Path) -> tuple[Path, dict]:
    paths = sorted((root / CONNECTORS_DEFS_DIR).glob("*.connectordef"))
    if len(paths) != 1:
        raise UsageError(f"Expected exactly one .connectordef in {root / CONNECTORS_DEFS_DIR}, found {len(paths)}")
    return paths[0], load_json(paths[0])


def integration_def(root: Path) -> dict | None:
    paths = sorted(root.glob(INTEGRATION_DEF_GLOB))
    return load_json(paths[0]) if paths else None


def secret_property_names(root: Path, names: list[str]) -> set[str]:
    """Names whose values must never be shown: the def's Password properties, plus any name that looks secret."""
    secret = {name for name in names if _SECRET_NAME.search(name)}
    try:
        definition = integration_def(root)
    except (OSError, ValueError):
        definition = None
    for prop in (definition or {}).get("IntegrationProperties", []):
        if str(prop.get("PropertyType")) == str(PASSWORD_PROPERTY_TYPE):
            secret.add(prop.get("PropertyName"))
    return secret


def secret_values(root: Path, configuration: dict[str, Any]) -> list[str]:
    """The values of a configuration's secret properties that are set: what output must never show."""
    names = secret_property_names(root, list(configuration))
    return [str(v) for k, v in configuration.items() if k in names and v not in ("", None)]


def load_constants(root: Path) -> ModuleType:
    """Import Managers/MimecastConstants.py by path, leaving sys.modules and sys.path as they were.

    It imports MimecastSpecs by bare name, as on the platform: that one is loaded from the same Managers/.
    """
    managers = str((root / MANAGERS_DIR).resolve())
    names = ("MimecastConstants", "MimecastSpecs")
    previous = {name: sys.modules.pop(name) for name in names if name in sys.modules}
    sys.path.insert(0, managers)
    try:
        spec = importlib.util.spec_from_file_location("MimecastConstants", root / CONSTANTS_FILE)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {root / CONSTANTS_FILE}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(managers)
        for name in names:
            sys.modules.pop(name, None)
        sys.modules.update(previous)
    return module
