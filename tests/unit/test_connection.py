"""The connection configuration: one rule per parameter for actions and the connector, secrets never shown."""

import pytest
from test_manager import API1, API2

from MimecastConnection import action_connection, connector_connection, read_connection
from MimecastExceptions import MimecastConfigurationError, MimecastError, MimecastValidationError
from MimecastManager import MimecastManager
from MimecastSecrets import Secrets

# Longer than a parameter excerpt (80 characters), as an API 1.0 Secret Key is.
LONG = "c2VjcmV0LWtleS1vZi1hLWxvbmctYmluZGluZy10aGF0LWlzLXNob3duLW5ldmVy" * 2
PROXY = {"Proxy Server Address": "http://127.0.0.1:3128", "Proxy Username": "svc"}


def read(reader, values):
    if reader == "action":
        return action_connection(values, None, Secrets())
    return connector_connection(values, Secrets())


@pytest.mark.parametrize("reader", ["action", "connector"])
@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({**API2, "Client Secret": LONG + "\ud800"}, MimecastConfigurationError),
        ({**API1, "Secret Key": LONG + "\ufffe"}, MimecastConfigurationError),
        ({**API1, "Access Key": LONG + "\ud800"}, MimecastConfigurationError),
        ({**API1, "Application Key": "\udfff" + LONG}, MimecastConfigurationError),
    ],
    ids=["client-secret-surrogate", "secret-key-noncharacter", "access-key-surrogate", "app-key-surrogate"],
)
def test_a_refused_credential_is_never_shown(reader, values, error):
    with pytest.raises(error) as raised:
        MimecastManager(read(reader, values))  # the API 1.0 signer decodes the Secret Key
    assert LONG[:12] not in str(raised.value)


@pytest.mark.parametrize("password", [LONG + "\ufdd0", LONG + "\ud800", "пароль" + LONG])
def test_a_refused_proxy_password_is_never_shown(password):
    with pytest.raises(MimecastValidationError) as raised:
        connector_connection({**API2, **PROXY, "Proxy Password": password}, Secrets())
    assert str(raised.value) == (
        '"Proxy Password" holds characters a proxy cannot receive (HTTP Basic authentication carries Latin-1 '
        "characters only)."
    )


@pytest.mark.parametrize("reader", ["action", "connector"])
@pytest.mark.parametrize(("value", "expected"), [(None, True), ("", True), ("  ", True), ("FALSE", False)])
def test_verify_ssl_has_one_rule(reader, value, expected):
    assert read(reader, {**API2, "Verify SSL": value}).verify_ssl is expected


@pytest.mark.parametrize("reader", ["action", "connector"])
def test_an_unreadable_verify_ssl_is_refused_by_name(reader):
    with pytest.raises(
        MimecastValidationError, match=r'^Invalid value for "Verify SSL": "maybe"\. Use true or false\.$'
    ):
        read(reader, {**API2, "Verify SSL": "maybe"})


@pytest.mark.parametrize("reader", ["action", "connector"])
@pytest.mark.parametrize("root", [None, "", "   "])
def test_an_empty_api_root_is_the_default(reader, root):
    assert read(reader, {**API2, "API Root": root}).api_root == "https://api.services.mimecast.com"


def test_every_secret_is_in_the_registry_before_anything_is_checked():
    secrets = Secrets()
    with pytest.raises(MimecastError):
        read_connection({**API1, "Access Key": "", "Client Secret": "api2-secret-9"}, secrets)
    assert {API1["Secret Key"], "api2-secret-9", API1["Application Key"]} <= set(secrets.values())
    connector_connection({**API2, **PROXY, "Proxy Password": "p/w d"}, secrets)
    assert {"p/w d", "p%2Fw%20d", "p/w%20d"} <= set(secrets.values())
