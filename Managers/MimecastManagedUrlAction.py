"""What Block URL and Permit URL share: their parameters, texts and the one function both run."""

from collections.abc import Callable

from MimecastActionRunner import ActionContext, ActionResult
from MimecastConstants import (
    COMMENT,
    MANAGED_URL_EXISTS_MESSAGE,
    MANAGED_URL_MATCH_TYPES,
    MANAGED_URL_SUCCESS_MESSAGE,
    MANAGED_URL_TABLE,
    PERMISSION_URL_PROTECT_EDIT,
)
from MimecastResponseParameters import web_url
from MimecastSpecs import CHECKBOX, DDL, ActionSpec, AiSpec, ParamSpec

URL_PARAM = ParamSpec(
    "URL",
    mandatory=True,
    description="The URL, http:// or https://, without a fragment (#). With Match Type Domain, its whole domain.",
    ai_description="The URL (http or https, no fragment).",
)
MATCH_TYPE_PARAM = ParamSpec(
    "Match Type",
    DDL,
    "Explicit",
    options=tuple(MANAGED_URL_MATCH_TYPES),
    description="Explicit: exactly this URL. Domain: every URL on its domain.",
    ai_description="Explicit (this URL) or Domain (its whole domain).",
)
COMMENT_PARAM = ParamSpec(
    COMMENT, description="A comment stored with the entry.", ai_description="Comment on the entry."
)
DISABLE_LOG_CLICK_PARAM = ParamSpec(
    "Disable Log Click",
    CHECKBOX,
    "false",
    description="Do not log clicks on the URL (Mimecast's disableLogClick).",
    ai_description="Stops logging clicks (default off).",
)
PERMIT_ONLY_PARAMS = (
    ParamSpec(
        "Disable Rewrite",
        CHECKBOX,
        "false",
        description="Do not rewrite the URL in messages (Mimecast's disableRewrite; permitted URLs only).",
        ai_description="Leaves the URL unrewritten (default off).",
    ),
    ParamSpec(
        "Disable User Awareness",
        CHECKBOX,
        "false",
        description=(
            "Do not show user awareness pages for the URL (Mimecast's disableUserAwareness; permitted URLs only)."
        ),
        ai_description="Skips user awareness pages (default off).",
    ),
)
RESULT_EXAMPLE = {
    "id": "wOi3MCwjYFYhZfkYlp2RMAhvN30QSmqOT7D-I9Abwlmy7ZH7eCwvY3ImP7QVjTLhGwOgsDZixCK43rDjLP0YPWrtBgqVtVbzzFK8SjGLNE4",
    "scheme": "https",
    "domain": "phish.example",
    "port": -1,
    "path": "/login",
    "queryString": "",
    "matchType": "explicit",
    "action": "block",
    "comment": "SOAR case 1234",
    "disableUserAwareness": False,
    "disableRewrite": False,
    "disableLogClick": False,
}
# Done to the URL, by action: the past participle in messages.
DONE = {"block": "blocked", "permit": "permitted"}


def managed_url_spec(action: str) -> ActionSpec:
    verb = action.title()
    permit = action == "permit"
    params = (
        URL_PARAM,
        MATCH_TYPE_PARAM,
        COMMENT_PARAM,
        DISABLE_LOG_CLICK_PARAM,
        *(PERMIT_ONLY_PARAMS if permit else ()),
    )
    effect = (
        "Mimecast lets users reach the URL without URL Protect's block"
        if permit
        else "Mimecast blocks users from reaching the URL when they click it in a message"
    )
    return ActionSpec(
        f"{verb} URL",
        description=(
            f"{verb} a URL in Mimecast URL Protect with a managed URL entry (POST /api/ttp/url/create-managed-url, "
            f"action {action}): exactly that URL (Match Type Explicit) or its whole domain (Domain). Works with API "
            f"1.0 and API 2.0 credentials. Needs the permission '{PERMISSION_URL_PROTECT_EDIT}'. An entry that exists "
            f"already with the same action is reported and kept (Mimecast does not update entries); one with the "
            f"other action makes the action fail without changing it. JSON result: the entry as Mimecast returns it "
            f"(id, scheme, domain, port, path, queryString, matchType, action, comment and the disable* options)."
        ),
        params=params,
        result_example={**RESULT_EXAMPLE, "action": action},
        documentation_anchor=f"{action}_url",
        ai=AiSpec(
            description=(
                "### General description\n"
                f"Adds a managed URL entry that {'permits' if permit else 'blocks'} a URL, or a whole domain, in "
                "Mimecast URL Protect. Returns the entry.\n"
                "\n"
                "### When to use it\n"
                + (
                    "When triage shows that a URL Mimecast blocks or rewrites is legitimate.\n"
                    if permit
                    else "When a phish links to a malicious URL: so that nobody reaches it from any message.\n"
                )
                + "\n### What it changes in Mimecast\n"
                f"{effect}. An existing entry for the URL is kept as it is.\n"
                "\n"
                "### Parameters\n"
                "URL (required; http or https, no fragment), Match Type (Explicit or Domain), Comment and the "
                "documented options"
                + (" Disable Log Click, Disable Rewrite and Disable User Awareness" if permit else " Disable Log Click")
                + ". Checked before the call.\n"
                "\n"
                "### Flow\n"
                f"1. Calls /api/ttp/url/create-managed-url with action {action} (a write is never retried).\n"
                "2. When the entry exists already, reads it from /api/ttp/url/get-all-managed-urls and reports it."
            ),
            short_description=f"{verb}s a URL or a domain with a Mimecast URL Protect managed URL entry.",
            capabilities="Writes a managed URL entry in Mimecast; returns what Mimecast holds.",
            changes_in_mimecast=f"Creates a managed URL entry that {'permits' if permit else 'blocks'} the URL.",
            remediation=not permit,
            outcomes=("add_ioc_to_allowlist",) if permit else ("add_ioc_to_blocklist",),
        ),
    )


def managed_url_action(spec: ActionSpec, action: str) -> Callable[[ActionContext], ActionResult]:
    def perform(context: ActionContext) -> ActionResult:
        url = web_url(URL_PARAM.name, context.text(URL_PARAM) or "", fragment=False)
        match_type = MANAGED_URL_MATCH_TYPES[context.choice(MATCH_TYPE_PARAM)]
        flags = {"disable_log_click": context.checkbox(DISABLE_LOG_CLICK_PARAM)}
        if action == "permit":
            rewrite, awareness = (spec.param(param.name) for param in PERMIT_ONLY_PARAMS)
            flags.update(disable_rewrite=context.checkbox(rewrite), disable_user_awareness=context.checkbox(awareness))
        entry, existed = context.manager.manage_url(
            url, action, match_type=match_type, comment=context.text(COMMENT_PARAM), **flags
        )
        template = MANAGED_URL_EXISTS_MESSAGE if existed else MANAGED_URL_SUCCESS_MESSAGE
        message = template.format(url=url, done=DONE[action])
        return ActionResult(message, entry.to_json(), ((MANAGED_URL_TABLE, [entry.to_table()]),))

    return perform
