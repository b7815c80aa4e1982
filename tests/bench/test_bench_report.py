"""The benchmark's arithmetic and RESULTS.md rendering (no timing is measured or asserted here)."""

import json
from pathlib import Path

import pytest

from bench.cli import parse_args, reproduce_command
from bench.connector import NEEDED_PARAMETERS, connector_absent
from bench.report import (
    Report,
    Row,
    errored,
    fmt,
    less_than_linear,
    ours_at_most,
    ours_equal,
    ratio,
    ratio_at_least,
    ratio_at_most,
    render,
    requests_bound,
    skipped,
)


def test_ratio_is_ours_over_baseline_and_missing_when_it_cannot_be_computed():
    assert ratio(30.0, 6.0) == 5.0
    assert ratio(4, 20) == 0.2
    assert ratio(None, 6.0) is None
    assert ratio(3.0, None) is None
    assert ratio(3.0, 0) is None


@pytest.mark.parametrize(("emails", "bound"), [(50, 2), (500, 2), (501, 3), (2000, 5), (2001, 6)])
def test_archive_request_bound_is_pages_of_the_largest_size_plus_one(emails, bound):
    assert requests_bound(emails, 500) == bound


def test_less_than_linear_judges_what_is_above_the_floor():
    # 10x the backlog: 30 -> 60 MiB above a 25 MiB floor is 5 -> 35, i.e. 7x: less than linear.
    assert less_than_linear(30.0, 60.0, 25.0, 10)
    # 5 -> 55 above the floor is exactly 10x: not less than linear.
    assert not less_than_linear(30.0, 80.0, 25.0, 10)


def test_goals_decide_met_and_a_row_without_figure_or_goal_meets_nothing():
    assert Row("s", "speed", 30.0, 6.0, goal=ratio_at_least(5)).met is True
    assert Row("s", "speed", 29.0, 8.6, goal=ratio_at_least(5)).met is False
    assert Row("s", "start-up", 300.0, 200.0, goal=ratio_at_most(1.5)).met is True
    assert Row("s", "start-up", 301.0, 200.0, goal=ratio_at_most(1.5)).met is False
    assert Row("s", "requests", 5, 20, goal=ours_at_most(5)).met is True
    assert Row("s", "requests", 6, 20, goal=ours_at_most(5)).met is False
    assert Row("s", "429s", 0, 3, goal=ours_equal(0)).met is True
    assert Row("s", "429s", 1, 0, goal=ours_equal(0)).met is False
    assert Row("s", "runs", 10, 10).met is None
    assert skipped("s", "connector not present").met is None


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "—"), (1, "1"), (1000, "1,000"), (1.0, "1.00"), (29.43, "29.4"), (0.1184, "0.118"), (233.4, "233")],
)
def test_numbers_are_shown_whole_or_with_three_significant_digits(value, text):
    assert fmt(value) == text


def rendered_rows(text: str) -> list[list[str]]:
    table = [line for line in text.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in table[1:]]


def test_results_table_shows_figures_ratio_goal_and_whether_it_is_met():
    report = Report()
    report.add(
        [
            Row("Connector throughput", "messages per second", 29.4, 8.64, unit="msg/s", goal=ratio_at_least(5)),
            Row("Archive search cost", "2,000 emails: search requests", 4, 20, goal=ours_at_most(5)),
            Row("Archive search cost", "2,000 emails: wall time", 0.684, 2.58, unit="s"),
        ]
    )
    rows = rendered_rows(render(report))
    assert rows[0] == [
        "Connector throughput",
        "messages per second",
        "29.4 msg/s",
        "8.64 msg/s",
        "3.40x",
        "ratio ≥ 5",
        "**no**",
    ]
    assert rows[1] == ["Archive search cost", "2,000 emails: search requests", "4", "20", "0.200x", "≤ 5", "yes"]
    assert rows[2][-2:] == ["—", "—"]


def test_skipped_and_failed_scenarios_say_why_in_the_table():
    report = Report()
    report.add([skipped("Connector throughput", "connector not present (ConnectorsScripts/ has no connector script)")])
    report.add([errored("Memory", "RuntimeError: Ping did not complete | exit 1")])
    rows = rendered_rows(render(report))
    assert rows[0][1] == "skipped: connector not present (ConnectorsScripts/ has no connector script)"
    assert rows[0][-1] == "skipped"
    # A "|" in a reason must not break the table.
    assert rows[1][1] == "error: RuntimeError: Ping did not complete \\| exit 1"
    assert rows[1][-1] == "error"


def test_results_page_lists_the_machine_settings_commands_and_notes():
    report = Report(
        machine={"CPUs": "2"},
        settings={"Simulator latency per call": "100 ms"},
        commands=["make bench"],
    )
    report.add([Row("Action start-up", "Ping", 233.0, 169.0, unit="ms")], "Action start-up", ["* Baseline: requests."])
    text = render(report)
    assert "* CPUs: 2" in text
    assert "* Simulator latency per call: 100 ms" in text
    assert "```sh\nmake bench\n```" in text
    assert "## Action start-up\n\n* Baseline: requests." in text


def test_command_line_rejects_unknown_scenarios_and_bad_rate_limits(capsys):
    with pytest.raises(SystemExit):
        parse_args(["--only", "archive,nope"])
    assert "--only takes connector, archive, startup, memory" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse_args(["--rate-limit", "fast"])
    assert "LIMIT/WINDOW_MS" in capsys.readouterr().err


def test_reproduce_command_spells_out_the_settings_used():
    command = reproduce_command(parse_args(["--latency-ms", "50", "--only", "archive,startup"]))
    assert command.startswith(".venv/bin/python -m bench --latency-ms 50 --rate-limit 1000/10000 ")
    assert command.endswith("--only archive,startup")
    assert "--connector-concurrency" not in command


def write_connector(root: Path, parameters: list[str]) -> None:
    (root / "ConnectorsScripts").mkdir(parents=True)
    (root / "ConnectorsScripts" / "TrackingConnector.py").write_text("")
    (root / "ConnectorsDefinitions").mkdir()
    definition = {"Name": "Tracking", "Parameters": [{"Name": name, "DefaultValue": "4"} for name in parameters]}
    (root / "ConnectorsDefinitions" / "TrackingConnector.connectordef").write_text(json.dumps(definition))


def test_connector_scenarios_are_skipped_without_a_connector(tmp_path):
    assert connector_absent(tmp_path) == "connector not present (ConnectorsScripts/ has no connector script)"


def test_connector_scenarios_name_the_parameters_the_connector_lacks(tmp_path):
    write_connector(tmp_path, [name for name in NEEDED_PARAMETERS if name != "Concurrent Detail Requests"])
    assert "'Concurrent Detail Requests'" in connector_absent(tmp_path)
