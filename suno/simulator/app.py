"""A faithful local fake of the ElkAPI Suno gateway (suno-api.md §8).

`Simulator.handle()` answers one HTTP request. The transport (tests) and the threaded server (browser,
worker, walk) both call it, so there is one implementation of the contract. Every status is computed
from the clock at query time: there are no background threads, and a ManualClock moves a task through
its whole lifecycle. Media is rendered lazily, on the first request for a file, and then cached.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx

from .. import versions
from . import media

FAULTS = (
    "unauthorized",
    "forbidden",
    "insufficient_balance",
    "rate_limited",
    "server_error",
    "unavailable",
    "gateway_timeout",
    "timeout",
    "malformed_json",
    "clip_error",
    "clip_never_completes",
    "task_failure",
)
# Answered by the gateway before the Suno adaptor runs: the request is counted, nothing is created.
GATEWAY_FAULTS = ("unauthorized", "forbidden", "insufficient_balance", "rate_limited", "unavailable")
# Change the answer of a request that otherwise runs normally (server_error: unless work_done=True).
RESPONSE_FAULTS = ("server_error", "gateway_timeout", "timeout", "malformed_json")

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
    "media",
)
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

# Unscoped faults reach every API endpoint, except that a quota check only guards what costs money:
# polling an existing task never answers quota_not_enough.
FAULT_SCOPE = {"insufficient_balance": PAID_ENDPOINTS}

# Switches for the shapes suno-api.md lists as variants; the first value of each is the default.
VARIANTS: dict[str, tuple[str, ...]] = {
    "task_id_format": ("task", "uuid"),  # §1: task ids are opaque; `task_…` catches UUID assumptions
    "stems_response": ("native", "task"),  # §5.7: docs show E-native, new-api core would give E-task
    "lyrics_shape": ("object", "array"),  # §4: LYRICS data as an object or a one-item array
    "wav_response": ("data", "wav_file_url", "binary"),  # §5.12
    "mp4_response": ("mp4_file_url", "data_url"),  # §5.11
}

TASKS = ("", "extend", "upload_extend", "cover", "infill", "artist_consistency", "gen_stem")
EXTEND_TASKS = ("extend", "upload_extend", "infill")
DEFAULT_MV = "chirp-v3-0"  # §2: new-api fills this in when `mv` is empty
STEM_TYPE_ID = 91
UPLOAD_MAX_BYTES = 50 * 1024 * 1024

# The upstream Suno account the clips belong to (seed values: one account of the reseller's pool).
ACCOUNT = {
    "user_id": "a3da04d5-0442-4bd3-b837-4c73ff600914",
    "display_name": "TwinklingVenue1595",
    "handle": "twinklingvenue1595",
    "avatar_image_url": "https://cdn1.suno.ai/defaultPink.webp",
}

DEFAULT_CLIP_ERROR = ("moderation", "Lyrics flagged by moderation: please revise them and try again.")
DEFAULT_TASK_FAILURE = "Unable to generate music: the upstream account failed to process the request."
UPLOAD_NOT_AUDIO = "Unable to process audio"


class Rejected(Exception):
    """A request the adaptor refuses: answered as E-task-error (§1.1, §6)."""

    def __init__(self, message: str, *, code: str = "invalid_request", status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


@dataclass
class SimResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    delay: float = 0.0  # > 0: the answer would only arrive after that many seconds

    def json(self) -> Any:
        return json.loads(self.body)


# --- fault switches ---------------------------------------------------------------------------------


@dataclass
class Fault:
    name: str
    endpoint: str | None = None
    times: int | None = None  # None: until removed
    options: dict[str, Any] = field(default_factory=dict)


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active: list[Fault] = []

    def add(
        self, name: str, *, endpoint: str | None = None, times: int | None = None, **options: Any
    ) -> None:
        """Switch a fault on for `endpoint` (None: every API endpoint) for the next `times` requests.

        Options: rate_limited `retry_after` (2); timeout `delay` (timeout_delay); server_error
        `work_done` (False: the paid call creates nothing; True: created, answer lost); clip_error
        `error_type`, `error_message`; task_failure `fail_reason`.
        """
        if name not in FAULTS:
            raise ValueError(f"unknown fault {name!r}; known: {', '.join(FAULTS)}")
        if endpoint is not None and endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; known: {', '.join(ENDPOINTS)}")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._active.append(Fault(name, endpoint, times, options))

    def add_specs(self, specs: str) -> None:
        """`"rate_limited,server_error:submit_music"`: the SUNO_SIMULATOR_FAULTS / --faults syntax."""
        for spec in specs.split(","):
            if spec.strip():
                name, _, endpoint = spec.strip().partition(":")
                self.add(name.strip(), endpoint=endpoint.strip() or None)

    def remove(self, name: str) -> None:
        with self._lock:
            self._active = [f for f in self._active if f.name != name]

    def clear(self) -> None:
        with self._lock:
            self._active.clear()

    def __contains__(self, name: object) -> bool:
        with self._lock:
            return any(f.name == name for f in self._active)

    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._active)

    def take(self, endpoint: str, names: tuple[str, ...]) -> Fault | None:
        """The first active fault among `names` that applies to `endpoint`, using up one of its `times`."""
        with self._lock:
            for fault in self._active:
                applies = (
                    endpoint in FAULT_SCOPE.get(fault.name, ENDPOINTS)
                    if fault.endpoint is None
                    else (fault.endpoint == endpoint)
                )
                if fault.name in names and applies:
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times == 0:
                            self._active.remove(fault)
                    return fault
        return None


# --- state ---------------------------------------------------------------------------------------------


@dataclass
class ClipState:
    id: str
    created_at: float
    kind: str  # gen | stem | concat | upload: decides how its audio is made
    title: str
    model_name: str
    major_model_version: str
    metadata: dict[str, Any]  # static part; duration and error fields are added when they apply
    seed: str  # media's seed: derived from the request, never from the random clip id
    tags: str = ""
    lyrics: str = ""
    instrumental: bool = False
    duration: float = 0.0
    starts_queued: bool = False  # stems skip `submitted` (§5.7)
    error: tuple[str, str] | None = None  # (error_type, error_message): the clip ends in `error`
    never_completes: bool = False
    stem: str = ""
    source_id: str = ""  # stems: the separated clip
    parts: tuple[tuple[str, float | None], ...] = ()  # concat: (clip id, cut at seconds) in order
    upload_bytes: bytes = b""
    upload_content_type: str = ""


@dataclass
class LyricsState:
    id: str
    title: str
    text: str


@dataclass
class TaskState:
    id: str
    action: str  # MUSIC | LYRICS
    submitted_at: float
    notify_hook: str = ""
    clip_ids: list[str] = field(default_factory=list)
    lyrics: LyricsState | None = None
    ready_after: float | None = None  # lyrics and uploads: done after this many seconds
    failure: str = ""  # the task ends FAILURE with this fail_reason...
    fail_after: float = 0.0  # ...this many seconds after submit
    native: dict[str, Any] | None = None  # /suno/generate batches: the top-level metadata


@dataclass
class PersonaState:
    id: str
    name: str
    description: str
    root_clip_id: str
    clip_ids: list[str]
    is_public: bool
    persona_clip_ids: list[int]


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


def iso(timestamp: float) -> str:
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def audio_seed(body: Mapping[str, Any], index: int) -> str:
    """Same request body, same audio: the seed ignores fields that only route or notify."""
    stable = {k: v for k, v in body.items() if k not in ("notify_hook", "task_id")}
    text = json.dumps(stable, sort_keys=True, ensure_ascii=False) + f"#{index}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _text(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Rejected(f"{key} must be a string")
    return value


def _number(body: Mapping[str, Any], key: str) -> float | None:
    value = body.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Rejected(f"{key} must be a number")
    try:
        return float(value)
    except ValueError:
        raise Rejected(f"{key} must be a number") from None


def model_fields(version: versions.ModelVersion) -> tuple[str, str]:
    """(model_name, major_model_version) as clips report them: chirp-v4-tau reports chirp-v4 / v4 (seed)."""
    model_name = version.mv.removesuffix("-tau")
    major = version.label.split(" ")[0].split("-")[0]
    return model_name, "v3" if major == "v3.0" else major


# --- lyrics writer ---------------------------------------------------------------------------------------

_STOPWORDS = frozenset(
    "a an and are as at be but by for from has have i in is it its me my of on or our so that the their "
    "them they this to was we were with you your about into over song songs write lyrics make some".split()
)
_LINES = {
    "verse": (
        "I found the {a} where the {b} used to be",
        "Walking home with {a} in my hands",
        "Every {a} tells me something new",
        "The {a} and the {b} keep me awake",
        "Morning light across the {a} again",
        "I wrote your name beside the {b}",
        "Counting every {a} until the {b}",
        "There's a {a} that only we can hear",
    ),
    "chorus": (
        "Oh {a}, {a}, don't let go",
        "We are the {a}, we are the {b}",
        "Sing it loud for the {a} tonight",
        "Hold on to the {a} and the {b}",
    ),
    "bridge": (
        "And if the {a} falls down",
        "I will still be here with the {b}",
        "No more waiting for the {a}",
    ),
}
_INSPIRATION_TAGS = (
    "pop, upbeat",
    "indie folk, acoustic",
    "synthwave, dreamy",
    "lo-fi hip hop, mellow",
    "rock",
)


def _idea_words(idea: str) -> list[str]:
    words = [w for w in re.findall(r"\w[\w']*", idea) if len(w) > 2 and w.lower() not in _STOPWORDS]
    return words or ["night", "road", "light"]


def write_lyrics(idea: str) -> tuple[str, str]:
    """Deterministic, plausible (title, lyrics) built from the idea's own words."""
    words = _idea_words(idea)
    rng = random.Random(hashlib.sha256(idea.encode()).hexdigest())

    def lines(kind: str, count: int) -> list[str]:
        picked = rng.sample(_LINES[kind], count)
        return [line.format(a=rng.choice(words).lower(), b=rng.choice(words).lower()) for line in picked]

    chorus = lines("chorus", 4)
    sections = [
        ("[Verse]", lines("verse", 4)),
        ("[Chorus]", chorus),
        ("[Verse 2]", lines("verse", 4)),
        ("[Chorus]", chorus),
        ("[Bridge]", lines("bridge", 2)),
        ("[Chorus]", chorus),
    ]
    text = "\n\n".join(tag + "\n" + "\n".join(body) for tag, body in sections)
    title = " ".join(w.capitalize() for w in dict.fromkeys(w.lower() for w in words[:3]))
    return title[: versions.TITLE_MAX], text


# --- the simulator -------------------------------------------------------------------------------------


class Simulator:
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

    # -- lifecycle timings (scaled down when a test makes streaming_after tiny) --

    @property
    def not_started_for(self) -> float:
        return min(0.5, self.streaming_after / 4)

    @property
    def queued_at(self) -> float:
        return min(1.0, self.streaming_after / 2)

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
            self.call_log.append((endpoint, method, path, _json_object_or_none(body)))
        if route is None:
            return self.gateway_error(404, f"Invalid URL ({method} {path})", code="invalid_request")
        handler = getattr(self, route.handler)
        if route.public:
            return handler(request)
        if not _bearer(request.headers.get("authorization", "")):
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

    # -- errors and faults (§6) --

    def request_id(self) -> str:
        with self._lock:
            self._request_seq += 1
            seq = self._request_seq
        stamp = datetime.fromtimestamp(self.clock(), UTC).strftime("%Y%m%d%H%M%S")
        return f"{stamp}{hashlib.sha256(str(seq).encode()).hexdigest()[:16]}"

    def gateway_error(self, status: int, message: str, *, code: str = "", headers=None) -> SimResponse:
        request_id = self.request_id()
        payload = {
            "error": {
                "message": f"{message} (request id: {request_id})",
                "type": "new_api_error",
                "code": code,
                "param": "",
            }
        }
        return json_response(status, payload, {"X-Oneapi-Request-Id": request_id, **(headers or {})})

    def gateway_fault(self, fault: Fault, endpoint: str) -> SimResponse:
        model = "suno_lyrics" if "lyrics" in endpoint else "suno_music"
        if fault.name == "unauthorized":
            return self.gateway_error(401, "Invalid token")
        if fault.name == "forbidden":
            return self.gateway_error(
                403, f"This token is not allowed to use model {model}", code="access_denied"
            )
        if fault.name == "insufficient_balance":
            return task_error(403, "quota_not_enough", "user quota is not enough")
        if fault.name == "rate_limited":
            retry_after = fault.options.get("retry_after", 2)
            return self.gateway_error(
                429,
                "Rate limit reached for requests, please try again later",
                code="rate_limit_exceeded",
                headers={"Retry-After": f"{retry_after:g}"},
            )
        return self.gateway_error(503, f"no available channel for model {model} under group default")

    def server_error(self, endpoint: str) -> SimResponse:
        # new-api wraps the upstream failure in E-task-error; on fetch it says it could not fetch the task.
        code = "fail_to_fetch_task" if endpoint.startswith(("fetch", "feed")) else "do_request_failed"
        return task_error(500, code, "upstream returned status 500: internal server error")

    def apply_response_fault(self, fault: Fault, response: SimResponse, endpoint: str) -> SimResponse:
        if fault.name == "server_error":  # work_done=True: the task exists, the answer is lost
            return self.server_error(endpoint)
        if fault.name == "timeout":
            response.delay = float(fault.options.get("delay", self.timeout_delay))
            return response
        if fault.name == "gateway_timeout":  # Cloudflare gave up waiting; the origin did the work
            html = b"<!DOCTYPE html><html><head><title>524: A timeout occurred</title></head><body>"
            html += b"<h1>Error code 524</h1><p>A timeout occurred</p></body></html>"
            return SimResponse(524, {"Content-Type": "text/html; charset=UTF-8"}, html)
        truncated = response.body[: max(1, len(response.body) // 2)]  # malformed_json
        return SimResponse(200, {"Content-Type": JSON_TYPE}, truncated)

    # -- Family T: music --------------------------------------------------------------------------------

    def submit_music(self, request: Request) -> SimResponse:
        body = _json_body(request)
        with self._lock:
            if _text(body, "task") == "gen_stem":
                native = self.variants["stems_response"] == "native"
                task = self.create_stems(body, request.endpoint, native=native)
                return json_response(200, self.native_batch(task)) if native else e_task(task.id)
            task = self.create_music(body, request.endpoint, native=False)
            return e_task(task.id)

    def generate(self, request: Request) -> SimResponse:
        """Family N (§5.15): the native batch, in the seed's exact shape."""
        body = _json_body(request)
        with self._lock:
            if _text(body, "task") == "gen_stem":
                task = self.create_stems(body, request.endpoint, native=True)
            else:
                task = self.create_music(body, request.endpoint, native=True)
            return json_response(200, self.native_batch(task))

    def submit_concat(self, request: Request) -> SimResponse:
        body = _json_body(request)
        with self._lock:
            return e_task(self.create_concat(body, request.endpoint, native=False).id)

    def generate_concat(self, request: Request) -> SimResponse:
        """§5.6 Family N: the native clip object directly."""
        body = _json_body(request)
        with self._lock:
            task = self.create_concat(body, request.endpoint, native=True)
            return json_response(200, self.clip_json(self._clips[task.clip_ids[0]]))

    # -- Family T: lyrics -------------------------------------------------------------------------------

    def submit_lyrics(self, request: Request) -> SimResponse:
        body = _json_body(request)
        with self._lock:
            return e_task(self.create_lyrics(body, request.endpoint, native=False).id)

    def generate_lyrics(self, request: Request) -> SimResponse:
        body = _json_body(request)
        with self._lock:
            task = self.create_lyrics(body, request.endpoint, native=True)
            return json_response(200, {"id": task.lyrics.id})

    def get_lyrics(self, request: Request) -> SimResponse:
        with self._lock:
            task = self._lyrics.get(request.params["id"])
            if task is None:
                raise Rejected(f"lyrics not found: {request.params['id']}")
            status, _ = self.task_status(task)
            lyrics = task.lyrics
            if status == "SUCCESS":
                return json_response(
                    200, {"id": lyrics.id, "text": lyrics.text, "title": lyrics.title, "status": "complete"}
                )
            if status == "FAILURE":
                return json_response(
                    200,
                    {
                        "id": lyrics.id,
                        "text": "",
                        "title": "",
                        "status": "error",
                        "error_message": task.failure,
                    },
                )
            return json_response(200, {"id": lyrics.id, "text": "", "title": "", "status": "running"})

    # -- upload by URL (§5.5) -----------------------------------------------------------------------------

    def upload_audio_url(self, request: Request) -> SimResponse:
        body = _json_body(request)
        url = _text(body, "url").strip()
        if not url:
            raise Rejected("url is required")
        self.check_upload_url(url)
        # Fetched outside the lock: the URL may point back at this simulator's own media routes.
        failure, content, content_type, duration = "", b"", "", 0.0
        try:
            content, content_type = self.url_fetcher(url)
        except Exception as error:  # any download problem becomes the task's fail_reason, as upstream
            failure = f"Unable to download audio: {error}"
        if not failure:
            try:
                duration = media.decode_duration(content)
            except Exception:
                duration = 0.0
            if duration <= 0:
                failure = UPLOAD_NOT_AUDIO
        with self._lock:
            task = self.create_upload(url, content, content_type, duration, failure, request.endpoint)
            return e_task(task.id)

    def check_upload_url(self, url: str) -> None:
        """No SSRF: only http(s) URLs on hosts we were told to trust, plus our own media host."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise Rejected("url must be an http or https URL")
        trusted = set(self.trusted_upload_hosts) | {urlsplit(self.base_url).hostname}
        if parts.hostname not in trusted:
            raise Rejected(f"url host {parts.hostname} is not allowed")

    def fetch_url(self, url: str) -> tuple[bytes, str]:
        """Default `url_fetcher`: our own URLs in-process (no socket needed), others with a size cap."""
        if url.startswith(self.base_url + "/"):
            parts = urlsplit(url)
            answer = self.handle("GET", parts.path, query=parts.query)
            if answer.status != 200:
                raise OSError(f"HTTP {answer.status}")
            return answer.body, answer.headers.get("Content-Type", "")
        with httpx.stream("GET", url, timeout=30.0, follow_redirects=False) as answer:
            if answer.status_code != 200:
                raise OSError(f"HTTP {answer.status_code}")
            chunks, size = [], 0
            for chunk in answer.iter_bytes():
                size += len(chunk)
                if size > UPLOAD_MAX_BYTES:
                    raise OSError("file too large")
                chunks.append(chunk)
            return b"".join(chunks), answer.headers.get("content-type", "")

    # -- persona (§5.9) -----------------------------------------------------------------------------------

    def persona_create(self, request: Request) -> SimResponse:
        body = _json_body(request)
        root_clip_id = _text(body, "root_clip_id")
        name = _text(body, "name")
        for key in ("root_clip_id", "name", "description", "clips", "is_public"):
            if key not in body:
                raise Rejected(f"{key} is required")
        if not root_clip_id or not name.strip():
            raise Rejected("root_clip_id and name must not be empty")
        description = _text(body, "description")
        clip_ids = body["clips"]
        if not isinstance(clip_ids, list) or not all(isinstance(c, str) for c in clip_ids):
            raise Rejected("clips must be a list of clip ids")
        if not isinstance(body["is_public"], bool):
            raise Rejected("is_public must be a boolean")
        with self._lock:
            root = self.complete_clip(root_clip_id, "root_clip_id")
            if root.kind == "upload":
                raise Rejected("an uploaded clip cannot be a persona source")  # §5.5 constraints
            for clip_id in clip_ids:
                self.complete_clip(clip_id, "clips")
            clip_ids = clip_ids or [root_clip_id]
            persona = PersonaState(
                id=str(uuid.uuid4()),
                name=name,
                description=description,
                root_clip_id=root_clip_id,
                clip_ids=list(clip_ids),
                is_public=body["is_public"],
                persona_clip_ids=[self._next_persona_clip_id() for _ in clip_ids],
            )
            self._personas[persona.id] = persona
            return json_response(200, self.persona_json(persona))

    def _next_persona_clip_id(self) -> int:
        self._persona_clip_seq += 1
        return self._persona_clip_seq

    def persona_json(self, persona: PersonaState) -> dict[str, Any]:
        return {
            "id": persona.id,
            "name": persona.name,
            "description": persona.description,
            "root_clip_id": persona.root_clip_id,
            "clip": self.clip_json(self._clips[persona.root_clip_id]),
            "user_display_name": ACCOUNT["display_name"],
            "user_handle": ACCOUNT["handle"],
            "user_image_url": ACCOUNT["avatar_image_url"],
            "persona_clips": [
                {"clip": self.clip_json(self._clips[clip_id]), "id": number}
                for clip_id, number in zip(persona.clip_ids, persona.persona_clip_ids, strict=True)
            ],
            "is_public": persona.is_public,
        }

    # -- polling --------------------------------------------------------------------------------------------

    def fetch(self, request: Request) -> SimResponse:
        with self._lock:
            task = self._tasks.get(request.params["id"])
            if task is None:
                raise Rejected("task_not_exist", code="task_not_exist")
            return e_task(self.task_json(task))

    def fetch_batch(self, request: Request) -> SimResponse:
        body = _json_body(request)
        ids = body.get("ids")
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise Rejected("ids must be a list of task ids")
        if self.batch_limit is not None and len(ids) > self.batch_limit:
            raise Rejected(f"too many ids: {len(ids)} (at most {self.batch_limit})")
        with self._lock:
            found = [self._tasks[i] for i in dict.fromkeys(ids) if i in self._tasks]
            # §5.14: no guaranteed order; reversed so a client that relies on order is caught.
            return e_task([self.task_json(task) for task in reversed(found)])

    def feed(self, request: Request) -> SimResponse:
        raw = request.params.get("ids") or request.query.get("ids", "")
        ids = [i.strip() for i in raw.split(",") if i.strip()]
        with self._lock:
            return json_response(200, [self.clip_json(self._clips[i]) for i in ids if i in self._clips])

    # -- act endpoints (§5.11–§5.13) ----------------------------------------------------------------------

    def act_timing(self, request: Request) -> SimResponse:
        with self._lock:
            clip = self.complete_clip(request.params["id"], "clip_id")
        samples = self.clip_samples(clip)
        return json_response(
            200,
            {
                "aligned_words": self.clip_words(clip),
                "waveform_data": media.waveform(samples),
                "hoot_cer": round(0.02 + int(clip.seed, 16) % 400 / 10000, 4),
                "is_streamed": False,
            },
        )

    def act_wav(self, request: Request) -> SimResponse:
        with self._lock:
            clip = self.complete_clip(request.params["id"], "clip_id")
            if not self.conversion_ready("wav", clip.id, self.wav_ready_after, start=True):
                return json_response(200, {})  # §5.12: still converting
        url = f"{self.base_url}/cdn1/{clip.id}.wav"
        shape = self.variants["wav_response"]
        if shape == "binary":
            return SimResponse(200, {"Content-Type": "audio/wav"}, self.media_bytes(clip, "wav"))
        if shape == "wav_file_url":
            return json_response(200, {"wav_file_url": url})
        return json_response(200, {"code": "success", "data": url})

    def act_mp4(self, request: Request) -> SimResponse:
        with self._lock:
            clip = self.complete_clip(request.params["id"], "clip_id")
            if not self.conversion_ready("mp4", clip.id, self.mp4_ready_after, start=True):
                return json_response(200, {})
        url = f"{self.base_url}/cdn1/{clip.id}.mp4"
        if self.variants["mp4_response"] == "data_url":
            return json_response(200, {"code": "success", "data": url})
        return json_response(200, {"mp4_file_url": url})

    def conversion_ready(self, kind: str, clip_id: str, ready_after: float, *, start: bool) -> bool:
        """The first act/wav (act/mp4) request starts a conversion; it is ready `ready_after` later."""
        now = self.clock()
        key = (kind, clip_id)
        if key not in self._conversions:
            if not start:
                return False
            self._conversions[key] = now
        return now - self._conversions[key] >= ready_after

    # -- media (a CDN: public, no faults) ------------------------------------------------------------------

    def media_stream(self, request: Request) -> SimResponse:
        """audiopipe: the live stream while streaming; we serve the clip's MP3."""
        with self._lock:
            clip = self._clips.get(request.query.get("item_id", ""))
            ok = clip is not None and self.clip_status(clip) in ("streaming", "complete")
        if not ok:
            return _not_found()
        return ranged(request, self.media_bytes(clip, "mp3"), self.audio_type(clip), cache="no-cache")

    def media_cdn1(self, request: Request) -> SimResponse:
        ext = request.params["ext"]
        with self._lock:
            clip = self._clips.get(request.params["id"])
            ok = clip is not None and self.clip_status(clip) == "complete"
            if ok and ext == "wav":  # exists once an act/wav conversion finished
                ok = self.conversion_ready("wav", clip.id, self.wav_ready_after, start=False)
        if not ok:
            return _not_found()
        try:
            content = self.media_bytes(clip, ext)
        except media.MediaUnavailable:
            return _not_found()
        content_type = {"mp3": self.audio_type(clip), "wav": "audio/wav", "mp4": "video/mp4"}[ext]
        return ranged(request, content, content_type)

    def media_image(self, request: Request) -> SimResponse:
        with self._lock:
            clip = self._clips.get(request.params["id"])
            ok = clip is not None and self.clip_status(clip) == "complete"
        if not ok:
            return _not_found()
        kind = "image_large" if request.params.get("large") else "image"
        return ranged(request, self.media_bytes(clip, kind), "image/jpeg")

    def audio_type(self, clip: ClipState) -> str:
        if clip.kind == "upload":  # served as uploaded, whatever it is
            return clip.upload_content_type or (
                "audio/wav" if clip.upload_bytes[:4] == b"RIFF" else "audio/mpeg"
            )
        return "audio/mpeg"

    def media_bytes(self, clip: ClipState, kind: str) -> bytes:
        key = (clip.id, kind)
        with self._media_lock:
            if key in self._media_cache:
                return self._media_cache[key]
        content = self._render_media(clip, kind)  # outside the locks: rendering takes a while
        with self._media_lock:
            return self._media_cache.setdefault(key, content)

    def _render_media(self, clip: ClipState, kind: str) -> bytes:
        if kind == "mp3":
            return clip.upload_bytes if clip.kind == "upload" else media.encode_mp3(self.clip_samples(clip))
        if kind == "wav":
            return media.encode_wav(self.clip_samples(clip), media.SAMPLE_RATE)
        if kind == "mp4":
            return media.render_mp4(
                mp3=self.media_bytes(clip, "mp3"), cover_jpeg=self.media_bytes(clip, "image")
            )
        size = 1024 if kind == "image_large" else 512
        return media.render_cover(clip.seed, title=clip.title, tags=clip.tags, size=size)

    def clip_samples(self, clip: ClipState):
        if clip.kind == "stem":
            source = self._clips[clip.source_id]
            return media.render_stem(
                source.seed,
                tags=source.tags,
                lyrics=source.lyrics,
                duration=source.duration,
                stem=clip.stem,
                instrumental=source.instrumental,
            )
        if clip.kind == "concat":
            parts = [(self.clip_samples(self._clips[part_id]), cut) for part_id, cut in clip.parts]
            return media.splice(parts, media.SAMPLE_RATE)
        if clip.kind == "upload":
            # We cannot decode arbitrary uploads without ffmpeg: silence of the right length stands in
            # wherever samples are needed (a concat after upload_extend, the waveform).
            import numpy

            return numpy.zeros(int(clip.duration * media.SAMPLE_RATE), dtype=numpy.float32)
        return self.rendered(clip).samples

    def rendered(self, clip: ClipState) -> media.RenderedClip:
        return media.render_clip(
            clip.seed,
            tags=clip.tags,
            lyrics=clip.lyrics,
            duration=clip.duration,
            instrumental=clip.instrumental,
        )

    def clip_words(self, clip: ClipState) -> list[dict[str, Any]]:
        if clip.kind == "gen":
            return (
                []
                if clip.instrumental or not clip.lyrics.strip()
                else media.aligned_words(self.rendered(clip), clip.lyrics)
            )
        if clip.kind == "stem":
            return self.clip_words(self._clips[clip.source_id]) if clip.stem == "Vocals" else []
        if clip.kind == "concat":  # each part's words up to its cut, shifted to where the part starts
            words, offset = [], 0.0
            for part_id, cut in clip.parts:
                part = self._clips[part_id]
                for word in self.clip_words(part):
                    if cut is None or word["end_s"] <= cut:
                        words.append(
                            {**word, "start_s": word["start_s"] + offset, "end_s": word["end_s"] + offset}
                        )
                offset += part.duration if cut is None else cut
            return words
        return []

    # -- creating tasks -----------------------------------------------------------------------------------

    def new_task_id(self, *, native: bool) -> str:
        # Native batches carry Suno's own UUIDs; gateway task ids follow the variant (§1 IDs).
        if native or self.variants["task_id_format"] == "uuid":
            return str(uuid.uuid4())
        return "task_" + uuid.uuid4().hex[:24]

    def new_clip(self, **fields: Any) -> ClipState:
        clip = ClipState(id=str(uuid.uuid4()), created_at=self.clock(), **fields)
        self._clips[clip.id] = clip
        return clip

    def new_task(self, action: str, *, task_id: str, notify_hook: str = "", **fields: Any) -> TaskState:
        task = TaskState(
            id=task_id,
            action=action,
            submitted_at=self.clock(),
            notify_hook=notify_hook,
            **fields,
        )
        self._tasks[task.id] = task
        return task

    def complete_clip(self, clip_id: Any, field_name: str) -> ClipState:
        if not isinstance(clip_id, str) or not clip_id:
            raise Rejected(f"{field_name} is required")
        clip = self._clips.get(clip_id)
        if clip is None:
            raise Rejected(f"{field_name}: clip {clip_id} not found")
        status = self.clip_status(clip)
        if status != "complete":
            raise Rejected(f"{field_name}: clip {clip_id} is not complete (status {status})")
        return clip

    def music_version(self, body: Mapping[str, Any]) -> versions.ModelVersion:
        mv = _text(body, "mv") or DEFAULT_MV
        version = versions.get_version(mv)
        if version is None:
            raise Rejected(f"invalid mv: {mv}")
        limits = {
            "prompt": version.prompt_max,
            "tags": version.tags_max,
            "negative_tags": version.negative_tags_max,
            "gpt_description_prompt": version.description_max,
        }
        for key, limit in limits.items():
            if len(_text(body, key)) > limit:
                raise Rejected(f"{key} is too long: {len(_text(body, key))} characters, {mv} allows {limit}")
        if len(_text(body, "title")) > versions.TITLE_HARD_MAX:
            raise Rejected(f"title is too long: at most {versions.TITLE_HARD_MAX} characters")
        return version

    def create_music(self, body: Mapping[str, Any], endpoint: str, *, native: bool) -> TaskState:
        version = self.music_version(body)
        task_name = _text(body, "task")
        if task_name not in TASKS:
            raise Rejected(f"invalid task: {task_name}")
        prompt, tags, title = _text(body, "prompt"), _text(body, "tags"), _text(body, "title")
        description = _text(body, "gpt_description_prompt")
        instrumental = bool(body.get("make_instrumental"))
        if not description and not prompt.strip() and not instrumental:
            raise Rejected("prompt_empty")

        metadata: dict[str, Any] = {}
        extra: dict[str, Any] = {}  # task-specific metadata, after the common keys as in the seed
        if task_name == "artist_consistency":
            extra = self.persona_metadata(body, version)
        elif task_name in EXTEND_TASKS:
            extra = self.extend_metadata(body, version, task_name)
        elif task_name == "cover":
            extra = {"cover_clip_id": self.complete_clip(body.get("cover_clip_id"), "cover_clip_id").id}

        if description:  # inspiration mode: Suno writes the title, lyrics and style (§5.4)
            written_title, written_lyrics = write_lyrics(description)
            title = title or written_title
            prompt = "" if instrumental else written_lyrics
            tags = tags or _INSPIRATION_TAGS[int(audio_seed(body, 0), 16) % len(_INSPIRATION_TAGS)]
        metadata["tags"] = tags
        if _text(body, "negative_tags"):
            metadata["negative_tags"] = _text(body, "negative_tags")
        metadata["prompt"] = prompt
        if description:
            metadata["gpt_description_prompt"] = description
        metadata.update({"type": "gen", "stream": True, "has_vocal": False})
        if instrumental:
            metadata["make_instrumental"] = True
        metadata.update(extra)
        if task_name:
            metadata["task"] = task_name

        model_name, major = model_fields(version)
        clips = []
        for index in range(2):  # §1 billing: one music request yields two clips
            seed = audio_seed(body, index)
            clips.append(
                self.new_clip(
                    kind="gen",
                    title=title,
                    model_name=model_name,
                    major_model_version=major,
                    metadata=dict(metadata),
                    seed=seed,
                    tags=tags,
                    lyrics=prompt,
                    instrumental=instrumental,
                    duration=media.clip_duration(seed, lyrics=prompt, instrumental=instrumental),
                )
            )
        task = self.music_task(body, clips, native=native, batch_metadata=metadata)
        self.apply_lifecycle_faults(endpoint, task, clips)
        return task

    def music_task(
        self, body: Mapping[str, Any], clips: list[ClipState], *, native: bool, batch_metadata: dict
    ) -> TaskState:
        return self.new_task(
            "MUSIC",
            task_id=self.new_task_id(native=native),
            notify_hook=_text(body, "notify_hook"),
            clip_ids=[c.id for c in clips],
            native=dict(batch_metadata),
        )

    def persona_metadata(self, body: Mapping[str, Any], version: versions.ModelVersion) -> dict[str, Any]:
        if version.mv not in versions.PERSONA_MODELS:
            raise Rejected(
                f"mv {version.mv} does not support personas; use one of {', '.join(versions.PERSONA_MODELS)}"
            )
        persona = self._personas.get(_text(body, "persona_id"))
        if persona is None:
            raise Rejected(f"persona not found: {_text(body, 'persona_id')}")
        if _text(body, "artist_clip_id") != persona.root_clip_id:
            raise Rejected("artist_clip_id must be the persona's root clip")
        return {"artist_clip_id": persona.root_clip_id, "persona_id": persona.id}

    def extend_metadata(
        self, body: Mapping[str, Any], version: versions.ModelVersion, task_name: str
    ) -> dict:
        if not version.extend:
            raise Rejected(f"mv {version.mv} cannot extend")
        parent = self.complete_clip(body.get("continue_clip_id"), "continue_clip_id")
        if task_name == "upload_extend" and parent.kind != "upload":
            raise Rejected("upload_extend needs an uploaded clip as continue_clip_id")
        if task_name == "infill":
            start, end = _number(body, "infill_start_s"), _number(body, "infill_end_s")
            if start is None or end is None or not 0 <= start < end <= parent.duration:
                raise Rejected(f"infill_start_s and infill_end_s must lie within 0..{parent.duration:.2f}")
            entry = _history_entry(parent, None, infill=True)
            entry.update({"infill_start_s": start, "infill_end_s": end})
            return {"continue_clip_id": parent.id, "infill": True, "history": [entry]}
        continue_at = _number(body, "continue_at")
        if continue_at is None or not 0 < continue_at <= parent.duration:
            raise Rejected(f"continue_at must lie within 0..{parent.duration:.2f} seconds of the clip")
        # Oldest first: the parent's own chain, then the parent itself (§3 history).
        history = [*parent.metadata.get("history", []), _history_entry(parent, continue_at)]
        return {"continue_clip_id": parent.id, "continue_at": continue_at, "history": history}

    def create_stems(self, body: Mapping[str, Any], endpoint: str, *, native: bool) -> TaskState:
        version = self.music_version(body)
        if version.mv != versions.STEM_MODEL:
            raise Rejected(f"stems need mv {versions.STEM_MODEL}")
        source = self.complete_clip(body.get("continue_clip_id"), "continue_clip_id")
        group = (_text(body, "stem_type_group_name") or _text(body, "stem_task") or "Twelve").lower()
        names = {"twelve": media.STEM_NAMES_TWELVE, "two": media.STEM_NAMES_TWO}.get(group)
        if names is None:
            raise Rejected(f"invalid stem_type_group_name: {group}")
        title = _text(body, "title") or source.title
        clips = []
        for name in names:
            metadata = {
                "tags": source.tags,
                "prompt": source.lyrics if name == "Vocals" else "",  # §3: the vocals stem keeps the lyrics
                "type": "stem",
                "stream": True,
                "has_vocal": False,
                "stem_from_id": source.id,
                "stem_task": group,
                "stem_type_id": body.get("stem_type_id") or STEM_TYPE_ID,
                "stem_type_group_name": group.capitalize(),
                "task": "gen_stem",
            }
            clips.append(
                self.new_clip(
                    kind="stem",
                    title=f"{title} - {name}",
                    model_name="chirp-stem",
                    major_model_version="",
                    metadata=metadata,
                    seed=source.seed,
                    tags=source.tags,
                    lyrics=metadata["prompt"],
                    duration=source.duration,
                    starts_queued=True,
                    stem=name,
                    source_id=source.id,
                )
            )
        batch_metadata = {k: v for k, v in clips[0].metadata.items() if k != "prompt"}
        task = self.music_task(body, clips, native=native, batch_metadata=batch_metadata)
        self.apply_lifecycle_faults(endpoint, task, clips)
        return task

    def create_concat(self, body: Mapping[str, Any], endpoint: str, *, native: bool) -> TaskState:
        last = self.complete_clip(body.get("clip_id"), "clip_id")
        if last.metadata.get("task") not in EXTEND_TASKS:
            raise Rejected("clip_id must be the result of an extend or infill task")
        if last.metadata.get("task") == "infill":  # the infill clip already holds the whole song
            parts: list[tuple[str, float | None]] = [(last.id, None)]
        else:
            parts = [(entry["id"], entry["continue_at"]) for entry in last.metadata["history"]]
            parts.append((last.id, None))
        chain = [self._clips[part_id] for part_id, _ in parts]
        duration = sum(
            clip.duration if cut is None else cut for clip, (_, cut) in zip(chain, parts, strict=True)
        )
        concat_history = [*last.metadata.get("history", []), _history_entry(last, None)]
        metadata = {
            "tags": last.tags,
            "prompt": "\n\n".join(c.lyrics for c in chain if c.lyrics),
            "type": "concat",
            "stream": True,
            "has_vocal": False,
            "concat_history": concat_history,
            "is_infill": bool(body.get("is_infill")),
        }
        clip = self.new_clip(
            kind="concat",
            title=last.title,
            model_name=last.model_name,
            major_model_version=last.major_model_version,
            metadata=metadata,
            seed=audio_seed(body, 0),
            tags=last.tags,
            lyrics=metadata["prompt"],
            duration=duration,
            parts=tuple(parts),
        )
        task = self.music_task(body, [clip], native=native, batch_metadata=metadata)
        self.apply_lifecycle_faults(endpoint, task, [clip])
        return task

    def create_lyrics(self, body: Mapping[str, Any], endpoint: str, *, native: bool) -> TaskState:
        idea = _text(body, "prompt")
        if not idea.strip():
            raise Rejected("prompt_empty")
        if len(idea) > versions.LYRICS_IDEA_MAX:
            raise Rejected(f"prompt is too long: at most {versions.LYRICS_IDEA_MAX} characters")
        title, text = write_lyrics(idea)
        lyrics = LyricsState(id=str(uuid.uuid4()), title=title, text=text)
        # Family N hands out the lyrics id; it doubles as the task id so /suno/fetch finds it too.
        task = self.new_task(
            "LYRICS",
            task_id=lyrics.id if native else self.new_task_id(native=False),
            notify_hook=_text(body, "notify_hook"),
            lyrics=lyrics,
            ready_after=self.lyrics_after,
        )
        self._lyrics[lyrics.id] = task
        self.apply_lifecycle_faults(endpoint, task, [])
        return task

    def create_upload(
        self, url: str, content: bytes, content_type: str, duration: float, failure: str, endpoint: str
    ) -> TaskState:
        task = self.new_task(
            "MUSIC", task_id=self.new_task_id(native=False), ready_after=self.streaming_after
        )
        if failure:
            task.failure, task.fail_after = failure, self.streaming_after
            return task
        name = urlsplit(url).path.rsplit("/", 1)[-1].rsplit(".", 1)[0] or "Uploaded audio"
        clip = self.new_clip(
            kind="upload",
            title=name,
            model_name="chirp-upload",
            major_model_version="",
            metadata={"tags": "", "prompt": "", "type": "upload", "stream": False, "has_vocal": False},
            seed=hashlib.sha256(content).hexdigest()[:16],
            duration=duration,
            upload_bytes=content,
            upload_content_type=content_type if content_type.startswith("audio/") else "",
        )
        clip.created_at = task.submitted_at + self.streaming_after  # the clip exists once processed
        task.clip_ids = [clip.id]
        self.apply_lifecycle_faults(endpoint, task, [])
        return task

    def apply_lifecycle_faults(self, endpoint: str, task: TaskState, clips: list[ClipState]) -> None:
        fault = self.faults.take(endpoint, ("task_failure",))
        if fault:
            task.failure = fault.options.get("fail_reason", DEFAULT_TASK_FAILURE)
            task.fail_after = task.ready_after if task.ready_after is not None else self.streaming_after
            for clip in clips:  # family N pollers only see clips: they must end too
                clip.error = ("task_failure", task.failure)
            return
        if not clips:
            return
        fault = self.faults.take(endpoint, ("clip_error",))
        if fault:
            error_type = fault.options.get("error_type", DEFAULT_CLIP_ERROR[0])
            error_message = fault.options.get("error_message", DEFAULT_CLIP_ERROR[1])
            for clip in clips:
                clip.error = (error_type, error_message)
            return
        if self.faults.take(endpoint, ("clip_never_completes",)):
            for clip in clips:
                clip.never_completes = True

    # -- computing state from the clock ------------------------------------------------------------------

    def clip_phases(self, clip: ClipState) -> list[tuple[float, str]]:
        """(seconds after creation, status) steps of a clip (§8 state machine)."""
        if clip.kind == "upload":
            return [(0.0, "complete")]
        phases = [(0.0, "queued")] if clip.starts_queued else [(0.0, "submitted"), (self.queued_at, "queued")]
        if clip.error:
            return [*phases, (self.streaming_after, "error")]
        phases.append((self.streaming_after, "streaming"))
        if not clip.never_completes:
            phases.append((self.complete_after, "complete"))
        return phases

    def clip_status(self, clip: ClipState) -> str:
        elapsed = self.clock() - clip.created_at
        phases = self.clip_phases(clip)
        status = phases[0][1]
        for offset, step in phases:
            if elapsed >= offset:
                status = step
        return status

    def clip_finished_at(self, clip: ClipState) -> float | None:
        offset, step = self.clip_phases(clip)[-1]
        return clip.created_at + offset if step in ("complete", "error") else None

    def clip_json(self, clip: ClipState) -> dict[str, Any]:
        status = self.clip_status(clip)
        audio_url = video_url = ""
        metadata = dict(clip.metadata)
        if status == "streaming":
            audio_url = f"{self.base_url}/audiopipe/?item_id={clip.id}"
        elif status == "complete":
            audio_url = f"{self.base_url}/cdn1/{clip.id}.mp3"
            video_url = "" if clip.kind == "upload" else f"{self.base_url}/cdn1/{clip.id}.mp4"
            metadata["duration"] = round(clip.duration, 2)
        elif status == "error":
            metadata["error_type"], metadata["error_message"] = clip.error
        # Key order and values as in the seed's clips; image URLs only once the clip is complete.
        out = {
            "id": clip.id,
            "video_url": video_url,
            "audio_url": audio_url,
            "major_model_version": clip.major_model_version,
            "model_name": clip.model_name,
            "metadata": metadata,
            "is_liked": False,
            "user_id": ACCOUNT["user_id"],
            "display_name": ACCOUNT["display_name"],
            "handle": ACCOUNT["handle"],
            "is_handle_updated": False,
            "avatar_image_url": ACCOUNT["avatar_image_url"],
            "is_trashed": False,
            "created_at": iso(clip.created_at),
            "status": status,
            "title": clip.title,
            "play_count": 0,
            "upvote_count": 0,
            "is_public": False,
        }
        if status == "complete":
            out["image_url"] = f"{self.base_url}/cdn2/image_{clip.id}.jpeg"
            out["image_large_url"] = f"{self.base_url}/cdn2/image_large_{clip.id}.jpeg"
        return out

    def native_batch(self, task: TaskState) -> dict[str, Any]:
        clips = [self._clips[i] for i in task.clip_ids]
        return {
            "id": task.id,
            "clips": [self.clip_json(c) for c in clips],
            "metadata": dict(task.native or {}),
            "major_model_version": clips[0].major_model_version,
            "status": "complete",  # §5.15: the batch was accepted, not finished
            "created_at": iso(task.submitted_at),
            "batch_size": 1,
        }

    def task_status(self, task: TaskState) -> tuple[str, float | None]:
        """(status, finished at) of a task right now."""
        elapsed = self.clock() - task.submitted_at
        if elapsed < self.not_started_for:
            return "NOT_START", None
        if task.failure:
            if elapsed >= task.fail_after:
                return "FAILURE", task.submitted_at + task.fail_after
            return "IN_PROGRESS", None
        if task.ready_after is not None:  # lyrics, uploads
            if elapsed >= task.ready_after:
                return "SUCCESS", task.submitted_at + task.ready_after
            return "IN_PROGRESS", None
        clips = [self._clips[i] for i in task.clip_ids]
        statuses = [self.clip_status(c) for c in clips]
        if all(s in ("complete", "error") for s in statuses):
            finished = max(self.clip_finished_at(c) or task.submitted_at for c in clips)
            return ("FAILURE" if "error" in statuses else "SUCCESS"), finished
        return "IN_PROGRESS", None

    def task_json(self, task: TaskState) -> dict[str, Any]:
        status, finished = self.task_status(task)
        out: dict[str, Any] = {
            "task_id": task.id,
            "notify_hook": task.notify_hook,
            "action": task.action,
            "status": status,
            "fail_reason": "",
            "submit_time": int(task.submitted_at),
            "start_time": 0,
            "finish_time": int(finished) if finished else 0,
            "progress": "0%",
            "data": None,
        }
        if status == "NOT_START":
            return out
        out["start_time"] = int(task.submitted_at + self.not_started_for)
        if status == "FAILURE":
            out["progress"] = "100%"
            out["fail_reason"] = task.failure or next(
                (self._clips[i].error[1] for i in task.clip_ids if self._clips[i].error),
                "Unable to generate music",
            )
            if not task.failure:  # clip errors: the failed clips are what the client needs to show
                out["data"] = [self.clip_json(self._clips[i]) for i in task.clip_ids]
            return out
        if task.action == "LYRICS":
            if status == "SUCCESS":
                out["progress"], out["data"] = "100%", self.lyrics_json(task.lyrics)
            return out
        if task.ready_after is not None and status != "SUCCESS":  # upload still processing
            return out
        out["data"] = [self.clip_json(self._clips[i]) for i in task.clip_ids]
        if status == "SUCCESS":
            out["progress"] = "100%"
        elif any(clip["status"] == "streaming" for clip in out["data"]):
            out["progress"] = "50%"
        return out

    def lyrics_json(self, lyrics: LyricsState) -> Any:
        item = {"id": lyrics.id, "text": lyrics.text, "title": lyrics.title, "status": "complete"}
        if self.variants["lyrics_shape"] == "array":
            return [{**item, "tags": [], "state": "succeeded", "error_message": ""}]
        return item


# --- small helpers -------------------------------------------------------------------------------------


def _history_entry(clip: ClipState, continue_at: float | None, *, infill: bool = False) -> dict[str, Any]:
    kind = "upload" if clip.kind == "upload" else "gen"
    return {"id": clip.id, "continue_at": continue_at, "type": kind, "source": "web", "infill": infill}


def _bearer(value: str) -> bool:
    scheme, _, key = value.partition(" ")
    return scheme.lower() == "bearer" and bool(key.strip())


def _json_object_or_none(body: bytes) -> dict | None:
    try:
        parsed = json.loads(body) if body else None
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _json_body(request: Request) -> dict[str, Any]:
    parsed = _json_object_or_none(request.body)
    if parsed is None:
        raise Rejected("invalid request body: expected a JSON object")
    return parsed


def _not_found() -> SimResponse:
    return SimResponse(404, {"Content-Type": "text/plain; charset=utf-8"}, b"Not Found")


def ranged(
    request: Request, content: bytes, content_type: str, *, cache: str = "public, max-age=3600"
) -> SimResponse:
    """Serve bytes like a CDN: Range -> 206 (Chromium needs it to seek, stack-notes), HEAD, CORS."""
    size = len(content)
    headers = {
        "Content-Type": content_type,
        "Accept-Ranges": "bytes",
        "Access-Control-Allow-Origin": "*",  # the browser's waveform player fetches cross-origin
        "Cache-Control": cache,
    }
    status, start, end = 200, 0, size - 1
    wanted = request.headers.get("range", "")
    if wanted:
        found = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", wanted.split(",")[0] if "," in wanted else wanted)
        if found and (found[1] or found[2]):
            if found[1]:
                start = int(found[1])
                end = min(int(found[2]), size - 1) if found[2] else size - 1
            else:  # suffix range: the last N bytes
                start = max(0, size - int(found[2]))
            if start >= size or start > end:
                headers["Content-Range"] = f"bytes */{size}"
                return SimResponse(416, headers, b"")
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    payload = content[start : end + 1]
    headers["Content-Length"] = str(len(payload))
    return SimResponse(status, headers, b"" if request.method == "HEAD" else payload)
