"""Parameters of the delivered-message response: an Internet Message-ID, a file hash, a web URL."""

import re

from MimecastExceptions import MimecastValidationError
from MimecastParameters import excerpt, printable

_HASH = re.compile(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64}")
_URL = re.compile(r"https?://[^\s/?#@]+(?:[/?][^\s#]*)?", re.IGNORECASE)


def _invalid(name: str, value: str, rule: str) -> MimecastValidationError:
    return MimecastValidationError(f'Invalid value for "{name}": "{printable(excerpt(value))}". {rule}')


def internet_message_id(name: str, value: str) -> str:
    """The Message-ID header's value in `<` `>`, which Mimecast requires; they are added when missing."""
    bare = value.strip()
    bare = bare[1:] if bare.startswith("<") else bare
    bare = bare[:-1] if bare.endswith(">") else bare
    if not bare or re.search(r"[\s<>]", bare):
        raise _invalid(
            name,
            value,
            "Give the Internet Message-ID of the message (the Message-ID header), e.g. <abc123@example.com>.",
        )
    return f"<{bare}>"


def file_hash(name: str, value: str) -> str:
    text = value.strip()
    if not _HASH.fullmatch(text):
        raise _invalid(name, value, "Give the MD5, SHA-1 or SHA-256 of the file, in hexadecimal.")
    return text.lower()


def web_url(name: str, value: str, *, fragment: bool = True) -> str:
    """An http:// or https:// URL with a host; `fragment=False` refuses a `#` part (Mimecast does not take one)."""
    text = value.strip()
    if not fragment and "#" in text:
        raise _invalid(name, value, "Remove the fragment (the part from #): Mimecast does not take one.")
    if not _URL.fullmatch(text.split("#", 1)[0]):
        raise _invalid(name, value, "Give an http:// or https:// URL with a host, e.g. https://phish.example/login.")
    return text
