"""Every action has rows in the fault, bad-input and secrets matrices: an action left out is named, not skipped.

The actions are found in ActionsScripts/ and their rows in tests/e2e/actions/<Stem>.py (matrix_rows.py). These
tests run no action: they check the rows, in a copy of the repository where an action has been added.
"""

from pathlib import Path

import pytest
from matrix_rows import CASES, MATRIX, TEST_DATA_DIR, matrix
from suite_helpers import repository_copy

from devkit import REPO_ROOT
from devkit.specs import read_specs

THROWAWAY_SCRIPT = """
from MimecastSpecs import ActionSpec, ParamSpec

SPEC = ActionSpec("Throwaway Action", params=(ParamSpec("Mailbox"),))
"""
THROWAWAY_ROWS = """
from action_cases import ActionCase
from bad_input import mandatory, refused

CASE = ActionCase("ThrowawayAction", "/api/throwaway", "Account | Dashboard | Read", dict, str)
CASES = (CASE,)
REFUSED = [refused(CASE, "Mailbox", "empty", "", mandatory("Mailbox"))]
ACCEPTED = []
"""
NO_ROWS = (
    '"Throwaway Action" (ActionsScripts/ThrowawayAction.py) has no rows in the hardening matrices: add '
    "actions/ThrowawayAction.py with its CASES (fault and secrets matrices) and its REFUSED and ACCEPTED cells "
    "(bad-input matrix)"
)


@pytest.fixture
def actions(tmp_path: Path) -> dict:
    """The repository's actions and a throwaway one, as a copy of the repository with its script declares them."""
    root = repository_copy(tmp_path / "repository")
    (root / "ActionsScripts" / "ThrowawayAction.py").write_text(THROWAWAY_SCRIPT)
    specs = read_specs(root)
    assert specs.problems == []
    return specs.actions


@pytest.fixture
def test_data(tmp_path: Path) -> Path:
    """A copy of the repository's test data, to which a test adds the throwaway action's."""
    folder = tmp_path / "actions"
    folder.mkdir()
    for path in TEST_DATA_DIR.glob("*.py"):
        (folder / path.name).write_text(path.read_text())
    return folder


def test_every_action_of_the_repository_has_rows_in_every_matrix():
    assert MATRIX.gaps == []
    stems = set(read_specs(REPO_ROOT).actions)
    assert {case.stem for case in CASES} == stems, "every action runs in the fault and secrets matrices"
    with_cells = {cell.values[0].stem for cell in (*MATRIX.refused, *MATRIX.accepted)}
    assert with_cells == stems - {"Ping"}, "every action with parameters gets bad input (Ping has none)"


def test_an_action_without_test_data_is_named(actions):
    found = matrix(actions)

    assert found.gaps == [NO_ROWS]
    assert "Throwaway Action" not in {case.action for case in found.cases}


def test_an_action_with_its_test_data_has_rows_in_every_matrix(actions, test_data):
    (test_data / "ThrowawayAction.py").write_text(THROWAWAY_ROWS)

    found = matrix(actions, test_data)

    assert found.gaps == []
    [case] = [case for case in found.cases if case.action == "Throwaway Action"]
    assert case.stem == "ThrowawayAction" and case.failure_prefix().startswith('Error executing action "Throwaway')
    assert [cell.id for cell in found.refused if cell.values[0] is case] == ["ThrowawayAction-Mailbox-empty"]


@pytest.mark.parametrize(
    ("rows", "gap"),
    [
        (
            THROWAWAY_ROWS.replace("CASES = (CASE,)", "CASES = ()"),
            '"Throwaway Action": actions/ThrowawayAction.py has no CASES, so the fault and secrets matrices never '
            "run it",
        ),
        (
            THROWAWAY_ROWS.replace(
                'REFUSED = [refused(CASE, "Mailbox", "empty", "", mandatory("Mailbox"))]', "REFUSED = []"
            ),
            '"Throwaway Action": actions/ThrowawayAction.py has no REFUSED or ACCEPTED cells, so no bad input reaches '
            "its parameters",
        ),
        (
            THROWAWAY_ROWS.replace('refused(CASE, "Mailbox"', 'refused(CASE, "Mailboxes"'),
            '"Throwaway Action": REFUSED cell ThrowawayAction-Mailboxes-empty sets Mailboxes, which it does not '
            "declare",
        ),
        (
            THROWAWAY_ROWS.replace('ActionCase("ThrowawayAction"', 'ActionCase("Ping"'),
            '"Throwaway Action": its case Ping has the id of a case of "Ping"',
        ),
    ],
    ids=["no cases", "no bad input", "undeclared parameter", "duplicate case id"],
)
def test_test_data_without_rows_for_a_matrix_is_named(actions, test_data, rows, gap):
    (test_data / "ThrowawayAction.py").write_text(rows)

    found = matrix(actions, test_data)

    assert gap in found.gaps


def test_test_data_of_an_action_that_no_script_declares_is_named(test_data):
    (test_data / "ThrowawayAction.py").write_text(THROWAWAY_ROWS)

    found = matrix(read_specs(REPO_ROOT).actions, test_data)

    assert found.gaps == ["actions/ThrowawayAction.py: no ActionsScripts/ThrowawayAction.py declares that action"]
