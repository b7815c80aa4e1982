"""Unit tests import the shipped Managers by bare module name, as the platform does (never the SDK)."""

import sys
from pathlib import Path

import pytest

MANAGERS = Path(__file__).resolve().parents[2] / "Managers"
if str(MANAGERS) not in sys.path:
    sys.path.insert(0, str(MANAGERS))


@pytest.fixture
def clock():
    """Clocks that advance only when the Manager sleeps (test_manager.FakeClock)."""
    from test_manager import FakeClock

    return FakeClock()
