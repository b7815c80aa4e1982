from MimecastActionRunner import ActionContext, ActionResult, list_result, run_action
from MimecastArchiveQuery import (
    END_TIME_PARAM,
    START_TIME_PARAM,
    TIME_FRAME_PARAM,
    SimpleArchiveQuery,
    chosen_time_frame,
)
from MimecastConstants import (
    ARCHIVE_FOUND_MESSAGE,
    ARCHIVE_MAX_EMAILS,
    ARCHIVE_MAX_PAGE_SIZE,
    ARCHIVE_NOT_FOUND_MESSAGE,
    ARCHIVE_RESULT_EXAMPLE,
    ARCHIVE_RESULTS_TABLE,
    DEFAULT_ARCHIVE_FIELDS,
    FIELDS_TO_RETURN,
    FROM,
    MAILBOXES,
    MAX_EMAILS_TO_RETURN,
    SUBJECT,
    TIME_FRAME,
    TO,
)
from MimecastDataModels import utc_timestamp
from MimecastSpecs import LIST_RESULT, ActionSpec, AiSpec, ParamSpec, WidgetSpec

FIELDS_TO_RETURN_PARAM = ParamSpec(
    FIELDS_TO_RETURN,
    default=DEFAULT_ARCHIVE_FIELDS,
    mandatory=True,
    description=(
        "Comma-separated archive fields each email should carry (commas and new lines both separate items), "
        f"e.g. {DEFAULT_ARCHIVE_FIELDS}."
    ),
    ai_description="Archive fields to return for each email.",
    value_format="CSV",
)
MAILBOXES_PARAM = ParamSpec(
    MAILBOXES,
    description=(
        "Comma-separated mailbox addresses (or domains) to search, aliases included. Empty: the whole "
        "archive (an administrative search)."
    ),
    ai_description="Mailboxes to search.",
    value_format="CSV",
)
FROM_PARAM = ParamSpec(
    FROM,
    description="Comma-separated sender addresses or domains; an email matches when it comes from any of them.",
    ai_description="Sender addresses (any of them).",
    value_format="CSV",
)
TO_PARAM = ParamSpec(
    TO,
    description="Comma-separated recipient addresses or domains; an email matches when it was sent to any of them.",
    ai_description="Recipient addresses (any of them).",
    value_format="CSV",
)
SUBJECT_PARAM = ParamSpec(
    SUBJECT, description="Text the subject must contain.", ai_description="Text the subject contains."
)
MAX_EMAILS_TO_RETURN_PARAM = ParamSpec(
    MAX_EMAILS_TO_RETURN,
    default="50",
    description=(
        "The most emails to return, 1 to 5000. The action pages through Mimecast's results with as few calls "
        "as possible (up to 500 emails a call)."
    ),
    ai_description="At most this many emails (default 50; 1 to 5000).",
    value_format="integer",
)
SPEC = ActionSpec(
    "Simple Archive Search",
    description=(
        "Search archived emails in Mimecast by sender, recipient, subject, mailbox and received time. "
        "Returns the emails as Mimecast's archive returns them (JSON result and a Results table), newest "
        "first. Calls /api/archive/search as an administrative search, which needs the permission 'Archive | "
        "Search Logs | Read'."
    ),
    params=(
        FIELDS_TO_RETURN_PARAM,
        MAILBOXES_PARAM,
        FROM_PARAM,
        TO_PARAM,
        SUBJECT_PARAM,
        TIME_FRAME_PARAM,
        START_TIME_PARAM,
        END_TIME_PARAM,
        MAX_EMAILS_TO_RETURN_PARAM,
    ),
    result_example=ARCHIVE_RESULT_EXAMPLE,
    documentation_anchor="simple_archive_search",
    ai=AiSpec(
        description=(
            "### General description\n"
            "Searches the Mimecast email archive by sender, recipient, subject, mailbox and received time, and "
            "returns the matching emails (JSON result and a Results table).\n"
            "\n"
            "### When to use it\n"
            "In an investigation, to find who else received a suspicious email (same sender or subject) or what "
            "a mailbox received in a time window, before deciding on containment.\n"
            "\n"
            "### What it changes in Mimecast\n"
            "Nothing: the search is read-only (an administrative archive search, which Mimecast records in its "
            "search logs).\n"
            "\n"
            "### Parameters\n"
            "Fields To Return, Mailboxes, From and To take comma-separated values; several From or To values are "
            "combined with OR. Time Frame is a rolling window ending now; with Custom, Start Time is required "
            "and End Time defaults to now. Max Emails To Return caps the result (default 50, at most 5000).\n"
            "\n"
            "### Flow\n"
            "1. Validates the parameters and resolves the time frame to a UTC range.\n"
            "2. Builds the archive XML query with user values escaped.\n"
            "3. Calls /api/archive/search and follows Mimecast's pages until enough emails are collected.\n"
            "4. Returns the emails; finding none is still a success."
        ),
        short_description="Searches the Mimecast archive by sender, recipient, subject, mailbox and time; read-only.",
        capabilities="Reads archived emails that match the criteria; writes nothing.",
        fetches_data=True,
        outcomes=("search_email",),
    ),
    widget=WidgetSpec(
        (
            "Shows the archive emails a Simple Archive Search step found, with their count: received date, "
            "sender, recipients, subject, status, number of attachments and the archive ID, ready to copy."
        ),
        LIST_RESULT,
    ),
)


def simple_archive_search(context: ActionContext) -> ActionResult:
    time_frame, start, end = chosen_time_frame(context)
    query = SimpleArchiveQuery(
        fields=context.csv(FIELDS_TO_RETURN_PARAM),
        start=start,
        end=end,
        mailboxes=context.csv(MAILBOXES_PARAM),
        senders=context.csv(FROM_PARAM),
        recipients=context.csv(TO_PARAM),
        subject=context.text(SUBJECT_PARAM),
    ).check()
    max_emails = context.positive_int(
        MAX_EMAILS_TO_RETURN_PARAM,
        maximum=ARCHIVE_MAX_EMAILS,
        beyond="the most an archive search returns; to see older emails, narrow the search (Time Frame, From, To, "
        "Subject)",
    )
    context.logger.info(
        f'{TIME_FRAME} "{time_frame}": searching emails received from {utc_timestamp(start)} to {utc_timestamp(end)} '
        f"(UTC), at most {max_emails}"
    )
    emails = context.manager.search_archive(query.to_xml(min(max_emails, ARCHIVE_MAX_PAGE_SIZE)), max_emails)
    return list_result(emails, ARCHIVE_FOUND_MESSAGE, ARCHIVE_NOT_FOUND_MESSAGE, ARCHIVE_RESULTS_TABLE, "emails")


if __name__ == "__main__":
    run_action(SPEC, simple_archive_search)
