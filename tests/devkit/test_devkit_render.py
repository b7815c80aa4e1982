"""Readable output: text tables, masking and redaction of secrets."""

from devkit.render import MASK, masked_configuration, redact, text_table


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
