"""The simulated tenant's account (what /api/account/get-account returns), derived from the seed."""

from __future__ import annotations

import copy
import random
from typing import Any

from simulator.clock import SimClock
from simulator.registry import feature_state

_COMPANIES = ("Northwind Traders", "Contoso", "Fabrikam", "Tailspin Toys", "Wingtip Partners", "Litware")
_FIRST_NAMES = ("Alex", "Sam", "Jordan", "Robin", "Casey", "Morgan")
_LAST_NAMES = ("Rivera", "Okafor", "Lindqvist", "Tanaka", "Novak", "Haddad")
_PACKAGES = (
    "Journal Services [1053]",
    "Desktop Apps - Outlook (Pro) [1016]",
    "Targeted Threat Protection - URL Protect [1033]",
    "Targeted Threat Protection - Attachment Protect [1034]",
    "Mimecast Mobile Pro [1040]",
    "Secure Messaging [1022]",
)


def tenant_domains(seed: int) -> list[str]:
    """The simulated tenant's internal domains for a seed (other features address its users with them)."""
    company = random.Random(f"account:{seed}").choice(_COMPANIES)
    slug = company.lower().replace(" ", "-")
    return [f"{slug}.example.com", f"mail.{slug}.example.com"]


@feature_state("account")
class AccountState:
    def __init__(self, *, seed: int, clock: SimClock) -> None:
        rng = random.Random(f"account:{seed}")
        company = rng.choice(_COMPANIES)
        self.domains = tenant_domains(seed)
        contact = f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}"
        self._account: dict[str, Any] = {
            "region": "us",
            "archive": True,
            "gateway": True,
            "passphrase": "",
            "supportCode": f"{rng.randint(1000, 9999)}",
            "maxRetention": rng.choice((30, 90, 365, 3650)),
            "maxRetentionConfirmed": True,
            "minRetentionEnabled": False,
            "automatedSegmentPurge": True,
            "type": "full",
            "policyInheritance": False,
            "databaseCode": f"usterm{rng.randint(1, 20)}",
            "searchReason": False,
            "contentAdministratorDefaultView": "Metadata",
            "adminSessionTimeout": 60,
            "exportApi": False,
            "exgestAllowQuery": False,
            "exgestAllowExtraction": True,
            "expressAccount": False,
            "cybergraphV2Enabled": False,
            "accountCode": f"CUSA{rng.randint(10000, 99999)}",
            "accountName": f"{company} (Simulated)",
            "adminEmail": f"admin@{self.domains[0]}",
            "contactEmail": f"{contact.split()[0].lower()}@{self.domains[0]}",
            "domain": self.domains[0],
            "userCount": rng.randint(25, 5000),
            "mimecastId": f"01-{rng.randint(1000, 9999)}-{rng.randint(0, 99999):05d}",
            "contactName": contact,
            "telephone": f"+1555{rng.randint(1000000, 9999999)}",
            "packages": sorted(rng.sample(_PACKAGES, 3)),
        }

    def to_json(self) -> dict[str, Any]:
        return copy.deepcopy(self._account)

    def update(self, fields: dict[str, Any]) -> None:
        self._account.update(copy.deepcopy(fields))
