from MimecastActionRunner import ActionContext, ActionResult, run_action
from MimecastConstants import (
    CREATE_BLOCK_SENDER_POLICY,
    CREATE_POLICY_NO_ACTION_NOTE,
    CREATE_POLICY_SUCCESS_MESSAGE,
    END_BEFORE_START_MESSAGE,
    POLICY_ADDRESS_TYPES,
    POLICY_EXTRACTED_DATA,
    POLICY_RESPONSES,
    POLICY_VALUE_REQUIRED_MESSAGE,
)
from MimecastDataModels import PolicyAddress, utc_timestamp
from MimecastExceptions import MimecastValidationError
from MimecastParameters import require_domain, require_email

VALUE_CHECKS = {"individual_email_address": require_email, "email_domain": require_domain}


def policy_address(context: ActionContext, name: str) -> PolicyAddress:
    """ "Sender" / "Recipient" and its type as a policy's from / to."""
    type_label = context.choice(f"{name} Type")
    address = PolicyAddress(POLICY_ADDRESS_TYPES[type_label])
    value = context.text(name)
    if not address.needs_value:
        if value:
            context.logger.info(f'"{name}" is not used: "{name} Type" is {type_label}.')
        return address
    if not value:
        raise MimecastValidationError(POLICY_VALUE_REQUIRED_MESSAGE.format(name=name))
    check = VALUE_CHECKS.get(address.type)
    return address._replace(value=check(name, value) if check else value)


def create_block_sender_policy(context: ActionContext) -> ActionResult:
    option = POLICY_RESPONSES[context.choice("Response")]
    description = context.text("Description")
    from_part = POLICY_EXTRACTED_DATA[context.choice("Extracted Data")]
    sender, recipient = policy_address(context, "Sender"), policy_address(context, "Recipient")
    comment = context.text("Comment")
    bidirectional, enforced = context.checkbox("Bidirectional"), context.checkbox("Enforced")
    start, end = context.time("Start Time"), context.time("End Time")
    if start and end and end <= start:
        raise MimecastValidationError(END_BEFORE_START_MESSAGE)
    now = context.now()
    if end and end <= now:
        raise MimecastValidationError(
            f'"End Time" ({utc_timestamp(end)}) is in the past, so the policy would never apply. Give a future End '
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
    run_action(CREATE_BLOCK_SENDER_POLICY, create_block_sender_policy)
