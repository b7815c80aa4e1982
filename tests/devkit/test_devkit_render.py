"""Readable output: text tables, masking and redaction of secrets."""

import pytest

from devkit.render import MASK, masked_configuration, redact, text_table, url_credentials, without_credentials


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
