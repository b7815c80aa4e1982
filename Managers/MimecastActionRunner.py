"""The skeleton every action shares: parameters, Manager, failure wording, `end()`.

An action script holds only what is unique to it: one function that takes an `ActionContext` and
returns an `ActionResult`, handed to `run_action` together with its `ActionSpec`.
"""

import json
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from ScriptResult import EXECUTION_STATE_COMPLETED, EXECUTION_STATE_FAILED
from SiemplifyAction import SiemplifyAction
from SiemplifyUtils import output_handler, unix_now, utc_now

from MimecastConstants import INTEGRATION_IDENTIFIER, SECRET_FIELDS, ActionSpec
from MimecastExceptions import failure_reason
from MimecastManager import MimecastManager
from MimecastParameters import TypedParameters, excerpt

# Stop issuing requests this long before the platform's deadline, so end() can still report.
DEADLINE_MARGIN_S = 5.0


class ActionResult(NamedTuple):
    message: str
    json_result: Any = None
    tables: tuple[tuple[str, list[dict]], ...] = ()
    result_value: bool = True


class ActionContext(TypedParameters):
    """What an action function may use: typed parameters, the Manager, the logger and the clock."""

    def __init__(self, siemplify: SiemplifyAction, spec: ActionSpec, configuration: dict) -> None:
        super().__init__(spec)
        self.siemplify = siemplify
        self.logger = siemplify.LOGGER
        self._configuration = configuration
        self._manager: MimecastManager | None = None
        deadline_ms = getattr(siemplify, "execution_deadline_unix_time_ms", 0) or 0
        self.deadline = (
            time.monotonic() + (int(deadline_ms) - unix_now()) / 1000.0 - DEADLINE_MARGIN_S if deadline_ms else None
        )

    @property
    def manager(self) -> MimecastManager:
        if self._manager is None:
            self._manager = MimecastManager.from_configuration(
                self._configuration, logger=self.logger, deadline=self.deadline
            )
            self.logger.info(f"Using {self._manager.auth_mode} against {self._manager.api_root}")
        return self._manager

    def now(self) -> datetime:
        return utc_now()

    def raw(self, name: str) -> object:
        raw = self.siemplify.extract_action_param(name, default_value=None, input_type=str)
        if raw:
            self.logger.info(f"{name}: {excerpt(raw)}")
        return raw

    @property
    def requests_sent(self) -> int:
        return self._manager.request_count if self._manager else 0

    def secrets(self) -> list[str]:
        """Every secret of the run, for redaction (`redact` skips values too short to be one)."""
        configured = [str(self._configuration.get(name) or "").strip() for name in SECRET_FIELDS]
        return [*configured, *(self._manager.secrets if self._manager else ())]


def list_result(models: Sequence[Any], found_message: str, none_found_message: str, table_title: str) -> ActionResult:
    """A search outcome: the models' `to_json()` as the JSON result (`[]` when none), one table row per model."""
    return ActionResult(
        found_message if models else none_found_message,
        [model.to_json() for model in models],
        ((table_title, [model.to_table() for model in models]),),
    )


def csv_lines(rows: list[dict]) -> list[str]:
    """A data table as the platform expects: header = keys in first-seen order, commas in cells replaced."""
    header: dict[str, None] = {}
    for row in rows:
        header.update(dict.fromkeys(row))

    def cell(value: Any) -> str:
        if value is None:
            return ""
        text = value if isinstance(value, str) else json.dumps(value) if isinstance(value, dict | list) else str(value)
        return text.replace(",", " ").replace("\r", " ").replace("\n", " ")

    return [",".join(cell(k) for k in header), *(",".join(cell(row.get(k)) for k in header) for row in rows)]


def run_action(spec: ActionSpec, perform: Callable[[ActionContext], ActionResult]) -> None:
    _main(spec, perform)


@output_handler
def _main(spec: ActionSpec, perform: Callable[[ActionContext], ActionResult]) -> None:
    siemplify = SiemplifyAction()
    siemplify.script_name = spec.name
    logger = siemplify.LOGGER
    started = time.monotonic()
    logger.info(f'Action "{spec.name}" started')
    context: ActionContext | None = None
    try:
        context = ActionContext(siemplify, spec, siemplify.get_configuration(INTEGRATION_IDENTIFIER) or {})
        result = perform(context)
    except Exception as exc:
        reason = failure_reason(exc, context.secrets() if context else [], logger.error)
        message = spec.failure_template.format(action=spec.name, reason=reason)
        logger.error(message)
        _log_finish(logger, spec, started, context, "failed")
        siemplify.end(message, False, EXECUTION_STATE_FAILED)
        return
    if result.json_result is not None:
        siemplify.result.add_result_json(result.json_result)
    for title, rows in result.tables:
        if rows:
            siemplify.result.add_data_table(title, csv_lines(rows))
    logger.info(result.message)
    _log_finish(logger, spec, started, context, "completed")
    siemplify.end(result.message, result.result_value, EXECUTION_STATE_COMPLETED)


def _log_finish(logger: Any, spec: ActionSpec, started: float, context: ActionContext | None, outcome: str) -> None:
    requests_sent = context.requests_sent if context else 0
    logger.info(
        f'Action "{spec.name}" {outcome} in {time.monotonic() - started:.2f} s '
        f"({requests_sent} HTTP request(s) to Mimecast)"
    )
