"""SOAR_DEVKIT_CRASH: the devkit's way to kill a script at a chosen point, for the exactly-once tests."""

import pytest
from sdk_harness import ScriptRunner

BODY = """
siemplify.LOGGER.info("one")
siemplify.set_connector_context_property("conn-1", "a", "1")
siemplify.LOGGER.info("two")
siemplify.set_connector_context_property("conn-1", "b", "2")
siemplify.return_package([])
siemplify.LOGGER.info("three")
"""


def written(runner: ScriptRunner) -> dict:
    try:
        return runner.read_store("context.json").get("4", {}).get("conn-1", {})
    except FileNotFoundError:
        return {}


def test_without_the_variable_nothing_happens(runner: ScriptRunner) -> None:
    run = runner.connector(BODY)
    assert run.returncode == 0 and written(runner) == {"a": "1", "b": "2"}


@pytest.mark.parametrize(
    ("point", "keys", "packaged"),
    [
        ("log", {}, False),
        ("log:2", {"a": "1"}, False),
        ("before_context_write", {}, False),
        ("before_context_write:2", {"a": "1"}, False),
        ("after_context_write:2", {"a": "1", "b": "2"}, False),
        ("return_package", {"a": "1", "b": "2"}, True),
    ],
)
def test_the_process_dies_with_exit_1_at_the_named_point(runner: ScriptRunner, point, keys, packaged) -> None:
    run = runner.connector(BODY, env={"SOAR_DEVKIT_CRASH": point})

    assert run.returncode == 1
    assert written(runner) == keys
    assert bool(run.stdout) is packaged
    if packaged:
        assert run.result_object["cases"] == [], "the package was written completely before the crash"
    assert "three" not in run.stdout


def test_an_unknown_point_is_refused(runner: ScriptRunner) -> None:
    run = runner.connector(BODY, env={"SOAR_DEVKIT_CRASH": "sometime"})
    assert run.returncode == 1
    assert "SOAR_DEVKIT_CRASH must name one of log, return_package" in run.stderr
