"""SunoClient: one method per endpoint of ElkAPI's Suno API (docs/upstream.md).

Every POST that creates something upstream is paid, so a paid call is sent again only when the request
provably never reached the upstream (a connect error or a pool timeout) or was refused with 429. A read
timeout or a 5xx may mean the upstream already charged, so the error goes back to the caller with
`may_have_reached_upstream` set and the caller decides (conventions §4: the row records it and a sweep
resolves it). Queries are free and are retried with exponential backoff and full jitter.

The API key travels only in the Authorization header: it is scrubbed from every message we copy into an
exception or a log record.
"""

from __future__ import annotations

import email.utils
import logging
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from . import versions
from .errors import (
    AuthError,
    BadRequest,
    InsufficientCredits,
    MalformedResponse,
    RateLimited,
    SunoError,
    TaskNotFound,
    UpstreamUnavailable,
)
from .types import (
    Clip,
    Lyrics,
    MediaFile,
    Persona,
    Submission,
    Task,
    Timing,
    find_media_url,
    parse_clip,
    parse_lyrics,
    parse_persona,
    parse_task,
    parse_timing,
)
from .versions import ModelVersion

logger = logging.getLogger("suno")
_T = TypeVar("_T")

# No batch cap is documented; the contract recommends at most 20 ids per POST /suno/fetch (§5.14).
FETCH_BATCH_MAX = 20

# These fail before a byte of the request is written, so even a paid call may be sent again.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

_QUOTA_WORDS = re.compile(r"quota|balance|credit|insufficient", re.IGNORECASE)
_REQUEST_ID = re.compile(r"request id:?\s*([A-Za-z0-9_.-]+)", re.IGNORECASE)
_BEARER = re.compile(r"(Bearer\s+)\S+", re.IGNORECASE)
_BINARY_TYPES = ("audio/", "video/", "application/octet-stream")
_MESSAGE_MAX = 500


@dataclass(frozen=True)
class Timeouts:
    connect: float = 5.0
    read: float = 30.0
    write: float = 30.0
    pool: float = 5.0


DEFAULT_TIMEOUTS = Timeouts()


@dataclass(frozen=True)
class _Reply:
    body: Any  # parsed JSON, or None for a binary or empty media body
    response: httpx.Response


def parse_retry_after(value: str | None, *, date_header: str | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date (RFC 9110 §10.2.3).

    A date is measured against the response's own Date header when there is one, so a skewed local
    clock doesn't matter.
    """
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        target = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    now = time.time()
    if date_header:
        try:
            now = email.utils.parsedate_to_datetime(date_header).timestamp()
        except (TypeError, ValueError, IndexError):
            pass
    return max(0.0, target.timestamp() - now)


class SunoClient:
    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        transport: httpx.BaseTransport | None = None,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        max_attempts: int = 4,
        backoff_base: float = 1.0,
        backoff_max: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.base_url = base_url
        self._api_key = api_key
        self._max_attempts = max(1, max_attempts)
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._sleep = sleep
        self._rand = rand
        self._http = httpx.Client(
            base_url=base_url,
            transport=transport,
            timeout=httpx.Timeout(
                connect=timeouts.connect, read=timeouts.read, write=timeouts.write, pool=timeouts.pool
            ),
            headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
            follow_redirects=False,  # a redirect means a wrong base URL (§6); never replay a POST
        )

    def __repr__(self) -> str:
        return f"SunoClient(base_url={self.base_url!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SunoClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ---- paid calls -------------------------------------------------------------------------------

    def submit_music(self, body: dict) -> Submission:
        """E-task (data = task id), or E-native clips for stems on some gateways (§5.4, §5.7)."""
        return self._submit("/suno/submit/music", body, _parse_submission)

    def generate_custom(
        self,
        *,
        lyrics: str,
        tags: str,
        title: str,
        mv: str,
        negative_tags: str = "",
        instrumental: bool = False,
        metadata: dict | None = None,
    ) -> Submission:
        body: dict[str, Any] = {
            "mv": mv,
            "prompt": lyrics,
            "tags": tags,
            "title": title,
            "negative_tags": negative_tags,
            "make_instrumental": instrumental,
        }
        if metadata:
            body["metadata"] = metadata
        return self.submit_music(body)

    def generate_from_description(
        self, *, description: str, mv: str, instrumental: bool = False
    ) -> Submission:
        # Inspiration mode: Suno writes the lyrics, title and tags (§5.4).
        return self.submit_music(
            {"mv": mv, "gpt_description_prompt": description, "make_instrumental": instrumental}
        )

    def generate_instrumental(self, *, tags: str, title: str, mv: str, negative_tags: str = "") -> Submission:
        # §5.4 "Custom instrumental": the custom recipe with an empty prompt.
        return self.generate_custom(
            lyrics="", tags=tags, title=title, mv=mv, negative_tags=negative_tags, instrumental=True
        )

    def extend(
        self,
        *,
        clip_id: str,
        continue_at: float,
        mv: str,
        lyrics: str = "",
        tags: str = "",
        title: str = "",
        negative_tags: str = "",
        task_id: str = "",
        uploaded: bool = False,
    ) -> Submission:
        body: dict[str, Any] = {
            "task": "upload_extend" if uploaded else "extend",
            "mv": mv,
            "continue_clip_id": clip_id,
            "continue_at": continue_at,
            "prompt": lyrics,
            "tags": tags,
            "title": title,
        }
        if negative_tags:
            body["negative_tags"] = negative_tags
        if task_id:
            # Some gateways route on it to the upstream account that owns the clip (§5.4).
            body["task_id"] = task_id
        return self.submit_music(body)

    def generate_with_persona(
        self,
        *,
        persona_id: str,
        artist_clip_id: str,
        lyrics: str,
        tags: str,
        title: str,
        mv: str,
        negative_tags: str = "",
    ) -> Submission:
        # Family N, exactly the seed page's body (§5.15, VERIFIED); the answer is E-native clips.
        body = {
            "prompt": lyrics,
            "generation_type": "TEXT",
            "tags": tags,
            "negative_tags": negative_tags,
            "mv": mv,
            "title": title,
            "task": "artist_consistency",
            "persona_id": persona_id,
            "artist_clip_id": artist_clip_id,
        }
        return self._submit("/suno/generate", body, _parse_submission)

    def generate_lyrics(self, *, idea: str) -> str:
        return self._submit("/suno/submit/lyrics", {"prompt": idea}, _parse_task_id)

    def upload_audio_url(self, *, url: str) -> str:
        return self._submit("/suno/uploads/audio-url", {"url": url}, _parse_task_id)

    def concat(self, *, clip_id: str, is_infill: bool = False) -> Submission:
        # DeerAPI marks is_infill required, GPT-Best optional: always send it (§5.6).
        body = {"clip_id": clip_id, "is_infill": is_infill}
        return self._submit("/suno/submit/concat", body, _parse_submission)

    def separate_stems(
        self, *, clip_id: str, task_id: str = "", title: str = "", full: bool = True
    ) -> Submission:
        # §5.7 body as documented; stems are "仅限chirp_auk". Full = Twelve/twelve, single = Two/two (§5.8).
        body: dict[str, Any] = {
            "task": "gen_stem",
            "task_id": task_id,
            "generation_type": "TEXT",
            "title": title,
            "mv": versions.STEM_MODEL,
            "prompt": "",
            "make_instrumental": True,
            "continue_clip_id": clip_id,
            "continued_aligned_prompt": None,
            "continue_at": None,
            "stem_type_id": 91,
            "stem_type_group_name": "Twelve" if full else "Two",
            "stem_task": "twelve" if full else "two",
        }
        if not task_id:
            del body["task_id"]  # an empty id would route nowhere; omit it rather than send ""
        return self.submit_music(body)

    def create_persona(
        self,
        *,
        root_clip_id: str,
        name: str,
        description: str,
        is_public: bool = False,
        clips: list[str] | None = None,
    ) -> Persona:
        body = {
            "root_clip_id": root_clip_id,
            "name": name,
            "description": description,
            "clips": list(clips) if clips else [root_clip_id],
            "is_public": is_public,
        }
        return self._submit("/suno/persona/create/", body, parse_persona)

    def _submit(self, path: str, body: dict, parse: Callable[[Any], _T]) -> _T:
        try:
            return parse(self._request("POST", path, json=body, paid=True).body)
        except MalformedResponse as error:
            error.retryable = False  # a 2xx means the upstream accepted, and charged, the request
            raise

    # ---- queries ----------------------------------------------------------------------------------

    def fetch_task(self, task_id: str) -> Task:
        body = self._request("GET", f"/suno/fetch/{task_id}", paid=False).body
        data = _etask_data(body)
        if isinstance(data, list) and len(data) == 1:
            data = data[0]
        return parse_task(data)

    def fetch_tasks(self, task_ids: Sequence[str], *, action: str | None = None) -> list[Task]:
        tasks: list[Task] = []
        ids = list(task_ids)
        for start in range(0, len(ids), FETCH_BATCH_MAX):
            payload: dict[str, Any] = {"ids": ids[start : start + FETCH_BATCH_MAX]}
            if action:
                payload["action"] = action
            data = _etask_data(self._request("POST", "/suno/fetch", json=payload, paid=False).body)
            if data is None:
                continue
            if not isinstance(data, list):
                raise MalformedResponse("batch fetch: data is not a list")
            tasks.extend(parse_task(item) for item in data)
        return tasks

    def feed(self, clip_ids: Sequence[str]) -> list[Clip]:
        if not clip_ids:
            return []
        body = self._request("GET", f"/suno/feed/{','.join(clip_ids)}", paid=False).body
        return _parse_clip_list(body)

    def fetch_lyrics(self, lyrics_id: str) -> Lyrics:
        body = self._request("GET", f"/suno/lyrics/{lyrics_id}", paid=False).body
        if isinstance(body, dict) and "code" in body:
            body = body.get("data")
        lyrics = parse_lyrics(body)
        if lyrics is None:
            raise MalformedResponse("lyrics: no lyrics object")
        return lyrics

    def get_wav(self, clip_id: str) -> MediaFile:
        reply = self._request("GET", f"/suno/act/wav/{clip_id}", paid=False, media=True)
        return _media(reply, ("wav_file_url", "wav_url", "url"))

    def get_mp4(self, clip_id: str) -> MediaFile:
        reply = self._request("GET", f"/suno/act/mp4/{clip_id}", paid=False, media=True)
        return _media(reply, ("mp4_file_url", "video_url", "url", "mp4"))

    def get_timing(self, clip_id: str) -> Timing:
        return parse_timing(self._request("GET", f"/suno/act/timing/{clip_id}", paid=False).body)

    def model_versions(self) -> tuple[ModelVersion, ...]:
        # "Set suno version" is a doc page, not an endpoint (§2, §5.1).
        return versions.MODEL_VERSIONS

    # ---- transport --------------------------------------------------------------------------------

    def _request(
        self, method: str, path: str, *, json: Any = None, paid: bool, media: bool = False
    ) -> _Reply:
        attempt = 0
        while True:
            try:
                response = self._http.request(method, path, json=json)
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                never_sent = isinstance(exc, _NEVER_SENT)
                error: SunoError = UpstreamUnavailable(
                    self._scrub(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__),
                    may_have_reached_upstream=not never_sent,
                )
                may_retry = never_sent or not paid
                logger.warning("suno %s %s: %s", method, path, error.message)
            else:
                try:
                    return self._check(method, path, response, media=media)
                except (RateLimited, UpstreamUnavailable) as exc:
                    error = exc
                    # Any 5xx may have been charged upstream; a 429 was refused before it was accepted.
                    may_retry = isinstance(exc, RateLimited) or not paid
            attempt += 1
            if may_retry and attempt < self._max_attempts:
                delay = self._backoff(attempt - 1, getattr(error, "retry_after", None))
                if delay is not None:
                    logger.info("suno %s %s: retry %d in %.2fs", method, path, attempt, delay)
                    self._sleep(delay)
                    continue
            if paid and isinstance(error, UpstreamUnavailable) and error.may_have_reached_upstream:
                error.retryable = False  # never resend blindly: the caller must check what happened
            raise error

    def _backoff(self, attempt: int, retry_after: float | None) -> float | None:
        """Full jitter; at least Retry-After. None when the server asks for longer than we ever wait:
        the caller (a queued job) should come back later instead of blocking a worker."""
        delay = min(self._backoff_max, self._backoff_base * 2**attempt) * self._rand()
        if retry_after is not None:
            if retry_after > self._backoff_max:
                return None
            delay = max(delay, retry_after)
        return delay

    def _check(self, method: str, path: str, response: httpx.Response, *, media: bool) -> _Reply:
        status = response.status_code
        content_type = response.headers.get("content-type", "").lower()
        if 200 <= status < 300 and media:
            if content_type.startswith(_BINARY_TYPES) or not response.content.strip():
                return _Reply(None, response)  # binary WAV/MP4, or an empty "still converting" body
        try:
            body = response.json()
        except ValueError:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
            body = None
            is_json = False
        else:
            is_json = True
        message, code, request_id = self._describe(body, response)

        if 200 <= status < 300:
            if not is_json:
                logger.warning("suno %s %s: HTTP %d with a non-JSON body", method, path, status)
                raise MalformedResponse(
                    f"HTTP {status} with a non-JSON body", status_code=status, request_id=request_id
                )
            if not _is_failure_envelope(body):
                return _Reply(body, response)

        logger.warning(
            "suno %s %s: HTTP %d code=%r request_id=%s: %s", method, path, status, code, request_id, message
        )
        if is_json:
            logger.debug("suno %s %s body: %s", method, path, self._scrub(response.text[:2000]))
        if not message:
            message = f"HTTP {status}" + ("" if is_json else " (non-JSON body)")
        raise _classify(status, code, message, body, response, request_id)

    def _describe(self, body: Any, response: httpx.Response) -> tuple[str, str, str]:
        """The message, code and request id, wherever this envelope keeps them (§1.1, §6)."""
        message = code = ""
        if isinstance(body, dict):
            error = body.get("error")
            if isinstance(error, dict):
                message = _text(error.get("message"))
                code = _text(error.get("code"))
            elif isinstance(error, str):
                message = error
            message = message or _text(body.get("message")) or _text(body.get("fail_reason"))
            code = code or _text(body.get("code"))
        message = self._scrub(message)[:_MESSAGE_MAX]
        match = _REQUEST_ID.search(message)
        request_id = match.group(1) if match else ""
        request_id = (
            request_id
            or response.headers.get("x-oneapi-request-id", "")
            or response.headers.get("x-request-id", "")
        )
        return message, code, self._scrub(request_id)

    def _scrub(self, text: str) -> str:
        if self._api_key:
            text = text.replace(self._api_key, "[redacted]")
        return _BEARER.sub(r"\1[redacted]", text)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _is_failure_envelope(body: Any) -> bool:
    """§1.1: success needs `code` absent or "success" and no top-level `error` object."""
    if not isinstance(body, dict):
        return False
    code = body.get("code")
    if code is not None and _text(code).lower() != "success":
        return True
    error = body.get("error")
    return isinstance(error, dict) or (isinstance(error, str) and bool(error))


def _classify(
    status: int, code: str, message: str, body: Any, response: httpx.Response, request_id: str
) -> SunoError:
    info = {"status_code": status, "request_id": request_id}
    is_gateway_error = isinstance(body, dict) and isinstance(body.get("error"), dict)
    if status == 401:
        # Token-level exhaustion may come as a 401 "quota exhausted" gateway error (§6).
        if _QUOTA_WORDS.search(message):
            return InsufficientCredits(message, **info)
        return AuthError(message, **info)
    if status == 403:
        if code == "quota_not_enough" or _QUOTA_WORDS.search(message):
            return InsufficientCredits(message, **info)
        return AuthError(message, **info)
    if status == 429:
        retry_after = parse_retry_after(
            response.headers.get("retry-after"), date_header=response.headers.get("date")
        )
        return RateLimited(message, retry_after=retry_after, **info)
    if status >= 500:
        # A 503 gateway error ("no available channel") is answered before the Suno adaptor runs.
        reached = not (status == 503 and is_gateway_error)
        return UpstreamUnavailable(message, may_have_reached_upstream=reached, **info)
    # Other 4xx, 3xx, and a 2xx whose envelope says it failed: the code decides.
    if code == "task_not_exist":
        return TaskNotFound(message, code=code, **info)
    if code == "quota_not_enough":
        return InsufficientCredits(message, **info)
    return BadRequest(message, code=code, **info)


def _etask_data(body: Any) -> Any:
    """The `data` of an E-task; tolerate a gateway that answers with the bare object."""
    if isinstance(body, dict) and "code" in body:
        return body.get("data")
    return body


def _parse_task_id(body: Any) -> str:
    data = _etask_data(body)
    if isinstance(data, dict):
        data = data.get("task_id") or data.get("id")
    if isinstance(data, str) and data and isinstance(body, dict):
        return data
    raise MalformedResponse("submit: no task id in the answer")


def _parse_submission(body: Any) -> Submission:
    """E-task -> task id; E-native -> batch id plus clips (§5.4 tolerated variant, §5.7, §5.15)."""
    data = _etask_data(body)
    if isinstance(data, str) and data and isinstance(body, dict):  # a bare JSON string is no E-task
        return Submission(task_id=data)
    if isinstance(data, list):
        return Submission(clips=tuple(parse_clip(c) for c in data))
    if isinstance(data, dict):
        if isinstance(data.get("clips"), list):
            return Submission(
                task_id=_text(data.get("task_id")),
                batch_id=_text(data.get("id")),
                clips=tuple(parse_clip(c) for c in data["clips"]),
            )
        if isinstance(data.get("task_id"), str) and data["task_id"]:
            return Submission(task_id=data["task_id"])
        if data.get("id") and ("status" in data or "metadata" in data):
            return Submission(clips=(parse_clip(data),))  # Family N concat: one native clip
    raise MalformedResponse("submit: neither a task id nor clips in the answer")


def _parse_clip_list(body: Any) -> list[Clip]:
    data = _etask_data(body)
    if isinstance(data, dict) and isinstance(data.get("clips"), list):
        data = data["clips"]
    elif isinstance(data, dict) and (data.get("id") or data.get("clip_id")):
        data = [data]
    if not isinstance(data, list):
        raise MalformedResponse("feed: expected an array of clips")
    return [parse_clip(item) for item in data]


def _media(reply: _Reply, keys: tuple[str, ...]) -> MediaFile:
    if reply.body is None:
        content = reply.response.content
        content_type = reply.response.headers.get("content-type", "")
        return (
            MediaFile(content=content, content_type=content_type.split(";")[0].strip())
            if content
            else MediaFile()
        )
    return MediaFile(url=find_media_url(reply.body, keys))
