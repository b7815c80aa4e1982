from MimecastActionRunner import ActionContext, ActionResult, run_action
from MimecastConstants import COMMENT, MESSAGE_ID, REPORT_SUCCESS_MESSAGE, REPORT_TYPES
from MimecastSpecs import DDL, ActionSpec, AiSpec, ParamSpec

MESSAGE_ID_PARAM = ParamSpec(
    MESSAGE_ID,
    mandatory=True,
    description="The ID of the message to report: a message tracking ID, or the held-queue ID of a held message.",
    ai_description="ID of a held, archived or bounced message.",
)
REPORT_AS_PARAM = ParamSpec(
    "Report As",
    DDL,
    "Spam",
    options=tuple(REPORT_TYPES),
    description="What the message is reported as.",
    ai_description="Spam, Malware or Phishing (default Spam).",
)
COMMENT_PARAM = ParamSpec(
    COMMENT, description="A comment sent with the report.", ai_description="Comment sent with the report."
)
SPEC = ActionSpec(
    "Report Message",
    description=(
        "Report a message to Mimecast as spam, malware or phishing (POST "
        "/api/message-finder/report-message). Only messages with status Held, Archived or Bounced can be "
        "reported. This Mimecast function exists only in API 1.0: with API 2.0 credentials the action fails "
        "without sending anything and says which API 1.0 fields to configure. Needs the permission 'Archive "
        "| View Logs | Read'. JSON result: Mimecast's response item, or the reported ID and type when "
        "Mimecast answers none."
    ),
    params=(
        MESSAGE_ID_PARAM,
        REPORT_AS_PARAM,
        COMMENT_PARAM,
    ),
    result_example={
        "id": "eNpVzskOgjAABNB_6RUPpQUBEw8ILkiCuOByMpGWRW0RaKvR-O_C0fObycwHtDSVDS0JGAERLQN8LHPjRmq30nCzWUTels15Hpq",
        "type": "phishing",
        "reported": True,
    },
    documentation_anchor="report_message",
    ai=AiSpec(
        description=(
            "### General description\n"
            "Reports a message to Mimecast as spam, malware or phishing, with an optional comment, so Mimecast "
            "can improve its detection.\n"
            "\n"
            "### When to use it\n"
            "After an analyst confirms what a held, archived or bounced message is. The Mimecast function exists "
            "only in API 1.0: with API 2.0 credentials the action fails without sending anything and says which "
            "API 1.0 fields to configure.\n"
            "\n"
            "### What it changes in Mimecast\n"
            "Mimecast records the report; the message itself is not released, rejected or deleted.\n"
            "\n"
            "### Parameters\n"
            "Message ID (required), Report As (Spam, Malware or Phishing) and Comment.\n"
            "\n"
            "### Flow\n"
            "1. Checks that API 1.0 credentials are configured.\n"
            "2. Calls /api/message-finder/report-message and fails on any Mimecast error."
        ),
        short_description="Reports a Mimecast message as spam, malware or phishing (API 1.0 only).",
        capabilities="Sends a report to Mimecast; reads nothing beyond the confirmation.",
        changes_in_mimecast="Submits a report about the message to Mimecast, which records it for its detection.",
    ),
)


def report_message(context: ActionContext) -> ActionResult:
    message_id = context.required_text(MESSAGE_ID_PARAM)
    report_type = REPORT_TYPES[context.choice(REPORT_AS_PARAM)]
    comment = context.text(COMMENT_PARAM)
    outcome = context.manager.report_message(message_id, report_type, comment)
    return ActionResult(REPORT_SUCCESS_MESSAGE.format(message_id=message_id), outcome.to_json())


if __name__ == "__main__":
    run_action(SPEC, report_message)
