"""Stand-in for the SDK's SiemplifyUtils: stdout hijack, clock, CSV/flat helpers, parameter extraction.

Importing this module replaces ``sys.stdout`` with an in-memory buffer (``override_stdout``); only
``end()`` / ``return_package()`` write to ``real_stdout``. ``SOAR_DEVKIT_NOW`` (ISO 8601, UTC when
no offset is given) freezes ``unix_now()`` / ``utc_now()``.
"""

import functools
import io
import json
import os
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

FROZEN_NOW_ENV = "SOAR_DEVKIT_NOW"
CRASH_ENV = "SOAR_DEVKIT_CRASH"
CRASH_POINTS = ("log", "return_package", "before_context_write", "after_context_write")

real_stdout = sys.stdout
override_stdout = io.StringIO()
sys.stdout = override_stdout

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _frozen_now() -> datetime | None:
    raw = os.environ.get(FROZEN_NOW_ENV)
    if not raw:
        return None
    try:
        frozen = datetime.fromisoformat(raw)
    except ValueError as error:
        raise ValueError(
            f"{FROZEN_NOW_ENV} must be an ISO 8601 instant such as 2026-03-07T16:03:00Z, got {raw!r}"
        ) from error
    if frozen.tzinfo is None:
        return frozen.replace(tzinfo=UTC)
    return frozen.astimezone(UTC)


_crash_lock = threading.Lock()
_crash_counts: dict[str, int] = {}


def _devkit_crash_point(point: str) -> None:
    """Devkit only (not in the SDK): die at the point SOAR_DEVKIT_CRASH names, like a killed process.

    The value is `<point>` or `<point>:<n>` (the n-th time the point is reached, default 1); points are
    CRASH_POINTS. The process ends with os._exit(1): no cleanup, nothing more is written.
    """
    spec = os.environ.get(CRASH_ENV)
    if not spec:
        return
    wanted, _, nth = spec.partition(":")
    if wanted not in CRASH_POINTS:
        raise ValueError(f"{CRASH_ENV} must name one of {', '.join(CRASH_POINTS)}, got {spec!r}")
    if wanted != point:
        return
    with _crash_lock:
        _crash_counts[point] = _crash_counts.get(point, 0) + 1
        if _crash_counts[point] == int(nth or 1):
            os._exit(1)


def utc_now() -> datetime:
    """Now as an aware UTC datetime (frozen when SOAR_DEVKIT_NOW is set)."""
    return _frozen_now() or datetime.now(UTC)


def unix_now() -> int:
    """Now in unix milliseconds (frozen when SOAR_DEVKIT_NOW is set)."""
    return convert_datetime_to_unix_time(utc_now())


def convert_datetime_to_unix_time(dt: datetime) -> int:
    """Unix milliseconds of ``dt``; a naive datetime is taken as UTC."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    delta = dt - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def convert_string_to_unix_time(timestamp: str) -> int:
    """Unix milliseconds of a date/time string in any format dateutil understands (naive = UTC)."""
    from dateutil import parser  # costly import, only needed here

    return convert_datetime_to_unix_time(parser.parse(timestamp))


def output_handler(func: Callable) -> Callable:
    """Decorator for ``main()``: on an exception dump the captured stdout to stderr, then re-raise."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except Exception:
            sys.stderr.write(f"STDOUT:\n{override_stdout.getvalue()}\nSTDERR:\n")
            sys.stderr.flush()
            raise

    return wrapper


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    return str(value).replace(",", " ")


def construct_csv(list_of_dicts: list[dict]) -> list[str]:
    """CSV lines (header first) from a list of flat dicts.

    The SDK leaves the column order unspecified (set order); the stand-in uses first-seen order so
    runs are reproducible. Commas inside cells become spaces and None becomes "".
    """
    headers: dict[Any, None] = {}
    for row in list_of_dicts:
        headers.update(dict.fromkeys(row))
    if not headers:
        return []
    lines = [",".join(_csv_cell(header) for header in headers)]
    lines.extend(",".join(_csv_cell(row.get(header)) for header in headers) for row in list_of_dicts)
    return lines


def dict_to_flat(target_dict: dict) -> dict:
    """Flatten nested dicts/lists: keys joined with "_", list items suffixed _1, _2..., None -> ""."""
    flat: dict[str, Any] = {}

    def expand(key: str, value: Any) -> None:
        if value is None:
            flat[key] = ""
        elif isinstance(value, dict):
            for sub_key, sub_value in value.items():
                expand(f"{key}_{sub_key}", sub_value)
        elif isinstance(value, list):
            for index, item in enumerate(value, start=1):
                expand(f"{key}_{index}", item)
        else:
            flat[key] = value

    for top_key, top_value in target_dict.items():
        expand(str(top_key), top_value)
    return flat


def flat_dict_to_csv(flat_dict: dict) -> list[str]:
    """Two-column CSV of a flat dict, header "Property, Value" as in the SDK."""
    lines = ["Property, Value"]
    lines.extend(f"{_csv_cell(key)},{_csv_cell(value)}" for key, value in flat_dict.items())
    return lines


_CONVERTERS: dict[type, Callable[[Any], Any]] = {int: int, float: float, str: str, list: list}


def extract_script_param(
    siemplify: Any,
    input_dictionary: dict,
    param_name: str,
    default_value: Any = None,
    input_type: type = str,
    is_mandatory: bool = False,
    print_value: bool = False,
) -> Any:
    """The SDK's parameter extraction, quirks included (shared by action, connector and job params).

    A truthy default of another type raises; ``list`` JSON-decodes before the missing check (so a
    missing list parameter raises TypeError); an empty value counts as missing; the default goes
    through the same conversion as a supplied value.
    """
    type_name = getattr(input_type, "__name__", input_type)
    if default_value and type(default_value) is not input_type:
        raise Exception(f"Given default_value of '{default_value}' doesn't match expected type {type_name}")
    value = input_dictionary.get(param_name)
    if input_type is list:
        value = json.loads(value)
    if not value:
        if is_mandatory:
            raise Exception(f"Missing mandatory parameter {param_name}")
        value = default_value
        siemplify.LOGGER.info(
            f"Parameter {param_name} was not found or was empty, used default {default_value} instead"
        )
    if value is None:
        return None
    if input_type is bool:
        lowered = str(value).lower()
        if lowered not in ("true", "false"):
            raise Exception(f"Parameter {param_name} must be a boolean value (true/false), got '{value}'")
        value = lowered == "true"
    elif input_type in _CONVERTERS:
        value = _CONVERTERS[input_type](value)
    else:
        raise Exception(f"input_type {type_name} is not supported")
    if print_value:
        siemplify.LOGGER.info(f"{param_name}: {value}")
    return value
