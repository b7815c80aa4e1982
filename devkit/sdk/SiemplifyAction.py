"""Stand-in for the SDK's SiemplifyAction: the action context read from stdin (or ``mock_stdin``)."""

from typing import Any

import SiemplifyBase
import SiemplifyUtils
from ScriptResult import ScriptResult
from Siemplify import DEFAULT_MAX_JSON_RESULT_SIZE_MB, Siemplify
from SiemplifyDataModel import DomainEntityInfo

REQUIRED_CONTEXT_KEYS = (
    "target_entities",
    "case_id",
    "alert_id",
    "environment",
    "workflow_id",
    "parameters",
    "integration_identifier",
    "integration_instance",
    "action_definition_name",
    "original_requesting_user",
    "default_result_value",
)


def _target_keys(target_entities: list) -> tuple[set[tuple[str, str]], set[str]]:
    """(identifier, type) pairs of the new context format and bare identifiers of the old one."""
    pairs: set[tuple[str, str]] = set()
    identifiers: set[str] = set()
    for target in target_entities or []:
        if isinstance(target, dict):
            pairs.add((target.get("item1"), target.get("item2")))
        else:
            identifiers.add(target)
    return pairs, identifiers


class SiemplifyAction(Siemplify):
    """An action run: context, parameters, entities, result, configuration and timeouts."""

    def __init__(self, mock_stdin: str | bytes | None = None) -> None:
        super().__init__()
        self.context_data = self._read_context(mock_stdin)
        context = self.context_data
        missing = [key for key in REQUIRED_CONTEXT_KEYS if key not in context]
        if missing:
            raise KeyError(f"The action context lacks the required key(s): {', '.join(missing)}")
        self.target_entities_data = context["target_entities"] or []
        self.case_id = context["case_id"]
        self.alert_id = context["alert_id"]
        self._context_environment = context["environment"]
        self.workflow_id = context["workflow_id"]
        self.parameters: dict[str, Any] = dict(context["parameters"] or {})
        self.integration_identifier = context["integration_identifier"]
        self.integration_instance = context["integration_instance"]
        self.action_definition_name = context["action_definition_name"]
        self.original_requesting_user = context["original_requesting_user"]
        self.default_result_value = context["default_result_value"]
        self.workflow_instance_id = context.get("workflow_instance_id")
        self.parent_workflow_instance_id = context.get("parent_workflow_instance_id")
        self.execution_deadline_unix_time_ms = context.get("execution_deadline_unix_time_ms", 0)
        self.async_polling_interval_in_sec = context.get("async_polling_interval_in_sec", 0)
        self.async_total_duration_deadline = context.get("async_total_duration_deadline", 0)
        self.script_timeout_deadline = context.get("script_timeout_deadline", self.execution_deadline_unix_time_ms)
        self.use_proxy_settings = bool(context.get("use_proxy_settings", False))
        self.max_json_result_size = context.get("max_json_result_size", DEFAULT_MAX_JSON_RESULT_SIZE_MB)
        self.vault_settings = context.get("vault_settings")
        self.environment_api_key = context.get("environment_api_key")
        self._target_pairs, self._target_identifiers = _target_keys(self.target_entities_data)
        self.result = ScriptResult(
            [identifier for identifier, _ in self._target_pairs] + list(self._target_identifiers)
        )
        self._environment: str | None = None
        self._target_entities: list[DomainEntityInfo] | None = None
        if self.use_proxy_settings:
            self.init_proxy_settings()

    def _has_case(self) -> bool:
        try:
            return int(self.case_id) > 0
        except (TypeError, ValueError):
            return False

    @property
    def environment(self) -> str:
        """The case's environment (``cases.json``) when there is a case, else the context's."""
        if self._environment is None:
            environment = self._context_environment
            if self._has_case():
                cases = SiemplifyBase.read_store_json(SiemplifyBase.CASES_FILE, {})
                environment = cases.get(str(self.case_id), {}).get("environment", environment)
            self._environment = environment
        return self._environment

    def get_configuration(self, provider: str) -> dict[str, Any]:
        """The integration instance's configuration, read from the platform on every call."""
        return self.get_configuration_from_server(self.integration_instance or provider)

    def extract_action_param(
        self,
        param_name: str,
        default_value: Any = None,
        input_type: type = str,
        is_mandatory: bool = False,
        print_value: bool = False,
    ) -> Any:
        return SiemplifyUtils.extract_script_param(
            self, self.parameters, param_name, default_value, input_type, is_mandatory, print_value
        )

    @property
    def target_entities(self) -> list[DomainEntityInfo]:
        """Entities of the current alert (or of every alert of the case) that the action targets."""
        if self._target_entities is None:
            self._target_entities = [
                entity
                for entity in self._load_case_entities()
                if self._is_target(entity.identifier, entity.entity_type)
            ]
        return self._target_entities

    def _is_target(self, identifier: str, entity_type: str) -> bool:
        return (identifier, entity_type) in self._target_pairs or identifier in self._target_identifiers

    def _load_case_entities(self) -> list[DomainEntityInfo]:
        alerts = SiemplifyBase.read_store_json(SiemplifyBase.ALERTS_FILE, {}).get(str(self.case_id), [])
        if self.alert_id:
            alerts = [alert for alert in alerts if alert.get("identifier") == self.alert_id]
        return [DomainEntityInfo.from_dict(entity) for alert in alerts for entity in alert.get("security_entities", [])]

    def update_entities(self, updated_entities: list[DomainEntityInfo]) -> None:
        """Write changed entity properties/flags back to the case's alerts (``alerts.json``)."""
        updates = {(entity.identifier, entity.entity_type): entity.to_dict() for entity in updated_entities}

        def apply(alerts_by_case: dict) -> None:
            for alert in alerts_by_case.get(str(self.case_id), []):
                for entity in alert.get("security_entities", []):
                    update = updates.get((entity.get("identifier"), entity.get("entity_type")))
                    if update is not None:
                        entity.update(update)

        SiemplifyBase.update_store_json(SiemplifyBase.ALERTS_FILE, apply)

    @property
    def is_timeout_reached(self) -> bool:
        if not self.execution_deadline_unix_time_ms:
            raise Exception("Cannot tell whether the timeout is reached: execution_deadline_unix_time_ms is not set")
        return SiemplifyUtils.unix_now() >= int(self.execution_deadline_unix_time_ms)
