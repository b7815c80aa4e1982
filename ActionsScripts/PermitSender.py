from MimecastActionRunner import ActionContext, ActionResult, run_action
from MimecastConstants import PERMIT_SENDER_SUCCESS_MESSAGE, RECIPIENT, SENDER
from MimecastSpecs import ActionSpec, AiSpec, ParamSpec

SENDER_PARAM = ParamSpec(
    SENDER,
    mandatory=True,
    description="The email address of the sender to permit.",
    ai_description="Email address to permit.",
)
RECIPIENT_PARAM = ParamSpec(
    RECIPIENT,
    mandatory=True,
    description="The internal email address the sender is permitted for.",
    ai_description="Internal email address the permit applies to.",
)
SPEC = ActionSpec(
    "Permit Sender",
    description=(
        "Permit a sender for one recipient, bypassing spam checks: a managed-sender 'Permit' entry (POST "
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
        "sender": "partner@example.org",
        "to": "alice@example.com",
        "type": "Permit",
    },
    documentation_anchor="permit_sender",
    ai=AiSpec(
        description=(
            "### General description\n"
            "Permits one sender for one internal recipient by creating a managed-sender Permit entry in "
            "Mimecast, and returns the entry.\n"
            "\n"
            "### When to use it\n"
            "When a legitimate sender is repeatedly held or marked as spam for a user. Permitted mail bypasses "
            "Mimecast's spam checks, so use it only for senders the SOC trusts.\n"
            "\n"
            "### What it changes in Mimecast\n"
            "Adds a Permit entry for the sender and recipient to Mimecast's managed senders.\n"
            "\n"
            "### Parameters\n"
            "Sender and Recipient, both email addresses (checked before the call); the recipient must be "
            "internal to the Mimecast account.\n"
            "\n"
            "### Flow\n"
            "1. Validates both addresses.\n"
            "2. Calls /api/managedsender/permit-or-block-sender with action permit.\n"
            "3. Returns the created managed-sender entry."
        ),
        short_description="Permits a sender for one internal recipient through Mimecast's managed senders.",
        capabilities="Writes a managed-sender entry in Mimecast; returns what Mimecast created.",
        changes_in_mimecast="Creates a managed-sender Permit entry in Mimecast for the sender and recipient.",
        outcomes=("add_ioc_to_allowlist",),
    ),
)


def permit_sender(context: ActionContext) -> ActionResult:
    sender, recipient = context.required_email(SENDER_PARAM), context.required_email(RECIPIENT_PARAM)
    entry = context.manager.permit_sender(sender, recipient)
    return ActionResult(PERMIT_SENDER_SUCCESS_MESSAGE.format(sender=sender, recipient=recipient), entry.to_json())


if __name__ == "__main__":
    run_action(SPEC, permit_sender)
