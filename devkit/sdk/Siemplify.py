"""Stand-in for the SDK's Siemplify: results, ``end()``, configuration reads and proxy settings."""

import json
import os
import sys
from typing import Any

import SiemplifyBase
import SiemplifyUtils
from ScriptResult import EXECUTION_STATE_COMPLETED, EXECUTION_STATE_FAILED, ScriptResult

DEFAULT_MAX_JSON_RESULT_SIZE_MB = 15


def export_proxy_environment(
    address: str | None, username: str | None = None, password: str | None = None, ignored_addresses: Any = None
) -> None:
    """Export http(s)_proxy (and no_proxy) for every HTTP client of the process; no address, no proxy."""
    if not address:
        return
    from urllib.parse import quote  # only needed when a proxy is configured

    scheme, separator, rest = address.partition("://")
    if not separator:
        scheme, rest = "http", address
    credentials = f"{quote(username, safe='')}:{quote(password or '', safe='')}@" if username else ""
    proxy_url = f"{scheme}://{credentials}{rest}"
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        os.environ[name] = proxy_url
    if ignored_addresses:
        if isinstance(ignored_addresses, str):
            ignored_addresses = ignored_addresses.split(",")
        no_proxy = ",".join(entry.strip() for entry in ignored_addresses if entry.strip())
        os.environ["no_proxy"] = os.environ["NO_PROXY"] = no_proxy


class Siemplify(SiemplifyBase.SiemplifyBase):
    """What actions and jobs share: the result object, ``end()`` and configuration reads."""

    def __init__(self, is_connector: bool = False) -> None:
        super().__init__(is_connector)
        self.result = ScriptResult([])
        self.max_json_result_size: float = DEFAULT_MAX_JSON_RESULT_SIZE_MB

    def end(self, message: str, result_value: Any, execution_state: int = EXECUTION_STATE_COMPLETED) -> None:
        """Write the output object to the real stdout and exit 0, whatever the execution state."""
        self.remove_temp_folder()
        result_object_json: str | None = json.dumps(self.result.to_json_dict())
        limit_mb = float(self.max_json_result_size or DEFAULT_MAX_JSON_RESULT_SIZE_MB)
        if len(result_object_json.encode("utf-8")) > limit_mb * 1024 * 1024:
            message = f"The action result is larger than the maximum JSON result size of {limit_mb:g} MB"
            self.LOGGER.error(message)
            result_object_json = None
            result_value = None
            execution_state = EXECUTION_STATE_FAILED
        output = {
            "Message": message,
            "ResultObjectJson": result_object_json,
            "ResultValue": result_value,
            "DebugOutput": SiemplifyUtils.override_stdout.getvalue(),
            "ExecutionState": execution_state,
        }
        SiemplifyUtils.real_stdout.write(json.dumps(output))
        SiemplifyUtils.real_stdout.flush()
        sys.exit(0)

    def get_configuration_from_server(self, integration_instance: str) -> dict[str, Any]:
        """One configuration read (the platform does one GET per read; nothing is cached)."""
        self.LOGGER.info("Reading configuration from Server")
        configurations = SiemplifyBase.read_store_json(SiemplifyBase.CONFIGURATION_FILE)
        if configurations is None:
            raise Exception(f"The devkit store has no {SiemplifyBase.CONFIGURATION_FILE}")
        if integration_instance not in configurations:
            raise Exception(f"The store's {SiemplifyBase.CONFIGURATION_FILE} has no instance '{integration_instance}'")
        return dict(configurations[integration_instance])

    def extract_configuration_param(
        self,
        provider_name: str,
        param_name: str,
        default_value: Any = None,
        input_type: type = str,
        is_mandatory: bool = False,
        print_value: bool = False,
    ) -> Any:
        if not provider_name:
            raise Exception("provider_name cannot be empty")
        configuration = self.get_configuration(provider_name)
        return SiemplifyUtils.extract_script_param(
            self, configuration, param_name, default_value, input_type, is_mandatory, print_value
        )

    def init_proxy_settings(self) -> None:
        """Export the platform's proxy settings (the ``GetProxySettings`` answer, ``proxy.json``)."""
        settings = SiemplifyBase.read_store_json(SiemplifyBase.PROXY_FILE) or {}
        export_proxy_environment(
            settings.get("proxy_server_address"),
            settings.get("username"),
            settings.get("password"),
            settings.get("ignored_addresses"),
        )
