"""Block URL's rows of the hardening matrices."""

from action_cases import ActionCase
from bad_input import ENTITY_TEXT, accepted, invalid, mandatory, not_characters, refused, sent_item

URL_RULE = "Give an http:// or https:// URL with a host, e.g. https://phish.example/login."

CASE = ActionCase(
    "BlockURL",
    "/api/ttp/url/create-managed-url",
    "Services | Targeted Threat Protection - URL Protect | Edit",
    params=lambda sim: {"URL": "https://phish.example/login"},
    success=lambda p: f'Successfully blocked the URL "{p["URL"]}" in Mimecast',
    applied=lambda sim: sum(entry.action == "block" for entry in sim.state.managed_urls.all()),
)
CASES = (CASE,)
REFUSED = [
    refused(CASE, "URL", "empty", " ", mandatory("URL")),
    refused(CASE, "URL", "no scheme", "phish.example/login", invalid("URL", "phish.example/login", URL_RULE)),
    refused(CASE, "URL", "ftp", "ftp://phish.example/", invalid("URL", "ftp://phish.example/", URL_RULE)),
    refused(
        CASE, "URL", "inner space", "https://phish.example/a b", invalid("URL", "https://phish.example/a b", URL_RULE)
    ),
    refused(
        CASE,
        "URL",
        "fragment",
        "https://phish.example/#top",
        invalid(
            "URL", "https://phish.example/#top", "Remove the fragment (the part from #): Mimecast does not take one."
        ),
    ),
    refused(
        CASE,
        "Match Type",
        "invalid option",
        "Prefix",
        invalid("Match Type", "Prefix", "Allowed values: Explicit, Domain."),
    ),
    refused(CASE, "Disable Log Click", "wrong type", "yes", invalid("Disable Log Click", "yes", "Use true or false.")),
    *not_characters(CASE, "Comment"),
]
ACCEPTED = [
    accepted(CASE, "Comment", "XML entities", ENTITY_TEXT, sent_item("comment", ENTITY_TEXT)),
    accepted(CASE, "Match Type", "case", "domain", sent_item("matchType", "domain")),
    accepted(
        CASE, "URL", "spacing", "  https://phish.example/login \n", sent_item("url", "https://phish.example/login")
    ),
]
