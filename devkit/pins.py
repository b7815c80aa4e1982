"""Print pinned requirements from pyproject.toml (stdlib only: runs before the venv exists)."""

import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def pins(*groups: str) -> list[str]:
    table = tomllib.loads(PYPROJECT.read_text())["tool"]["mimecast-soar"]["pins"]
    return [req for group in groups for req in table[group]]


if __name__ == "__main__":
    print("\n".join(pins(*(sys.argv[1:] or ["runtime", "dev"]))))
