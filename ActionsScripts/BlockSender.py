from MimecastActionRunner import ActionContext, ActionResult, run_action
from MimecastConstants import BLOCK_SENDER, BLOCK_SENDER_SUCCESS_MESSAGE


def block_sender(context: ActionContext) -> ActionResult:
    sender, recipient = context.email("Sender"), context.email("Recipient")
    entry = context.manager.block_sender(sender, recipient)
    return ActionResult(BLOCK_SENDER_SUCCESS_MESSAGE.format(sender=sender, recipient=recipient), entry.to_json())


if __name__ == "__main__":
    run_action(BLOCK_SENDER, block_sender)
