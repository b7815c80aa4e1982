"""Print pinned requirements from pyproject.toml (stdlib only: runs before the venv exists).

`python devkit/pins.py [--sdk-wheels DIR] GROUP...`. The `sdk` group's soar-sdk, which no package index
serves, becomes a reference to the pinned wheel in DIR (after checking its sha256) or, without DIR,
to the pinned commit of its repository.
"""

import argparse
import hashlib
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
SDK_PROJECT = "soar-sdk"


def _config() -> dict:
    return tomllib.loads(PYPROJECT.read_text())["tool"]["mimecast-soar"]


def pins(*groups: str) -> list[str]:
    table = _config()["pins"]
    return [req for group in groups for req in table[group]]


def sdk_requirement(wheels_dir: str | None) -> str:
    """Where soar-sdk is installed from: the pinned wheel in `wheels_dir`, else the pinned commit."""
    source = _config()["soar-sdk"]
    if not wheels_dir:
        return f"{SDK_PROJECT} @ {source['repository']}"
    wheel = Path(wheels_dir).resolve() / source["wheel"]
    if not wheel.is_file():
        raise SystemExit(f"{wheel} does not exist: set SDK_WHEELS to a directory holding {source['wheel']}, or empty")
    actual = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if actual != source["sha256"]:
        raise SystemExit(f"{wheel} has sha256 {actual}, not the pinned {source['sha256']}; refusing to install it")
    return f"{SDK_PROJECT} @ {wheel.as_uri()}"


def requirements(groups: list[str], wheels_dir: str | None) -> list[str]:
    return [sdk_requirement(wheels_dir) if req.split("==")[0].strip() == SDK_PROJECT else req for req in pins(*groups)]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sdk-wheels", default="", help="directory holding the soar-sdk wheel (empty: its repository)")
    parser.add_argument("groups", nargs="*", default=["runtime", "dev", "sdk"])
    args = parser.parse_args()
    print("\n".join(requirements(args.groups, args.sdk_wheels or None)), file=sys.stdout)
