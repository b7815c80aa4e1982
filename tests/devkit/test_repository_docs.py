"""The repository's docs, comments and docstrings stand on their own: nothing points to files a clone lacks."""

import re
import subprocess
from pathlib import Path

from devkit import REPO_ROOT

THIS_FILE = Path(__file__).resolve()
# Pointers to the team's own documents outside the repository (a product specification, an API reference,
# notes, an issue tracker). The Makefile may look for the SDK wheel in ../shared/vendor: that is a folder
# it checks for, documented as such, not a document to read.
OUTSIDE_POINTERS = re.compile(
    r"\.\./shared/(?!vendor\b)"
    r"|\b(?:spec|specification|reference)\s*§"
    r"|(?<![\w/-])reference/"
    r"|\bissues?\s+#?\d"
    r"|\bthe spec (?:asks|says|requires)\b|\bproduct specification\b"
    r"|\blive-tenant notes\b",
    re.IGNORECASE,
)
TEXT_SUFFIXES = {".md", ".py", ".toml", ".txt", ".yaml", ".yml", ".json", ".def", ".actiondef", ".connectordef"}


def tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    paths = [REPO_ROOT / name for name in listed if name]
    return [
        path
        for path in paths
        if path.is_file() and (path.suffix in TEXT_SUFFIXES or path.name == "Makefile") and path != THIS_FILE
    ]


def test_no_doc_comment_or_docstring_points_outside_the_repository():
    files = tracked_text_files()

    found = [
        f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()[:100]}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if OUTSIDE_POINTERS.search(line)
    ]

    assert len(files) > 100
    assert found == []
