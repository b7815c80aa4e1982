from MimecastActionRunner import ActionContext, ActionResult, run_action
from MimecastConstants import (
    COMMENT,
    CREATE_POLICY_NO_ACTION_NOTE,
    CREATE_POLICY_SUCCESS_MESSAGE,
    END_BEFORE_START_MESSAGE,
    END_TIME,
    POLICY_ADDRESS_TYPES,
    POLICY_EXTRACTED_DATA,
    POLICY_RESPONSES,
    POLICY_VALUE_REQUIRED_MESSAGE,
    RECIPIENT,
    SENDER,
    START_TIME,
)
from MimecastDataModels import POLICY_EXAMPLE, PolicyAddress, utc_timestamp
from MimecastExceptions import MimecastValidationError
from MimecastParameters import require_domain, require_email
from MimecastSpecs import CHECKBOX, DDL, OBJECT_RESULT, ActionSpec, AiSpec, ParamSpec, WidgetSpec

RESPONSE_PARAM = ParamSpec(
    "Response",
    DDL,
    "Block Sender",
    options=tuple(POLICY_RESPONSES),
    description="What Mimecast does with matching messages.",
    ai_description="Block Sender or No Action (default Block Sender).",
)
DESCRIPTION_PARAM = ParamSpec(
    "Description",
    mandatory=True,
    description="The policy's description (kept with archived mail).",
    ai_description="Name of the policy.",
)
EXTRACTED_DATA_PARAM = ParamSpec(
    "Extracted Data",
    DDL,
    "Both",
    options=tuple(POLICY_EXTRACTED_DATA),
    description="Which sender address the policy matches: envelope, headers or both.",
    ai_description="Match the envelope sender, the header sender, or both.",
)
SENDER_PARAM = ParamSpec(
    SENDER,
    description=(
        "The sender: an email address, a domain (without @) or a header display name. Required when Sender "
        "Type is Email Address, Email Domain or Header Display Name."
    ),
    ai_description="Address, domain or display name; required for those Sender Types.",
)
SENDER_TYPE_PARAM = ParamSpec(
    "Sender Type",
    DDL,
    "Email Domain",
    options=tuple(POLICY_ADDRESS_TYPES),
    description="Which senders the policy applies to.",
    ai_description=(
        "Everyone, Email Address, Email Domain, Header Display Name, Internal Addresses or External Addresses."
    ),
)
RECIPIENT_PARAM = ParamSpec(
    RECIPIENT,
    description=(
        "The recipient: an email address, a domain (without @) or a header display name. Required when "
        "Recipient Type is Email Address, Email Domain or Header Display Name."
    ),
    ai_description="Address, domain or display name; required for those Recipient Types.",
)
RECIPIENT_TYPE_PARAM = ParamSpec(
    "Recipient Type",
    DDL,
    "Email Domain",
    options=tuple(POLICY_ADDRESS_TYPES),
    description="Which recipients the policy applies to.",
    ai_description="The same options as Sender Type.",
)
COMMENT_PARAM = ParamSpec(
    COMMENT, description="A comment stored with the policy.", ai_description="Comment on the policy."
)
BIDIRECTIONAL_PARAM = ParamSpec(
    "Bidirectional",
    CHECKBOX,
    "true",
    description="Apply the policy in both directions.",
    ai_description="Also applies in the other direction (default on).",
)
ENFORCED_PARAM = ParamSpec(
    "Enforced", CHECKBOX, "true", description="Enforce the policy.", ai_description="Enforces the policy (default on)."
)
START_TIME_PARAM = ParamSpec(
    START_TIME,
    description=(
        "When the policy starts, ISO 8601 (e.g. 2025-03-07T16:03:00Z; UTC when no offset is given). Empty: eternal."
    ),
    ai_description="Start of the policy; eternal when empty.",
    value_format="ISO 8601",
)
END_TIME_PARAM = ParamSpec(
    END_TIME,
    description="When the policy ends, ISO 8601, later than Start Time and not in the past. Empty: eternal.",
    ai_description="End of the policy; eternal when empty.",
    value_format="ISO 8601",
)
SPEC = ActionSpec(
    "Create Block Sender Policy",
    description=(
        "Create a Blocked Senders policy in Mimecast (POST /api/policy/blockedsenders/create-policy). Every "
        "parameter is checked before anything is sent. Needs the permission 'Gateway | Policies | Edit' "
        "('Gateway | Policies | Read' to review policies in Mimecast). JSON result: the created policy "
        "(option, id, policy) as Mimecast returns it; eternal start / end come back as 1900 / 2100 dates."
    ),
    params=(
        RESPONSE_PARAM,
        DESCRIPTION_PARAM,
        EXTRACTED_DATA_PARAM,
        SENDER_PARAM,
        SENDER_TYPE_PARAM,
        RECIPIENT_PARAM,
        RECIPIENT_TYPE_PARAM,
        COMMENT_PARAM,
        BIDIRECTIONAL_PARAM,
        ENFORCED_PARAM,
        START_TIME_PARAM,
        END_TIME_PARAM,
    ),
    result_example=POLICY_EXAMPLE,
    documentation_anchor="create_block_sender_policy",
    ai=AiSpec(
        description=(
            "### General description\n"
            "Creates a Blocked Senders policy in Mimecast: mail from the senders it describes (an address, a "
            "domain, a header display name, internal or external addresses, or everyone) to the recipients it "
            "describes is blocked, or only logged with No Action. Returns the created policy.\n"
            "\n"
            "### When to use it\n"
            "To block a malicious domain or address for the whole organisation or a group of recipients, "
            "optionally for a limited time.\n"
            "\n"
            "### What it changes in Mimecast\n"
            "Adds a Blocked Senders policy that applies to all matching mail until its end time (eternal when "
            "empty).\n"
            "\n"
            "### Parameters\n"
            "Description is required. Sender is required when Sender Type is Email Address, Email Domain or "
            "Header Display Name, and must then be a valid address or domain; the same holds for Recipient and "
            "Recipient Type. End Time must be later than Start Time and must not have passed. Everything is "
            "checked before the call. A No Action policy is reported as such: it blocks nothing.\n"
            "\n"
            "### Flow\n"
            "1. Validates the parameters.\n"
            "2. Calls /api/policy/blockedsenders/create-policy.\n"
            "3. Returns the created policy (option, id, policy)."
        ),
        short_description="Creates a Mimecast Blocked Senders policy for a sender and recipient scope.",
        capabilities="Writes a policy in Mimecast; returns what Mimecast created.",
        changes_in_mimecast="Creates a Blocked Senders policy in Mimecast that blocks (or logs) matching mail.",
        remediation=True,
        outcomes=("add_ioc_to_blocklist",),
    ),
    widget=WidgetSpec(
        (
            "Shows the Blocked Senders policy a Create Block Sender Policy step created: response, sender and "
            "recipient with their types, extracted data, bidirectional, enforced, start and end (or eternal) and "
            "the policy ID."
        ),
        OBJECT_RESULT,
    ),
)

VALUE_CHECKS = {"individual_email_address": require_email, "email_domain": require_domain}


def policy_address(context: ActionContext, value_param: ParamSpec, type_param: ParamSpec) -> PolicyAddress:
    """Sender (Recipient) and its type as a policy's from (to)."""
    name = value_param.name
    type_label = context.choice(type_param)
    address = PolicyAddress(POLICY_ADDRESS_TYPES[type_label])
    value = context.text(value_param)
    if not address.needs_value:
        if value:
            context.logger.info(f'"{name}" is not used: "{type_param.name}" is {type_label}.')
        return address
    if not value:
        raise MimecastValidationError(POLICY_VALUE_REQUIRED_MESSAGE.format(name=name))
    check = VALUE_CHECKS.get(address.type)
    return address._replace(value=check(name, value) if check else value)


def create_block_sender_policy(context: ActionContext) -> ActionResult:
    option = POLICY_RESPONSES[context.choice(RESPONSE_PARAM)]
    description = context.required_text(DESCRIPTION_PARAM)
    from_part = POLICY_EXTRACTED_DATA[context.choice(EXTRACTED_DATA_PARAM)]
    sender = policy_address(context, SENDER_PARAM, SENDER_TYPE_PARAM)
    recipient = policy_address(context, RECIPIENT_PARAM, RECIPIENT_TYPE_PARAM)
    comment = context.text(COMMENT_PARAM)
    bidirectional, enforced = context.checkbox(BIDIRECTIONAL_PARAM), context.checkbox(ENFORCED_PARAM)
    start, end = context.time(START_TIME_PARAM), context.time(END_TIME_PARAM)
    if start and end and end <= start:
        raise MimecastValidationError(END_BEFORE_START_MESSAGE)
    now = context.now()
    if end and end <= now:
        raise MimecastValidationError(
            f'"{END_TIME}" ({utc_timestamp(end)}) is in the past, so the policy would never apply. Give a future End '
            f"Time, or leave it empty for a policy without an end (now is {utc_timestamp(now)})."
        )
    policy = context.manager.create_blocked_sender_policy(
        option=option,
        description=description,
        from_part=from_part,
        sender=sender,
        recipient=recipient,
        comment=comment,
        bidirectional=bidirectional,
        enforced=enforced,
        start=start,
        end=end,
    )
    message = CREATE_POLICY_SUCCESS_MESSAGE + (CREATE_POLICY_NO_ACTION_NOTE if option == "no_action" else "")
    return ActionResult(message, policy.to_json())


if __name__ == "__main__":
    run_action(SPEC, create_block_sender_policy)
