from MimecastActionRunner import ActionContext, ActionResult, run_action
from MimecastConstants import PING

# Ping's wording is the platform's convention, and Google's packaging tool looks for it in this file: keep it here.
SUCCESS_MESSAGE = "Successfully connected to the Mimecast server with the provided connection parameters!"
FAILURE_TEMPLATE = "Failed to connect to the Mimecast server! Error is {reason}"


def ping(context: ActionContext) -> ActionResult:
    account = context.manager.get_account()
    context.logger.info(f"Mimecast account: {account.account_name} ({account.account_code}), region {account.region}")
    return ActionResult(SUCCESS_MESSAGE)


if __name__ == "__main__":
    run_action(PING._replace(failure_template=FAILURE_TEMPLATE), ping)
