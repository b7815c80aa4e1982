"""Blocked Senders policies: what create-policy accepts, how Mimecast echoes a policy, and the stored policies.

A request's `policy` may use the new-style `from` / `to` objects or the legacy `fromType` / `fromValue`
fields; the answer always carries both (blockedsenders_create_policy_*.json). Eternal start / end come back
as 1900-01-01T00:00:00+0000 / 2100-01-01T23:59:59+0000.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from simulator.clock import SimClock
from simulator.dates import format_api_date
from simulator.held import secure_id
from simulator.registry import feature_state
from simulator.validation import (
    NULL_MESSAGE,
    ItemInvalid,
    is_domain,
    is_email_address,
    one_of,
    optional_date,
    optional_flag,
    required_string,
)

OPTIONS = ("block_sender", "no_action")
FROM_PARTS = ("envelope_from", "header_from", "both")
# Address type -> the field of the from/to object that carries its value (None: the type needs no value).
ADDRESS_TYPES: dict[str, str | None] = {
    "everyone": None,
    "internal_addresses": None,
    "external_addresses": None,
    "free_mail_domains": None,
    "email_domain": "emailDomain",
    "individual_email_address": "emailAddress",
    "header_display_name": "headerDisplayName",
    "profile_group": "groupId",
    "address_attribute_value": "attribute",
}
ETERNAL_START = datetime(1900, 1, 1, tzinfo=UTC)
ETERNAL_END = datetime(2100, 1, 1, 23, 59, 59, tzinfo=UTC)


@dataclass
class BlockedSenderPolicy:
    id: str
    option: str
    policy: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"option": self.option, "id": self.id, "policy": dict(self.policy)}


@feature_state("blocked_sender_policies")
class BlockedSenderPolicies:
    def __init__(self, *, seed: int, clock: SimClock) -> None:
        self._seed = seed
        self._clock = clock
        self._counter = 0
        self._policies: dict[str, BlockedSenderPolicy] = {}

    def create(self, item: dict) -> BlockedSenderPolicy:
        """Validate a create-policy item and store it (or replace the policy whose `id` it names)."""
        option = one_of(item, "option", OPTIONS)
        policy = item.get("policy")
        if not isinstance(policy, dict):
            code = "err_validation_null" if policy is None else "err_validation_invalid_type"
            raise ItemInvalid("policy", code, "This field is mandatory and must be an object")
        now = format_api_date(self._clock.now())
        existing = None
        if item.get("id") is not None:
            existing = self._policies.get(required_string(item, "id"))
            if existing is None:
                raise ItemInvalid("id", "err_policy_not_found", "Policy not found")
        fields = policy_fields(policy)
        fields["createTime"] = existing.policy["createTime"] if existing else now
        fields["lastUpdated"] = now
        if existing is None:
            self._counter += 1
            existing = BlockedSenderPolicy(secure_id("blocked-sender-policy", self._seed, self._counter), option, {})
            self._policies[existing.id] = existing
        existing.option, existing.policy = option, fields
        return existing

    def get(self, policy_id: str) -> BlockedSenderPolicy | None:
        return self._policies.get(policy_id)

    @property
    def created(self) -> int:
        """How many policies were created since start-up (or the last reset), deleted ones included."""
        return self._counter

    def all(self) -> list[BlockedSenderPolicy]:
        return list(self._policies.values())

    def delete(self, policy_id: str) -> bool:
        return self._policies.pop(policy_id, None) is not None


def policy_fields(policy: dict) -> dict[str, Any]:
    """The policy as Mimecast answers it, or ItemInvalid for the first value Mimecast would refuse."""
    description = required_string(policy, "description")
    from_part = one_of(policy, "fromPart", FROM_PARTS, default="envelope_from")
    sender = _address(policy, "from")
    recipient = _address(policy, "to")
    start, from_eternal = _date(policy, "fromDate", "fromEternal", ETERNAL_START)
    end, to_eternal = _date(policy, "toDate", "toEternal", ETERNAL_END)
    if end <= start:
        raise ItemInvalid("toDate", "err_policy_invalid_date_range", "toDate must be later than fromDate")
    conditions = policy.get("conditions") or {}
    if not isinstance(conditions, dict):
        raise ItemInvalid("conditions", "err_validation_invalid_type", "This field must be an object")
    fields: dict[str, Any] = {"description": description, "fromPart": from_part, "from": sender, "to": recipient}
    for side, address in (("from", sender), ("to", recipient)):
        fields[f"{side}Type"] = address["type"]
        value_field = ADDRESS_TYPES[address["type"]]
        if value_field:
            value = address[value_field]
            fields[f"{side}Value"] = value.get("value") if isinstance(value, dict) else value
    fields.update(
        fromEternal=from_eternal,
        toEternal=to_eternal,
        fromDate=format_api_date(start),
        toDate=format_api_date(end),
        override=optional_flag(policy, "override", False),
        bidirectional=optional_flag(policy, "bidirectional", False),
        conditions=conditions,
        enabled=optional_flag(policy, "enabled", True),
        enforced=optional_flag(policy, "enforced", False),
    )
    if policy.get("comment") is not None:
        fields["comment"] = str(policy["comment"])
    return fields


def _address(policy: dict, side: str) -> dict[str, Any]:
    """The `from` / `to` object, from the new-style object or the legacy `<side>Type` / `<side>Value`."""
    given = policy.get(side)
    if given is None and policy.get(f"{side}Type") is not None:
        legacy_type = policy[f"{side}Type"]
        given = {"type": legacy_type}
        if isinstance(legacy_type, str) and ADDRESS_TYPES.get(legacy_type):
            given[ADDRESS_TYPES[legacy_type]] = policy.get(f"{side}Value")
    if given is None:
        raise ItemInvalid(side, "err_validation_null", NULL_MESSAGE)
    if not isinstance(given, dict):
        raise ItemInvalid(side, "err_validation_invalid_type", "This field must be an object")
    address_type = given.get("type")
    if not isinstance(address_type, str) or address_type not in ADDRESS_TYPES:
        raise ItemInvalid("policy", f"err_policy_invalid_{side}_type", f"Invalid {side}Type", retryable=True)
    value_field = ADDRESS_TYPES[address_type]
    if value_field is None:
        return {"type": address_type}
    value = given.get(value_field)
    if not _valid_value(address_type, value):
        raise ItemInvalid("policy", f"err_policy_invalid_{side}_value", f"Invalid {side}Value", retryable=True)
    return {"type": address_type, value_field: value}


def _valid_value(address_type: str, value: object) -> bool:
    if address_type == "individual_email_address":
        return is_email_address(value)
    if address_type == "email_domain":
        return is_domain(value)
    if address_type == "address_attribute_value":
        return isinstance(value, dict) and isinstance(value.get("value"), str) and bool(value["value"].strip())
    return isinstance(value, str) and bool(value.strip())


def _date(policy: dict, date_field: str, eternal_field: str, eternal: datetime) -> tuple[datetime, bool]:
    """(the instant, whether it is eternal); eternal when the flag says so, or by default without a date."""
    is_eternal = optional_flag(policy, eternal_field, default=policy.get(date_field) is None)
    if is_eternal:
        return eternal, True
    value = policy.get(date_field)
    if value is None:
        raise ItemInvalid(date_field, "err_validation_null", f"This field is mandatory when {eternal_field} is false")
    return optional_date(policy, date_field), False
