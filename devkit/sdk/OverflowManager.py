"""Stand-in for the SDK's OverflowManager: per-connector sliding-window alert flood protection.

Settings: context (type 4) identifier ``overflow_settings``, key ``overflow_settings``, a JSON object
``{"is_enabled": bool, "max_alerts_count": int, "period_in_minutes": int}`` (missing fields take the
defaults: enabled, 50 alerts per 10 minutes). Cache: key ``overflow_data`` under the connector
instance identifier, ``{"|<environment>|<product>|<alert_name>": [ingestion ms, ...]}``.
"""

import json
from typing import Any

OVERFLOW_SETTINGS_IDENTIFIER = "overflow_settings"
OVERFLOW_SETTINGS_KEY = "overflow_settings"
OVERFLOW_DATA_KEY = "overflow_data"
CONNECTOR_CONTEXT_TYPE = 4
TEST_RUN_MESSAGE = "Overflow not checked because this is a test run"


class OverflowManagerSettings:
    def __init__(self, is_enabled: bool = True, max_alerts_count: int = 50, period_in_minutes: int = 10) -> None:
        self.is_enabled = is_enabled
        self.max_alerts_count = max_alerts_count
        self.period_in_minutes = period_in_minutes

    @classmethod
    def from_json(cls, raw: str | None) -> "OverflowManagerSettings":
        if not raw:
            return cls()
        data = json.loads(raw)
        defaults = cls()
        return cls(
            bool(data.get("is_enabled", defaults.is_enabled)),
            int(data.get("max_alerts_count", defaults.max_alerts_count)),
            int(data.get("period_in_minutes", defaults.period_in_minutes)),
        )


class OverflowAlertDetails:
    """What is reported in ``overflow_cases`` for an alert that was not ingested."""

    def __init__(
        self,
        environment: str | None,
        connector_identifier: str | None,
        alert_identifier: str | None,
        ingestion_time: int,
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
    ) -> None:
        self.environment = environment
        self.connector_identifier = connector_identifier
        self.alert_identifier = alert_identifier
        self.ingestion_time = ingestion_time
        self.original_file_path = original_file_path
        self.original_file_content = original_file_content
        self.alert_name = alert_name
        self.product = product
        self.source_ip = source_ip
        self.source_host = source_host
        self.destination_ip = destination_ip
        self.destination_host = destination_host
        self.siem_alert_id = siem_alert_id
        self.source_system_url = source_system_url
        self.source_rule_identifier = source_rule_identifier

    @property
    def overflow_key(self) -> str:
        return f"|{self.environment}|{self.product}|{self.alert_name}"


class OverflowManager:
    """Counts ingestions per (environment, product, alert name) in a sliding window."""

    def __init__(self, logger: Any, is_test_run: bool, connector_instance: Any) -> None:
        self.logger = logger
        self.is_test_run = is_test_run
        self.connector_instance = connector_instance
        self.settings = OverflowManagerSettings.from_json(
            connector_instance.get_context_property(
                CONNECTOR_CONTEXT_TYPE, OVERFLOW_SETTINGS_IDENTIFIER, OVERFLOW_SETTINGS_KEY
            )
        )

    def check_is_alert_overflowed(self, details: OverflowAlertDetails) -> bool:
        if self.is_test_run:
            self.logger.info(TEST_RUN_MESSAGE)
            return False
        if not self.settings.is_enabled:
            return False
        connector_identifier = details.connector_identifier
        raw_cache = self.connector_instance.get_context_property(
            CONNECTOR_CONTEXT_TYPE, connector_identifier, OVERFLOW_DATA_KEY
        )
        cache: dict[str, list[int]] = json.loads(raw_cache) if raw_cache else {}
        window_start = details.ingestion_time - self.settings.period_in_minutes * 60_000
        cache = {
            key: recent for key, times in cache.items() if (recent := [time for time in times if time > window_start])
        }
        ingested = cache.setdefault(details.overflow_key, [])
        overflowed = len(ingested) >= self.settings.max_alerts_count
        if overflowed:
            self.logger.warn(
                f"Alert {details.alert_identifier} overflowed: {len(ingested)} alerts for "
                f"'{details.overflow_key}' in the last {self.settings.period_in_minutes} minutes "
                f"(limit {self.settings.max_alerts_count})"
            )
        else:
            ingested.append(details.ingestion_time)
        self.connector_instance.set_context_property(
            CONNECTOR_CONTEXT_TYPE, connector_identifier, OVERFLOW_DATA_KEY, json.dumps(cache, separators=(",", ":"))
        )
        return overflowed
