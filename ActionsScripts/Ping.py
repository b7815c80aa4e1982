from MimecastActionRunner import ActionContext, ActionResult, run_action
from MimecastSpecs import ActionSpec, AiSpec

# Ping's wording is the platform's convention, and Google's packaging tool looks for it in this file: keep it here.
SUCCESS_MESSAGE = "Successfully connected to the Mimecast server with the provided connection parameters!"
FAILURE_TEMPLATE = "Failed to connect to the Mimecast server! Error is {reason}"

SPEC = ActionSpec(
    "Ping",
    description=(
        "Test connectivity to Mimecast with the integration instance's configuration (API 2.0: obtains a "
        "token first). Calls /api/account/get-account, which needs the permission 'Account | Dashboard | "
        "Read'."
    ),
    documentation_anchor="ping",
    ai=AiSpec(
        description=(
            "### General description\n"
            "Checks that Google SecOps can reach Mimecast with the integration instance's settings: it "
            "authenticates (API 2.0 obtains an OAuth token first; API 1.0 signs the request) and reads the "
            "account details.\n"
            "\n"
            "### When to use it\n"
            "When an instance is configured or its credentials change, and to tell a connection problem from a "
            "product problem. It is not meant as a playbook step.\n"
            "\n"
            "### What it changes in Mimecast\n"
            "Nothing: it only reads the account details.\n"
            "\n"
            "### Parameters\n"
            "None.\n"
            "\n"
            "### Flow\n"
            "1. Reads the instance configuration and chooses API 2.0 (Client ID and Client Secret) or API 1.0 "
            "(the four HMAC keys).\n"
            "2. Calls /api/account/get-account.\n"
            "3. Succeeds with the connection message, or fails with a reason that names the cause: API Root or "
            "DNS, TLS verification, rejected credentials, SOAR host clock skew (API 1.0) or a missing permission."
        ),
        short_description="Tests the connection to Mimecast with the instance's credentials; changes nothing.",
        capabilities="Reads the Mimecast account details to prove the credentials work; writes nothing.",
        fetches_data=True,
    ),
    failure_template=FAILURE_TEMPLATE,
)


def ping(context: ActionContext) -> ActionResult:
    account = context.manager.get_account()
    context.logger.info(f"Mimecast account: {account.account_name} ({account.account_code}), region {account.region}")
    return ActionResult(SUCCESS_MESSAGE)


if __name__ == "__main__":
    run_action(SPEC, ping)
