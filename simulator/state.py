"""Everything a running simulator knows: clock, credentials, tokens, fault knobs, request log, feature states."""

from __future__ import annotations

import inspect
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simulator.auth import DEFAULT_TOKEN_TTL_S, CredentialStore, TokenStore
from simulator.clock import SimClock
from simulator.faults import FaultPlan, ForcedFault
from simulator.registry import Registry
from simulator.requestlog import DEFAULT_MAX_ENTRIES, RequestLog


@dataclass
class SimConfig:
    """Start-up knobs; `SimulatorState.reset()` returns every knob to these values."""

    seed: int = 1
    latency_ms: int = 0
    path_latency_ms: dict[str, int] = field(default_factory=dict)
    rate_limit: tuple[int, int] | None = None  # (limit, window_ms)
    token_ttl_s: int = DEFAULT_TOKEN_TTL_S
    clock_offset_s: float = 0.0
    frozen_at: datetime | None = None
    faults: list[dict] = field(default_factory=list)
    max_log_entries: int = DEFAULT_MAX_ENTRIES
    # Keyword arguments for a feature state's constructor, by feature name (e.g. {"archive": {"size": 500}}).
    feature_options: dict[str, dict[str, Any]] = field(default_factory=dict)


class SimulatorState:
    """Shared by the server threads; endpoint functions run one at a time under `lock`.

    Feature states are reachable as attributes by their registered name (`state.account`).
    """

    def __init__(self, config: SimConfig, registry: Registry) -> None:
        self.lock = threading.RLock()
        self.config = config
        self.registry = registry
        self.seed = config.seed
        self.clock = SimClock()
        self.credentials = CredentialStore()
        self.tokens = TokenStore()
        self.faults = FaultPlan()
        self.log = RequestLog(config.max_log_entries)
        self.features: dict[str, Any] = {}
        unknown = sorted(set(config.feature_options) - set(registry.features))
        if unknown:
            raise ValueError(f"options given for unknown simulator feature(s): {', '.join(unknown)}")
        self.reset()

    def reset(self) -> None:
        """Back to the start-up state: knobs, default credentials, no tokens, empty log, fresh data."""
        cfg = self.config
        with self.lock:
            if cfg.frozen_at is not None:
                self.clock.freeze(cfg.frozen_at)
            else:
                self.clock.set_offset(cfg.clock_offset_s)
            self.credentials.reset()
            self.tokens.expire_all()
            self.tokens.ttl_s = cfg.token_ttl_s
            self.faults.reset()
            self.faults.set_latency(cfg.latency_ms)
            for path, ms in cfg.path_latency_ms.items():
                self.faults.set_latency(ms, path)
            if cfg.rate_limit:
                self.faults.set_rate_limit(*cfg.rate_limit)
            for spec in cfg.faults:
                self.faults.add(ForcedFault.from_dict(spec))
            self.log.reset()
            self.reset_data()

    def revoke_api2_client(self, client_id: str, revoked: bool = True) -> None:
        """Mimecast revokes an API 2.0 client: its tokens stop working and new token requests get 401
        (`revoked=False` lets it ask for tokens again)."""
        with self.lock:
            self.credentials.set_client_revoked(client_id, revoked)
            if revoked:
                self.tokens.drop_client(client_id)

    def reset_data(self) -> None:
        """Rebuild every feature's data from the seed (credentials, knobs and the log are kept).

        Features are built in registration order; a class whose constructor takes a `features` keyword
        also gets the features built before it (e.g. tracking puts its held messages in the held queue).
        """
        with self.lock:
            options = self.config.feature_options
            features: dict[str, Any] = {}
            for name, cls in self.registry.features.items():
                extra = {"features": features} if "features" in inspect.signature(cls).parameters else {}
                features[name] = cls(seed=self.seed, clock=self.clock, **extra, **options.get(name, {}))
            self.features = features

    def feature(self, name: str) -> Any:
        try:
            return self.features[name]
        except KeyError:
            raise KeyError(f"no simulator feature named {name!r}") from None

    def __getattr__(self, name: str) -> Any:
        features = self.__dict__.get("features") or {}
        if name in features:
            return features[name]
        raise AttributeError(name)
