"""TLS mode: a certificate from a generated CA; clients verify against the CA file or fail verification."""

import ssl
from pathlib import Path

import pytest
import requests
from simtest_helpers import GET_ACCOUNT, TIMEOUT, fetch_token

from simulator import Simulator
from simulator.client import SimulatorClient


@pytest.fixture(scope="module")
def tls_sim():
    with Simulator(port=0, tls=True) as sim:
        yield sim


def test_url_is_https_and_the_ca_file_is_a_pem_certificate(tls_sim):
    assert tls_sim.url.startswith("https://127.0.0.1:")
    assert Path(tls_sim.ca_file).read_text().startswith("-----BEGIN CERTIFICATE-----")


def test_verification_against_the_ca_succeeds(tls_sim):
    token = fetch_token(tls_sim.url, verify=tls_sim.ca_file)
    assert token.status_code == 200
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    response = requests.post(
        tls_sim.url + GET_ACCOUNT, json={"data": []}, headers=headers, verify=tls_sim.ca_file, timeout=TIMEOUT
    )
    assert response.status_code == 200


def test_certificate_is_valid_for_localhost_too(tls_sim):
    url = tls_sim.url.replace("127.0.0.1", "localhost")
    assert fetch_token(url, verify=tls_sim.ca_file).status_code == 200


def test_default_verification_fails(tls_sim):
    with pytest.raises(requests.exceptions.SSLError) as failure:
        fetch_token(tls_sim.url)
    assert "CERTIFICATE_VERIFY_FAILED" in str(failure.value)


def test_a_failed_handshake_does_not_stop_the_server(tls_sim):
    with pytest.raises(requests.exceptions.SSLError):
        fetch_token(tls_sim.url)
    assert fetch_token(tls_sim.url, verify=tls_sim.ca_file).status_code == 200


def test_admin_client_verifies_with_the_ca(tls_sim):
    with SimulatorClient(tls_sim.url, ca_file=tls_sim.ca_file) as admin:
        assert admin.health()["status"] == "ok"


def test_ca_file_can_be_chosen(tmp_path):
    target = tmp_path / "certs" / "sim-ca.pem"
    with Simulator(port=0, tls=True, ca_file=target) as sim:
        assert sim.ca_file == str(target)
        context = ssl.create_default_context(cafile=str(target))
        assert context.cert_store_stats()["x509_ca"] == 1
        assert fetch_token(sim.url, verify=str(target)).status_code == 200
