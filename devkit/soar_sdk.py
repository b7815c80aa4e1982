"""Where Google's soar-sdk is installed, and the run folder it is given on a developer's machine.

The platform runs scripts with the SDK's modules as top-level modules, so the installed package
directory goes on PYTHONPATH. The SDK reads its run folder from the `sdk_config.ini` beside its
`SiemplifySdkConfig` module (`/opt/siemplify/siemplify_server/Scripting`, with no environment
override), and a connector creates a folder there on every run. So that a run never writes outside
its store (a developer may not be allowed to create `/opt/...`, and CI must not litter it), the devkit
gives each store its own copy of that configuration: the SDK's `SiemplifySdkConfig.py`, copied
unchanged, beside an `sdk_config.ini` that differs from the SDK's only in `runFolderPath`
(`<store>/run`). That folder goes first on PYTHONPATH; every other module is the installed SDK's.
"""

import configparser
import importlib.util
import io
import os
from functools import cache
from pathlib import Path

SDK_PACKAGE = "soar_sdk"
CONFIG_MODULE = "SiemplifySdkConfig.py"
CONFIG_FILE = "sdk_config.ini"
RUN_FOLDER_OPTION = ("ExecutionConfig", "runFolderPath")


class SdkMissingError(RuntimeError):
    """soar-sdk is not installed in the interpreter the devkit runs on."""


@cache
def sdk_dir() -> Path:
    """The installed soar_sdk package directory (its modules import each other by bare name)."""
    spec = importlib.util.find_spec(SDK_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SdkMissingError(
            "Google's soar-sdk is not installed in this Python; run `make venv` (see the README, "
            '"Where the SDK comes from").'
        )
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def sdk_config_dir(store: Path) -> Path:
    """`<store>/sdk`: the SDK's configuration module and an sdk_config.ini whose run folder is `<store>/run`."""
    directory = store / "sdk"
    run_folder = store / "run"
    config = configparser.ConfigParser()
    config.optionxform = str  # type: ignore[assignment,method-assign]  # keep the SDK's option names as written
    config.read(sdk_dir() / CONFIG_FILE)
    config.set(*RUN_FOLDER_OPTION, str(run_folder))
    text = io.StringIO()
    config.write(text)
    directory.mkdir(parents=True, exist_ok=True)
    _write_if_changed(directory / CONFIG_FILE, text.getvalue().encode("utf-8"))
    _write_if_changed(directory / CONFIG_MODULE, (sdk_dir() / CONFIG_MODULE).read_bytes())
    run_folder.mkdir(parents=True, exist_ok=True)
    return directory


def _write_if_changed(path: Path, content: bytes) -> None:
    if not path.is_file() or path.read_bytes() != content:
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(content)
        tmp.replace(path)
