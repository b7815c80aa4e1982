from MimecastActionRunner import ActionContext, ActionResult, list_result, run_action
from MimecastArchiveQuery import checked_advanced_query
from MimecastConstants import (
    ARCHIVE_FOUND_MESSAGE,
    ARCHIVE_MAX_EMAILS,
    ARCHIVE_NOT_FOUND_MESSAGE,
    ARCHIVE_RESULT_EXAMPLE,
    ARCHIVE_RESULTS_TABLE,
    XML_QUERY,
)
from MimecastSpecs import LIST_RESULT, ActionSpec, AiSpec, ParamSpec, WidgetSpec

XML_QUERY_PARAM = ParamSpec(
    XML_QUERY,
    mandatory=True,
    description=(
        "A complete Mimecast archive query (<xmlquery> document), sent as is with an administrative search. "
        "It is checked before anything is sent: it must be well-formed XML without DOCTYPE, entities or "
        "external references."
    ),
    ai_description="A complete Mimecast archive xmlquery, checked locally before it is sent.",
)
SPEC = ActionSpec(
    "Advanced Archive Search",
    description=(
        "Search archived emails in Mimecast with your own archive XML query (xmlquery). The query is checked "
        "locally first (no DOCTYPE, entities or external references), then sent as an administrative search; "
        "the action follows Mimecast's pages and returns at most 5000 emails, as the JSON result and a "
        "Results table. Needs the permission 'Archive | Search Logs | Read'."
    ),
    params=(XML_QUERY_PARAM,),
    result_example=ARCHIVE_RESULT_EXAMPLE,
    documentation_anchor="advanced_archive_search",
    ai=AiSpec(
        description=(
            "### General description\n"
            "Runs a complete Mimecast archive XML query written by the analyst or the playbook and returns the "
            "matching emails (JSON result and a Results table).\n"
            "\n"
            "### When to use it\n"
            "When Simple Archive Search cannot express the search: other fields, nested conditions, or text "
            "search in the message body.\n"
            "\n"
            "### What it changes in Mimecast\n"
            "Nothing: the search is read-only.\n"
            "\n"
            "### Parameters\n"
            "XML Query is a full Mimecast archive xmlquery document. It is parsed locally first; malformed XML, "
            "a DOCTYPE, entities or external references make the action fail before anything is sent.\n"
            "\n"
            "### Flow\n"
            "1. Checks the XML query locally.\n"
            "2. Calls /api/archive/search as an administrative search and follows Mimecast's pages.\n"
            "3. Returns the emails; finding none is still a success."
        ),
        short_description="Runs a Mimecast archive XML query and returns the matching emails; read-only.",
        capabilities="Reads archived emails that match the query; writes nothing.",
        fetches_data=True,
        outcomes=("search_email",),
    ),
    widget=WidgetSpec(
        (
            "Shows the archive emails an Advanced Archive Search step found, with their count: received date, "
            "sender, recipients, subject, status, number of attachments and the archive ID, ready to copy."
        ),
        LIST_RESULT,
    ),
)


def advanced_archive_search(context: ActionContext) -> ActionResult:
    query = checked_advanced_query(context.text(XML_QUERY_PARAM) or "")
    emails = context.manager.search_archive(query, ARCHIVE_MAX_EMAILS)
    if len(emails) == ARCHIVE_MAX_EMAILS:
        context.logger.warn(
            f"Returned {ARCHIVE_MAX_EMAILS} emails, the most this action returns; if more match, narrow "
            "the query (e.g. its <date>) to see the rest."
        )
    return list_result(emails, ARCHIVE_FOUND_MESSAGE, ARCHIVE_NOT_FOUND_MESSAGE, ARCHIVE_RESULTS_TABLE, "emails")


if __name__ == "__main__":
    run_action(SPEC, advanced_archive_search)
