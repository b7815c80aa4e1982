"""Stand-in for the SDK's SiemplifyConnectorsDataModel: CaseInfo/AlertInfo and the connector context."""

import json
from typing import Any


class CaseInfo:
    """An alert handed to the platform; ``return_package`` serialises ``__dict__`` in this field order."""

    def __init__(self) -> None:
        self.environment: str | None = None
        self.ticket_id: str | None = None
        self.description: str | None = None
        self.display_id: str | None = None
        self.reason: str | None = None
        self.name: str | None = None
        self.source_system_url: str | None = None
        self.source_rule_identifier: str | None = None
        self.device_vendor: str | None = None
        self.device_product: str | None = None
        self.start_time: int | None = None
        self.end_time: int | None = None
        self.is_test_case = False
        self.priority = -1
        self.rule_generator: str | None = None
        self.source_grouping_identifier: str | None = None
        self.extensions: dict[str, Any] = {}
        self.events: list[dict[str, Any]] = []
        self.attachments: list[Any] = []
        self.siem_alert_id: str | None = None
        self.updated_fields: dict[str, Any] = {}
        self.alert_update_supported = False
        self.alert_metadata: dict[str, Any] = {}
        self.data_access_scope: Any = None


class AlertInfo(CaseInfo):
    pass


ALLOW_LIST_KEYS = ("allow_list", "white_list")
ALLOW_LIST_JSON_KEYS = ("allow_list_json_object", "white_list_json_object")


class ConnectorInfo:
    """``connector_info`` of the connector context."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.environment = data.get("environment")
        self.integration = data.get("integration")
        self.connector_definition_name = data.get("connector_definition_name")
        self.identifier = data.get("identifier")
        self.display_name = data.get("display_name")
        self.description = data.get("description")
        self.result_data_type = data.get("result_data_type")
        self.is_locally_scheduled_remote_connector = bool(data.get("is_locally_scheduled_remote_connector", False))
        self.params: list[dict[str, Any]] = list(data.get("params") or [])
        self.white_list = _allow_list(data)
        self.allow_list = self.white_list


def _allow_list(data: dict[str, Any]) -> list[str]:
    """The first non-empty of allow_list / white_list / their *_json_object (JSON string) variants."""
    for key in ALLOW_LIST_KEYS:
        if data.get(key):
            return list(data[key])
    for key in ALLOW_LIST_JSON_KEYS:
        if data.get(key):
            decoded = json.loads(data[key])
            if decoded:
                return list(decoded)
    return []


class ConnectorContext:
    """The connector's stdin context."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.connector_info = ConnectorInfo(data["connector_info"])
        self.vault_settings = data.get("vault_settings")
        self.environment_api_key = data.get("environment_api_key")
        self.connector_api_key = data.get("connector_api_key")
