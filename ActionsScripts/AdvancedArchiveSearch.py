from MimecastActionRunner import ActionContext, ActionResult, list_result, run_action
from MimecastArchiveQuery import checked_advanced_query
from MimecastConstants import (
    ADVANCED_ARCHIVE_SEARCH,
    ARCHIVE_FOUND_MESSAGE,
    ARCHIVE_MAX_EMAILS,
    ARCHIVE_NOT_FOUND_MESSAGE,
    ARCHIVE_RESULTS_TABLE,
    XML_QUERY,
)


def advanced_archive_search(context: ActionContext) -> ActionResult:
    query = checked_advanced_query(context.text(XML_QUERY) or "")
    emails = context.manager.search_archive(query, ARCHIVE_MAX_EMAILS)
    if len(emails) == ARCHIVE_MAX_EMAILS:
        context.logger.warn(
            f"Returned {ARCHIVE_MAX_EMAILS} emails, the most this action returns; if more match, narrow "
            "the query (e.g. its <date>) to see the rest."
        )
    return list_result(emails, ARCHIVE_FOUND_MESSAGE, ARCHIVE_NOT_FOUND_MESSAGE, ARCHIVE_RESULTS_TABLE, "emails")


if __name__ == "__main__":
    run_action(ADVANCED_ARCHIVE_SEARCH, advanced_archive_search)
