"""Whether Mimecast's answer to a write confirms what was asked: the item about that message, the managed-sender
entry, the policy; and how a refusal or an answer that confirms nothing is worded. An answer about something
else is a failure that may or may not have been applied."""

import json
from typing import Any, NamedTuple

from MimecastDataModels import POLICY_ADDRESS_VALUE_FIELDS, ManagedSender, MessageOutcome, parse_mimecast_date
from MimecastEnvelope import items
from MimecastExceptions import MimecastApiError, MimecastError, MimecastNotFoundError, MimecastResponseError, Term
from MimecastParameters import excerpt
from MimecastReasons import shown_id
from MimecastResponseModels import ManagedUrl, RemediationIncident


def not_internal_recipient(refusal: MimecastApiError) -> MimecastApiError:
    return MimecastApiError(
        *refusal.parts,
        " The recipient must be an internal address: a mailbox in one of the Mimecast account's domains that "
        "Mimecast already knows.",
        http_status=refusal.http_status,
        details=refusal.details,
        path=refusal.path,
    )


def write_not_confirmed(path: str, what: str, check: str) -> MimecastResponseError:
    """Mimecast's answer to a write does not confirm it (`what`); it may or may not have been applied."""
    return MimecastResponseError(
        f"Mimecast's answer to {path} {what}. Check {check} in Mimecast before ",
        Term.AGAIN,
        ".",
        path=path,
        write_may_have_applied=True,
    )


class MessageWords(NamedTuple):
    """How a refused write about one message is explained."""

    action: str  # with {id}
    cause: str

    def did(self, message_id: str) -> str:
        return self.action.format(id=shown_id(message_id))

    def refused(
        self, message_id: str, path: str, said: str = "", refusal: MimecastApiError | None = None
    ) -> MimecastNotFoundError:
        """Mimecast refused the write about `message_id` (`refusal`, its item-level `fail[]`) or answered `false`."""
        detail = f" ({said})" if said else ""
        return MimecastNotFoundError(
            f"Mimecast did not {self.did(message_id)}{detail}: {self.cause}",
            http_status=refusal.http_status if refusal else None,
            details=refusal.details if refusal else (),
            path=path,
        )


_HELD_ONLY = (
    "it is not held (it was already released or rejected) or no held message has this ID. Only messages with "
    "status Held can be {past}."
)
RELEASE = MessageWords('release the message with ID "{id}"', _HELD_ONLY.format(past="released"))
REJECT = MessageWords('reject the message with ID "{id}"', _HELD_ONLY.format(past="rejected"))
SANDBOX = MessageWords('release the message with ID "{id}" to the sandbox', _HELD_ONLY.format(past="released"))
REPORT = MessageWords(
    'report the message with ID "{id}"',
    "no message has this ID or its status cannot be reported. Only messages with status Held, Archived or "
    "Bounced can be reported.",
)


def confirmed(body: dict, message_id: str, flag: str, words: MessageWords, path: str) -> MessageOutcome:
    """The response item about `message_id` with `<flag>: true`; `<flag>: false` (with an empty `fail[]`) is a
    refusal, and an answer about another message (or none) confirms nothing."""
    answered = items(body)
    item = next((i for i in answered if i.get("id") == message_id), None)
    if item is None:
        raise _not_confirmed(path, message_id, words, answered)
    if item.get(flag) is not True:
        raise words.refused(message_id, path, f"{flag}: {json.dumps(item.get(flag))}")
    return MessageOutcome(message_id, item)


def confirmed_if_answered(
    body: dict, message_id: str, flag: str, words: MessageWords, path: str, fallback: dict
) -> MessageOutcome:
    """For functions that answer no item on success: `fallback` then; an item must be about `message_id` (when it
    names one) and must not say `<flag>: false`."""
    answered = items(body)
    if not answered:
        return MessageOutcome(message_id, fallback)
    item = next((i for i in answered if i.get("id", message_id) == message_id), None)
    if item is None:
        raise _not_confirmed(path, message_id, words, answered)
    if flag in item and item[flag] is not True:
        raise words.refused(message_id, path, f"{flag}: {json.dumps(item[flag])}")
    return MessageOutcome(message_id, item)


def _not_confirmed(path: str, message_id: str, words: MessageWords, answered: list[dict]) -> MimecastResponseError:
    about = [
        f'the message with ID "{shown_id(str(item["id"]))}"'
        if item.get("id") is not None
        else "a message without an ID"
        for item in answered[:3]
    ]
    said = f"it is about {', '.join(about)}" if about else "it holds no item"
    return write_not_confirmed(path, f"does not confirm that it did {words.did(message_id)}: {said}", "the message")


def managed_sender_differences(entry: ManagedSender, action: str, sender: str, recipient: str) -> list[str]:
    """How the managed-sender entry Mimecast answered differs from the `action` entry asked for."""
    asked_type = action.title()
    return [
        *([] if entry.id else ["no entry ID"]),
        *([] if entry.type.lower() == action else [f'type "{excerpt(entry.type)}" (asked: {asked_type})']),
        *([] if same_address(entry.sender, sender) else [f'sender "{excerpt(entry.sender)}" (asked: {sender})']),
        *(
            []
            if same_address(entry.recipient, recipient)
            else [f'recipient "{excerpt(entry.recipient)}" (asked: {recipient})']
        ),
    ]


def same_address(answered: str, asked: str) -> bool:
    """Mimecast may change the case of an address or domain it echoes."""
    return answered.strip().casefold() == asked.casefold()


def policy_differences(option: str, asked: dict[str, Any], created: dict) -> list[str]:
    """How the created policy Mimecast answered differs from the one asked for, field by field.

    Every field Mimecast echoes is compared (both the `from`/`to` objects and the legacy `fromType`/`fromValue`
    fields); one it leaves out is not held against it. The answer's `id` and `option` must be there.
    """
    differences = [] if created.get("id") else ["no policy ID"]
    if created.get("option") != option:
        differences.append(f"option {_shown(created.get('option'))} (asked: {_shown(option)})")
    policy = created.get("policy")
    if not isinstance(policy, dict):
        return [*differences, "no policy"]
    expected: dict[str, Any] = {
        key: asked[key]
        for key in ("description", "fromPart", "bidirectional", "enforced", "enabled", "comment")
        if key in asked
    }
    for side in ("from", "to"):
        address = asked[side]
        value_field = POLICY_ADDRESS_VALUE_FIELDS.get(address["type"])
        expected[f"{side}Type"] = address["type"]
        if value_field:
            expected[f"{side}Value"] = address[value_field]
        eternal = asked[f"{side}Eternal"]
        expected[f"{side}Eternal"] = eternal
        if not eternal:
            expected[f"{side}Date"] = asked[f"{side}Date"]
    for side in ("from", "to"):
        if side in policy and not _same_policy_address(policy[side], asked[side]):
            differences.append(f"{side} {_shown(policy[side])} (asked: {_shown(asked[side])})")
    for key, value in expected.items():
        if key in policy and not _same_policy_value(key, policy[key], value):
            differences.append(f"{key} {_shown(policy[key])} (asked: {_shown(value)})")
    return differences


def _same_policy_address(answered: Any, asked: dict[str, Any]) -> bool:
    if not isinstance(answered, dict) or answered.get("type") != asked["type"]:
        return False
    value_field = POLICY_ADDRESS_VALUE_FIELDS.get(asked["type"])
    return value_field is None or _same_policy_value(value_field, answered.get(value_field), asked[value_field])


def _same_policy_value(key: str, answered: Any, asked: Any) -> bool:
    if key.endswith("Date"):
        return parse_mimecast_date(answered) == parse_mimecast_date(asked) is not None
    if key.endswith(("Value", "emailAddress", "emailDomain", "headerDisplayName")):
        return isinstance(answered, str) and same_address(answered, asked)
    return answered == asked


def _shown(value: Any) -> str:
    return excerpt(json.dumps(value, ensure_ascii=False), 200)


# Delivered-message response: remediation incidents, managed URLs, deleted policies

REMEDIATION_INCIDENTS = "the remediation incidents (Threat Remediation in the Administration Console)"
MANAGED_URLS = "the managed URLs (URL Protection in the Administration Console)"
POLICIES = "the Blocked Senders policies"


def where_to_check(error: MimecastError, check: str) -> MimecastError:
    """A write whose outcome is unknown says where in Mimecast to look before doing it again."""
    if error.write_may_have_applied:
        error.extended(f" Look for it among {check}.")
    return error


def is_not_found(error: MimecastApiError) -> bool:
    """Mimecast says the item does not exist: a 404 carried in `meta.status` alone, or an `err_..._not_found` code
    (a bare `not_found` is an unknown path, not an unknown item)."""
    codes = error.codes
    if any(code.startswith("err_") and code.endswith("not_found") for code in codes):
        return True
    return error.http_status == 404 and not codes


def not_found(what: str, item_id: str, path: str, error: MimecastApiError, hint: str = "") -> MimecastNotFoundError:
    return MimecastNotFoundError(
        f'Mimecast found no {what} with ID "{shown_id(item_id)}"{hint}.',
        http_status=error.http_status,
        details=error.details,
        path=path,
    )


def incident_created(body: dict, path: str) -> RemediationIncident:
    """The incident Mimecast answered; one without an ID confirms nothing (it may or may not exist)."""
    incident = RemediationIncident.from_json(next(iter(items(body)), {}))
    if not incident.id:
        raise write_not_confirmed(
            path, "does not confirm that an incident was created: it holds no incident ID", REMEDIATION_INCIDENTS
        )
    return incident


def managed_url_differences(entry: ManagedUrl, action: str, match_type: str) -> list[str]:
    """How the managed URL entry Mimecast answered differs from the one asked for (an omitted matchType is fine)."""
    return [
        *([] if entry.id else ["no entry ID"]),
        *([] if entry.action == action else [f"action {_shown(entry.action)} (asked: {_shown(action)})"]),
        *(
            []
            if not entry.match_type or entry.match_type == match_type
            else [f"matchType {_shown(entry.match_type)} (asked: {_shown(match_type)})"]
        ),
    ]


def managed_otherwise(url: str, existing: ManagedUrl, action: str, refusal: MimecastApiError) -> MimecastApiError:
    """The URL is already managed, with the other action: nothing was changed, and the analyst must choose."""
    return MimecastApiError(
        f'Mimecast did not {action} the URL "{excerpt(url, 200)}": it already has a managed URL entry that '
        f'{existing.action or "does not"}s it (entry ID "{shown_id(existing.id)}"), and Mimecast does not update '
        f"an entry. To {action} it, delete that entry in Mimecast first and then ",
        Term.AGAIN,
        ".",
        http_status=refusal.http_status,
        details=refusal.details,
        path=refusal.path,
    )


def policy_deleted(body: dict, policy_id: str, path: str) -> None:
    """Mimecast echoes the deleted policy's ID; an answer about another one (or none) confirms nothing."""
    if any(item.get("id") == policy_id for item in items(body)):
        return
    answered = [str(item.get("id")) for item in items(body)[:3]]
    said = f"it names {', '.join(_shown(a) for a in answered)}" if answered else "it holds no policy ID"
    raise write_not_confirmed(
        path, f'does not confirm that the policy with ID "{shown_id(policy_id)}" was deleted: {said}', POLICIES
    )
