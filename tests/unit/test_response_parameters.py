"""The delivered-phish response's parameters: Internet Message-ID, file hash, web URL."""

import pytest

from MimecastExceptions import MimecastValidationError
from MimecastResponseParameters import file_hash, internet_message_id, web_url


@pytest.mark.parametrize(
    ("given", "sent"),
    [("abc@x.example", "<abc@x.example>"), (" <abc@x.example> ", "<abc@x.example>"), ("<abc@x", "<abc@x>")],
)
def test_internet_message_id_gets_its_angle_brackets(given, sent):
    assert internet_message_id("Internet Message ID", given) == sent


@pytest.mark.parametrize("given", ["<>", "a b@x", "<a<b@x>", "a\n@x"])
def test_a_message_id_with_spaces_or_inner_brackets_is_refused_naming_the_parameter(given):
    with pytest.raises(MimecastValidationError, match=r'^Invalid value for "Internet Message ID"'):
        internet_message_id("Internet Message ID", given)


@pytest.mark.parametrize("given", ["a" * 32, "B" * 40, "0123456789abcdef" * 4])
def test_md5_sha1_and_sha256_are_accepted_in_lower_case(given):
    assert file_hash("File Hash", given) == given.lower()


@pytest.mark.parametrize("given", ["a" * 31, "a" * 63, "g" * 64, "a" * 32 + " x"])
def test_other_hashes_are_refused(given):
    with pytest.raises(MimecastValidationError, match="MD5, SHA-1 or SHA-256"):
        file_hash("File Hash", given)


def test_a_fragment_is_refused_only_where_mimecast_takes_none():
    assert web_url("URL", "https://x.example/a#b") == "https://x.example/a#b"
    with pytest.raises(MimecastValidationError, match="Remove the fragment"):
        web_url("URL", "https://x.example/a#b", fragment=False)


@pytest.mark.parametrize("given", ["x.example", "ftp://x.example/", "https:///path", "https://x.example/a b"])
def test_a_url_needs_http_or_https_and_a_host(given):
    with pytest.raises(MimecastValidationError, match=r'^Invalid value for "URL"'):
        web_url("URL", given)
