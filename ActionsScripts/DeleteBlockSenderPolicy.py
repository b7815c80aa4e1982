from MimecastActionRunner import ActionContext, ActionResult, run_action
from MimecastConstants import DELETE_POLICY_SUCCESS_MESSAGE
from MimecastSpecs import ActionSpec, AiSpec, ParamSpec

POLICY_ID_PARAM = ParamSpec(
    "Policy ID",
    mandatory=True,
    description="The id of the policy to delete: the 'id' of Create Block Sender Policy's JSON result.",
    ai_description="The policy's id from Create Block Sender Policy's JSON result.",
)
SPEC = ActionSpec(
    "Delete Block Sender Policy",
    description=(
        "Delete a Blocked Senders policy in Mimecast (POST /api/policy/blockedsenders/delete-policy): the undo of "
        "Create Block Sender Policy. Works with API 1.0 and API 2.0 credentials (Mimecast's API 2.0 route lists "
        "omit this function although API 2.0 clients call it). Needs the permission 'Gateway | Policies | Edit' "
        "(undocumented; create-policy's). An unknown id makes the action fail, saying that no such policy "
        "exists. JSON result: the id of the deleted policy as Mimecast confirms it."
    ),
    params=(POLICY_ID_PARAM,),
    result_example={"id": "eNo1jrsOgjAAAP-lM0Npi4KJg_EFvoJIRd2wVCwoxRYkaPx3cXC"},
    documentation_anchor="delete_block_sender_policy",
    ai=AiSpec(
        description=(
            "### General description\n"
            "Deletes one Blocked Senders policy from Mimecast, by its id.\n"
            "\n"
            "### When to use it\n"
            "To undo a Create Block Sender Policy step, e.g. when the block turns out to be a false positive.\n"
            "\n"
            "### What it changes in Mimecast\n"
            "The policy is removed: mail it blocked is no longer blocked by it.\n"
            "\n"
            "### Parameters\n"
            "Policy ID (required).\n"
            "\n"
            "### Flow\n"
            "1. Calls /api/policy/blockedsenders/delete-policy once (a write is never retried).\n"
            "2. Succeeds when Mimecast confirms the id; an unknown id fails, saying so."
        ),
        short_description="Deletes a Mimecast Blocked Senders policy by id.",
        capabilities="Deletes a policy in Mimecast; returns what Mimecast confirmed.",
        changes_in_mimecast="Deletes the Blocked Senders policy with the given id.",
        outcomes=("remove_ioc_from_blocklist",),
    ),
)


def delete_block_sender_policy(context: ActionContext) -> ActionResult:
    policy_id = context.text(POLICY_ID_PARAM) or ""
    context.manager.delete_blocked_sender_policy(policy_id)
    return ActionResult(DELETE_POLICY_SUCCESS_MESSAGE.format(policy_id=policy_id), {"id": policy_id})


if __name__ == "__main__":
    run_action(SPEC, delete_block_sender_policy)
