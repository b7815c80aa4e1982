"""The secrets of one run, in one registry: what every log line and failure message is redacted through.

Every component adds what it holds: the connection configuration its credentials, the proxy reader the
proxy password (with the encodings a URL gives it), the API 2.0 token cache each token it gets.
"""

import contextlib
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from MimecastExceptions import redact


class Secrets:
    """The values that must never be shown (thread-safe: the connector's workers add tokens)."""

    def __init__(self, *values: str) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self.add(*values)

    def add(self, *values: str | None) -> None:
        with self._lock:
            self._values.update(value.strip() for value in values if value and value.strip())
            self._values.update(value for value in values if value)

    def add_password(self, password: str | None) -> None:
        """A password that travels in a URL: as it is and URL-encoded (as a user name and as a path would be)."""
        if not password:
            return
        self.add(password)
        # A lone surrogate cannot be URL-encoded; the proxy's rule refuses it, so it never goes into a URL.
        with contextlib.suppress(UnicodeEncodeError):
            self.add(quote(password.strip(), safe=""), quote(password.strip()))

    def values(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._values)

    def redact(self, text: str) -> str:
        return redact(text, self.values())

    def __iter__(self) -> Iterator[str]:
        return iter(self.values())


class RedactingLogger:
    """Wraps a logger (an `EscapingLogger`, which then escapes control characters) so that no line it writes
    holds a secret of the run, whoever wrote the line."""

    def __init__(self, logger: Any, secrets: Secrets) -> None:
        self._logger = logger
        self.secrets = secrets

    def info(self, msg: object) -> None:
        self._logger.info(self.secrets.redact(str(msg)))

    def warn(self, msg: object) -> None:
        self._logger.warn(self.secrets.redact(str(msg)))

    def error(self, msg: object) -> None:
        self._logger.error(self.secrets.redact(str(msg)))

    warning = warn
