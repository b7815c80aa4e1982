from MimecastActionRunner import ActionContext, ActionResult, run_action
from MimecastConstants import REPORT_MESSAGE, REPORT_SUCCESS_MESSAGE, REPORT_TYPES


def report_message(context: ActionContext) -> ActionResult:
    message_id = context.text("Message ID")
    report_type = REPORT_TYPES[context.choice("Report As")]
    comment = context.text("Comment")
    outcome = context.manager.report_message(message_id, report_type, comment)
    return ActionResult(REPORT_SUCCESS_MESSAGE.format(message_id=message_id), outcome.to_json())


if __name__ == "__main__":
    run_action(REPORT_MESSAGE, report_message)
