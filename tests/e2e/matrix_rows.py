"""The rows of the hardening matrices: one set per action, found by naming convention, never listed by hand.

The actions are the scripts in ActionsScripts/ (their specs, read as `python -m devkit generate` reads them).
The test data of ActionsScripts/<Stem>.py is tests/e2e/actions/<Stem>.py:

* CASES: its ActionCase rows. The fault matrix (test_e2e_fault_matrix.py) and the secrets tests
  (test_e2e_secrets.py) run every one of them.
* REFUSED and ACCEPTED: its cells of the bad-input matrix (test_e2e_bad_input_matrix.py), written with
  bad_input.refused / bad_input.accepted.

An action without them is a gap (test_e2e_matrix_completeness.py fails naming it), never a silent omission.
"""

import dataclasses
import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from action_cases import ActionCase

from devkit import REPO_ROOT
from devkit.specs import read_specs

TEST_DATA_DIR = Path(__file__).resolve().parent / "actions"


@dataclass(frozen=True)
class Matrix:
    cases: tuple[ActionCase, ...] = ()
    refused: tuple[Any, ...] = ()
    accepted: tuple[Any, ...] = ()
    # One sentence per action whose rows are missing or wrong, naming it.
    gaps: list[str] = field(default_factory=list)


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"matrix_rows_of_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _bound(cell: Any, cases: Mapping[str, ActionCase]) -> Any:
    """A bad-input cell whose case is the action's (its stem and name set)."""
    case, *rest = cell.values
    return cell._replace(values=(cases[case.id], *rest))


def matrix(actions: Mapping[str, Mapping[str, Any]], test_data: Path = TEST_DATA_DIR) -> Matrix:
    """Every action's rows; `actions` are the specs by script stem (devkit.specs.Specs.actions)."""
    cases: list[ActionCase] = []
    refused: list[Any] = []
    accepted: list[Any] = []
    gaps: list[str] = []
    owners: dict[str, str] = {}
    for stem, spec in sorted(actions.items()):
        name, where = spec["name"], f"{test_data.name}/{stem}.py"
        path = test_data / f"{stem}.py"
        if not path.is_file():
            gaps.append(
                f'"{name}" (ActionsScripts/{stem}.py) has no rows in the hardening matrices: add {where} with its '
                "CASES (fault and secrets matrices) and its REFUSED and ACCEPTED cells (bad-input matrix)"
            )
            continue
        module = _load(path)
        own = {case.id: dataclasses.replace(case, stem=stem, action=name) for case in getattr(module, "CASES", ())}
        cells = {"REFUSED": getattr(module, "REFUSED", ()), "ACCEPTED": getattr(module, "ACCEPTED", ())}
        if not own:
            gaps.append(f'"{name}": {where} has no CASES, so the fault and secrets matrices never run it')
        if spec["params"] and not any(cells.values()):
            gaps.append(f'"{name}": {where} has no REFUSED or ACCEPTED cells, so no bad input reaches its parameters')
        declared = {param["name"] for param in spec["params"]}
        for kind, found in cells.items():
            for cell in found:
                if cell.values[0].id not in own:
                    gaps.append(f'"{name}": {kind} cell {cell.id} runs a case that is not in {where} CASES')
                    continue
                unknown = sorted(set(cell.values[1]) - declared)
                if unknown:
                    gaps.append(f'"{name}": {kind} cell {cell.id} sets {", ".join(unknown)}, which it does not declare')
        for case_id in own:
            if case_id in owners:
                gaps.append(f'"{name}": its case {case_id} has the id of a case of "{owners[case_id]}"')
            owners.setdefault(case_id, name)
        cases += own.values()
        refused += [_bound(cell, own) for cell in cells["REFUSED"] if cell.values[0].id in own]
        accepted += [_bound(cell, own) for cell in cells["ACCEPTED"] if cell.values[0].id in own]
    for path in sorted(test_data.glob("*.py")):
        if path.stem not in actions:
            gaps.append(f"{test_data.name}/{path.name}: no ActionsScripts/{path.name} declares that action")
    return Matrix(tuple(cases), tuple(refused), tuple(accepted), gaps)


MATRIX = matrix(read_specs(REPO_ROOT).actions)
CASES = MATRIX.cases
READS = tuple(case for case in CASES if not case.write)
WRITES = tuple(case for case in CASES if case.write)
# Report Message and Release To Sandbox exist only in API 1.0: API 2.0 faults cannot reach them.
API2_CASES = tuple(case for case in CASES if case.api == "api2")


def by_id(*ids: str) -> list[ActionCase]:
    """The cases with these ids, in this order: rows a test picks by what they are, never by position."""
    found = {case.id: case for case in CASES}
    return [found[case_id] for case_id in ids]
