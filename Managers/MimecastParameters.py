"""Parsing and validation of parameter values; every problem is a MimecastValidationError naming the parameter."""

import calendar
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from MimecastExceptions import MimecastValidationError

TIME_FORMAT_HELP = (
    "Use ISO 8601, e.g. 2025-03-07T16:03:00Z, 2025-03-07T16:03:00+02:00 or 2025-03-07 16:03 "
    "(UTC when no offset is given)"
)
# Used with fullmatch only: a `$` anchor would also accept a value that ends in a newline.
_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_DOMAIN_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_TLD = re.compile(r"[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59}")


def split_csv(value: str | None) -> list[str]:
    """Items separated by commas and/or newlines, trimmed, empties dropped (as playbooks paste them)."""
    if not value:
        return []
    return [item.strip() for item in re.split(r"[,\r\n]+", value) if item.strip()]


# Code points that are not characters: surrogates (only ever half of a UTF-16 pair, here alone) and the
# Unicode noncharacters (U+FDD0..U+FDEF and the last two code points of every plane).
_NOT_A_CHARACTER = re.compile("[\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]|[\U0001fffe-\U0010ffff]")


def require_characters(name: str, value: str) -> str:
    """`value` when every code point in it is a character; a lone surrogate or a noncharacter is refused."""
    for found in _NOT_A_CHARACTER.finditer(value):
        code = ord(found.group())
        if code <= 0xFFFF or code & 0xFFFE == 0xFFFE:
            raise MimecastValidationError(
                f'Invalid value for "{name}": "{excerpt(value)}" contains U+{code:04X}, which is not a Unicode '
                "character (a lone surrogate or a noncharacter). Remove it."
            )
    return value


def parse_time(name: str, value: str) -> datetime:
    """An ISO 8601 date, or date and time, as an aware UTC datetime; a value without offset is UTC.

    Accepted (extended or basic format): a calendar (2025-03-07), week (2025-W10-5) or ordinal (2025-066)
    date; optionally `T` or a space and a time of hours, minutes, seconds and a fraction (`.` or `,`); an
    offset `Z`, `±hh`, `±hh:mm` or `±hhmm`. The designators T, W and Z may be lower case. Not accepted:
    a date of reduced precision (2025-03, 2025), 24:00, and digits other than 0-9.
    """
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(_as_calendar_date(text.translate(_DESIGNATORS)))
    except ValueError:
        raise MimecastValidationError(f'Invalid value for "{name}": "{excerpt(text)}". {TIME_FORMAT_HELP}.') from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise MimecastValidationError(
            f'Invalid value for "{name}": "{excerpt(text)}" is outside the years 1 to 9999 once converted to UTC.'
        ) from None


_DESIGNATORS = str.maketrans("tzw", "TZW")
# An ordinal date (year and day of the year), alone or before the time; Python reads the other forms itself.
_ORDINAL_DATE = re.compile(r"([0-9]{4})-?([0-9]{3})(?=$|[T ])")


def _as_calendar_date(text: str) -> str:
    """`text` with an ordinal date written as the calendar date it names (ValueError for a day the year lacks)."""
    found = _ORDINAL_DATE.match(text)
    if not found:
        return text
    year, day = int(found.group(1)), int(found.group(2))
    if not (year >= 1 and 1 <= day <= (366 if calendar.isleap(year) else 365)):
        raise ValueError(f"{year} has no day {day}")
    return (date(year, 1, 1) + timedelta(days=day - 1)).isoformat() + text[found.end() :]


def parse_positive_int(name: str, value: str, maximum: int | None = None, beyond: str = "") -> int:
    """A whole number from 1; above `maximum` (when given) it is refused, saying why (`beyond`)."""
    text = value.strip()
    if not re.fullmatch(r"\+?\d{1,9}", text) or int(text) <= 0:
        raise MimecastValidationError(
            f'Invalid value for "{name}": "{excerpt(text)}". It must be a positive whole number.'
        )
    if maximum is not None and int(text) > maximum:
        why = f", {beyond}" if beyond else ""
        raise MimecastValidationError(
            f'Invalid value for "{name}": "{excerpt(text)}". It must be at most {maximum}{why}.'
        )
    return int(text)


def parse_choice(name: str, value: str, options: "tuple[str, ...] | list[str]") -> str:
    """The option matching `value` (case-insensitively; playbooks sometimes vary the case)."""
    for option in options:
        if option.lower() == value.strip().lower():
            return option
    raise MimecastValidationError(
        f'Invalid value for "{name}": "{excerpt(value)}". Allowed values: {", ".join(options)}.'
    )


def parse_checkbox(name: str, value: str | bool) -> bool:
    if isinstance(value, bool):
        return value
    text = value.strip().lower()
    if text in ("true", "false"):
        return text == "true"
    raise MimecastValidationError(f'Invalid value for "{name}": "{excerpt(value)}". Use true or false.')


def is_domain(value: str) -> bool:
    """A host name of at least two ASCII labels (IDNs in their xn-- form), without a trailing dot.

    A trailing dot (the DNS root) is refused rather than dropped: Mimecast matches domains as written.
    """
    labels = value.split(".")
    return (
        len(value) <= 253
        and len(labels) >= 2
        and all(_DOMAIN_LABEL.fullmatch(label) for label in labels)
        and bool(_TLD.fullmatch(labels[-1]))
    )


def is_email(value: str) -> bool:
    local, at, domain = value.rpartition("@")
    return bool(at) and 0 < len(local) <= 64 and bool(_LOCAL_PART.fullmatch(local)) and is_domain(domain)


def require_email(name: str, value: str) -> str:
    text = value.strip()
    if not is_email(text):
        raise MimecastValidationError(
            f'Invalid value for "{name}": "{excerpt(text)}" is not a valid email address.{_trailing_dot_hint(text)}'
        )
    return text


def require_domain(name: str, value: str) -> str:
    text = value.strip()
    if not is_domain(text):
        raise MimecastValidationError(
            f'Invalid value for "{name}": "{excerpt(text)}" is not a valid domain.{_trailing_dot_hint(text)}'
        )
    return text


ADDRESS_OR_DOMAIN_RULE = (
    "Give one email address (sender@example.com) or domain (example.com) per value, separated by commas; "
    "search operators are not allowed."
)
# Characters of Mimecast's search grammar (wildcards, "not") that an address may hold but a search term must not.
_SEARCH_OPERATORS = re.compile(r"[*?!]")


def require_address_or_domain(name: str, value: str) -> str:
    """One email address or domain (`example.com` or `@example.com`), as a search term that matches only it."""
    text = value.strip()
    if _SEARCH_OPERATORS.search(text) or not (is_email(text) or is_domain(text.removeprefix("@"))):
        raise MimecastValidationError(
            f'Invalid value for "{name}": "{excerpt(text)}" is not an email address or a domain. '
            f"{ADDRESS_OR_DOMAIN_RULE}{_trailing_dot_hint(text)}"
        )
    return text


def _trailing_dot_hint(text: str) -> str:
    return " Remove the trailing dot." if text.endswith(".") and is_domain(text.rpartition("@")[2][:-1]) else ""


# Characters that would let a value end a log line, start a forged one or hide text: C0 and C1 controls, DEL,
# line and paragraph separators, bidirectional overrides and isolates, and lone surrogates.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(value: object) -> str:
    """`value` as one line of text: each control character written as its escape (a line feed as `\\n`).

    The one helper for every value that reaches a log line or a message (parameters, Mimecast's texts, ids).
    """
    return _UNPRINTABLE.sub(lambda found: found.group().encode("unicode_escape").decode("ascii"), str(value))


def excerpt(value: object, limit: int = 80) -> str:
    """A bounded, printable excerpt of a value for messages and logs (a pasted 1 MB value must not flood the
    case wall)."""
    text = str(value)
    return printable(text if len(text) <= limit else text[:limit] + "…")


class EscapingLogger:
    """Wraps an SDK logger so that every line it writes is `printable`: no value can end it or forge another."""

    def __init__(self, logger: Any) -> None:
        self._logger = logger

    def info(self, msg: object) -> None:
        self._logger.info(printable(msg))

    def warn(self, msg: object) -> None:
        self._logger.warn(printable(msg))

    def error(self, msg: object) -> None:
        # A traceback too: it ends with the exception's text, which may hold a value; it is kept as one line.
        self._logger.error(printable(msg))

    warning = warn


class _ParamSpec(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def default(self) -> str: ...

    @property
    def mandatory(self) -> bool: ...

    @property
    def options(self) -> tuple[str, ...]: ...


class _ComponentSpec(Protocol):
    def param(self, name: str) -> _ParamSpec: ...


# A parameter as an action or the connector names it: the spec object it declares, or the parameter's name.
Parameter = str | _ParamSpec


class TypedParameters:
    """Typed, validated parameters of an action or the connector, by their spec (default, mandatory, options).

    Subclasses say where the raw value comes from (`raw`); every rule about empty values, defaults and
    wording lives here once.
    """

    def __init__(self, spec: _ComponentSpec) -> None:
        self.spec = spec

    def raw(self, name: str) -> object:
        raise NotImplementedError

    def declared(self, parameter: Parameter) -> _ParamSpec:
        """The spec's parameter; a spec object must be the one the spec declares, so the platform sends its value."""
        if isinstance(parameter, str):
            return self.spec.param(parameter)
        found = self.spec.param(parameter.name)
        if found != parameter:
            raise KeyError(f'"{parameter.name}" is not the parameter the spec declares under that name')
        return found

    def text(self, parameter: Parameter) -> str | None:
        """The parameter's trimmed value, the spec's default when empty, None when neither."""
        spec = self.declared(parameter)
        name = spec.name
        raw = self.raw(name)
        value = str(raw).strip() if raw is not None else ""
        if not value:
            value = spec.default
        if not value and spec.mandatory:
            raise MimecastValidationError(f'Parameter "{name}" is mandatory and was not provided.')
        return require_characters(name, value) or None

    def required_text(self, parameter: Parameter) -> str:
        """The value of a parameter that must have one (a mandatory one, or one with a default)."""
        return self._required(parameter, self.text(parameter))

    def required_email(self, parameter: Parameter) -> str:
        return self._required(parameter, self.email(parameter))

    def _required(self, parameter: Parameter, value: str | None) -> str:
        if value is None:
            raise MimecastValidationError(
                f'Parameter "{self.declared(parameter).name}" is mandatory and was not provided.'
            )
        return value

    def checkbox(self, parameter: Parameter) -> bool:
        value = self.text(parameter)
        return parse_checkbox(self.declared(parameter).name, value) if value is not None else False

    def choice(self, parameter: Parameter) -> str:
        spec = self.declared(parameter)
        return parse_choice(spec.name, self.text(parameter) or "", spec.options)

    def csv(self, parameter: Parameter) -> list[str]:
        """The listed values.

        For an optional list (a filter), a value that lists nothing (", ") means the default, as an empty one
        does; for a mandatory one the caller refuses the empty list with its own message.
        """
        values = split_csv(self.text(parameter))
        spec = self.declared(parameter)
        return values if values or spec.mandatory else split_csv(spec.default)

    def email(self, parameter: Parameter) -> str | None:
        """The parameter as a valid email address (None when empty and optional)."""
        value = self.text(parameter)
        return require_email(self.declared(parameter).name, value) if value else None

    def time(self, parameter: Parameter) -> datetime | None:
        value = self.text(parameter)
        return parse_time(self.declared(parameter).name, value) if value else None

    def positive_int(self, parameter: Parameter, maximum: int | None = None, beyond: str = "") -> int:
        value = self.text(parameter)
        name = self.declared(parameter).name
        if value is None:
            raise MimecastValidationError(f'Parameter "{name}" is mandatory and was not provided.')
        return parse_positive_int(name, value, maximum, beyond)
