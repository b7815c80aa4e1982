"""An action script can be imported without the SDK: only running it (run_action) imports the SDK.

The SDK replaces sys.stdout when it is imported, and the devkit imports every script to read what it declares.
"""

import importlib.util
import sys
from pathlib import Path

import pytest

ACTIONS_SCRIPTS = Path(__file__).resolve().parents[2] / "ActionsScripts"
SDK_MODULES = ("ScriptResult", "SiemplifyAction", "SiemplifyUtils", "Siemplify", "SiemplifyBase")


@pytest.mark.parametrize("script", sorted(ACTIONS_SCRIPTS.glob("*.py")), ids=lambda path: path.stem)
def test_an_action_script_imports_without_the_sdk(script):
    spec = importlib.util.spec_from_file_location(f"imported_{script.stem}", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)

    spec.loader.exec_module(module)

    assert callable(module.run_action)
    assert [name for name in SDK_MODULES if name in sys.modules] == []
