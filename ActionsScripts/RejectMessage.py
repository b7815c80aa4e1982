from MimecastActionRunner import ActionContext, ActionResult, run_action
from MimecastConstants import MESSAGE_ID, REJECT_REASON_SELECT_ONE, REJECT_REASONS, REJECT_SUCCESS_MESSAGE
from MimecastSpecs import CHECKBOX, DDL, ActionSpec, AiSpec, ParamSpec

MESSAGE_ID_PARAM = ParamSpec(
    MESSAGE_ID,
    mandatory=True,
    description="The held-queue ID of the message (the 'id' of /api/gateway/get-hold-message-list).",
    ai_description="Held-queue ID of the message.",
)
NOTE_PARAM = ParamSpec(
    "Note",
    description="Text returned to the sender with the rejection (Mimecast's 'message').",
    ai_description="Text returned to the sender with the rejection.",
)
REASON_PARAM = ParamSpec(
    "Reason",
    DDL,
    REJECT_REASON_SELECT_ONE,
    options=tuple(REJECT_REASONS),
    description="The rejection reason. Select One sends no reason.",
    ai_description=(
        "Select One, Inappropriate Communication, Confidential Information, Against Email Policy or Restricted Content."
    ),
)
NOTIFY_SENDER_PARAM = ParamSpec(
    "Notify Sender",
    CHECKBOX,
    "false",
    description="Send a rejection notice to the sender.",
    ai_description="Sends a rejection notice to the sender.",
)
SPEC = ActionSpec(
    "Reject Message",
    description=(
        "Reject a message held in Mimecast's held queue (POST /api/gateway/hold-reject). Only messages with "
        "status Held can be rejected; a message that is no longer held (already released or rejected) or an "
        "unknown ID makes the action fail. Works with API 1.0 and API 2.0 credentials. Needs the permission "
        "'Account | Monitoring | Held | Edit'. JSON result: Mimecast's response item for the message."
    ),
    params=(
        MESSAGE_ID_PARAM,
        NOTE_PARAM,
        REASON_PARAM,
        NOTIFY_SENDER_PARAM,
    ),
    result_example={
        "id": "eNpVzskOgjAABNB_6RUPpQUBEw8ILkiCuOByMpGWRW0RaKvR-O_C0fObycwHtDSVDS0JGAERLQN8LHPjRmq30nCzWUTels15Hpq",
        "reject": True,
    },
    documentation_anchor="reject_message",
    ai=AiSpec(
        description=(
            "### General description\n"
            "Rejects a message that Mimecast holds in its held queue, so it is never delivered; optionally with "
            "a note and a reason, and a notice to the sender.\n"
            "\n"
            "### When to use it\n"
            "When triage confirms that a held message is malicious or against policy. The Message ID is the "
            "held-queue ID: the connector's events carry it as held_message_id for held messages.\n"
            "\n"
            "### What it changes in Mimecast\n"
            "The message leaves the held queue as rejected and is not delivered. This cannot be undone.\n"
            "\n"
            "### Parameters\n"
            "Message ID (required), Note (text returned with the rejection), Reason (Select One sends no reason) "
            "and Notify Sender.\n"
            "\n"
            "### Flow\n"
            "1. Calls /api/gateway/hold-reject for the message.\n"
            "2. Fails when Mimecast does not confirm the rejection (the message is no longer held, or the ID is "
            "unknown)."
        ),
        short_description="Rejects a held Mimecast message so it is never delivered; cannot be undone.",
        capabilities="Changes the state of a held email in Mimecast; reads nothing beyond the confirmation.",
        changes_in_mimecast="Rejects the held message in Mimecast: it leaves the held queue and is never delivered.",
        remediation=True,
        outcomes=("update_email",),
    ),
)


def reject_message(context: ActionContext) -> ActionResult:
    message_id = context.required_text(MESSAGE_ID_PARAM)
    reason_type = REJECT_REASONS[context.choice(REASON_PARAM)]
    note = context.text(NOTE_PARAM)
    notify_sender = context.checkbox(NOTIFY_SENDER_PARAM)
    outcome = context.manager.reject_held_message(
        message_id, note=note, reason_type=reason_type, notify_sender=notify_sender
    )
    return ActionResult(REJECT_SUCCESS_MESSAGE.format(message_id=message_id), outcome.to_json())


if __name__ == "__main__":
    run_action(SPEC, reject_message)
