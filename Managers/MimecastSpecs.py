"""What an action or the connector declares once, beside its code: its name, texts, parameters and examples.

Every action script declares its `SPEC` (an ActionSpec) and reads its parameters through the ParamSpec
objects in it; the connector script declares its ConnectorSpec. `python -m devkit generate` writes the
platform's files from them (the .actiondef and .connectordef files, the widget definitions and the AI
metadata), so nothing else holds a copy. This module imports nothing: the devkit reads a spec without
starting a run.
"""

from typing import Any, NamedTuple

# Parameter kinds; the generated definition files encode them with the platform's type codes.
STRING = "string"
PASSWORD = "password"
CHECKBOX = "checkbox"
INTEGER = "integer"
DDL = "ddl"

ACTION_FAILURE_TEMPLATE = 'Error executing action "{action}". Reason: {reason}'
# The AI metadata's entity usage of an action that works on its parameters alone, as every action here does.
PARAMETERS_ONLY = "The action takes its input from its parameters; it does not read or filter case entities."
# What a widget's JSON result is: the widget shows only when the step returned one.
LIST_RESULT = "list"
OBJECT_RESULT = "object"


class ParamSpec(NamedTuple):
    """One parameter. Its name is part of the public contract: playbooks pass values by it."""

    name: str
    kind: str = STRING
    default: str = ""
    mandatory: bool = False
    options: tuple[str, ...] = ()
    description: str = ""
    # Its row in the AI metadata's parameter table: a short description, and the form of the value shown
    # beside its type ("CSV" gives "String (CSV)").
    ai_description: str = ""
    value_format: str = ""
    # A connector parameter shown among the advanced settings.
    advanced: bool = False


class AiSpec(NamedTuple):
    """An action's AI metadata, the entry Google's packaging tool reads (resources/ai/actions_ai_description.yaml)."""

    # Markdown: what the action does, when to use it, what it changes, its parameters and its flow.
    description: str
    short_description: str
    # Why the capabilities are what they are.
    capabilities: str
    fetches_data: bool = False
    # What the action changes in Mimecast; None when it changes nothing.
    changes_in_mimecast: str | None = None
    remediation: bool = False
    enrichment: bool = False
    # The outcome categories that apply, e.g. "search_email" (the tool's action_outcomes_categories).
    outcomes: tuple[str, ...] = ()
    entity_usage: str = PARAMETERS_ONLY


class WidgetSpec(NamedTuple):
    """A predefined widget that renders the action's JSON result; its page is WidgetsScripts/<Stem>.html."""

    description: str
    # LIST_RESULT or OBJECT_RESULT: what the step's JSON result must be for the widget to show.
    result: str


def _param(owner: str, params: tuple[ParamSpec, ...], name: str) -> ParamSpec:
    for spec in params:
        if spec.name == name:
            return spec
    raise KeyError(f'"{owner}" has no parameter "{name}"')


class ActionSpec(NamedTuple):
    """An action. Its script's file name is the stem of its definition, widget and page."""

    name: str
    description: str = ""
    params: tuple[ParamSpec, ...] = ()
    # The JSON result example, a JSON value; None for an action without a JSON result.
    result_example: Any = None
    # The action's section of the integration's documentation page, e.g. "simple_archive_search".
    documentation_anchor: str = ""
    ai: AiSpec | None = None
    widget: WidgetSpec | None = None
    # Ping words a failure to reach Mimecast differently from every other action.
    failure_template: str = ACTION_FAILURE_TEMPLATE

    def param(self, name: str) -> ParamSpec:
        return _param(self.name, self.params, name)


class ConnectorSpec(NamedTuple):
    """A connector. Its script's file name is the stem of its definition."""

    name: str
    description: str = ""
    params: tuple[ParamSpec, ...] = ()
    documentation_anchor: str = ""

    def param(self, name: str) -> ParamSpec:
        return _param(self.name, self.params, name)
