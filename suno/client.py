"""SunoClient: one method per endpoint of ElkAPI's Suno API (docs/upstream.md).

Every POST that creates something upstream is paid, so a paid call is sent again only when the request
provably never reached the upstream (a connect error or a pool timeout) or was refused with 429. A read
timeout or a 5xx may mean the upstream already charged, so the error goes back to the caller with
`may_have_reached_upstream` set and the caller decides (conventions §4: the row records it and a sweep
resolves it). Queries are free and are retried with exponential backoff and full jitter. The transport,
the retries and what each answer means live in `gateway.py`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from . import versions
from .errors import BadRequest, MalformedResponse, TaskNotFound
from .gateway import DEFAULT_TIMEOUTS, Gateway, Reply, Timeouts, as_text, parse_retry_after
from .types import (
    Balance,
    Clip,
    Lyrics,
    MediaFile,
    Persona,
    Submission,
    Task,
    Timing,
    find_media_url,
    looks_like_clip,
    parse_balance,
    parse_clip,
    parse_clip_task,
    parse_lyrics,
    parse_persona,
    parse_task,
    parse_timing,
)
from .versions import ModelVersion

__all__ = [
    "DEFAULT_TIMEOUTS",
    "FETCH_BATCH_MAX",
    "SunoClient",
    "Timeouts",
    "control_metadata",
    "parse_retry_after",
]

_T = TypeVar("_T")

# No batch cap is documented; the contract recommends at most 20 ids per POST /suno/fetch (§5.14).
FETCH_BATCH_MAX = 20
WAV_KEYS = ("wav_file_url", "wav_url", "url")
MP4_KEYS = ("mp4_file_url", "video_url", "url", "mp4")
# GET /v1/dashboard/billing/usage: OpenAI caps a window at 100 days; new-api ignores it (§11 balance).
BILLING_WINDOW_DAYS = 100


def control_metadata(
    *,
    weirdness: int | None = None,
    style_influence: int | None = None,
    audio_influence: int | None = None,
    vocal_gender: str = "",
) -> dict[str, Any]:
    """The advanced controls as the submit body's `metadata` (§5.4): the studio's 0–100 sliders as 0–1
    `control_sliders`, and `vocal_gender` f/m. Empty when nothing is set (send no `metadata` then)."""
    sliders = {
        name: round(value / 100, 2)
        for name, value in (
            ("weirdness_constraint", weirdness),
            ("style_weight", style_influence),
            ("audio_weight", audio_influence),
        )
        if value is not None
    }
    for name, value in sliders.items():
        if not 0 <= value <= 1:
            raise ValueError(f"{name} must be 0..100")
    if vocal_gender and vocal_gender not in versions.VOCAL_GENDERS:
        raise ValueError("vocal_gender must be 'f' or 'm'")
    metadata: dict[str, Any] = {}
    if sliders:
        metadata["control_sliders"] = sliders
    if vocal_gender:
        metadata["vocal_gender"] = vocal_gender
    return metadata


# What the studio prices, one name per kind of paid request (the studio's price table has a row for each).
PAID_ACTIONS = (
    "generate",
    "extend",
    "cover",
    "replace",
    "stems",
    "persona",
    "lyrics",
    "concat",
    "wav",
    "video",
    "upload",
)


def paid(action: str) -> Callable[[Callable[..., _T]], Callable[..., _T]]:
    """Mark a method as a paid request of `action`: the client's `authorise` hook is asked first.

    A paid POST (`_request(paid=True)`) refuses to leave from any method not marked, so a new endpoint
    cannot be added without naming what it costs. Calls nested inside a marked method are covered by it.
    """
    if action not in PAID_ACTIONS:
        raise ValueError(f"unknown paid action {action!r}")

    def mark(method: Callable[..., _T]) -> Callable[..., _T]:
        @functools.wraps(method)
        def checked(self: SunoClient, *args: Any, **kwargs: Any) -> _T:
            if self._paid_action is not None:
                return method(self, *args, **kwargs)  # inside another paid method: already authorised
            if self._authorise is not None:
                self._authorise(action)
            self._paid_action = action
            try:
                return method(self, *args, **kwargs)
            finally:
                self._paid_action = None

        checked.paid_action = action  # type: ignore[attr-defined]
        return checked

    return mark


def paid_methods() -> dict[str, str]:
    """{method name: action} for every paid method of the client."""
    return {
        name: member.paid_action
        for name, member in vars(SunoClient).items()
        if callable(member) and hasattr(member, "paid_action")
    }


class SunoClient(Gateway):
    # ---- paid calls -------------------------------------------------------------------------------

    def _submit_music(self, body: dict, *, notify_hook: str = "") -> Submission:
        """E-task (data = task id), or E-native clips for stems on some gateways (§5.4, §5.7).

        `notify_hook`: a URL the upstream calls when the task ends (§5.4); polling stays the safety net."""
        if notify_hook:
            body = {**body, "notify_hook": notify_hook}
        return self._submit("/suno/submit/music", body, _parse_submission)

    @paid("generate")
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
        notify_hook: str = "",
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
        return self._submit_music(body, notify_hook=notify_hook)

    @paid("generate")
    def generate_from_description(
        self,
        *,
        description: str,
        mv: str,
        instrumental: bool = False,
        metadata: dict | None = None,
        notify_hook: str = "",
    ) -> Submission:
        # Inspiration mode: Suno writes the lyrics, title and tags (§5.4).
        body: dict[str, Any] = {
            "mv": mv,
            "gpt_description_prompt": description,
            "make_instrumental": instrumental,
        }
        if metadata:
            body["metadata"] = metadata
        return self._submit_music(body, notify_hook=notify_hook)

    @paid("generate")
    def generate_instrumental(
        self,
        *,
        tags: str,
        title: str,
        mv: str,
        negative_tags: str = "",
        metadata: dict | None = None,
        notify_hook: str = "",
    ) -> Submission:
        # §5.4 "Custom instrumental": the custom recipe with an empty prompt.
        return self.generate_custom(
            lyrics="",
            tags=tags,
            title=title,
            mv=mv,
            negative_tags=negative_tags,
            instrumental=True,
            metadata=metadata,
            notify_hook=notify_hook,
        )

    @paid("extend")
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
        notify_hook: str = "",
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
        return self._submit_music(body, notify_hook=notify_hook)

    @paid("cover")
    def cover(
        self,
        *,
        clip_id: str,
        mv: str,
        lyrics: str,
        tags: str,
        title: str,
        negative_tags: str = "",
        instrumental: bool = False,
        metadata: dict | None = None,
        notify_hook: str = "",
    ) -> Submission:
        """A new version of a complete clip (generated or uploaded) in another style (§5.4): two takes.
        Only versions.COVER_MODELS take it."""
        body: dict[str, Any] = {
            "task": "cover",
            "cover_clip_id": clip_id,
            "mv": mv,
            "prompt": lyrics,
            "tags": tags,
            "title": title,
            "make_instrumental": instrumental,
        }
        if negative_tags:
            body["negative_tags"] = negative_tags
        if metadata:
            body["metadata"] = metadata
        return self._submit_music(body, notify_hook=notify_hook)

    @paid("replace")
    def replace_section(
        self,
        *,
        clip_id: str,
        start_s: float,
        end_s: float,
        mv: str,
        lyrics: str,
        tags: str,
        title: str = "",
        task_id: str = "",
        notify_hook: str = "",
    ) -> Submission:
        """Replace [start_s, end_s) of a complete clip (task=infill, §5.4); `lyrics` are the whole song's
        with that part rewritten. Two takes, each the whole song; `concat(clip_id=take, is_infill=True)`
        confirms one as a song of its own. Only versions.REPLACE_MODELS take it."""
        body: dict[str, Any] = {
            "task": "infill",
            "mv": mv,
            "continue_clip_id": clip_id,
            "infill_start_s": round(start_s, 2),
            "infill_end_s": round(end_s, 2),
            "prompt": lyrics,
            "tags": tags,
            "title": title,
        }
        if task_id:
            body["task_id"] = task_id  # the relay's task_id rule applies as for extend (§11)
        return self._submit_music(body, notify_hook=notify_hook)

    def enhance_tags(self, tags: str) -> str:
        """The style enhancer (`POST /suno/act/tags`, §5.16): free, so asked like a query. A gateway
        without the route raises `RouteNotServed`."""
        body = self._request("POST", "/suno/act/tags", json={"original_tags": tags}, paid=False).body
        data = _etask_data(body)
        upsampled = data.get("upsampled_tags") if isinstance(data, dict) else None
        if not isinstance(upsampled, str) or not upsampled.strip():
            raise MalformedResponse("act/tags: no upsampled_tags in the answer")
        return upsampled.strip()

    @paid("generate")
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
        route: str = "seed",
        notify_hook: str = "",
    ) -> Submission:
        """A persona song by either route (§5.15).

        `route="seed"`: Family N `POST /suno/generate` with exactly the seed page's body (VERIFIED); the
        answer is E-native clips. A gateway that has no such route raises `RouteNotServed` (nothing was
        charged), and the caller may then use `route="task"`: Family T `POST /suno/submit/music` with
        `task: "artist_consistency"` and the custom-mode fields, answered with a relay task id.
        """
        if route == "seed":
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
            if notify_hook:
                body["notify_hook"] = notify_hook
            return self._submit("/suno/generate", body, _parse_submission)
        if route == "task":
            return self._submit_music(
                {
                    "task": "artist_consistency",
                    "mv": mv,
                    "prompt": lyrics,
                    "tags": tags,
                    "title": title,
                    "negative_tags": negative_tags,
                    "make_instrumental": False,
                    "persona_id": persona_id,
                    "artist_clip_id": artist_clip_id,
                },
                notify_hook=notify_hook,
            )
        raise ValueError(f"route must be 'seed' or 'task', not {route!r}")

    @paid("lyrics")
    def generate_lyrics(self, *, idea: str) -> str:
        return self._submit("/suno/submit/lyrics", {"prompt": idea}, _parse_task_id)

    @paid("upload")
    def upload_audio_url(self, *, url: str) -> str:
        return self._submit("/suno/uploads/audio-url", {"url": url}, _parse_task_id)

    @paid("concat")
    def concat(self, *, clip_id: str, is_infill: bool = False, notify_hook: str = "") -> Submission:
        # DeerAPI marks is_infill required, GPT-Best optional: always send it (§5.6).
        body: dict[str, Any] = {"clip_id": clip_id, "is_infill": is_infill}
        if notify_hook:
            body["notify_hook"] = notify_hook
        return self._submit("/suno/submit/concat", body, _parse_submission)

    @paid("stems")
    def separate_stems(
        self, *, clip_id: str, task_id: str = "", title: str = "", full: bool = True, notify_hook: str = ""
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
        return self._submit_music(body, notify_hook=notify_hook)

    @paid("persona")
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
        if data is None and isinstance(body, dict) and "code" in body:
            # §11: `data: null` when nothing matched.
            raise TaskNotFound(f"no task {task_id}: data is null", code="task_not_exist", status_code=200)
        if isinstance(data, list):
            if all(isinstance(item, dict) and looks_like_clip(item) for item in data):
                return parse_clip_task(task_id, data)  # §11: Suno-API answers with the bare clip array
            if len(data) == 1:
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

    @paid("wav")
    def get_wav(self, clip_id: str) -> MediaFile:
        """A URL, the bytes, nothing yet, or (§11) a `task_id` to follow with `wav_from_task`."""
        reply = self._request("GET", f"/suno/act/wav/{clip_id}", paid=False, media=True)
        return _media(reply, WAV_KEYS)

    @paid("wav")
    def wav_from_task(self, task_id: str) -> MediaFile:
        """Read the conversion task an act/wav answer named (§11): its result holds the URL once ready.

        Not ready yet: a MediaFile with only `task_id`. A FAILURE task raises BadRequest with its reason.
        """
        task = self.fetch_task(task_id)
        if task.is_failure:
            raise BadRequest(
                task.fail_reason or "the WAV conversion failed", code="task_failure", status_code=200
            )
        url = find_media_url(task.raw.get("data"), WAV_KEYS) or find_media_url(task.raw, ("result_url",))
        for clip in task.clips:
            url = url or find_media_url(clip.raw, WAV_KEYS[:2])
        return MediaFile(url=url, task_id=task_id)

    @paid("video")
    def get_mp4(self, clip_id: str) -> MediaFile:
        reply = self._request("GET", f"/suno/act/mp4/{clip_id}", paid=False, media=True)
        return _media(reply, MP4_KEYS)

    def get_timing(self, clip_id: str) -> Timing:
        return parse_timing(self._request("GET", f"/suno/act/timing/{clip_id}", paid=False).body)

    def get_balance(self, *, today: date | None = None) -> Balance:
        """The key's balance from the OpenAI-compatible billing routes most relays serve (§11). Free.

        The usage window is the widest the family accepts (100 days, ending tomorrow because OpenAI's
        `end_date` is exclusive). new-api ignores it and reports all-time usage, which is what makes
        `hard_limit_usd - used_usd` the remaining balance. A relay without these routes raises
        `RouteNotServed`.
        """
        subscription = self._request("GET", "/v1/dashboard/billing/subscription", paid=False).body
        today = today or datetime.now(UTC).date()
        start, end = today - timedelta(days=BILLING_WINDOW_DAYS - 1), today + timedelta(days=1)
        path = f"/v1/dashboard/billing/usage?start_date={start.isoformat()}&end_date={end.isoformat()}"
        usage = self._request("GET", path, paid=False).body
        return parse_balance(subscription, usage)

    def model_versions(self) -> tuple[ModelVersion, ...]:
        # "Set suno version" is a doc page, not an endpoint (§2, §5.1).
        return versions.MODEL_VERSIONS


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
                task_id=as_text(data.get("task_id")),
                batch_id=as_text(data.get("id")),
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


def _media(reply: Reply, keys: tuple[str, ...]) -> MediaFile:
    if reply.body is None:
        content = reply.response.content
        content_type = reply.response.headers.get("content-type", "")
        return (
            MediaFile(content=content, content_type=content_type.split(";")[0].strip())
            if content
            else MediaFile()
        )
    url = find_media_url(reply.body, keys)
    if url:
        return MediaFile(url=url)
    # §11: `data` may be a task id to poll instead of a URL (a string, or an object with `task_id`).
    data = _etask_data(reply.body)
    if isinstance(data, dict):
        data = data.get("task_id")
    task_id = data.strip() if isinstance(data, str) and isinstance(reply.body, dict) else ""
    return MediaFile(task_id=task_id)
