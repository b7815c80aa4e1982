from MimecastActionRunner import ActionContext, ActionResult, run_action
from MimecastConstants import BLOCK_SENDER_SUCCESS_MESSAGE, RECIPIENT, SENDER
from MimecastSpecs import ActionSpec, AiSpec, ParamSpec

SENDER_PARAM = ParamSpec(
    SENDER,
    mandatory=True,
    description="The email address of the sender to block.",
    ai_description="Email address to block.",
)
RECIPIENT_PARAM = ParamSpec(
    RECIPIENT,
    mandatory=True,
    description="The internal email address the sender is blocked for.",
    ai_description="Internal email address the block applies to.",
)
SPEC = ActionSpec(
    "Block Sender",
    description=(
        "Block a sender for one recipient: a managed-sender 'Block' entry (POST "
        "/api/managedsender/permit-or-block-sender). The recipient must be an internal address of the "
        "Mimecast account. Needs the permission 'Gateway | Managed Senders | Edit'. JSON result: the "
        "managed-sender entry Mimecast created."
    ),
    params=(
        SENDER_PARAM,
        RECIPIENT_PARAM,
    ),
    result_example={
        "id": "MTOKEN:eNoVzk0TQkAcgPHvslcOEYmZDlZNw0h5SekWu3kJO_mzMU3fPZ2fw",
        "sender": "attacker@example.org",
        "to": "alice@example.com",
        "type": "Block",
    },
    documentation_anchor="block_sender",
    ai=AiSpec(
        description=(
            "### General description\n"
            "Blocks one sender for one internal recipient by creating a managed-sender Block entry in Mimecast, "
            "and returns the entry.\n"
            "\n"
            "### When to use it\n"
            "To stop a sender from reaching a targeted user after a phishing or spam report, without a policy "
            "for the whole organisation (use Create Block Sender Policy for that).\n"
            "\n"
            "### What it changes in Mimecast\n"
            "Adds a Block entry for the sender and recipient to Mimecast's managed senders; later mail from the "
            "sender to that recipient is rejected.\n"
            "\n"
            "### Parameters\n"
            "Sender and Recipient, both email addresses (checked before the call); the recipient must be "
            "internal to the Mimecast account.\n"
            "\n"
            "### Flow\n"
            "1. Validates both addresses.\n"
            "2. Calls /api/managedsender/permit-or-block-sender with action block.\n"
            "3. Returns the created managed-sender entry."
        ),
        short_description="Blocks a sender for one internal recipient through Mimecast's managed senders.",
        capabilities="Writes a managed-sender entry in Mimecast; returns what Mimecast created.",
        changes_in_mimecast="Creates a managed-sender Block entry in Mimecast for the sender and recipient.",
        remediation=True,
        outcomes=("add_ioc_to_blocklist",),
    ),
)


def block_sender(context: ActionContext) -> ActionResult:
    sender, recipient = context.required_email(SENDER_PARAM), context.required_email(RECIPIENT_PARAM)
    entry = context.manager.block_sender(sender, recipient)
    return ActionResult(BLOCK_SENDER_SUCCESS_MESSAGE.format(sender=sender, recipient=recipient), entry.to_json())


if __name__ == "__main__":
    run_action(SPEC, block_sender)
