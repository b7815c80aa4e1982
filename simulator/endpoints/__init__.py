"""Endpoint modules. Each one registers its functions (and its feature state) on import.

A new feature adds its module name to FEATURE_MODULES; nothing else in the core changes.
"""

import importlib

FEATURE_MODULES = (
    "simulator.endpoints.account",
    "simulator.endpoints.held",
    "simulator.endpoints.tracking",
    "simulator.endpoints.messages",
    "simulator.endpoints.senders",
    "simulator.endpoints.policies",
    "simulator.endpoints.archive",
    "simulator.endpoints.message_detail",
    "simulator.endpoints.managed_urls",
    "simulator.endpoints.remediation",
)


def load_feature_modules() -> None:
    for name in FEATURE_MODULES:
        importlib.import_module(name)
