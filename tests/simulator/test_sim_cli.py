"""`python -m simulator`: prints one ready line, serves, and stops cleanly on SIGTERM / SIGINT."""

import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from simtest_helpers import REPO_ROOT, fetch_token

from simulator.client import SimulatorClient

READY = re.compile(r"^Mimecast simulator listening on (https?://127\.0\.0\.1:\d+)$")


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "simulator", "--port", "0", *args],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_ready_line(process: subprocess.Popen) -> tuple[list[str], str]:
    lines = []
    while True:
        line = process.stdout.readline()
        assert line, f"simulator exited early: {process.stderr.read()}"
        lines.append(line.rstrip("\n"))
        match = READY.match(lines[-1])
        if match:
            return lines, match.group(1)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_cli_serves_and_stops_on_signal(signum):
    process = start("--seed", "3", "--rate-limit", "5/1000", "--token-ttl", "90", "--clock-offset", "10")
    try:
        lines, url = read_ready_line(process)
        assert lines == [f"Mimecast simulator listening on {url}"]
        assert fetch_token(url).json()["expires_in"] == 90
        with SimulatorClient(url) as admin:
            config = admin.config()
        assert config["seed"] == 3
        assert config["faults"]["rate_limit"]["limit"] == 5
    finally:
        process.send_signal(signum)
        out, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "Mimecast simulator stopped" in out


def test_cli_tls_writes_the_ca_file(tmp_path: Path):
    ca_file = tmp_path / "ca.pem"
    process = start("--tls", "--ca-file", str(ca_file), "--fault", '{"kind": "http_error", "status": 502}')
    try:
        lines, url = read_ready_line(process)
        assert lines == [f"CA certificate written to {ca_file}", f"Mimecast simulator listening on {url}"]
        assert url.startswith("https://")
        assert fetch_token(url, verify=str(ca_file)).status_code == 502
        assert fetch_token(url, verify=str(ca_file)).status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)
    assert process.returncode == 0


def test_cli_rejects_a_bad_rate_limit():
    process = start("--rate-limit", "lots")
    _, err = process.communicate(timeout=10)
    assert process.returncode == 2
    assert "LIMIT/WINDOW_MS" in err
