"""A stateful simulator of the Mimecast API (API 1.0 HMAC and API 2.0 OAuth) for tests, demos and benchmarks.

    with Simulator(port=0, seed=7) as sim:
        sim.url, sim.state

See simulator/README.md for what is simulated, every knob and the assumptions made.
"""

from simulator.auth import (
    ALL_PERMISSIONS,
    DATE_SKEW_S,
    DEFAULT_API1_ACCESS_KEY,
    DEFAULT_API1_APP_ID,
    DEFAULT_API1_APP_KEY,
    DEFAULT_API1_SECRET_KEY,
    DEFAULT_API2_CLIENT_ID,
    DEFAULT_API2_CLIENT_SECRET,
    format_mc_date,
    mc_signature,
)
from simulator.registry import (
    DEFAULT_REGISTRY,
    ApiFail,
    ApiResult,
    AuthInfo,
    RequestContext,
    admin_route,
    endpoint,
    feature_state,
)
from simulator.server import Simulator
from simulator.state import SimConfig, SimulatorState

__all__ = [
    "ALL_PERMISSIONS",
    "DATE_SKEW_S",
    "DEFAULT_API1_ACCESS_KEY",
    "DEFAULT_API1_APP_ID",
    "DEFAULT_API1_APP_KEY",
    "DEFAULT_API1_SECRET_KEY",
    "DEFAULT_API2_CLIENT_ID",
    "DEFAULT_API2_CLIENT_SECRET",
    "DEFAULT_REGISTRY",
    "ApiFail",
    "ApiResult",
    "AuthInfo",
    "RequestContext",
    "SimConfig",
    "Simulator",
    "SimulatorState",
    "admin_route",
    "endpoint",
    "feature_state",
    "format_mc_date",
    "mc_signature",
]
