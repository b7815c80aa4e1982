from MimecastActionRunner import ActionContext, ActionResult, run_action
from MimecastConstants import RELEASE_MESSAGE, RELEASE_SUCCESS_MESSAGE


def release_message(context: ActionContext) -> ActionResult:
    message_id = context.text("Message ID")
    if context.checkbox("Release To Sandbox"):
        outcome = context.manager.release_held_message_to_sandbox(message_id)
    else:
        outcome = context.manager.release_held_message(message_id)
    return ActionResult(RELEASE_SUCCESS_MESSAGE.format(message_id=message_id), outcome.to_json())


if __name__ == "__main__":
    run_action(RELEASE_MESSAGE, release_message)
