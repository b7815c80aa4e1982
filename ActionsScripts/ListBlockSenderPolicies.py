from MimecastActionRunner import ActionContext, ActionResult, list_result, run_action
from MimecastConstants import POLICIES_FOUND_MESSAGE, POLICIES_NOT_FOUND_MESSAGE, POLICIES_TABLE
from MimecastDataModels import POLICY_EXAMPLE
from MimecastSpecs import ActionSpec, AiSpec, ParamSpec

# Far more than a tenant keeps; bounds the number of pages read.
MAX_POLICIES = 5000

POLICY_ID_PARAM = ParamSpec(
    "Policy ID",
    description="The id of one policy (e.g. from Create Block Sender Policy's JSON result). Empty: every policy.",
    ai_description="One policy's id; every policy when empty.",
)
MAX_POLICIES_PARAM = ParamSpec(
    "Max Policies To Return",
    default="100",
    description=f"The most policies to return, a positive whole number up to {MAX_POLICIES}.",
    ai_description="Most policies returned (default 100).",
    value_format="integer",
)
SPEC = ActionSpec(
    "List Block Sender Policies",
    description=(
        "List the Blocked Senders policies of Mimecast (POST /api/policy/blockedsenders/get-policy), or the one "
        "with Policy ID, following Mimecast's pages. Works with API 1.0 and API 2.0 credentials. Needs the "
        "permission 'Gateway | Policies | Read'. An unknown Policy ID makes the action fail, saying so. JSON "
        "result: the list of policies (option, id, policy) as Mimecast returns them; `[]` when there are none."
    ),
    params=(POLICY_ID_PARAM, MAX_POLICIES_PARAM),
    result_example=[POLICY_EXAMPLE],
    documentation_anchor="list_block_sender_policies",
    ai=AiSpec(
        description=(
            "### General description\n"
            "Lists Mimecast's Blocked Senders policies (or one, by id) with their response, sender and recipient "
            "scope, dates and state.\n"
            "\n"
            "### When to use it\n"
            "To review which senders are blocked, or to check a policy a playbook created before undoing it.\n"
            "\n"
            "### What it changes in Mimecast\n"
            "Nothing: it only reads.\n"
            "\n"
            "### Parameters\n"
            "Policy ID (optional) and Max Policies To Return (default 100).\n"
            "\n"
            "### Flow\n"
            "1. Calls /api/policy/blockedsenders/get-policy, following its pages.\n"
            "2. Returns the policies; an unknown Policy ID fails, saying so."
        ),
        short_description="Lists Mimecast Blocked Senders policies.",
        capabilities="Reads Blocked Senders policies from Mimecast; changes nothing.",
        fetches_data=True,
    ),
)


def list_block_sender_policies(context: ActionContext) -> ActionResult:
    policy_id = context.text(POLICY_ID_PARAM)
    max_policies = context.positive_int(MAX_POLICIES_PARAM, MAX_POLICIES)
    policies = context.manager.list_blocked_sender_policies(max_policies, policy_id)
    found = POLICIES_FOUND_MESSAGE.format(count=len(policies))
    return list_result(policies, found, POLICIES_NOT_FOUND_MESSAGE, POLICIES_TABLE, items="policies")


if __name__ == "__main__":
    run_action(SPEC, list_block_sender_policies)
