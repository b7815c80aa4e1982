import base64
import re

import pytest
import requests

from MimecastAuth import (
    TOKEN_EXPIRY_MARGIN_S,
    Api1HmacAuth,
    CachedToken,
    TokenCache,
    api1_signature,
    choose_credentials,
    mimecast_date,
)
from MimecastConstants import AUTH_API1, AUTH_API2, NO_AUTH_MESSAGE
from MimecastExceptions import MimecastConfigurationError

# A worked HMAC-SHA1 example with synthetic credentials, cross-checked with `openssl dgst -sha1 -hmac`.
SECRET = "bWltZWNhc3QtdW5pdC10ZXN0LXNlY3JldC1rZXktYnl0ZXMtMDEyMzQ1Njc4OQ=="
APP_KEY = "c0ffee00-1234-4abc-8def-0123456789ab"
DATE = "Tue, 24 Nov 2015 12:50:11 UTC"
REQ_ID = "8578FCFC-A305-4D9A-99CB-F4D5ECEFE297"


@pytest.mark.parametrize(
    ("secret", "path", "signature"),
    [
        (SECRET, "/api/account/get-account", "V72ZGWccB6fkaDmK85sKpLsgNhA="),
        (SECRET, "/api/archive/search", "lEvIFJ4I/ngZChupZ0GW3tamrNI="),
        (SECRET, "/api/gateway/hold-release", "zp+I8TpCgLw1IhdcbLFSVV3lh6I="),
        (
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==",
            "/api/account/get-account",
            "UXjj/2vOeuYVNup0roCRlp9P5u0=",
        ),
    ],
)
def test_signature_known_answers(secret, path, signature):
    assert api1_signature(base64.b64decode(secret), DATE, REQ_ID, path, APP_KEY) == signature


def test_mimecast_date_uses_english_names_and_utc_suffix():
    # 2015-11-24T12:50:11Z
    assert mimecast_date(1448369411) == DATE


def test_api1_auth_signs_path_only_with_fresh_request_id_each_time():
    auth = Api1HmacAuth("app-id", APP_KEY, "access-key", SECRET, wall_clock=lambda: 1448369411)
    first = auth(requests.Request("POST", "https://us-api.mimecast.com/api/archive/search?x=1").prepare())
    second = auth(requests.Request("POST", "https://us-api.mimecast.com/api/archive/search").prepare())
    assert first.headers["x-mc-date"] == DATE
    assert first.headers["x-mc-app-id"] == "app-id"
    assert first.headers["x-mc-req-id"] != second.headers["x-mc-req-id"]
    request_id = first.headers["x-mc-req-id"]
    expected = api1_signature(base64.b64decode(SECRET), DATE, request_id, "/api/archive/search", APP_KEY)
    assert first.headers["Authorization"] == f"MC access-key:{expected}"
    assert re.fullmatch(r"MC access-key:[A-Za-z0-9+/]{27}=", first.headers["Authorization"])


def test_api1_auth_rejects_secret_that_is_not_base64_without_echoing_it():
    with pytest.raises(MimecastConfigurationError) as raised:
        Api1HmacAuth("app", APP_KEY, "access", "not base64 !!secretvalue", wall_clock=lambda: 0)
    assert "Secret Key" in str(raised.value)
    assert "secretvalue" not in str(raised.value)


API1 = {"Application ID": "a", "Application Key": "b", "Access Key": "c", "Secret Key": SECRET}
API2 = {"Client ID": "id", "Client Secret": "secret"}


def test_api1_is_used_when_all_four_fields_are_set_even_with_api2_fields():
    assert choose_credentials({**API1, **API2}).mode == AUTH_API1


def test_partial_api1_names_the_missing_fields():
    with pytest.raises(MimecastConfigurationError, match="missing: Access Key, Secret Key"):
        choose_credentials({"Application ID": "a", "Application Key": " b ", "Access Key": "  ", **API2})


def test_api2_needs_both_fields():
    assert choose_credentials({**API2, "Application ID": None}).mode == AUTH_API2
    with pytest.raises(MimecastConfigurationError, match="missing: Client Secret"):
        choose_credentials({"Client ID": "id", "Client Secret": ""})


def test_no_credentials_gives_the_documented_message():
    with pytest.raises(MimecastConfigurationError) as raised:
        choose_credentials({"API Root": "https://api.services.mimecast.com", "Client ID": " "})
    assert str(raised.value) == NO_AUTH_MESSAGE


def test_secrets_exclude_the_identifiers():
    assert set(choose_credentials(API1).secrets) == {"b", "c", SECRET}
    assert choose_credentials(API2).secrets == ("secret",)


class Fetcher:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> CachedToken:
        self.count += 1
        return CachedToken(f"tok-{self.count}", 10_000.0)


def test_the_token_cache_fetches_once_and_replaces_only_the_rejected_token():
    fetch, seen = Fetcher(), []
    cache = TokenCache(fetch, wall_clock=lambda: 0.0, on_token=seen.append)

    assert cache.current() == cache.current() == "tok-1"
    assert cache.replace_rejected("tok-1") == "tok-2"
    # Another request was rejected with the token already replaced: it gets the new one, nothing is fetched.
    assert cache.replace_rejected("tok-1") == "tok-2"
    assert fetch.count == 2 and seen == ["tok-1", "tok-2"]


def test_the_token_cache_replaces_a_token_about_to_expire():
    fetch = Fetcher()
    now = [0.0]
    cache = TokenCache(fetch, wall_clock=lambda: now[0])
    cache.current()
    now[0] = 10_000.0 - TOKEN_EXPIRY_MARGIN_S
    assert cache.current() == "tok-2"
