"""Readable output: text tables, masking and redaction of secrets."""

import pytest

from devkit.render import (
    MASK,
    format_connector_run,
    masked_configuration,
    priority_label,
    redact,
    text_table,
    url_credentials,
    without_credentials,
)
from devkit.runner import ConnectorRun


def test_text_table_aligns_columns_from_all_rows():
    table = text_table([{"id": "a", "size": "1"}, {"id": "bbbb", "extra": "x"}])

    assert table.splitlines() == [
        "+------+------+-------+",
        "| id   | size | extra |",
        "+------+------+-------+",
        "| a    | 1    |       |",
        "| bbbb |      | x     |",
        "+------+------+-------+",
    ]


def test_rows_too_wide_for_the_terminal_become_one_block_per_row(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    rows = [{"subject": "Quarterly report", "from": "alice@example.com", "to": "bob@example.com"}]

    assert text_table(rows).splitlines() == [
        "[1]",
        "  subject : Quarterly report",
        "  from    : alice@example.com",
        "  to      : bob@example.com",
    ]


def test_long_and_multi_line_cells_are_shortened():
    table = text_table([{"body": "line one\nline two " + "x" * 100}])

    assert f"| line one line two {'x' * 39}... |" in table


def test_empty_table_says_so():
    assert text_table([]) == "(no rows)"


def test_secret_properties_are_masked_but_empty_ones_stay_visible():
    configuration = {"Client ID": "id-1", "Client Secret": "abc-secret", "Secret Key": ""}

    assert masked_configuration(configuration, {"Client Secret", "Secret Key"}) == {
        "Client ID": "id-1",
        "Client Secret": MASK,
        "Secret Key": "",
    }


def test_redact_replaces_every_occurrence_of_each_secret():
    text = "token=abcdef123 again abcdef123 and key=zz"

    assert redact(text, ["abcdef123", "zz", ""]) == f"token={MASK} again {MASK} and key=zz"


@pytest.mark.parametrize(
    ("value", "shown", "credentials"),
    [
        ("https://svc-user:pa55-w0rd@tenant.example.com", "https://tenant.example.com", {"svc-user", "pa55-w0rd"}),
        ("https://svc-user:pa55-w0rd@host:8443/api?x=1", "https://host:8443/api?x=1", {"svc-user", "pa55-w0rd"}),
        ("HTTP://svc-user@host", "HTTP://host", {"svc-user"}),
        ("https://svc-user:p@ss@word@host/x", "https://host/x", {"svc-user", "p@ss@word"}),
        (
            "https://svc%2Duser:p%40ss%2Fw0rd@host",
            "https://host",
            {"svc%2Duser", "svc-user", "p%40ss%2Fw0rd", "p@ss/w0rd"},
        ),
        ("  https://svc-user:pa55-w0rd@host  ", "  https://host  ", {"svc-user", "pa55-w0rd"}),
        ("//svc-user:pa55-w0rd@host", "//host", {"svc-user", "pa55-w0rd"}),
        ("svc-user:pa55-w0rd@host:8080", "host:8080", {"svc-user", "pa55-w0rd"}),
        ("https://tenant.example.com/a@b", "https://tenant.example.com/a@b", set()),
        ("https://tenant.example.com", "https://tenant.example.com", set()),
        ("alice@example.com", "alice@example.com", set()),
        (True, True, set()),
    ],
)
def test_urls_are_shown_without_their_credentials(value, shown, credentials):
    assert without_credentials(value) == shown
    assert set(url_credentials(value)) == credentials


TRACKING_ID = "eNpNEfcUkOl5umz7rldRQKjYBnG_wjgBd2s2XpC9xc3rO00R9xSQ6Xm6bVd7Kw4mP0s2Fh1qLtA9YcZr8uJ5nE3xWb"


@pytest.mark.parametrize("columns", ["120", "40"], ids=["boxed", "one-block-per-row"])
@pytest.mark.parametrize("column", ["Ticket ID", "held_message_id", "id", "Message ID", "held_message_ids"])
def test_identifier_columns_are_never_shortened(monkeypatch, columns, column):
    monkeypatch.setenv("COLUMNS", columns)

    table = text_table([{column: TRACKING_ID, "Subject": "s" * 100}])

    assert TRACKING_ID in table
    assert f"{'s' * 57}..." in table


@pytest.mark.parametrize(
    ("priority", "shown"),
    [
        (-1, "Informational (value -1)"),
        (40, "Low (value 40)"),
        (60, "Medium (value 60)"),
        (80, "High (value 80)"),
        (100, "Critical (value 100)"),
        ("-1", "Informational (value -1)"),
        (17, "value 17 (not a SOAR priority)"),
        (None, ""),
    ],
)
def test_priorities_are_shown_by_name_with_their_value(priority, shown):
    assert priority_label(priority) == shown


def test_the_connector_table_shows_whole_ticket_ids_and_named_priorities(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    alerts = [
        {"name": "Held Message", "ticket_id": TRACKING_ID, "priority": -1, "environment": "Acme", "events": [{}]},
        {"name": "Held Message", "ticket_id": "t-2", "priority": 80, "environment": "Acme", "events": [{}, {}]},
    ]
    run = ConnectorRun(exit_code=0, stdout="{}", stderr="", output={}, context={}, alerts=alerts)

    text = format_connector_run(run)

    assert f"| Held Message | {TRACKING_ID} | Informational (value -1) | Acme        | 1      |" in text
    assert "| High (value 80)          |" in text
    assert "| -1 " not in text
