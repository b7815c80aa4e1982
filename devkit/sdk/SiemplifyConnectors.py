"""Stand-in for the SDK's SiemplifyConnectors: ``SiemplifyConnectorExecution``.

Started as ``python <Connector>.py <"True"|"False"> <api_key> [--logPath=..]``; ``"False"`` is a
test run ("Run connector once"). The context arrives on stdin (or ``mock_stdin``).
"""

import json
import sys
from datetime import UTC, datetime
from typing import Any

import SiemplifyBase
import SiemplifyUtils
from OverflowManager import OverflowAlertDetails, OverflowManager
from Siemplify import Siemplify, export_proxy_environment
from SiemplifyConnectorsDataModel import CaseInfo, ConnectorContext
from SiemplifyUtils import unix_now

TIMESTAMP_KEY = "timestamp"
MAX_LOG_ROWS = 5000


class SiemplifyConnectorExecution(Siemplify):
    """A connector run: parameters, allow-list, persisted state, overflow and ``return_package``."""

    def __init__(self, mock_stdin: str | bytes | None = None) -> None:
        super().__init__(is_connector=True)
        self.is_test_run = sys.argv[1] != "True"
        context_data = self._read_context(mock_stdin)
        self.context = ConnectorContext(context_data)
        self.vault_settings = self.context.vault_settings
        info = self.context.connector_info
        self.parameters: dict[str, Any] = {}
        for param in info.params:
            self.parameters.setdefault(param.get("param_name"), param.get("param_value"))
        self.LOGGER.module = info.display_name
        self._overflow_cases: list[OverflowAlertDetails] = []
        self.overflow_manager = OverflowManager(self.LOGGER, self.is_test_run, self)
        self._run_folder = self._make_run_folder(f"{info.display_name}_{info.identifier}")
        export_proxy_environment(
            self.parameters.get("Proxy Server Address"),
            self.parameters.get("Proxy Username"),
            self.parameters.get("Proxy Password"),
            self.parameters.get("Proxy Ignored Addresses"),
        )

    @property
    def run_folder(self) -> str:
        return self._run_folder

    @property
    def whitelist(self) -> list[str]:
        return self.context.connector_info.white_list

    def extract_connector_param(
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

    def get_connector_context_property(self, identifier: str, key: str, /) -> str | None:
        return self.get_context_property(SiemplifyBase.CONTEXT_TYPE_CONNECTOR, identifier, key)

    def set_connector_context_property(self, identifier: str, key: str, value: str, /) -> None:
        self.set_context_property(SiemplifyBase.CONTEXT_TYPE_CONNECTOR, identifier, key, value)

    def fetch_timestamp(self, datetime_format: bool = False, timezone: bool = False) -> int | datetime:
        """The saved timestamp in unix ms (0 on a first run), or as an aware UTC datetime."""
        raw = self.get_connector_context_property(self.context.connector_info.identifier, TIMESTAMP_KEY)
        if raw is None:
            self.LOGGER.info(f"No data found for property key: {TIMESTAMP_KEY}")
            timestamp = 0
        else:
            timestamp = int(json.loads(raw))
        if datetime_format:
            return _utc_datetime(timestamp)
        return timestamp

    # The default is evaluated once, at import, exactly like the SDK: callers must pass the value.
    def save_timestamp(
        self,
        datetime_format: bool = False,
        timezone: bool = False,
        new_timestamp: int | datetime = unix_now(),  # noqa: B008
    ) -> None:
        if isinstance(new_timestamp, datetime):
            new_timestamp = SiemplifyUtils.convert_datetime_to_unix_time(new_timestamp)
        self.set_connector_context_property(
            self.context.connector_info.identifier, TIMESTAMP_KEY, json.dumps(int(new_timestamp))
        )

    def is_overflowed_alert(
        self,
        environment: str,
        alert_identifier: str,
        ingestion_time: int = unix_now(),
        original_file_path: str | None = None,
        original_file_content: str | None = None,
        alert_name: str | None = None,
        product: str | None = None,
        source_ip: str | None = None,
        source_host: str | None = None,
        destination_ip: str | None = None,
        destination_host: str | None = None,
        siem_alert_id: str | None = None,
        source_system_url: str | None = None,
        source_rule_identifier: str | None = None,
    ) -> bool:
        details = OverflowAlertDetails(
            environment=environment,
            connector_identifier=self.context.connector_info.identifier,
            alert_identifier=alert_identifier,
            ingestion_time=ingestion_time,
            original_file_path=original_file_path,
            original_file_content=original_file_content,
            alert_name=alert_name,
            product=product,
            source_ip=source_ip,
            source_host=source_host,
            destination_ip=destination_ip,
            destination_host=destination_host,
            siem_alert_id=siem_alert_id,
            source_system_url=source_system_url,
            source_rule_identifier=source_rule_identifier,
        )
        overflowed = self.overflow_manager.check_is_alert_overflowed(details)
        if overflowed:
            self._overflow_cases.append(details)
        return overflowed

    def return_package(self, cases: list[CaseInfo], output_variables: dict = {}, log_items: list = []) -> None:  # noqa: B006 - the SDK's signature
        """Write the connector output object to the real stdout; the script then ends normally."""
        result = {
            "cases": [case.__dict__ for case in cases],
            "overflow_cases": [details.__dict__ for details in self._overflow_cases],
            "log_items": log_items,
            "variables": output_variables,
            "log_rows": [row.__dict__ for row in self.LOGGER.log_rows[:MAX_LOG_ROWS]],
        }
        self._write_output({"ResultObjectJson": json.dumps(result)})
        SiemplifyUtils._devkit_crash_point("return_package")

    def return_test_result(self, is_success: bool, result_params_dictionary: dict) -> None:
        self._write_output(
            {"ResultObjectJson": json.dumps({"is_success": is_success, "result_params": result_params_dictionary})}
        )

    def _write_output(self, output: dict[str, Any]) -> None:
        output["DebugOutput"] = SiemplifyUtils.override_stdout.getvalue()
        SiemplifyUtils.real_stdout.write(json.dumps(output))
        SiemplifyUtils.real_stdout.flush()


def _utc_datetime(timestamp_ms: int) -> datetime:
    return datetime.fromtimestamp(timestamp_ms / 1000, tz=UTC)
