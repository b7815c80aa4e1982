"""The leak check every run of a shipped script goes through must itself catch leaks."""

import json
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from suite_helpers import assert_no_secret_leak

CONFIG = {"Client ID": "id", "Client Secret": "s3cr3t-value", "Proxy Password": "pw-1234"}
LONG_SECRET = "gJj78paLDaitu5dHDahOFaYWvpPuYxiUKeq1XXgaTfncaGdomrtxx3Y9NcRCrM7e72y5DXVwCPnInq6+sxJgww=="


def fake_run(stdout="", stderr="", log_path=None):
    return SimpleNamespace(stdout=stdout, stderr=stderr, log_path=log_path)


@pytest.mark.parametrize(
    "leak",
    ["s3cr3t-value", "pw-1234", "simtok-abcdef", "Authorization: MC key:sig", "Bearer xyz"],
)
def test_leaks_in_stdout_stderr_or_log_file_are_caught(tmp_path, leak):
    log = tmp_path / "script.log"
    log.write_text(f"line {leak}\n")
    for run in (fake_run(stdout=leak), fake_run(stderr=leak), fake_run(log_path=log)):
        with pytest.raises(AssertionError, match="leaked"):
            assert_no_secret_leak(run, CONFIG)


@pytest.mark.parametrize(
    ("configured", "shown"),
    [
        ("sécret-välue", json.dumps({"DebugOutput": "token sécret-välue\n"})),  # \u-escaped in raw stdout
        (LONG_SECRET, json.dumps({"ResultObjectJson": json.dumps({"JsonResult": {"RawJson": LONG_SECRET}})})),
        (LONG_SECRET, f"client_secret={quote(LONG_SECRET, safe='')}"),
        (LONG_SECRET, f"Error near {LONG_SECRET[:40]}…"),
    ],
    ids=["escaped in the output object", "nested in the JSON result", "URL-encoded", "cut off"],
)
def test_leaks_in_any_form_are_caught(configured, shown):
    with pytest.raises(AssertionError, match="leaked"):
        assert_no_secret_leak(fake_run(stdout=shown), {"Secret Key": configured})


def test_the_simulator_credentials_are_caught_whatever_the_configuration():
    with pytest.raises(AssertionError, match="leaked"):
        assert_no_secret_leak(fake_run(stderr="sim-client-secret-9d2e6f4a8b1c5e7d"), {})


def test_clean_output_passes():
    assert_no_secret_leak(fake_run(stdout="Client ID id is fine"), CONFIG)
