from MimecastActionRunner import ActionContext, ActionResult, list_result, run_action
from MimecastArchiveQuery import SimpleArchiveQuery, time_frame_range
from MimecastConstants import (
    ARCHIVE_FOUND_MESSAGE,
    ARCHIVE_MAX_EMAILS,
    ARCHIVE_MAX_PAGE_SIZE,
    ARCHIVE_NOT_FOUND_MESSAGE,
    ARCHIVE_RESULTS_TABLE,
    END_TIME,
    FIELDS_TO_RETURN,
    FROM,
    MAILBOXES,
    MAX_EMAILS_TO_RETURN,
    SIMPLE_ARCHIVE_SEARCH,
    START_TIME,
    SUBJECT,
    TIME_FRAME,
    TIME_FRAME_CUSTOM,
    TO,
)
from MimecastDataModels import utc_timestamp


def simple_archive_search(context: ActionContext) -> ActionResult:
    time_frame = context.choice(TIME_FRAME)
    if time_frame == TIME_FRAME_CUSTOM:
        start, end = time_frame_range(time_frame, context.now(), context.time(START_TIME), context.time(END_TIME))
    else:
        start, end = time_frame_range(time_frame, context.now())
        if context.text(START_TIME) or context.text(END_TIME):
            context.logger.info(
                f'"{START_TIME}" and "{END_TIME}" are used only when "{TIME_FRAME}" is Custom; ignored.'
            )
    query = SimpleArchiveQuery(
        fields=context.csv(FIELDS_TO_RETURN),
        start=start,
        end=end,
        mailboxes=context.csv(MAILBOXES),
        senders=context.csv(FROM),
        recipients=context.csv(TO),
        subject=context.text(SUBJECT),
    ).check()
    max_emails = context.positive_int(
        MAX_EMAILS_TO_RETURN,
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
    run_action(SIMPLE_ARCHIVE_SEARCH, simple_archive_search)
