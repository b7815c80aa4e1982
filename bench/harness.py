"""What every scenario shares: the settings, a simulator per measurement, the instance, request counts."""

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from devkit import INSTANCES_DIR
from simulator import Simulator

ARCHIVE_SEARCH_PATH = "/api/archive/search"
TOKEN_PATH = "/oauth/token"


@dataclass(frozen=True)
class Settings:
    """The command-line knobs; RESULTS.md lists them and the command that reproduces them."""

    latency_ms: int = 100
    rate_limit: str = "1000/10000"
    startup_repeats: int = 21
    archive_repeats: int = 3
    archive_size: int = 5000
    connector_concurrency: int | None = None
    connector_backlog: int = 1000
    memory_backlogs: tuple[int, int] = (1000, 10000)
    seed: int = 6


@contextmanager
def simulator(
    *,
    latency_ms: int = 0,
    rate_limit: tuple[int, int] | None = None,
    feature_options: Mapping[str, Mapping[str, Any]] | None = None,
    seed: int = 6,
) -> Iterator[Any]:
    """A fresh in-process simulator for one measurement: its state, counters and maximum concurrency start at zero."""
    options = {name: dict(values) for name, values in (feature_options or {}).items()}
    with Simulator(port=0, seed=seed, latency_ms=latency_ms, rate_limit=rate_limit, feature_options=options) as sim:
        yield sim


def instance(url: str, api: str = "api2") -> dict[str, Any]:
    """The devkit's simulator instance (built-in tenant credentials) pointed at `url`."""
    configuration = json.loads((INSTANCES_DIR / f"simulator-{api}.json").read_text(encoding="utf-8"))
    configuration["API Root"] = url
    return configuration


def request_counts(sim: Any) -> dict[str, int]:
    """Requests per path since the log was last reset, whatever their status."""
    return {path: sum(counts.values()) for path, counts in sim.state.log.stats()["by_path"].items()}


def mib(kilobytes: float) -> float:
    return kilobytes / 1024.0
