from MimecastActionRunner import ActionContext, ActionResult, run_action
from MimecastConstants import MESSAGE_ID, RELEASE_SUCCESS_MESSAGE
from MimecastSpecs import CHECKBOX, ActionSpec, AiSpec, ParamSpec

MESSAGE_ID_PARAM = ParamSpec(
    MESSAGE_ID,
    mandatory=True,
    description=(
        "The held-queue ID of the message (the 'id' of /api/gateway/get-hold-message-list). With Release To "
        "Sandbox, the message tracking ID of the held message is accepted too."
    ),
    ai_description="Held-queue ID of the message.",
)
RELEASE_TO_SANDBOX_PARAM = ParamSpec(
    "Release To Sandbox",
    CHECKBOX,
    "false",
    description="Release the message to the sandbox (API 1.0 credentials only).",
    ai_description="Releases through Mimecast's sandbox; needs API 1.0 credentials.",
)
SPEC = ActionSpec(
    "Release Message",
    description=(
        "Release a message held in Mimecast's held queue (POST /api/gateway/hold-release). Only messages "
        "with status Held can be released; a message that is no longer held (already released or rejected) "
        "or an unknown ID makes the action fail. Release To Sandbox uses the API 1.0-only function "
        "/api/message-finder/release-held-email-to-sandbox: with API 2.0 credentials the action fails "
        "without sending anything and the message stays held (it is never released without the sandbox). "
        "Needs the permission 'Account | Monitoring | Held | Edit'. JSON result: Mimecast's response item "
        "for the message (id, release); a release to the sandbox, which Mimecast answers without an item, "
        "gives id, release and sandbox: true."
    ),
    params=(
        MESSAGE_ID_PARAM,
        RELEASE_TO_SANDBOX_PARAM,
    ),
    result_example={
        "id": "eNpVzskOgjAABNB_6RUPpQUBEw8ILkiCuOByMpGWRW0RaKvR-O_C0fObycwHtDSVDS0JGAERLQN8LHPjRmq30nCzWUTels15Hpq",
        "release": True,
    },
    documentation_anchor="release_message",
    ai=AiSpec(
        description=(
            "### General description\n"
            "Releases a message that Mimecast holds in its held queue, so it is delivered to its recipients, or "
            "with Release To Sandbox delivers it through Mimecast's sandbox.\n"
            "\n"
            "### When to use it\n"
            "When triage shows that a held message is legitimate (a false positive). The Message ID is the "
            "held-queue ID: the connector's events carry it as held_message_id for held messages.\n"
            "\n"
            "### What it changes in Mimecast\n"
            "The message leaves the held queue and is delivered. Release To Sandbox exists only in Mimecast API "
            "1.0: with API 2.0 credentials the action fails and the message stays held; it is never released "
            "without the sandbox that was asked for.\n"
            "\n"
            "### Parameters\n"
            "Message ID (required) and Release To Sandbox.\n"
            "\n"
            "### Flow\n"
            "1. Calls /api/gateway/hold-release, or the API 1.0 sandbox release.\n"
            "2. Fails when Mimecast does not confirm the release (the message is no longer held, or the ID is "
            "unknown)."
        ),
        short_description="Releases a held Mimecast message for delivery, optionally through the sandbox (API 1.0).",
        capabilities="Changes the state of a held email in Mimecast; reads nothing beyond the confirmation.",
        changes_in_mimecast="Releases the held message in Mimecast: it leaves the held queue and is delivered.",
        outcomes=("update_email",),
    ),
)


def release_message(context: ActionContext) -> ActionResult:
    message_id = context.required_text(MESSAGE_ID_PARAM)
    if context.checkbox(RELEASE_TO_SANDBOX_PARAM):
        outcome = context.manager.release_held_message_to_sandbox(message_id)
    else:
        outcome = context.manager.release_held_message(message_id)
    return ActionResult(RELEASE_SUCCESS_MESSAGE.format(message_id=message_id), outcome.to_json())


if __name__ == "__main__":
    run_action(SPEC, release_message)
