"""The Message Tracking connector's SDK edge: one run as the platform drives it (docs/CONNECTOR_DESIGN.md).

Start the SDK's connector object -> settings (MimecastConnectorSettings) -> the state from the connector context
-> the run's step (MimecastTrackingStep: searches, details, filters, alerts and the state to commit, no SDK) ->
overflow check -> `return_package` -> the state, written last -> exit. Only this module talks to the SDK.
"""

import json
import logging
import os
import sys
from typing import Any

import SiemplifyUtils
from SiemplifyBase import get_logger
from SiemplifyConnectors import SiemplifyConnectorExecution
from SiemplifyConnectorsDataModel import AlertInfo
from SiemplifyUtils import unix_now

from MimecastAuth import CachedToken
from MimecastConnectorSettings import ConnectorSettings, RunClock, read_settings
from MimecastConstants import CONNECTION_SETTINGS, CONNECTOR_SECRET_FIELDS, PROXY_SERVER_ADDRESS
from MimecastExceptions import MimecastError, Terms, failure_reason
from MimecastManager import MimecastManager
from MimecastPlatform import platform_call, platform_failure
from MimecastSecrets import RedactingLogger, Secrets
from MimecastSpecs import ConnectorSpec
from MimecastTracking import STATE_KEY, STATE_MAX_BYTES, TrackingState
from MimecastTrackingAlerts import TrackingAlert
from MimecastTrackingStep import run_step

TOKEN_KEY = "mimecast_api2_token"
# A failure's advice as the connector's run shows it (it never writes, so only where the connection is set).
CONNECTOR_TERMS = Terms(again="running the connector again", settings=CONNECTION_SETTINGS)


class ContextTokenStore:
    """The API 2.0 token in the connector context, so the next runs reuse it while it is valid.

    `client` holds the key the Manager gives (a digest of the API Root, the Client ID and the Client Secret's
    digest): a token saved for other values is not returned.
    """

    def __init__(self, siemplify: Any, identifier: str, writable: bool) -> None:
        self._siemplify = siemplify
        self._identifier = identifier
        self._writable = writable

    def load(self, key: str) -> CachedToken | None:
        with platform_call("read the cached API 2.0 token from the connector context"):
            raw = self._siemplify.get_connector_context_property(self._identifier, TOKEN_KEY)
        try:
            data = json.loads(raw or "null")
            if isinstance(data, dict) and data.get("client") == key:
                return CachedToken(str(data["access_token"]), float(data["expires_at"]))
        except (ValueError, KeyError, TypeError):
            pass
        return None

    def save(self, key: str, token: CachedToken) -> None:
        if self._writable:
            value = {"client": key, "access_token": token.access_token, "expires_at": token.expires_at}
            with platform_call("save the API 2.0 token in the connector context"):
                self._siemplify.set_connector_context_property(self._identifier, TOKEN_KEY, json.dumps(value))


class TrackingRun:
    def __init__(
        self, siemplify: Any, settings: ConnectorSettings, clock: RunClock, secrets: Secrets, logger: Any
    ) -> None:
        self.siemplify = siemplify
        self.logger = logger
        self.settings = settings
        self.clock = clock
        self.test_run = bool(siemplify.is_test_run)
        self.identifier = siemplify.context.connector_info.identifier
        self.manager = MimecastManager(
            settings.connection,
            secrets=secrets,
            logger=self.logger,
            deadline=clock.hard,
            token_store=ContextTokenStore(siemplify, self.identifier, writable=not self.test_run),
            pool_size=settings.concurrency + 2,
        )

    def load_state(self) -> TrackingState:
        with platform_call("read the connector state from the connector context"):
            raw = self.siemplify.get_connector_context_property(self.identifier, STATE_KEY)
        try:
            return TrackingState.from_json(raw)
        except (ValueError, KeyError, TypeError) as exc:
            self.logger.error(f"The saved connector state cannot be read ({exc}); starting as on a first run.")
            return TrackingState()

    def run(self) -> None:
        state = self.load_state()
        try:
            step = run_step(state, self.settings, self.manager, self.clock, self.logger, self.test_run)
        finally:
            self.manager.close()
        if step.state is None:
            self.siemplify.return_package([])
            return
        cases = self.hand_over(step.alerts)
        self.logger.info(
            f"Run finished in {self.clock.elapsed():.1f} s: {len(cases)} alert(s), {step.filtered} filtered out, "
            f"{len(step.alerts) - len(cases)} overflowed, {step.left} left for the next run "
            f"({self.manager.request_count} request(s) to Mimecast)."
        )
        if self.test_run:
            self.logger.info("Test run: the connector state was not saved.")
        text = step.state.to_json()
        if not self.test_run and len(text) > STATE_MAX_BYTES:
            self.logger.error(f"The connector state is {len(text)} bytes, above its bound of {STATE_MAX_BYTES}.")
        self.siemplify.return_package(cases)
        # The output object is complete on stdout before the state is written: from the write on, only the exit
        # is left (end_process), and a kill before the write only makes the next run redo this one.
        flush_output()
        if self.test_run:
            return
        with platform_call(
            "save the connector state in the connector context (the platform ingests nothing from "
            "this run, and the next run hands these messages over again)"
        ):
            self.siemplify.set_connector_context_property(self.identifier, STATE_KEY, text)

    def hand_over(self, alerts: list[TrackingAlert]) -> list[AlertInfo]:
        """AlertInfo objects for the alerts that pass the platform's overflow check."""
        cases = []
        for alert in alerts:
            with platform_call("check an alert against its overflow settings"):
                overflowed = self.siemplify.is_overflowed_alert(
                    environment=alert.environment,
                    alert_identifier=alert.ticket_id,
                    ingestion_time=unix_now(),
                    alert_name=alert.rule_generator,
                    product=alert.device_product,
                )
            if overflowed:
                self.logger.warn(f"Alert for {alert.ticket_id} overflowed and was not created.")
                continue
            case = AlertInfo()
            for name, value in alert._asdict().items():
                setattr(case, name, value)
            cases.append(case)
        return cases


RUN_FAILED = "The Message Tracking connector run failed: "


def flush_output() -> None:
    """What the script wrote so far, out of Python's buffers: the output object (stdout), stderr, the log file."""
    for stream in (SiemplifyUtils.real_stdout, sys.stdout, sys.stderr):
        stream.flush()
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for logger in loggers:
        for handler in getattr(logger, "handlers", ()):
            handler.flush()


def end_process() -> None:
    """Exit with status 0 now, after a run that ended normally (its state write, if any, was its last call).

    A kill between the state write and the exit loses the run's alerts: the state says they were handed over, but
    the platform ingests a run's output only when the process exits 0. The interpreter's teardown (joining
    threads, closing sessions, freeing every module and object) took about 50 ms there; everything the platform
    reads is already written (flush_output), so the process skips it.
    """
    flush_output()
    os._exit(0)


def start_connector_run() -> SiemplifyConnectorExecution:
    """The SDK's connector object; a failure before any of the connector's own code ran is worded, not a traceback.

    The SDK reads its overflow settings from the platform and exports the proxy parameters while it is built.
    """
    try:
        return SiemplifyConnectorExecution()
    except Exception as exc:
        if isinstance(exc, ValueError) and "Port" in str(exc):
            # urllib's "Port out of range 0-65535" / "Port could not be cast ...", from the SDK's proxy export.
            reason = (
                f'the SOAR SDK cannot use "{PROXY_SERVER_ADDRESS}" ({exc}). Use http://host:port with a port from 1 '
                "to 65535."
            )
        else:
            reason = str(platform_failure(exc, "start the connector run (the SDK reads its overflow settings)"))
        logger = get_logger()  # the SDK's logger, if the constructor got as far as setting it up
        if logger is not None:
            logger.error(RUN_FAILED + reason)
        raise MimecastError(RUN_FAILED + reason) from None


def run_tracking_connector(siemplify: Any, started: float, spec: ConnectorSpec) -> None:
    """One connector iteration of `spec` (the script's); a failure is logged (without secrets) and raised."""
    secrets = Secrets(*(str(siemplify.parameters.get(name) or "") for name in CONNECTOR_SECRET_FIELDS))
    logger = RedactingLogger(siemplify.LOGGER, secrets)
    try:
        info = siemplify.context.connector_info
        whitelist = list(siemplify.whitelist or [])
        settings = read_settings(siemplify.parameters, info.environment or "", whitelist, logger, secrets, spec)
        TrackingRun(siemplify, settings, RunClock(started, settings.timeout_s), secrets, logger).run()
    except Exception as exc:
        message = RUN_FAILED + failure_reason(exc, secrets, logger.error, CONNECTOR_TERMS)
        logger.error(message)
        raise MimecastError(message) from None
