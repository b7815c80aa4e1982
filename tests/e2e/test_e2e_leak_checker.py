"""The leak check every e2e run goes through must itself catch leaks."""

from types import SimpleNamespace

import pytest
from conftest import assert_no_secret_leak

CONFIG = {"Client ID": "id", "Client Secret": "s3cr3t-value", "Proxy Password": "pw-1234"}


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


def test_clean_output_passes():
    assert_no_secret_leak(fake_run(stdout="Client ID id is fine"), CONFIG)
