from MimecastActionRunner import ActionContext, ActionResult, run_action
from MimecastConstants import PERMIT_SENDER, PERMIT_SENDER_SUCCESS_MESSAGE


def permit_sender(context: ActionContext) -> ActionResult:
    sender, recipient = context.email("Sender"), context.email("Recipient")
    entry = context.manager.permit_sender(sender, recipient)
    return ActionResult(PERMIT_SENDER_SUCCESS_MESSAGE.format(sender=sender, recipient=recipient), entry.to_json())


if __name__ == "__main__":
    run_action(PERMIT_SENDER, permit_sender)
