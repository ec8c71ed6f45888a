"""A faithful local fake of the ElkAPI Suno gateway (docs/upstream.md §8).

`Simulator.handle()` answers one HTTP request. The transport (tests) and the threaded server (browser,
worker, walk) both call it, so there is one implementation of the contract. Every status is computed
from the clock at query time: there are no background threads, and a ManualClock moves a task through
its whole lifecycle. Media is rendered lazily, on the first request for a file, and then cached.

The pieces: `routes` (the route table and answer helpers), `faults` (fault switches and what they do),
`state` (what is remembered and the clock-driven lifecycle), `shapes` (the JSON answers), and one mixin
per endpoint family: `music`, `lyrics`, `uploads`, `personas`, `polling` and `media_routes` (act/* and
the CDN). `Simulator` composes them and owns the settings, the stores and the request pipeline.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs, unquote

from .faults import FAULTS, GATEWAY_FAULTS, RESPONSE_FAULTS, Fault, FaultAnswers, Faults
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
    task_error,
)
from .shapes import VARIANTS
from .state import ClipState, LyricsState, PersonaState, TaskState
from .uploads import UploadEndpoints

__all__ = [
    "ENDPOINTS",
    "FAULTS",
    "PAID_ENDPOINTS",
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
    FaultAnswers,
):
    """The upstream contract behind one `handle()`: settings, stores and the request pipeline.

    Settings (`streaming_after`, `wav_ready_after`, `base_url`, …) may be changed on a live simulator;
    every status is computed from them and the clock when asked.
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
        url_fetcher: Callable[[str], tuple[bytes, str]] | None = None,
        trusted_upload_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "testserver"),
        variants: dict[str, str] | None = None,
    ) -> None:
        self.clock = clock
        self.base_url = base_url.rstrip("/")
        self.streaming_after = streaming_after
        self.complete_after = complete_after
        self.lyrics_after = lyrics_after
        self.wav_ready_after = wav_ready_after
        self.mp4_ready_after = mp4_ready_after
        self.batch_limit = batch_limit
        self.timeout_delay = timeout_delay
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
        self._conversions: dict[tuple[str, str], float] = {}  # (wav|mp4, clip id) -> started at
        self._media_cache: dict[tuple[str, str], bytes] = {}
        self._media_lock = threading.Lock()
        self._persona_clip_seq = 11288925
        self._request_seq = 0

    @classmethod
    def from_env(cls, **kwargs: Any) -> Simulator:
        """SUNO_SIMULATOR_FAULTS="rate_limited,server_error:submit_music" and
        SUNO_SIMULATOR_VARIANTS="wav_response=binary,task_id_format=uuid" for manual tries."""
        variants = dict(kwargs.pop("variants", None) or {})
        for item in os.environ.get("SUNO_SIMULATOR_VARIANTS", "").split(","):
            if "=" in item:
                name, _, value = item.partition("=")
                variants[name.strip()] = value.strip()
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
        endpoint = route.endpoint if route else "unknown"
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
        if route is None:
            return self.gateway_error(404, f"Invalid URL ({method} {path})", code="invalid_request")
        handler = getattr(self, route.handler)
        if route.public:
            return handler(request)
        if not bearer(request.headers.get("authorization", "")):
            return self.gateway_error(401, "Invalid token")
        fault = self.faults.take(endpoint, GATEWAY_FAULTS)
        if fault:
            return self.gateway_fault(fault, endpoint)
        fault = self.faults.take(endpoint, RESPONSE_FAULTS)
        if fault and fault.name == "server_error" and not fault.options.get("work_done"):
            return self.server_error(endpoint)
        try:
            response = handler(request)
        except Rejected as rejected:
            response = task_error(rejected.status, rejected.code, rejected.message)
        return self.apply_response_fault(fault, response, endpoint) if fault else response
