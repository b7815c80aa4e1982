"""Stand-in for the SDK's ScriptResult: the action's result items and the execution states.

Items live in one dict keyed by (title, entity_type) and serialise under ``"JsonResult"`` for the
JSON result and ``"<title>_<entity_type>"`` for everything else.
"""

import json
from collections.abc import Iterable
from typing import Any

EXECUTION_STATE_COMPLETED = 0
EXECUTION_STATE_INPROGRESS = 1
EXECUTION_STATE_FAILED = 2
EXECUTION_STATE_TIMEDOUT = 3

JSON_RESULT_TITLE = "JsonResult"
ATTACHMENT_SIZE_LIMIT_BYTES = 50 * 1024 * 1024


class ScriptResult:
    """Result items of one action run (tables, JSON, links, content, HTML, markdown, attachments)."""

    def __init__(self, entities: Iterable[Any]) -> None:
        # Entities may be DomainEntityInfo objects or bare identifiers; only identifiers matter here.
        self.entities = list(entities)
        self._result_object: dict[tuple[str, str | None], dict[str, Any]] = {}

    def _item(self, title: str, entity_type: str | None) -> dict[str, Any]:
        key = (title, entity_type)
        if key not in self._result_object:
            identifiers = {getattr(entity, "identifier", entity) for entity in self.entities}
            self._result_object[key] = {
                "Title": title,
                "Type": entity_type,
                "IsForEntity": title in identifiers,
                "Content": "",
                "RawJson": "",
                "CSVLines": "",
                "Attachments": {},
                "Htmls": {},
                "Markdowns": {},
            }
        return self._result_object[key]

    def add_result_json(self, json_data: Any) -> None:
        self._set_json(JSON_RESULT_TITLE, json_data, None)

    def add_json(self, title: str, json_data: Any, entity_type: str | None = None) -> None:
        self._set_json(title, json_data, entity_type)

    def add_entity_json(self, entity_identifier: str, json_data: Any, entity_type: str | None = None) -> None:
        self._set_json(entity_identifier, json_data, entity_type)

    def _set_json(self, title: str, json_data: Any, entity_type: str | None) -> None:
        if isinstance(json_data, str):
            json.loads(json_data)
            raw_json = json_data
        else:
            raw_json = json.dumps(json_data)
        self._item(title, entity_type)["RawJson"] = raw_json

    def add_data_table(self, title: str, data_table: list[str], entity_type: str | None = None) -> None:
        self._item(title, entity_type)["CSVLines"] = list(data_table)

    def add_entity_table(self, entity_identifier: str, data_table: list[str], entity_type: str | None = None) -> None:
        self.add_data_table(entity_identifier, data_table, entity_type)

    def add_link(self, title: str, link: str, entity_type: str | None = None) -> None:
        self._item(title, entity_type).setdefault("Links", []).append(link)

    def add_entity_link(self, entity_identifier: str, link: str, entity_type: str | None = None) -> None:
        self.add_link(entity_identifier, link, entity_type)

    def add_content(self, title: str, content: str) -> None:
        self._item(title, None)["Content"] = content

    def add_html(self, title: str, report_name: str, html: str) -> None:
        self._item(title, None)["Htmls"][report_name] = html

    def add_markdown(self, title: str, name: str, md: str) -> None:
        self._item(title, None)["Markdowns"][name] = md

    def add_attachment(self, title: str, filename: str, base64_contents: str, additional_data: Any = None) -> None:
        attachments = self._item(title, None)["Attachments"]
        if len(base64_contents) > ATTACHMENT_SIZE_LIMIT_BYTES:
            raise Exception(f"Attachment {filename} is larger than the 50 MB limit")
        total = sum(len(contents) for item in self._result_object.values() for contents in item["Attachments"].values())
        if total - len(attachments.get(filename, "")) + len(base64_contents) > ATTACHMENT_SIZE_LIMIT_BYTES:
            raise Exception(f"Attachment {filename} would take the attachments of this result past the 50 MB limit")
        attachments[filename] = base64_contents

    def to_json_dict(self) -> dict[str, dict[str, Any]]:
        """The results dict as serialised into ``ResultObjectJson``."""
        return {
            JSON_RESULT_TITLE if (title, entity_type) == (JSON_RESULT_TITLE, None) else f"{title}_{entity_type}": item
            for (title, entity_type), item in self._result_object.items()
        }
