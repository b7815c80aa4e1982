"""Stand-in for the SDK's SiemplifyLogger.

Every call appends a ``LogRow``, prints the message to the (hijacked) stdout so it lands in
``DebugOutput``, and logs through Python logging to stderr and to the ``--logPath`` file.
"""

import logging
import os
import sys
import traceback
from typing import Any

import SiemplifyUtils

DEFAULT_LOG_PATH = "/var/log/siemplify/scripting/script.log"
LOG_FILE_MAX_BYTES = 10 * 1024 * 1024
LOG_FILE_BACKUP_COUNT = 5

LOG_LEVEL_DEBUG = 0
LOG_LEVEL_INFO = 1
LOG_LEVEL_WARN = 2
LOG_LEVEL_ERROR = 3

_LOG_FORMAT = "%(asctime)s %(levelname)s %(message)s"


class LogRow:
    """One log entry as reported in a connector's ``log_rows``."""

    def __init__(self, message: str, log_level: int, timestamp: int) -> None:
        self.message = message
        self.log_level = log_level
        self.timestamp = timestamp


class SiemplifyLogger:
    """Script logger: ``info``, ``warn``, ``error``, ``debug``, ``exception``, ``set_log_level``."""

    _instances = 0

    def __init__(
        self, log_location: str | None = None, log_level: int = logging.INFO, module: str | None = None
    ) -> None:
        self.module = module
        self.log_location = log_location or DEFAULT_LOG_PATH
        self._log_rows: list[LogRow] = []
        self._error_logged = False
        SiemplifyLogger._instances += 1
        # A private logger per instance so handlers never pile up when several SDK objects exist.
        self._logger = logging.getLogger(f"siemplify.script.{SiemplifyLogger._instances}")
        self._logger.propagate = False
        self._logger.setLevel(log_level)
        formatter = logging.Formatter(_LOG_FORMAT)
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(formatter)
        self._logger.addHandler(console)
        file_handler = _open_file_handler(self.log_location)
        if file_handler is not None:
            file_handler.setFormatter(formatter)
            self._logger.addHandler(file_handler)

    @property
    def log_rows(self) -> list[LogRow]:
        return self._log_rows

    @property
    def error_logged(self) -> bool:
        return self._error_logged

    def set_log_level(self, level: int | str) -> None:
        self._logger.setLevel(level)

    def info(self, msg: Any) -> None:
        self._record(msg, LOG_LEVEL_INFO, logging.INFO)

    def warn(self, msg: Any) -> None:
        self._record(msg, LOG_LEVEL_WARN, logging.WARNING)

    def error(self, msg: Any) -> None:
        self._error_logged = True
        self._record(msg, LOG_LEVEL_ERROR, logging.ERROR)

    def debug(self, msg: Any) -> None:
        if self._logger.isEnabledFor(logging.DEBUG):
            self._record(msg, LOG_LEVEL_DEBUG, logging.DEBUG)

    def exception(self, msg_or_exc: Any) -> None:
        """Log an error with the traceback of ``msg_or_exc`` (an exception) or of the one being handled."""
        self._error_logged = True
        if isinstance(msg_or_exc, BaseException) and msg_or_exc.__traceback__ is not None:
            trace = "".join(traceback.format_exception(msg_or_exc))
        elif sys.exc_info()[0] is not None:
            trace = traceback.format_exc()
        else:
            trace = ""
        self._record(f"{msg_or_exc}\n{trace}".rstrip(), LOG_LEVEL_ERROR, logging.ERROR)

    def _record(self, msg: Any, row_level: int, python_level: int) -> None:
        SiemplifyUtils._devkit_crash_point("log")
        message = str(msg)
        self._log_rows.append(LogRow(message, row_level, SiemplifyUtils.unix_now()))
        print(message)
        self._logger.log(python_level, "%s %s", self.module or "-", message)


def _open_file_handler(path: str) -> logging.Handler | None:
    try:
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        from logging.handlers import RotatingFileHandler  # only needed once the file can exist

        return RotatingFileHandler(
            path, maxBytes=LOG_FILE_MAX_BYTES, backupCount=LOG_FILE_BACKUP_COUNT, encoding="utf-8"
        )
    except OSError:
        return None
