from MimecastActionRunner import ActionContext, ActionResult, run_action
from MimecastConstants import PING, PING_SUCCESS_MESSAGE


def ping(context: ActionContext) -> ActionResult:
    account = context.manager.get_account()
    context.logger.info(f"Mimecast account: {account.account_name} ({account.account_code}), region {account.region}")
    return ActionResult(PING_SUCCESS_MESSAGE)


if __name__ == "__main__":
    run_action(PING, ping)
