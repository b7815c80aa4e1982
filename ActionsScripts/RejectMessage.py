from MimecastActionRunner import ActionContext, ActionResult, run_action
from MimecastConstants import REJECT_MESSAGE, REJECT_REASONS, REJECT_SUCCESS_MESSAGE


def reject_message(context: ActionContext) -> ActionResult:
    message_id = context.text("Message ID")
    reason_type = REJECT_REASONS[context.choice("Reason")]
    note = context.text("Note")
    notify_sender = context.checkbox("Notify Sender")
    outcome = context.manager.reject_held_message(
        message_id, note=note, reason_type=reason_type, notify_sender=notify_sender
    )
    return ActionResult(REJECT_SUCCESS_MESSAGE.format(message_id=message_id), outcome.to_json())


if __name__ == "__main__":
    run_action(REJECT_MESSAGE, reject_message)
