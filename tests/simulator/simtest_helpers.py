"""Helpers shared by the simulator's tests: sample bodies and an independent API 1.0 signer."""

import base64
import hashlib
import hmac
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from suite_helpers import mimecast_sample as sample  # noqa: E402, F401 - the published answers, by file name

from simulator import (  # noqa: E402
    DEFAULT_API1_ACCESS_KEY,
    DEFAULT_API1_APP_ID,
    DEFAULT_API1_APP_KEY,
    DEFAULT_API1_SECRET_KEY,
    DEFAULT_API2_CLIENT_ID,
    DEFAULT_API2_CLIENT_SECRET,
    DEFAULT_REGISTRY,
    ApiFail,
    ApiResult,
    RequestContext,
)
from simulator.endpoints import load_feature_modules  # noqa: E402
from simulator.envelopes import error  # noqa: E402
from simulator.registry import Registry  # noqa: E402

GET_ACCOUNT = "/api/account/get-account"
TIMEOUT = 10
ALL_SECRETS = (DEFAULT_API1_SECRET_KEY, DEFAULT_API1_ACCESS_KEY, DEFAULT_API1_APP_KEY, DEFAULT_API2_CLIENT_SECRET)


def mc_date(instant: datetime) -> str:
    # Written independently of the simulator's own formatter so a bug there cannot hide here.
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    t = instant.astimezone(UTC)
    return f"{days[t.weekday()]}, {t.day:02d} {months[t.month - 1]} {t.year} {t:%H:%M:%S} UTC"


def sign(secret_b64: str, date: str, req_id: str, path: str, app_key: str) -> str:
    data = f"{date}:{req_id}:{path}:{app_key}".encode()
    return base64.b64encode(hmac.new(base64.b64decode(secret_b64), data, hashlib.sha1).digest()).decode()


def api1_headers(
    path: str,
    *,
    date: datetime | str | None = None,
    app_id: str = DEFAULT_API1_APP_ID,
    app_key: str = DEFAULT_API1_APP_KEY,
    access_key: str = DEFAULT_API1_ACCESS_KEY,
    secret_key: str = DEFAULT_API1_SECRET_KEY,
) -> dict[str, str]:
    date_text = date if isinstance(date, str) else mc_date(date or datetime.now(UTC))
    req_id = str(uuid.uuid4())
    signature = sign(secret_key, date_text, req_id, path, app_key)
    return {
        "Authorization": f"MC {access_key}:{signature}",
        "x-mc-date": date_text,
        "x-mc-req-id": req_id,
        "x-mc-app-id": app_id,
    }


def post_api1(
    url: str,
    path: str = GET_ACCOUNT,
    body: object = None,
    *,
    headers: dict | None = None,
    timeout: float = TIMEOUT,
    allow_redirects: bool = True,
    **sign_kwargs: Any,
) -> requests.Response:
    """POST a signed API 1.0 request (body `{"data": []}` unless given); keyword arguments go to `api1_headers`,
    `headers` overrides the result."""
    sent = api1_headers(path, **sign_kwargs)
    sent.update(headers or {})
    payload = {"data": []} if body is None else body
    return requests.post(url + path, json=payload, headers=sent, timeout=timeout, allow_redirects=allow_redirects)


def fetch_token(
    url: str,
    client_id: str = DEFAULT_API2_CLIENT_ID,
    client_secret: str = DEFAULT_API2_CLIENT_SECRET,
    **kwargs: object,
) -> requests.Response:
    form = {"client_id": client_id, "client_secret": client_secret, "grant_type": "client_credentials"}
    return requests.post(url + "/oauth/token", data=form, timeout=TIMEOUT, **kwargs)


def first_error(response: requests.Response) -> dict:
    return response.json()["fail"][0]["errors"][0]


WRITE = "/api/test/write"
API1_ONLY = "/api/test/api1-only"
ONE_ITEM = "/api/test/one-item"
PAGED = "/api/test/paged"
PARTIAL = "/api/test/partial"
CONFLICT = "/api/test/conflict"
CRASH = "/api/test/crash"
POLICY_READ = "/api/test/policy-read"


class WriteCounter:
    """A feature state registered only in the tests' registry: counts executions of the write endpoint."""

    def __init__(self, *, seed: int, clock: object) -> None:
        self.count = 0


def build_test_registry() -> Registry:
    """The real endpoints plus a few registered here the way a feature module would, to observe execution."""
    load_feature_modules()
    registry = DEFAULT_REGISTRY.copy()
    registry.feature_state("counter")(WriteCounter)

    @registry.endpoint(WRITE, permission=None)
    def write(ctx: RequestContext) -> list:
        ctx.feature("counter").count += 1
        return [{"count": ctx.state.counter.count, "principal": ctx.auth.principal, "mode": ctx.auth.mode}]

    @registry.endpoint(API1_ONLY, permission=None, api2=False)
    def api1_only(ctx: RequestContext) -> list:
        return [{"ok": True}]

    @registry.endpoint(ONE_ITEM, permission=None, min_items=1, max_items=1)
    def one_item(ctx: RequestContext) -> list:
        return [dict(ctx.data[0])]

    @registry.endpoint(PAGED, permission=None)
    def paged(ctx: RequestContext) -> tuple:
        size = ctx.meta.get("pagination", {}).get("pageSize", 2)
        return [{"n": i} for i in range(size)], {"pagination": {"pageSize": size, "next": "token-2"}}

    @registry.endpoint(PARTIAL, permission=None)
    def partial(ctx: RequestContext) -> ApiResult:
        good = [item for item in ctx.data if item.get("id") != "bad"]
        fails = [
            ctx.item_error(item, "err_not_found", "Not found", field="id")
            for item in ctx.data
            if item.get("id") == "bad"
        ]
        return ApiResult(data=good, fail=fails)

    @registry.endpoint(CONFLICT, permission=None)
    def conflict(ctx: RequestContext) -> list:
        raise ApiFail(409, [error("err_conflict", "State changed", retryable=True)], key=ctx.data[0], meta_status=409)

    @registry.endpoint(CRASH, permission=None)
    def crash(ctx: RequestContext) -> list:
        raise RuntimeError("bug in a handler")

    @registry.endpoint(POLICY_READ, permission="Gateway | Policies | Read")
    def policy_read(ctx: RequestContext) -> list:
        return [{"ok": True}]

    return registry
