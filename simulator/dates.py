"""Dates as Mimecast's API writes and accepts them in request and response bodies."""

from __future__ import annotations

import re
from datetime import UTC, datetime

# Mimecast documents 2011-12-03T10:15:30+0000; clients also send ...Z and ...+00:00 successfully.
_API_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$")


def format_api_date(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def parse_api_date(value: object) -> datetime | None:
    """An aware UTC datetime, or None when `value` is not a date Mimecast would accept."""
    if not isinstance(value, str) or not _API_DATE.match(value):
        return None
    text = value[:-1] + "+00:00" if value.endswith("Z") else value
    if re.search(r"[+-]\d{4}$", text):
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except ValueError:
        return None
