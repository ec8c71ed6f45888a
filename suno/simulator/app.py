"""A faithful local fake of the ElkAPI Suno gateway (docs/upstream.md §8).

`Simulator.handle()` answers one HTTP request. The transport (tests) and the threaded server (browser,
worker, walk) both call it, so there is one implementation of the contract. Every status is computed
from the clock at query time: there are no background threads, and a ManualClock moves a task through
its whole lifecycle. Media is rendered lazily, on the first request for a file, and then cached.

The pieces: `routes` (the route table and answer helpers), `faults` (fault switches and what they do),
`state` (what is remembered and the clock-driven lifecycle), `shapes` (the JSON answers), `dialects`
(how other gateways of the family answer, §11), `billing` (the balance), and one mixin per endpoint
family: `music`, `lyrics`, `uploads`, `personas`, `polling` and `media_routes` (act/* and the CDN).
`Simulator` composes them and owns the settings, the stores and the request pipeline.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs, unquote

from .billing import DEFAULT_BALANCE_USD, PRICES_USD, Billing
from .dialects import DEFAULT_DIALECT, PRESETS, QUIRKS, DialectAnswers, parse_dialect
from .faults import FAULTS, GATEWAY_FAULTS, RESPONSE_FAULTS, Fault, Faults
from .hooks import HookCalls
from .lyrics import LyricsEndpoints, write_lyrics
from .media_routes import ActEndpoints
from .music import MusicEndpoints
from .personas import PersonaEndpoints
from .polling import PollingEndpoints
from .routes import (
    ENDPOINTS,
    PAID_ENDPOINTS,
    Rejected,
    Request,
    SimResponse,
    bearer,
    json_object_or_none,
    match_route,
)
from .shapes import VARIANTS
from .state import ClipState, LyricsState, PersonaState, TaskState
from .uploads import UploadEndpoints

__all__ = [
    "ENDPOINTS",
    "FAULTS",
    "PAID_ENDPOINTS",
    "PRESETS",
    "PRICES_USD",
    "QUIRKS",
    "VARIANTS",
    "ClipState",
    "Fault",
    "Faults",
    "LyricsState",
    "PersonaState",
    "Rejected",
    "SimResponse",
    "Simulator",
    "TaskState",
    "write_lyrics",
]


class Simulator(
    MusicEndpoints,
    LyricsEndpoints,
    UploadEndpoints,
    PersonaEndpoints,
    PollingEndpoints,
    ActEndpoints,
    DialectAnswers,
    Billing,
    HookCalls,
):
    """The upstream contract behind one `handle()`: settings, stores and the request pipeline.

    Settings (`streaming_after`, `wav_ready_after`, `base_url`, `slow_submit`, `media_delay`,
    `balance_usd`, `unavailable_models`, …) may be changed on a live simulator; every status is computed
    from them and the clock when asked. The dialect changes with `set_dialect`.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        base_url: str = "http://127.0.0.1:8765",
        streaming_after: float = 3.0,
        complete_after: float = 12.0,
        lyrics_after: float = 2.0,
        wav_ready_after: float = 2.0,
        mp4_ready_after: float = 3.0,
        batch_limit: int | None = None,
        timeout_delay: float = 35.0,
        paid_timeout_delay: float = 130.0,
        slow_submit: float = 0.0,
        media_delay: float = 0.0,
        url_fetcher: Callable[[str], tuple[bytes, str]] | None = None,
        trusted_upload_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "testserver"),
        variants: dict[str, str] | None = None,
        dialect: str = DEFAULT_DIALECT,
        balance_usd: float = DEFAULT_BALANCE_USD,
        unavailable_models: Iterable[str] = (),
    ) -> None:
        self.clock = clock
        self.base_url = base_url.rstrip("/")
        self.streaming_after = streaming_after
        self.complete_after = complete_after
        self.lyrics_after = lyrics_after
        self.wav_ready_after = wav_ready_after
        self.mp4_ready_after = mp4_ready_after
        self.batch_limit = batch_limit
        # The timeout fault: beyond the client's 30 s query read timeout, and its 120 s paid one.
        self.timeout_delay = timeout_delay
        self.paid_timeout_delay = paid_timeout_delay
        self.slow_submit = slow_submit  # > 0: every paid answer takes this long (the relay awaits Suno)
        self.media_delay = media_delay  # > 0: every CDN answer takes this long
        self.dialect, self.quirks = parse_dialect(dialect)
        self.balance_usd = float(balance_usd)
        self.unavailable_models = set(unavailable_models)  # mvs with no channel: 503 before the adaptor
        self.url_fetcher = url_fetcher or self.fetch_url
        self.trusted_upload_hosts = tuple(trusted_upload_hosts)
        self.variants = {name: values[0] for name, values in VARIANTS.items()}
        for name, value in (variants or {}).items():
            if value not in VARIANTS.get(name, ()):
                raise ValueError(f"unknown variant {name}={value!r}")
            self.variants[name] = value
        self.faults = Faults()
        self.call_log: list[tuple[str, str, str, dict | None]] = []
        self._lock = threading.RLock()  # the server is threaded; media rendering happens outside it
        self._tasks: dict[str, TaskState] = {}
        self._clips: dict[str, ClipState] = {}
        self._lyrics: dict[str, TaskState] = {}
        self._personas: dict[str, PersonaState] = {}
        self._wav_tasks: dict[str, str] = {}
        self._charges: list[tuple[str, float]] = []
        self._conversions: dict[tuple[str, str], float] = {}  # (wav|mp4, clip id) -> started at
        self._media_cache: dict[tuple[str, str], bytes] = {}
        self._media_lock = threading.Lock()
        self._hooks_called: set[str] = set()  # tasks whose notify_hook was called (hooks.py)
        self._persona_clip_seq = 11288925
        self._request_seq = 0

    @classmethod
    def from_env(cls, **kwargs: Any) -> Simulator:
        """SUNO_SIMULATOR_FAULTS="rate_limited,server_error:submit_music",
        SUNO_SIMULATOR_VARIANTS="wav_response=binary,task_id_format=uuid",
        SUNO_SIMULATOR_DIALECT="new-api" (or "no_feed,quota_zh") and SUNO_SIMULATOR_BALANCE_USD="5"
        for manual tries; an explicit keyword argument wins over the environment."""
        variants = dict(kwargs.pop("variants", None) or {})
        for item in os.environ.get("SUNO_SIMULATOR_VARIANTS", "").split(","):
            if "=" in item:
                name, _, value = item.partition("=")
                variants[name.strip()] = value.strip()
        if os.environ.get("SUNO_SIMULATOR_DIALECT", "").strip():
            kwargs.setdefault("dialect", os.environ["SUNO_SIMULATOR_DIALECT"])
        if os.environ.get("SUNO_SIMULATOR_BALANCE_USD", "").strip():
            kwargs.setdefault("balance_usd", float(os.environ["SUNO_SIMULATOR_BALANCE_USD"]))
        simulator = cls(variants=variants, **kwargs)
        simulator.faults.add_specs(os.environ.get("SUNO_SIMULATOR_FAULTS", ""))
        return simulator

    # -- accounting --

    def calls(self, endpoint: str | None = None) -> int:
        with self._lock:
            return sum(1 for logged in self.call_log if endpoint is None or logged[0] == endpoint)

    def task_ids(self) -> list[str]:
        """Every task created so far, in order: shows whether a faulted paid call did its work."""
        with self._lock:
            return list(self._tasks)

    def paid_calls(self) -> int:
        """Requests that reached an endpoint that costs money upstream, whatever they were answered."""
        with self._lock:
            return sum(1 for logged in self.call_log if logged[0] in PAID_ENDPOINTS)

    def counts(self) -> dict[str, Any]:
        """Calls, paid calls and tasks by endpoint, and the balance: what the control API reports."""
        with self._lock:
            calls: dict[str, int] = {}
            for logged in self.call_log:
                calls[logged[0]] = calls.get(logged[0], 0) + 1
            tasks: dict[str, int] = {}
            for task in self._tasks.values():
                tasks[task.endpoint] = tasks.get(task.endpoint, 0) + 1
            paid = {endpoint: n for endpoint, n in calls.items() if endpoint in PAID_ENDPOINTS}
            return {
                "calls": calls,
                "paid_calls": paid,
                "paid_total": sum(paid.values()),
                "tasks": tasks,
                "tasks_total": len(self._tasks),
                "balance": {
                    "balance_usd": self.balance_usd,
                    "used_usd": self.used_usd,
                    "remaining_usd": self.remaining_usd,
                },
                "dialect": self.dialect,
            }

    # -- entry point --

    def handle(
        self,
        method: str,
        path: str,
        *,
        query: str = "",
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
    ) -> SimResponse:
        method = method.upper()
        if "?" in path:
            path, _, extra = path.partition("?")
            query = f"{query}&{extra}" if query else extra
        path = unquote(path)
        route, params = match_route(method, path)
        if route is not None and not self.route_served(route):
            route, params = None, {}  # this dialect's gateway has no such route
        redirect = self.slash_redirect(method, path, query) if route is not None else None
        endpoint = "redirect" if redirect else (route.endpoint if route else "unknown")
        request = Request(
            method=method,
            path=path,
            query={k: v[-1] for k, v in parse_qs(query).items()},
            headers={k.lower(): v for k, v in (headers or {}).items()},
            body=body,
            params=params,
            endpoint=endpoint,
        )
        with self._lock:
            self.call_log.append((endpoint, method, path, json_object_or_none(body)))
        if redirect is not None:  # the router answers before any middleware: nothing is charged
            return redirect
        if route is None:
            return self.unknown_route(method, path)
        handler = getattr(self, route.handler)
        if route.public:
            response = handler(request)
            response.delay = max(response.delay, self.media_delay)
            return response
        authorization = request.headers.get("authorization", "")
        if not bearer(authorization):
            return self.gateway_error(401, "Invalid token")
        return self.api_answer(request, handler, key=authorization.partition(" ")[2].strip())

    def api_answer(
        self, request: Request, handler: Callable[[Request], SimResponse], key: str
    ) -> SimResponse:
        """An authenticated API request: the relay's checks in its order, the handler, charging, faults."""
        endpoint, paid = request.endpoint, request.endpoint in PAID_ENDPOINTS
        request.body = self.forwarded_body(endpoint, request.body)
        body = json_object_or_none(request.body)
        price = self.price(endpoint, body) if paid else 0.0
        fault = self.faults.take(endpoint, GATEWAY_FAULTS)
        if fault and fault.name == "insufficient_balance":
            answer = fault.options.get("answer", "")
            return self.quota_answer(
                answer=answer, remaining_usd=self.remaining_usd, price_usd=price, key=key
            )
        if fault:
            return self.gateway_fault(fault, endpoint)
        mv = body.get("mv") if paid and body else None
        if isinstance(mv, str) and mv in self.unavailable_models:
            return self.no_channel(mv)  # the distributor finds no channel for that model
        if paid and not self.can_pay(price):
            return self.quota_answer(remaining_usd=self.remaining_usd, price_usd=price, key=key)
        fault = self.faults.take(endpoint, RESPONSE_FAULTS)
        if fault and fault.name == "server_error" and not fault.options.get("work_done"):
            return self.server_error(endpoint)
        with self._lock:
            tasks_before = len(self._tasks)
        try:
            response = handler(request)
        except Rejected as rejected:
            response = self.refusal(rejected, endpoint)
        if paid and response.status == 200:  # new-api charges a submit that succeeded
            with self._lock:
                created = list(self._tasks)[tasks_before:]
            self.charge(price, created[0] if created else "")
            response.delay = max(response.delay, self.slow_submit)
        return self.apply_response_fault(fault, response, endpoint) if fault else response
