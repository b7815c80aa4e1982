"""The YAML subset of resources/ai/: what the devkit writes, it reads back; what it cannot read, it names by line."""

import pytest

from devkit import REPO_ROOT
from devkit.builtformat import ACTIONS_AI_FILE, YamlSubsetError, dump_yaml, load_yaml


def test_a_document_reads_back_as_written():
    document = {
        "Block Sender": {
            "ai_description": "### General\nBlocks a sender.\n\n### Flow\n1. Calls: Mimecast # not a comment",
            "ai_short_description": 'Blocks "one" sender: for one recipient.',
            "nested": {"flag": True, "none": None, "count": 3, "types": [], "empty": {}, "list": ["a", "b"]},
        },
        "Ping": {"text": " leading space\nkept", "trailing": "line \nwith trailing space"},
    }

    text = dump_yaml(document, header="A header\non two lines")

    assert text.startswith("# A header\n# on two lines\nBlock Sender:\n  ai_description: |-\n    ### General\n")
    assert load_yaml(text) == document


def test_text_that_a_literal_block_cannot_hold_is_written_as_a_json_string():
    text = dump_yaml({"key": " leading space\nkept"})

    assert text == 'key: " leading space\\nkept"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Ping:\n   ai: true\n", "line 2: unexpected indentation (expected 2 spaces)"),
        ("Ping:\n\tai: true\n", "line 2: tabs cannot indent YAML"),
        ("Ping:\n  ai: yes please\n", "line 2: 'yes please' is not a JSON literal or |- block"),
        ("Ping:\n  ai: true\n  ai: false\n", "line 3: duplicate key 'ai'"),
        ("- Ping\n", 'line 1: expected "key: value" or "key:"'),
        ("yes: true\n", "line 1: 'yes' is not a plain key"),
        ("Ping:\n  ai: |-\n      indented more\n", "line 3: a |- block starts at indentation 4"),
    ],
)
def test_text_outside_the_subset_is_refused_naming_the_line(text, message):
    with pytest.raises(YamlSubsetError) as error:
        load_yaml(text)

    assert str(error.value) == message


def test_keys_the_subset_cannot_write_are_refused():
    with pytest.raises(ValueError, match="'no' cannot be a plain YAML key"):
        dump_yaml({"no": True})


def test_the_shipped_ai_metadata_is_in_the_canonical_form_the_devkit_writes():
    text = (REPO_ROOT / ACTIONS_AI_FILE).read_text()
    header = "\n".join(line[2:] for line in text.splitlines() if line.startswith("# "))

    assert dump_yaml(load_yaml(text), header=header) == text
