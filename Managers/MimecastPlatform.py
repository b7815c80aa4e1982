"""Failures of the SOAR platform itself, as the SDK reports them: worded as the platform's problem.

The SDK calls its platform for the case, the instance configuration, the proxy settings and context
properties, and raises a bare Exception carrying the platform's internal URL and answer when that
fails. None of that is about Mimecast, and none of it is shown: the reason says what could not be
done, and how the platform failed (no answer, an HTTP status, an unusable proxy) without URLs.
"""

import contextlib
import re
from collections.abc import Iterator

import requests

# SiemplifyBase.validate_siemplify_error: f"{HTTPError}: {content}", the HTTPError text starting with the status.
_PLATFORM_STATUS = re.compile(r"^(\d{3}) (?:Client|Server) Error: ([^:]*?) for url")


_PROXY_FAILURES = (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema, requests.exceptions.ProxyError)


class PlatformError(Exception):
    """The SOAR platform could not do what the SDK asked of it; nothing was sent to Mimecast for it."""


def platform_failure(exc: BaseException, doing: str) -> PlatformError:
    """The platform failure behind `exc`, raised while the SDK tried to `doing` ("read the case")."""
    if isinstance(
        exc, requests.exceptions.InvalidURL | requests.exceptions.InvalidSchema | requests.exceptions.ProxyError
    ):
        how = (
            "the SDK could not use the proxy settings for its own calls to the platform (add the SOAR server to the "
            'proxy\'s ignored addresses, or use a proxy password without "/")'
        )
    elif isinstance(exc, requests.exceptions.ConnectionError | requests.exceptions.Timeout):
        how = "the platform did not answer"
    elif match := _PLATFORM_STATUS.match(str(exc)):
        how = f"the platform answered HTTP {match.group(1)} ({match.group(2).strip() or 'no reason given'})"
    else:
        how = f"the SDK failed ({type(exc).__name__})"
    return PlatformError(
        f"The SOAR platform could not {doing}: {how}. This is a problem of the SOAR platform or its settings, not "
        "of Mimecast."
    )


@contextlib.contextmanager
def platform_call(doing: str) -> Iterator[None]:
    """Turn any failure of the SDK's platform call inside into a PlatformError (without its URL or traceback)."""
    try:
        yield
    except PlatformError:
        raise
    except Exception as exc:
        raise platform_failure(exc, doing) from None
