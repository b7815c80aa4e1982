"""The skeleton every action shares: parameters, Manager, failure wording, `end()`.

An action script holds only what is unique to it: one function that takes an `ActionContext` and
returns an `ActionResult`, handed to `run_action` together with its `ActionSpec`.

The SDK is imported only when an action runs (`run_action`): importing it replaces sys.stdout, and the
devkit imports a script to read its spec without running it. Everything after the SDK object is made
(`perform_action`) uses only that object, the SDK's two execution states and its clock, all handed in.
"""

import json
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from MimecastConnection import action_connection
from MimecastConstants import ACTION_AGAIN, CONNECTION_SETTINGS, INTEGRATION_IDENTIFIER, SECRET_FIELDS
from MimecastDataModels import table_lines
from MimecastExceptions import MimecastError, Terms, failure_reason
from MimecastManager import MimecastManager
from MimecastParameters import EscapingLogger, TypedParameters, excerpt, printable
from MimecastPlatform import PlatformError, platform_call
from MimecastSecrets import RedactingLogger, Secrets
from MimecastSpecs import ACTION_FAILURE_TEMPLATE, ActionSpec

if TYPE_CHECKING:
    from SiemplifyAction import SiemplifyAction

# Stop issuing requests this long before the platform's deadline, so end() can still report.
DEADLINE_MARGIN_S = 5.0
# The SDK measures the serialized result items (titles, flags, the JSON result as a JSON string, table lines):
# per item a few hundred characters beyond its content, and a margin below the limit for rounding.
RESULT_OVERHEAD_CHARS = 512
RESULT_MARGIN_CHARS = 65_536
# How a failure's advice reads on the case wall: a person runs the action again, and fixes the instance.
ACTION_TERMS = Terms(again=ACTION_AGAIN, settings=CONNECTION_SETTINGS)


class RunStates(NamedTuple):
    """The SDK's execution states an action ends in (ScriptResult's constants)."""

    completed: int
    failed: int


class Clock(NamedTuple):
    """The run's clocks: the SDK's time now (Unix milliseconds, an aware UTC datetime), and the monotonic clock
    and sleep the deadline and every wait (backoff, rate limits) are measured with."""

    unix_ms: Callable[[], int]
    utc_now: Callable[[], datetime]
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


def sdk_clock() -> Clock:
    from SiemplifyUtils import unix_now, utc_now

    return Clock(unix_now, utc_now)


class ActionResult(NamedTuple):
    message: str
    json_result: Any = None
    tables: tuple[tuple[str, list[dict]], ...] = ()
    result_value: bool = True
    # When set ("emails"): the JSON result is a list and each table has one row per item, in the same order, so
    # the newest items that fit within the platform's maximum JSON result size can be returned on their own.
    items: str = ""


class ActionContext(TypedParameters):
    """What an action function may use: typed parameters, the Manager, the logger and the clock."""

    def __init__(
        self,
        siemplify: "SiemplifyAction",
        spec: ActionSpec,
        configuration: dict,
        secrets: Secrets | None = None,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(spec)
        self.clock = clock if clock is not None else sdk_clock()
        self.siemplify = siemplify
        self.secrets = secrets if secrets is not None else Secrets()
        self.logger = RedactingLogger(EscapingLogger(siemplify.LOGGER), self.secrets)
        self._configuration = configuration
        self._manager: MimecastManager | None = None
        deadline_ms = getattr(siemplify, "execution_deadline_unix_time_ms", 0) or 0
        self.deadline = (
            self.clock.monotonic() + (int(deadline_ms) - self.clock.unix_ms()) / 1000.0 - DEADLINE_MARGIN_S
            if deadline_ms
            else None
        )

    @property
    def manager(self) -> MimecastManager:
        if self._manager is None:
            connection = action_connection(self._configuration, self._platform_proxy_settings(), self.secrets)
            self._manager = MimecastManager(
                connection,
                secrets=self.secrets,
                logger=self.logger,
                deadline=self.deadline,
                sleep=self.clock.sleep,
                monotonic=self.clock.monotonic,
            )
            proxy = connection.proxy
            through = f" through the platform's proxy {proxy.shown}" if proxy.shown else ""
            self.logger.info(f"Using {self._manager.auth_mode} against {self._manager.api_root}{through}")
        return self._manager

    def _platform_proxy_settings(self) -> dict | None:
        """The platform's proxy settings when the action is to use them (the SDK read them once already)."""
        if not getattr(self.siemplify, "use_proxy_settings", False):
            return None
        with platform_call("give its proxy settings"):
            return self.siemplify._get_proxy_settings() or {}

    def now(self) -> datetime:
        return self.clock.utc_now()

    def raw(self, name: str) -> object:
        raw = self.siemplify.extract_action_param(name, default_value=None, input_type=str)
        if raw:
            self.logger.info(f"{name}: {excerpt(raw)}")
        return raw

    @property
    def requests_sent(self) -> int:
        return self._manager.request_count if self._manager else 0


def list_result(
    models: Sequence[Any], found_message: str, none_found_message: str, table_title: str, items: str = "items"
) -> ActionResult:
    """A search outcome: the models' `to_json()` as the JSON result (`[]` when none), one table row per model."""
    return ActionResult(
        found_message if models else none_found_message,
        [model.to_json() for model in models],
        ((table_title, [model.to_table() for model in models]),),
        items=items,
    )


def run_action(spec: ActionSpec, perform: Callable[[ActionContext], ActionResult]) -> None:
    from SiemplifyUtils import output_handler

    output_handler(_main)(spec, perform)


def _main(spec: ActionSpec, perform: Callable[[ActionContext], ActionResult]) -> None:
    from ScriptResult import EXECUTION_STATE_COMPLETED, EXECUTION_STATE_FAILED
    from SiemplifyAction import SiemplifyAction

    try:
        with platform_call("start the action (the SDK reads the context and the platform's proxy settings)"):
            siemplify = SiemplifyAction()
    except PlatformError as exc:
        # No SDK object, so no output object: the platform shows the run as failed with this line.
        sys.stderr.write(f"{exc}\n")
        sys.exit(1)
    perform_action(siemplify, spec, perform, RunStates(EXECUTION_STATE_COMPLETED, EXECUTION_STATE_FAILED), sdk_clock())


def perform_action(
    siemplify: "SiemplifyAction",
    spec: ActionSpec,
    perform: Callable[[ActionContext], ActionResult],
    states: RunStates,
    clock: Clock,
) -> None:
    """Run `perform` with the SDK object of the run and end it: the message, state, result value and results.

    Uses only the SDK object (its LOGGER, get_configuration, result, end and the context's settings), so the
    tests can hand it a recording stand-in and run an action's function in their own process.
    """
    siemplify.script_name = spec.name
    secrets = Secrets()
    logger = RedactingLogger(EscapingLogger(siemplify.LOGGER), secrets)
    started = time.monotonic()
    logger.info(f'Action "{spec.name}" started')
    context: ActionContext | None = None
    try:
        with platform_call("read the case and the integration instance's configuration"):
            configuration = siemplify.get_configuration(INTEGRATION_IDENTIFIER) or {}
        # Known before any parameter is read: a value that repeats a secret is never shown either.
        secrets.add(*(str(configuration.get(name) or "") for name in SECRET_FIELDS))
        context = ActionContext(siemplify, spec, configuration, secrets, clock)
        max_mb = int(getattr(siemplify, "max_json_result_size", 15) or 15)
        # Made to fit before anything is logged: the SDK replaces a result beyond its limit by a failure.
        result = _within_result_size(perform(context), max_mb, logger)
    except Exception as exc:
        reason = failure_reason(exc, secrets, logger.error, ACTION_TERMS)
        # Not Mimecast's failure: never worded as one (Ping's "Failed to connect to the Mimecast server").
        template = ACTION_FAILURE_TEMPLATE if isinstance(exc, PlatformError) else spec.failure_template
        message = template.format(action=spec.name, reason=reason)
        # The message is one sentence: a line break in it comes from a value (a parameter, Mimecast's text).
        message = printable(message)
        logger.error(message)
        _log_finish(logger, spec, started, context, "failed")
        siemplify.end(message, False, states.failed)
        return
    if result.json_result is not None:
        siemplify.result.add_result_json(result.json_result)
    for title, rows in result.tables:
        if rows:
            siemplify.result.add_data_table(title, table_lines(rows))
    message = printable(result.message)
    logger.info(message)
    _log_finish(logger, spec, started, context, "completed")
    siemplify.end(message, result.result_value, states.completed)


def result_size(result: ActionResult) -> int:
    """Characters of the results as the SDK measures them against max_json_result_size (the JSON-in-JSON text)."""
    size = RESULT_OVERHEAD_CHARS
    if result.json_result is not None:
        size += len(json.dumps(json.dumps(result.json_result)))
    for title, rows in result.tables:
        size += len(json.dumps(title)) + len(json.dumps(table_lines(rows))) + RESULT_OVERHEAD_CHARS
    return size


class ResultTooLargeError(MimecastError):
    """Not even one item of a list result fits in the platform's maximum JSON result size."""


def _within_result_size(result: ActionResult, max_mb: int, logger: Any) -> ActionResult:
    """The result, made to fit in the platform's limit (the SDK would otherwise fail the run and return nothing).

    A list keeps its newest items that fit; when none does, the run fails. Any other result (a write's answer)
    is left out with a note: the write was done, and failing the run would invite running it again.
    """
    limit = max_mb * 1_048_576 - RESULT_MARGIN_CHARS
    if result_size(result) <= limit:
        return result
    if not result.items:
        note = (
            f" The JSON result was left out: it is larger than the platform's maximum JSON result size ({max_mb} MB)."
        )
        logger.warn(note.strip())
        return result._replace(json_result=None, tables=(), message=result.message + note)
    total = len(result.json_result)

    def first(count: int) -> ActionResult:
        return result._replace(
            json_result=result.json_result[:count], tables=tuple((t, rows[:count]) for t, rows in result.tables)
        )

    low, high = 0, total  # first(low) fits, first(high) does not
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if result_size(first(middle)) <= limit else (low, middle)
    if low == 0:
        found = f"{total} {result.items}" if total != 1 else f"1 {result.items.removesuffix('s')}"
        raise ResultTooLargeError(
            f"Mimecast found {found}, but even the newest one alone is larger than the platform's maximum JSON "
            f"result size ({max_mb} MB). Ask for fewer fields or narrow the search."
        )
    kept = first(low)
    note = (
        f" Only the newest {low} of {total} {result.items} fit in the platform's maximum JSON result size "
        f"({max_mb} MB); the other {total - low} were left out. Narrow the search or lower the number of "
        f"{result.items} to return."
    )
    logger.warn(note.strip())
    return kept._replace(message=result.message + note)


def _log_finish(logger: Any, spec: ActionSpec, started: float, context: ActionContext | None, outcome: str) -> None:
    requests_sent = context.requests_sent if context else 0
    logger.info(
        f'Action "{spec.name}" {outcome} in {time.monotonic() - started:.2f} s '
        f"({requests_sent} HTTP request(s) to Mimecast)"
    )
