"""The simulator's HTTP surface: the route table, the request it hands a handler, and the answer helpers.

A handler gets a `Request`, returns a `SimResponse`, and raises `Rejected` for anything the Suno adaptor
refuses; `Simulator.handle` turns that into E-task-error (§1.1, §6).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ENDPOINTS = (
    "submit_music",
    "generate",
    "submit_lyrics",
    "generate_lyrics",
    "lyrics",
    "submit_concat",
    "generate_concat",
    "upload_audio_url",
    "persona_create",
    "fetch",
    "fetch_batch",
    "feed",
    "act_wav",
    "act_mp4",
    "act_timing",
    "act_tags",
    "billing_subscription",
    "billing_usage",
    "media",
)
# What costs money upstream: quota faults only guard these, and `Simulator.paid_calls()` counts them.
PAID_ENDPOINTS = frozenset(
    {
        "submit_music",
        "generate",
        "submit_lyrics",
        "generate_lyrics",
        "submit_concat",
        "generate_concat",
        "upload_audio_url",
        "persona_create",
    }
)
# Family N passes Suno's own API through; the relay keeps no task of its own for what these create (§11).
FAMILY_N_ENDPOINTS = frozenset({"generate", "generate_concat", "generate_lyrics"})


class Rejected(Exception):
    """A request the adaptor refuses: answered as E-task-error (§1.1, §6).

    `relay=True`: the relay itself refused it (the `task_id` rule), so a `nested_error_json` dialect does
    not wrap it as the upstream's answer.
    """

    def __init__(
        self, message: str, *, code: str = "invalid_request", status: int = 400, relay: bool = False
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.relay = relay


@dataclass
class SimResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    delay: float = 0.0  # > 0: the answer would only arrive after that many seconds

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    params: dict[str, str]
    endpoint: str


# --- routes --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    endpoint: str
    methods: tuple[str, ...]
    pattern: re.Pattern[str]
    handler: str  # Simulator method name
    public: bool = False  # media: no auth, no fault switches (a CDN, not the API)


def _route(endpoint: str, methods: str, pattern: str, handler: str, public: bool = False) -> Route:
    return Route(endpoint, tuple(methods.split()), re.compile(rf"^{pattern}$"), handler, public)


_ID = r"(?P<id>[^/]+)"
ROUTES = (
    _route("submit_music", "POST", r"/suno/submit/music", "submit_music"),
    _route("generate", "POST", r"/suno/generate", "generate"),
    _route("submit_lyrics", "POST", r"/suno/submit/lyrics", "submit_lyrics"),
    _route("generate_lyrics", "POST", r"/suno/generate/lyrics", "generate_lyrics"),
    _route("lyrics", "GET", rf"/suno/lyrics/{_ID}", "get_lyrics"),
    _route("submit_concat", "POST", r"/suno/submit/concat", "submit_concat"),
    _route("generate_concat", "POST", r"/suno/generate/concat", "generate_concat"),
    _route("upload_audio_url", "POST", r"/suno/uploads/audio-url", "upload_audio_url"),
    _route("persona_create", "POST", r"/suno/persona/create", "persona_create"),
    _route("fetch", "GET", rf"/suno/fetch/{_ID}", "fetch"),
    _route("fetch_batch", "POST", r"/suno/fetch", "fetch_batch"),
    _route("feed", "GET", r"/suno/feed(?:/(?P<ids>[^/]+))?", "feed"),
    _route("act_wav", "GET", rf"/suno/act/wav/{_ID}", "act_wav"),
    _route("act_mp4", "GET", rf"/suno/act/mp4/{_ID}", "act_mp4"),
    _route("act_timing", "GET", rf"/suno/act/timing/{_ID}", "act_timing"),
    _route("act_tags", "POST", r"/suno/act/tags", "act_tags"),  # the style enhancer: free (§5.16)
    # OpenAI-compatible billing, as new-api serves it for a key (§11 balance); also without /v1.
    _route("billing_subscription", "GET", r"(?:/v1)?/dashboard/billing/subscription", "billing_subscription"),
    _route("billing_usage", "GET", r"(?:/v1)?/dashboard/billing/usage", "billing_usage"),
    _route("media", "GET HEAD", r"/audiopipe", "media_stream", public=True),
    _route("media", "GET HEAD", r"/cdn1/(?P<id>[^/]+)\.(?P<ext>mp3|wav|mp4)", "media_cdn1", public=True),
    _route(
        "media", "GET HEAD", r"/cdn2/image_(?P<large>large_)?(?P<id>[^/]+)\.jpeg", "media_image", public=True
    ),
)


def match_route(method: str, path: str) -> tuple[Route | None, dict[str, str]]:
    path = path.rstrip("/") or "/"  # §1: accept paths with and without the trailing slash
    for route in ROUTES:
        found = route.pattern.match(path)
        if found and method in route.methods:
            return route, {k: v for k, v in found.groupdict().items() if v is not None}
    return None, {}


# --- response helpers ----------------------------------------------------------------------------------

JSON_TYPE = "application/json; charset=utf-8"


def json_response(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> SimResponse:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return SimResponse(status, {"Content-Type": JSON_TYPE, **(headers or {})}, body)


def e_task(data: Any) -> SimResponse:
    return json_response(200, {"code": "success", "message": "", "data": data})


def task_error(status: int, code: str, message: str) -> SimResponse:
    return json_response(status, {"code": code, "message": message, "data": None})


def not_found() -> SimResponse:
    return SimResponse(404, {"Content-Type": "text/plain; charset=utf-8"}, b"Not Found")


# The relay's web UI (a single-page app): what it serves for every path it has no route for (§11).
WEB_UI_PAGE = (
    b'<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>New API</title></head>'
    b"<body><noscript>You need to enable JavaScript to run this app.</noscript>"
    b'<div id="root"></div></body></html>'
)


def web_ui_page() -> SimResponse:
    return SimResponse(
        200, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache"}, WEB_UI_PAGE
    )


# --- request helpers -----------------------------------------------------------------------------------


def bearer(value: str) -> bool:
    scheme, _, key = value.partition(" ")
    return scheme.lower() == "bearer" and bool(key.strip())


def json_object_or_none(body: bytes) -> dict | None:
    try:
        parsed = json.loads(body) if body else None
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def json_body(request: Request) -> dict[str, Any]:
    parsed = json_object_or_none(request.body)
    if parsed is None:
        raise Rejected("invalid request body: expected a JSON object")
    return parsed


def body_text(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Rejected(f"{key} must be a string")
    return value


def body_number(body: Mapping[str, Any], key: str) -> float | None:
    value = body.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Rejected(f"{key} must be a number")
    try:
        return float(value)
    except ValueError:
        raise Rejected(f"{key} must be a number") from None
