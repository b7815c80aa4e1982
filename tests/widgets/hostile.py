"""Attacker-written values: each one would leave a mark (an attribute, the title, a request) if it ever ran."""

from typing import Any

MARK = "document.documentElement.setAttribute('data-pwned', '1'); document.title = 'PWNED'"
PAYLOADS = (
    f'<img src=x onerror="{MARK}">',
    f"</script><script>{MARK}</script>",
    f'"><svg onload="{MARK}">',
    f"javascript:{MARK}",
    f'</plaintext><img src=x onerror="{MARK}">',
    f'<!-- --><iframe srcdoc="<script>parent.{MARK}</script>"></iframe>',
    "\u202egpj.exe\u202c Invoice\u200b\u200d\ufeff \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",
    "Z" * 4000,
    "&lt;b&gt;not bold&lt;/b&gt; &amp; ${7*7} {{constructor.constructor('return 1')()}}",
    "line\u2028separator\u2029and 'quotes\" `back`",
    "[{stepInstanceName}.JsonResult] [Alert.Identifier]",
    "x@" * 300 + "example.com",
)


def hostile_copy(value: Any) -> tuple[Any, dict[tuple, str]]:
    """The value with every string and number replaced by a distinct payload, and each payload by its path."""
    by_path: dict[tuple, str] = {}

    def walk(node: Any, at: tuple) -> Any:
        if isinstance(node, dict):
            return {key: walk(item, (*at, key)) for key, item in node.items()}
        if isinstance(node, list):
            return [walk(item, (*at, index)) for index, item in enumerate(node)]
        if isinstance(node, str) or (isinstance(node, int | float) and not isinstance(node, bool)):
            payload = f"{PAYLOADS[len(by_path) % len(PAYLOADS)]} #{len(by_path)}"
            by_path[at] = payload
            return payload
        return node

    return walk(value, ()), by_path
