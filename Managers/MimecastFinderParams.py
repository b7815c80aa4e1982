"""Parameters Search Message Tracking and List Held Messages share, and how their values are checked.

The time frame is the archive searches' (same choices, same Custom Start / End Time rules); every value is
checked before anything is sent, and each problem names its parameter.
"""

import ipaddress
from datetime import datetime, timedelta
from typing import Any

from MimecastArchiveQuery import TIME_FRAME_PARAM as ARCHIVE_TIME_FRAME_PARAM
from MimecastArchiveQuery import chosen_time_frame
from MimecastConstants import (
    FINDER_MAX_MESSAGES,
    MAX_MESSAGES_TO_RETURN,
    START_TIME,
    TIME_FRAME_CUSTOM,
    TIME_FRAME_LAST_24_HOURS,
)
from MimecastDataModels import utc_timestamp
from MimecastExceptions import MimecastValidationError
from MimecastParameters import excerpt, printable
from MimecastSpecs import ParamSpec
from MimecastTracking import RETENTION_MARGIN_S, RETENTION_S

TIME_FRAME_PARAM = ARCHIVE_TIME_FRAME_PARAM._replace(default=TIME_FRAME_LAST_24_HOURS)
MAX_MESSAGES_PARAM = ParamSpec(
    MAX_MESSAGES_TO_RETURN,
    default="50",
    description=(
        f"The most messages to return, newest first, 1 to {FINDER_MAX_MESSAGES}. The action asks Mimecast for them "
        "with as few calls as possible (up to 500 messages a call)."
    ),
    ai_description=f"At most this many messages (default 50; 1 to {FINDER_MAX_MESSAGES}).",
    value_format="integer",
)


def time_window(context: Any, *, tracking: bool = False) -> tuple[datetime, datetime]:
    """The UTC range of the Time Frame; message tracking keeps about 30 days, so a search starts no earlier."""
    time_frame, start, end = chosen_time_frame(context)
    now = context.now()
    earliest = now - timedelta(seconds=RETENTION_S - RETENTION_MARGIN_S)
    if tracking and start < earliest:
        if time_frame == TIME_FRAME_CUSTOM:
            raise MimecastValidationError(
                f'Invalid value for "{START_TIME}": {utc_timestamp(start)} is more than 30 days ago; Mimecast tracks '
                f"messages for about 30 days. Use a Start Time after {utc_timestamp(earliest)}."
            )
        context.logger.info(
            f"Mimecast tracks messages for about 30 days: the search starts at {utc_timestamp(earliest)} instead of "
            f"{utc_timestamp(start)}."
        )
        start = earliest
    return start, end


def max_messages(context: Any) -> int:
    return context.positive_int(
        MAX_MESSAGES_PARAM,
        maximum=FINDER_MAX_MESSAGES,
        beyond="the most this action returns; to see more, narrow the search (Time Frame and the filters)",
    )


def one_line(name: str, value: str | None) -> str | None:
    """A filter's text, refused when it holds a control character (a line break, a tab): no subject has one."""
    if value is not None and printable(value) != value:
        raise MimecastValidationError(
            f'Invalid value for "{name}": "{excerpt(value)}" contains a control character (a line break, tab or '
            "other); remove it."
        )
    return value


def internet_message_id(name: str, value: str | None) -> str | None:
    """An Internet Message-ID (`local@domain`), in the angle brackets Mimecast's Message-ID fields use."""
    if value is None:
        return None
    inner = value.removeprefix("<").removesuffix(">")
    local, at, domain = inner.rpartition("@")
    if not (at and local and domain) or any(c.isspace() or c in "<>" for c in inner) or printable(inner) != inner:
        raise MimecastValidationError(
            f'Invalid value for "{name}": "{excerpt(value)}" is not an Internet Message-ID. Give the Message-ID '
            "header's value, e.g. <CAE0897Aq@mail.example.com> (the angle brackets are optional)."
        )
    return f"<{inner}>"


def ip_address(name: str, value: str | None) -> str | None:
    """An IPv4 or IPv6 address, in its canonical form."""
    if value is None:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise MimecastValidationError(
            f'Invalid value for "{name}": "{excerpt(value)}" is not an IP address (e.g. 203.0.113.7 or 2001:db8::7).'
        ) from None


def choices(name: str, values: list[str], options: tuple[str, ...]) -> tuple[str, ...]:
    """Each value one of `options` (any case), as Mimecast spells it (lower case), without repeats."""
    found: dict[str, None] = {}
    for value in values:
        match = next((option for option in options if option.lower() == value.lower()), None)
        if match is None:
            raise MimecastValidationError(
                f'Invalid value for "{name}": "{excerpt(value)}". Allowed values, comma-separated: '
                f"{', '.join(options)}."
            )
        found[match.lower()] = None
    return tuple(found)
