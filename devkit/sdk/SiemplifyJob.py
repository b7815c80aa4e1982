"""Stand-in for the SDK's SiemplifyJob: the job context, ``extract_job_param`` and ``end()``."""

from typing import Any

import SiemplifyUtils
from Siemplify import Siemplify


class SiemplifyJob(Siemplify):
    """A job run; its context carries ``parameters`` (required) and the job's ``unique_identifier``."""

    def __init__(self, mock_stdin: str | bytes | None = None) -> None:
        super().__init__()
        self.context_data = self._read_context(mock_stdin)
        self.parameters: dict[str, Any] = dict(self.context_data["parameters"] or {})
        self.unique_identifier = self.context_data.get("unique_identifier")
        self.use_proxy_settings = bool(self.context_data.get("use_proxy_settings", False))
        self.vault_settings = self.context_data.get("vault_settings")
        if self.use_proxy_settings:
            self.init_proxy_settings()

    def extract_job_param(
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
