"""Stand-in for the SDK's SiemplifyBase: argv, logger, signals, run folder and the context store.

The platform REST API is replaced by the directory named by ``SOAR_DEVKIT_STORE``
(docs/ARCHITECTURE.md §2). A call that needs the platform while it is unset raises.
"""

import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

import SiemplifyLogger
import SiemplifyUtils

STORE_ENV = "SOAR_DEVKIT_STORE"
DEFAULT_RUN_FOLDER_PATH = "/opt/siemplify/siemplify_server/Scripting"
MAX_CONTEXT_VALUE_LENGTH = 3_000_000
SIGTERM_EXIT_CODE = -143

CONTEXT_TYPE_GLOBAL = 0
CONTEXT_TYPE_CASE = 1
CONTEXT_TYPE_ALERT = 2
CONTEXT_TYPE_JOB = 3
CONTEXT_TYPE_CONNECTOR = 4

CONFIGURATION_FILE = "configuration.json"
CONTEXT_FILE = "context.json"
CASES_FILE = "cases.json"
PROXY_FILE = "proxy.json"
ALERTS_FILE = "alerts.json"


def store_path(file_name: str) -> str:
    """Path of a file in the devkit store; raises when no store is configured."""
    store = os.environ.get(STORE_ENV)
    if not store:
        raise Exception(
            f"This call needs the SOAR platform, which the devkit replaces with a store directory: "
            f"set {STORE_ENV} (see docs/ARCHITECTURE.md)"
        )
    return os.path.join(store, file_name)


def read_store_json(file_name: str, default: Any = None) -> Any:
    """Decoded store file, or ``default`` when the file does not exist."""
    path = store_path(file_name)
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return default


def update_store_json(file_name: str, mutate: Callable[[dict], Any]) -> Any:
    """Read-modify-write a store JSON object under a lock; the file is replaced atomically."""
    import fcntl  # only writers need the lock

    path = store_path(file_name)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(f"{path}.lock", "a", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = read_store_json(file_name, {})
        outcome = mutate(data)
        temporary = f"{path}.{os.getpid()}.tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1, sort_keys=True)
        os.replace(temporary, path)
    return outcome


def _parse_flags(argv: list[str]) -> dict[str, str | bool]:
    flags: dict[str, str | bool] = {}
    for argument in argv:
        if argument.startswith("--"):
            name, separator, value = argument[2:].partition("=")
            flags[name] = value if separator else True
    return flags


class SiemplifyBase:
    """Process plumbing shared by actions, connectors and jobs."""

    def __init__(self, is_connector: bool = False) -> None:
        key_index = 2 if is_connector else 1
        if len(sys.argv) <= key_index:
            raise IndexError(f"sys.argv[{key_index}] must hold the platform API key; the script was started without it")
        self.api_key = sys.argv[key_index]
        flags = _parse_flags(sys.argv[1:])
        self.log_location = flags.get("logPath") or SiemplifyLogger.DEFAULT_LOG_PATH
        self.correlation_id = flags.get("correlationId")
        self.trace_id = flags.get("traceId")
        self.baggage = flags.get("baggage")
        self.one_platform_support = bool(flags.get("onePlatformSupport", False))
        self.use_elastic = bool(flags.get("useElastic", False))
        scheme = "http" if os.environ.get("APP_USE_SSL", "True").lower() == "false" else "https"
        host = os.environ.get("APP_IP", "localhost")
        self.API_ROOT = f"{scheme}://{host}:{os.environ.get('APP_PORT', '8443')}/api"
        self.RUN_FOLDER = DEFAULT_RUN_FOLDER_PATH
        self.script_name: str | None = None
        self._temp_folder: str | None = None
        self.LOGGER = SiemplifyLogger.SiemplifyLogger(self.log_location)
        if "REQUESTS_CA_BUNDLE" in os.environ:
            self.LOGGER.warn("Environment Variables cannot contain key REQUESTS_CA_BUNDLE")
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self._on_sigterm)
            signal.signal(signal.SIGINT, self._on_sigint)

    def _on_sigterm(self, signum: int, frame: Any) -> None:
        self.LOGGER.error("Received SIGTERM: the script is being terminated")
        sys.exit(SIGTERM_EXIT_CODE)

    def _on_sigint(self, signum: int, frame: Any) -> None:
        self.LOGGER.warn("Received SIGINT: ignored")

    def get_script_context(self) -> bytes:
        return sys.stdin.buffer.read()

    def _read_context(self, mock_stdin: str | bytes | None) -> dict[str, Any]:
        """The context JSON from ``mock_stdin`` or stdin (bytes decoded as utf-8-sig)."""
        raw = self.get_script_context() if mock_stdin is None else mock_stdin
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8-sig")
        return json.loads(raw)

    # Positional-only: the reference names the last arguments key/value, the SDK's own names may
    # differ, and a positional call works on both.
    def get_context_property(self, context_type: int, identifier: str, key: str, /) -> str | None:
        contexts = read_store_json(CONTEXT_FILE, {})
        return contexts.get(str(context_type), {}).get(str(identifier), {}).get(key)

    def set_context_property(self, context_type: int, identifier: str, key: str, value: str, /) -> None:
        _write_context_property(context_type, identifier, key, value, only_if_absent=False)

    def try_set_context_property(self, context_type: int, identifier: str, key: str, value: str, /) -> bool:
        """Set the property only if it does not exist yet; True when this call set it."""
        return _write_context_property(context_type, identifier, key, value, only_if_absent=True)

    def _run_folder_root(self) -> str:
        # The documented default only exists on a platform host; elsewhere keep run data in the store.
        if os.path.isdir(self.RUN_FOLDER) and os.access(self.RUN_FOLDER, os.W_OK):
            return self.RUN_FOLDER
        return store_path("run")

    def _make_run_folder(self, leaf: str) -> str:
        path = os.path.join(self._run_folder_root(), self.__class__.__name__, leaf)
        os.makedirs(path, exist_ok=True)
        return path

    @property
    def run_folder(self) -> str:
        if not self.script_name:
            raise Exception("Cannot get run folder: set script_name first")
        return self._make_run_folder(self.script_name)

    def get_temp_folder_path(self) -> str:
        if self._temp_folder is None:
            import tempfile

            self._temp_folder = tempfile.mkdtemp(prefix="siemplify_")
        return self._temp_folder

    def remove_temp_folder(self) -> None:
        if self._temp_folder is not None:
            import shutil

            shutil.rmtree(self._temp_folder, ignore_errors=True)
            self._temp_folder = None


def _write_context_property(context_type: int, identifier: str, key: str, value: Any, *, only_if_absent: bool) -> bool:
    """One locked store write of a string property; False when `only_if_absent` and the key exists."""
    if not isinstance(value, str):
        raise TypeError(f"Context property values are strings (store JSON yourself), got {type(value).__name__}")
    if len(value) > MAX_CONTEXT_VALUE_LENGTH:
        raise Exception(f"Context property value is {len(value)} characters; the platform accepts at most 3,000,000")

    def put(contexts: dict) -> bool:
        properties = contexts.setdefault(str(context_type), {}).setdefault(str(identifier), {})
        if only_if_absent and key in properties:
            return False
        properties[key] = value
        return True

    SiemplifyUtils._devkit_crash_point("before_context_write")
    written = update_store_json(CONTEXT_FILE, put)
    SiemplifyUtils._devkit_crash_point("after_context_write")
    return written
