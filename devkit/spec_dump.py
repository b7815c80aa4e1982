"""Print the specs an integration's scripts declare, as JSON: `python -P spec_dump.py <integration root>`.

devkit.specs runs this file in a subprocess whose only import path is the integration's Managers/, so a
script is imported the way it must always import: without the SDK (not on the path) and without the devkit.
It uses the standard library only. Everything a script prints while it is imported is discarded.
"""

import contextlib
import importlib.util
import io
import json
import sys
from pathlib import Path
from typing import Any

COMPONENTS = (("actions", "ActionsScripts", "ActionSpec"), ("connectors", "ConnectorsScripts", "ConnectorSpec"))
SDK_MODULES = ("Siemplify", "ScriptResult", "OverflowManager", "TIPCommon")


def as_json(value: Any) -> Any:
    """A spec as plain JSON: NamedTuples become objects (field order kept), tuples become lists."""
    if hasattr(value, "_asdict"):
        return {key: as_json(item) for key, item in value._asdict().items()}
    if isinstance(value, list | tuple):
        return [as_json(item) for item in value]
    if isinstance(value, dict):
        return {str(key): as_json(item) for key, item in value.items()}
    return value


def failure(exc: BaseException) -> str:
    text = f"cannot be imported: {type(exc).__name__}: {exc}"
    missing = getattr(exc, "name", None) or ""
    if isinstance(exc, ImportError) and missing.startswith(SDK_MODULES):
        text += " (a script imports the SDK only when it runs, inside its main code: see MimecastActionRunner)"
    return text


def load(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(f"spec_of_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"no loader for {path}")
    module = importlib.util.module_from_spec(spec)
    with contextlib.redirect_stdout(io.StringIO()):
        spec.loader.exec_module(module)
    return getattr(module, "SPEC", None)


def main(root: Path) -> dict[str, Any]:
    found: dict[str, Any] = {"actions": {}, "connectors": {}, "contract": {}, "problems": []}
    problems = found["problems"]
    try:
        import MimecastConstants
        import MimecastSpecs
    except Exception as exc:  # a broken module is a finding, reported with its file
        problems.append(["Managers", "(module)", failure(exc)])
        return found
    found["contract"] = {
        "identifier": MimecastConstants.INTEGRATION_IDENTIFIER,
        "display_name": MimecastConstants.INTEGRATION_DISPLAY_NAME,
        "script_result_name": MimecastConstants.SCRIPT_RESULT_NAME,
    }
    for key, directory, type_name in COMPONENTS:
        spec_type = getattr(MimecastSpecs, type_name)
        for path in sorted((root / directory).glob("*.py")):
            where = f"{directory}/{path.name}"
            try:
                spec = load(path)
            except BaseException as exc:  # SystemExit and KeyboardInterrupt included: nothing stops the others
                problems.append([where, "(module)", failure(exc)])
                continue
            if not isinstance(spec, spec_type):
                problems.append(
                    [where, "SPEC", f"missing: the script declares its {type_name} (MimecastSpecs) as SPEC"]
                )
                continue
            found[key][path.stem] = as_json(spec)
    return found


if __name__ == "__main__":
    sys.stdout.write(json.dumps(main(Path(sys.argv[1]))) + "\n")
