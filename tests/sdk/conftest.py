"""Fixtures for the SDK stand-in conformance tests (helpers live in sdk_harness)."""

from pathlib import Path

import pytest
from sdk_harness import ScriptRunner


@pytest.fixture
def runner(tmp_path: Path) -> ScriptRunner:
    return ScriptRunner(tmp_path)
