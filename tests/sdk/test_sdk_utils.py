"""SiemplifyUtils: parameter extraction quirks (pitfall 8), CSV/flat helpers, clock, frozen clock.

Each table is evaluated in one SDK subprocess (see sdk_harness.probe).
"""

import time
from typing import Any

import pytest
from sdk_harness import FROZEN_NOW, FROZEN_NOW_MS, ScriptRunner, probe


def value(result: Any) -> dict[str, Any]:
    return {"value": result}


def error(type_name: str, message_part: str = "") -> tuple[str, str]:
    return (type_name, message_part)


def extracted(result: Any, type_name: str, log: list[str] | None = None) -> dict[str, Any]:
    return {"value": {"value": result, "type": type_name, "log": log or []}}


DEFAULT_LOG = "Parameter P was not found or was empty, used default {} instead"

EXTRACT_CASES = {
    "string value": ('extract({"P": "abc"}, "P")', extracted("abc", "str")),
    "no stripping (unlike TIPCommon)": ('extract({"P": " a b "}, "P")', extracted(" a b ", "str")),
    "empty string counts as missing": (
        'extract({"P": ""}, "P", default_value="d")',
        extracted("d", "str", [DEFAULT_LOG.format("d")]),
    ),
    "missing without default is None, unconverted": (
        'extract({}, "P", input_type=int)',
        extracted(None, "NoneType", [DEFAULT_LOG.format(None)]),
    ),
    "zero from the configuration counts as missing": (
        'extract({"P": 0}, "P", default_value=7, input_type=int)',
        extracted(7, "int", [DEFAULT_LOG.format(7)]),
    ),
    "empty mandatory raises": (
        'extract({"P": ""}, "P", is_mandatory=True)',
        error("Exception", "Missing mandatory parameter P"),
    ),
    "missing mandatory raises": (
        'extract({}, "P", is_mandatory=True)',
        error("Exception", "Missing mandatory parameter P"),
    ),
    "default converted with input_type": (
        'extract({}, "P", default_value=0, input_type=str)',
        extracted("0", "str", [DEFAULT_LOG.format(0)]),
    ),
    "empty default converted to int fails": ('extract({}, "P", default_value="", input_type=int)', error("ValueError")),
    "truthy default of another type raises": (
        'extract({"P": "1"}, "P", default_value=5, input_type=str)',
        error("Exception", "doesn't match expected type str"),
    ),
    "truthy int default for float raises": (
        'extract({}, "P", default_value=5, input_type=float)',
        error("Exception", "doesn't match expected type float"),
    ),
    "int conversion": ('extract({"P": "42"}, "P", input_type=int)', extracted(42, "int")),
    "int rejects decimals": ('extract({"P": "4.5"}, "P", input_type=int)', error("ValueError")),
    "float conversion": ('extract({"P": "4.5"}, "P", input_type=float)', extracted(4.5, "float")),
    "bool true any case": ('extract({"P": "TRUE"}, "P", input_type=bool)', extracted(True, "bool")),
    "bool false any case": ('extract({"P": "False"}, "P", input_type=bool)', extracted(False, "bool")),
    "bool from a real bool": ('extract({"P": True}, "P", input_type=bool)', extracted(True, "bool")),
    "bool default false": (
        'extract({}, "P", default_value=False, input_type=bool)',
        extracted(False, "bool", [DEFAULT_LOG.format(False)]),
    ),
    "bool rejects yes": ('extract({"P": "yes"}, "P", input_type=bool)', error("Exception", "P")),
    "bool rejects 1": ('extract({"P": "1"}, "P", input_type=bool)', error("Exception", "P")),
    "list decodes JSON": ('extract({"P": "[\\"a\\", \\"b\\"]"}, "P", input_type=list)', extracted(["a", "b"], "list")),
    "missing list crashes before the missing check": (
        'extract({}, "P", default_value=["x"], input_type=list)',
        error("TypeError", "must be str, bytes or bytearray, not NoneType"),
    ),
    "empty list string is not JSON": ('extract({"P": ""}, "P", input_type=list)', error("JSONDecodeError")),
    "empty JSON list takes the default": (
        'extract({"P": "[]"}, "P", default_value=["x"], input_type=list)',
        extracted(["x"], "list", [DEFAULT_LOG.format(["x"])]),
    ),
    "unsupported input_type raises": (
        'extract({"P": "x"}, "P", input_type=dict)',
        error("Exception", "input_type dict is not supported"),
    ),
    "print_value logs name and value": (
        'extract({"P": "7"}, "P", input_type=int, print_value=True)',
        extracted(7, "int", ["P: 7"]),
    ),
}

HELPER_CASES = {
    "construct_csv union of keys, commas and None": (
        'SiemplifyUtils.construct_csv([{"a": 1, "b": None}, {"b": "x,y", "c": True}])',
        value(["a,b,c", "1,,", ",x y,True"]),
    ),
    "construct_csv empty": ("SiemplifyUtils.construct_csv([])", value([])),
    "construct_csv header commas": ('SiemplifyUtils.construct_csv([{"a,b": 1}])', value(["a b", "1"])),
    "dict_to_flat nesting, lists and None": (
        'SiemplifyUtils.dict_to_flat({"a": {"b": 1, "c": [1, {"d": None}]}, "e": None, "f": [], "g": "s"})',
        value({"a_b": 1, "a_c_1": 1, "a_c_2_d": "", "e": "", "g": "s"}),
    ),
    "flat_dict_to_csv": (
        'SiemplifyUtils.flat_dict_to_csv({"a": "x,y", "b": None, "c": 3})',
        value(["Property, Value", "a,x y", "b,", "c,3"]),
    ),
    "flat pipeline": (
        'SiemplifyUtils.flat_dict_to_csv(SiemplifyUtils.dict_to_flat({"a": {"b": [1, 2]}}))',
        value(["Property, Value", "a_b_1,1", "a_b_2,2"]),
    ),
    "convert naive datetime as UTC": (
        "SiemplifyUtils.convert_datetime_to_unix_time(__import__('datetime').datetime(2026, 3, 7, 16, 3))",
        value(FROZEN_NOW_MS),
    ),
    "convert aware datetime": (
        "SiemplifyUtils.convert_datetime_to_unix_time(__import__('datetime').datetime.fromisoformat"
        "('2026-03-07T18:03:00.250+02:00'))",
        value(FROZEN_NOW_MS + 250),
    ),
    "convert ISO string with Z": (
        'SiemplifyUtils.convert_string_to_unix_time("2026-03-07T16:03:00Z")',
        value(FROZEN_NOW_MS),
    ),
    "convert string with offset": (
        'SiemplifyUtils.convert_string_to_unix_time("2026-03-07 18:03:00+02:00")',
        value(FROZEN_NOW_MS),
    ),
    "utc_now is aware UTC": ("SiemplifyUtils.utc_now().utcoffset().total_seconds()", value(0.0)),
    "stdout is swapped at import": (
        "[sys.stdout is SiemplifyUtils.override_stdout, SiemplifyUtils.real_stdout is sys.__stdout__]",
        value([True, True]),
    ),
}

FROZEN_CASES = {
    "unix_now frozen": ("SiemplifyUtils.unix_now()", value(FROZEN_NOW_MS)),
    "utc_now frozen": ("SiemplifyUtils.utc_now().isoformat()", value("2026-03-07T16:03:00+00:00")),
    "frozen twice is the same": ("SiemplifyUtils.unix_now() == SiemplifyUtils.unix_now()", value(True)),
}


def check(outcome: dict[str, Any], expected: Any) -> None:
    if isinstance(expected, tuple):
        type_name, message_part = expected
        assert outcome.get("error") == type_name, outcome
        assert message_part in outcome["message"]
    else:
        assert outcome == expected


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Any]:
    return probe([expression for expression, _ in [*EXTRACT_CASES.values(), *HELPER_CASES.values()]])


@pytest.mark.parametrize("case", EXTRACT_CASES)
def test_extract_script_param(outcomes: dict[str, Any], case: str) -> None:
    expression, expected = EXTRACT_CASES[case]
    check(outcomes[expression], expected)


@pytest.mark.parametrize("case", HELPER_CASES)
def test_helpers(outcomes: dict[str, Any], case: str) -> None:
    expression, expected = HELPER_CASES[case]
    check(outcomes[expression], expected)


@pytest.mark.parametrize("now", [FROZEN_NOW, "2026-03-07T18:03:00+02:00", "2026-03-07T16:03:00"])
def test_frozen_clock(now: str) -> None:
    results = probe([expression for expression, _ in FROZEN_CASES.values()], env={"SOAR_DEVKIT_NOW": now})
    for expression, expected in FROZEN_CASES.values():
        check(results[expression], expected)


def test_invalid_frozen_clock_fails_loudly_naming_the_variable(runner: ScriptRunner) -> None:
    run = runner.run("import SiemplifyUtils\nSiemplifyUtils.unix_now()\n", [], env={"SOAR_DEVKIT_NOW": "yesterday"})
    assert run.returncode == 1
    assert "ValueError: SOAR_DEVKIT_NOW must be an ISO 8601 instant" in run.stderr


def test_importing_the_sdk_loads_no_heavy_module() -> None:
    expression = "sorted(m for m in ('requests', 'urllib3', 'dateutil', 'http.client', 'ssl') if m in sys.modules)"
    assert probe([expression])[expression] == value([])


def test_real_clock_when_not_frozen() -> None:
    before = time.time() * 1000
    now = probe(["SiemplifyUtils.unix_now()"])["SiemplifyUtils.unix_now()"]["value"]
    # The subprocess runs between the two readings; a generous bound keeps this about the clock source only.
    assert before - 1000 <= now <= time.time() * 1000 + 1000
