"""Stand-in for the SDK's SiemplifyDataModel: the entity object actions receive in ``target_entities``."""

from typing import Any

ENTITY_FIELDS = (
    "identifier",
    "creation_time",
    "modification_time",
    "case_identifier",
    "alert_identifier",
    "entity_type",
    "is_internal",
    "is_suspicious",
    "is_artifact",
    "is_enriched",
    "is_vulnerable",
    "is_pivot",
    "additional_properties",
)


class DomainEntityInfo:
    """A case entity: identifier (upper-cased by the platform), type, flags and additional properties."""

    def __init__(
        self,
        identifier: str,
        creation_time: int | None = None,
        modification_time: int | None = None,
        case_identifier: str | None = None,
        alert_identifier: str | None = None,
        entity_type: str | None = None,
        is_internal: bool = False,
        is_suspicious: bool = False,
        is_artifact: bool = False,
        is_enriched: bool = False,
        is_vulnerable: bool = False,
        is_pivot: bool = False,
        additional_properties: dict[str, Any] | None = None,
    ) -> None:
        self.identifier = identifier
        self.creation_time = creation_time
        self.modification_time = modification_time
        self.case_identifier = case_identifier
        self.alert_identifier = alert_identifier
        self.entity_type = entity_type
        self.is_internal = is_internal
        self.is_suspicious = is_suspicious
        self.is_artifact = is_artifact
        self.is_enriched = is_enriched
        self.is_vulnerable = is_vulnerable
        self.is_pivot = is_pivot
        self.additional_properties = additional_properties if additional_properties is not None else {}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "DomainEntityInfo":
        return cls(**{field: data[field] for field in ENTITY_FIELDS if field in data})

    def to_dict(self) -> dict[str, Any]:
        return {field: getattr(self, field) for field in ENTITY_FIELDS}

    def __repr__(self) -> str:
        return f"DomainEntityInfo(identifier={self.identifier!r}, entity_type={self.entity_type!r})"
