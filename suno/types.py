"""Typed upstream results plus parse functions that tolerate extra and missing fields.

Where docs/upstream.md lists variants of a shape (flattened clips, lyrics as object or array, E-task vs
E-native), each parse function accepts them all. Parsers raise `MalformedResponse` only when the
fields we rely on are absent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import MalformedResponse

CLIP_STATUSES = ("submitted", "queued", "streaming", "complete", "error")
# Clip statuses seen in the wild that are not Suno's five (§11): the task enum's words on a clip.
CLIP_STATUS_ALIASES = {
    "unknown": "queued",
    "not_start": "submitted",
    "in_progress": "queued",
    "success": "complete",
    "succeeded": "complete",
    "failure": "error",
    "failed": "error",
}
TASK_PENDING = {"NOT_START", "SUBMITTED", "QUEUED", "IN_PROGRESS", "UNKNOWN", "STREAMING", ""}
# Variant spellings seen in docs (CometAPI prose): map to the new-api enum.
TASK_STATUS_ALIASES = {"COMPLETE": "SUCCESS", "FAILED": "FAILURE"}


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _float_or_none(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


_MS_THRESHOLD = 10**11  # as seconds: the year 5138; as milliseconds: 1973


def _unix_seconds(value: Any) -> int:
    """Unix seconds, also from milliseconds (one upstream adaptor reports `finish_time` in ms, §11)."""
    number = _int(value)
    return number // 1000 if number >= _MS_THRESHOLD else number


@dataclass(frozen=True)
class Clip:
    id: str
    status: str
    title: str = ""
    audio_url: str = ""
    video_url: str = ""
    image_url: str = ""
    image_large_url: str = ""
    model_name: str = ""
    major_model_version: str = ""
    created_at: str = ""
    duration: float | None = None
    tags: str = ""
    negative_tags: str = ""
    lyrics: str = ""
    gpt_description_prompt: str = ""
    type: str = ""
    task: str = ""
    persona_id: str = ""
    artist_clip_id: str = ""
    continue_at: float | None = None
    history: tuple[dict, ...] = ()
    concat_history: tuple[dict, ...] = ()
    stem_from_id: str = ""
    stem_type: str = ""
    error_type: str = ""
    error_message: str = ""
    metadata: dict = field(default_factory=dict, compare=False, repr=False)
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_complete(self) -> bool:
        """docs/upstream.md §4 done rule: complete AND a non-empty audio_url."""
        return self.status == "complete" and bool(self.audio_url)

    @property
    def is_failed(self) -> bool:
        return self.status == "error"

    @property
    def is_terminal(self) -> bool:
        return self.is_complete or self.is_failed


def parse_clip(item: Any) -> Clip:
    if not isinstance(item, dict):
        raise MalformedResponse(f"expected a clip object, got {type(item).__name__}")
    metadata = item.get("metadata") if isinstance(item.get("metadata"), dict) else {}
    clip_id = _str(item.get("id") or item.get("clip_id"))
    if not clip_id:
        raise MalformedResponse("clip without an id")
    status = _str(item.get("status")).lower()
    if status not in CLIP_STATUSES:
        # Flattened variant: `state: succeeded|failed|running` next to or instead of `status`; then the
        # task enum's words (UNKNOWN, SUBMITTED, …, §11); anything else is still pending.
        state = _str(item.get("state")).lower()
        status = {"succeeded": "complete", "failed": "error", "error": "error"}.get(state) or (
            CLIP_STATUS_ALIASES.get(status, "queued")
        )
    history = metadata.get("history") or item.get("history") or ()
    concat_history = metadata.get("concat_history") or item.get("concat_history") or ()
    return Clip(
        id=clip_id,
        status=status,
        title=_str(item.get("title")),
        audio_url=_str(item.get("audio_url")),
        video_url=_str(item.get("video_url")),
        image_url=_str(item.get("image_url")),
        image_large_url=_str(item.get("image_large_url")),
        model_name=_str(item.get("model_name") or item.get("mv")),
        major_model_version=_str(item.get("major_model_version")),
        created_at=_str(item.get("created_at") or item.get("create_time")),
        duration=_float_or_none(item.get("duration") or metadata.get("duration")),
        tags=_str(item.get("tags") or metadata.get("tags")),
        negative_tags=_str(item.get("negative_tags") or metadata.get("negative_tags")),
        lyrics=_str(item.get("prompt") or metadata.get("prompt") or item.get("text")),
        gpt_description_prompt=_str(metadata.get("gpt_description_prompt")),
        type=_str(metadata.get("type") or item.get("type")),
        task=_str(metadata.get("task") or item.get("task")),
        persona_id=_str(metadata.get("persona_id") or item.get("persona_id")),
        artist_clip_id=_str(metadata.get("artist_clip_id") or item.get("artist_clip_id")),
        continue_at=_float_or_none(metadata.get("continue_at") or item.get("continue_at")),
        history=tuple(h for h in history if isinstance(h, dict)),
        concat_history=tuple(h for h in concat_history if isinstance(h, dict)),
        stem_from_id=_str(metadata.get("stem_from_id")),
        stem_type=_str(metadata.get("stem_type_group_name") or metadata.get("stem_task")),
        error_type=_str(metadata.get("error_type")),
        error_message=_str(metadata.get("error_message") or item.get("error_message") or item.get("msg")),
        metadata=dict(metadata),
        raw=dict(item),
    )


@dataclass(frozen=True)
class Lyrics:
    id: str
    title: str
    text: str
    status: str = "complete"
    error_message: str = ""

    @property
    def is_complete(self) -> bool:
        return self.status == "complete" and bool(self.text)


def parse_lyrics(value: Any) -> Lyrics | None:
    """Lyrics come as an object on some gateways and as a one-item array on others (docs/upstream.md §4)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, dict):
        return None
    status = _str(value.get("status")).lower() or "complete"
    if _str(value.get("state")).lower() == "succeeded":
        status = "complete"
    return Lyrics(
        id=_str(value.get("id")),
        title=_str(value.get("title")),
        text=_str(value.get("text")) or _str(value.get("prompt")),  # §11: some put the words in `prompt`
        status=status,
        error_message=_str(value.get("error_message")),
    )


@dataclass(frozen=True)
class Task:
    task_id: str
    status: str
    action: str = ""
    fail_reason: str = ""
    progress: str = ""
    submit_time: int = 0
    start_time: int = 0
    finish_time: int = 0
    clips: tuple[Clip, ...] = ()
    lyrics: Lyrics | None = None
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_success(self) -> bool:
        return self.status == "SUCCESS"

    @property
    def is_failure(self) -> bool:
        return self.status == "FAILURE"

    @property
    def is_terminal(self) -> bool:
        return self.is_success or self.is_failure


def looks_like_clip(item: dict) -> bool:
    """A clip object rather than a task: clips carry media or metadata, tasks carry times and `data`."""
    if "submit_time" in item or "action" in item:
        return False
    return any(key in item for key in ("audio_url", "clip_id", "metadata", "model_name"))


def _looks_like_lyrics(item: Any) -> bool:
    if not isinstance(item, dict) or "audio_url" in item:
        return False
    return "text" in item or ("prompt" in item and "state" in item)


def parse_task(item: Any) -> Task:
    if not isinstance(item, dict):
        raise MalformedResponse(f"expected a task object, got {type(item).__name__}")
    task_id = _str(item.get("task_id") or item.get("id"))
    if not task_id:
        raise MalformedResponse("task without a task_id")
    status = _str(item.get("status")).upper()
    status = TASK_STATUS_ALIASES.get(status, status)
    if status not in TASK_PENDING | {"SUCCESS", "FAILURE"}:
        status = "UNKNOWN"
    action = _str(item.get("action")).upper()
    inner = item.get("data")
    clips: tuple[Clip, ...] = ()
    lyrics = None
    if action == "LYRICS" or (isinstance(inner, dict) and "text" in inner and "clips" not in inner):
        lyrics = parse_lyrics(inner)
    elif isinstance(inner, list):
        if inner and _looks_like_lyrics(inner[0]):
            lyrics = parse_lyrics(inner)
        else:
            items = [c for c in inner if isinstance(c, dict)]
            if status == "SUCCESS":
                # §11: a trimmed SUCCESS task whose clips have an audio_url but no status: they are done.
                items = [
                    {**c, "status": "complete"}
                    if not c.get("status") and not c.get("state") and c.get("audio_url")
                    else c
                    for c in items
                ]
            clips = tuple(parse_clip(c) for c in items)
    elif isinstance(inner, dict):
        if isinstance(inner.get("clips"), list):
            clips = tuple(parse_clip(c) for c in inner["clips"])
        elif inner.get("id") or inner.get("clip_id"):
            clips = (parse_clip({"status": "complete", **inner}),)
    return Task(
        task_id=task_id,
        status=status,
        action=action,
        fail_reason=_str(item.get("fail_reason")),
        progress=_str(item.get("progress")),
        submit_time=_unix_seconds(item.get("submit_time")),
        start_time=_unix_seconds(item.get("start_time")),
        finish_time=_unix_seconds(item.get("finish_time")),
        clips=clips,
        lyrics=lyrics,
        raw=dict(item),
    )


def parse_clip_task(task_id: str, items: list) -> Task:
    """§11: Suno-API served directly answers a single fetch with the bare clip array instead of a task.

    The task is rebuilt from its clips: none yet is `SUBMITTED`; every clip done is `SUCCESS`; every clip
    final with one failed is `FAILURE` (with that clip's message); anything else is `IN_PROGRESS`.
    """
    clips = tuple(parse_clip(item) for item in items)
    if not clips:
        status = "SUBMITTED"
    elif all(c.is_complete for c in clips):
        status = "SUCCESS"
    elif all(c.is_terminal for c in clips):
        status = "FAILURE"
    else:
        status = "IN_PROGRESS"
    fail_reason = next((c.error_message for c in clips if c.is_failed and c.error_message), "")
    return Task(
        task_id=task_id,
        status=status,
        action="MUSIC",
        fail_reason=fail_reason if status == "FAILURE" else "",
        clips=clips,
        raw={"task_id": task_id, "data": list(items)},
    )


@dataclass(frozen=True)
class Submission:
    """What a paid submit returned: a task id (E-task), or a native batch with its clips (E-native).

    Both may be present when a native body carries a batch `id` we can also fetch by.
    """

    task_id: str = ""
    batch_id: str = ""
    clips: tuple[Clip, ...] = ()

    @property
    def clip_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.clips)


@dataclass(frozen=True)
class Persona:
    id: str
    name: str
    description: str = ""
    root_clip_id: str = ""
    is_public: bool = False
    clip: Clip | None = None
    raw: dict = field(default_factory=dict, compare=False, repr=False)


def parse_persona(item: Any) -> Persona:
    if isinstance(item, dict) and isinstance(item.get("data"), dict) and "code" in item:
        item = item["data"]  # tolerated E-task wrapping (docs/upstream.md §5.9)
    if not isinstance(item, dict) or not _str(item.get("id")):
        raise MalformedResponse("persona without an id")
    clip = None
    if isinstance(item.get("clip"), dict) and (item["clip"].get("id") or item["clip"].get("clip_id")):
        clip = parse_clip(item["clip"])
    root_clip_id = _str(item.get("root_clip_id")) or (clip.id if clip else "")
    return Persona(
        id=_str(item["id"]),
        name=_str(item.get("name")),
        description=_str(item.get("description")),
        root_clip_id=root_clip_id,
        is_public=bool(item.get("is_public", False)),
        clip=clip,
        raw=dict(item),
    )


@dataclass(frozen=True)
class AlignedWord:
    word: str
    start_s: float
    end_s: float
    success: bool = True
    p_align: float | None = None


@dataclass(frozen=True)
class Timing:
    words: tuple[AlignedWord, ...]
    waveform: tuple[float, ...] = ()
    is_streamed: bool = False


def parse_timing(body: Any) -> Timing:
    if isinstance(body, dict) and "aligned_words" not in body and isinstance(body.get("data"), dict):
        body = body["data"]
    if not isinstance(body, dict) or not isinstance(body.get("aligned_words"), list):
        raise MalformedResponse("timing without aligned_words")
    words = []
    for w in body["aligned_words"]:
        if not isinstance(w, dict):
            continue
        start, end = _float_or_none(w.get("start_s")), _float_or_none(w.get("end_s"))
        if start is None or end is None:
            continue
        words.append(
            AlignedWord(
                word=_str(w.get("word")),
                start_s=start,
                end_s=end,
                success=bool(w.get("success", True)),
                p_align=_float_or_none(w.get("p_align")),
            )
        )
    waveform = tuple(float(x) for x in body.get("waveform_data") or () if isinstance(x, int | float))
    return Timing(words=tuple(words), waveform=waveform, is_streamed=bool(body.get("is_streamed")))


@dataclass(frozen=True)
class MediaFile:
    """The answer of /suno/act/wav and /suno/act/mp4: a URL, raw bytes, or nothing yet (still converting)."""

    url: str = ""
    content: bytes = b""
    content_type: str = ""
    task_id: str = ""  # §11: the gateway answered a conversion task to poll (`SunoClient.wav_from_task`)

    @property
    def is_ready(self) -> bool:
        return bool(self.url or self.content)


def find_media_url(body: Any, keys: tuple[str, ...]) -> str:
    """The first string URL under `keys`, at the top level or in `data` (docs/upstream.md §5.11, §5.12)."""
    if isinstance(body, str):
        return body if body.startswith("http") else ""
    if not isinstance(body, dict):
        return ""
    for key in keys:
        value = body.get(key)
        if isinstance(value, str) and value.startswith("http"):
            return value
    inner = body.get("data")
    if inner is not None and inner is not body:
        return find_media_url(inner, keys)
    return ""


@dataclass(frozen=True)
class Balance:
    """What the key may still spend, in US dollars (§11 balance)."""

    hard_limit_usd: float
    used_usd: float
    remaining_usd: float


def parse_balance(subscription: Any, usage: Any) -> Balance:
    """`hard_limit_usd` is dollars; `total_usage` is **cents** (OpenAI's billing API, which relays copy)."""
    if isinstance(subscription, dict) and "hard_limit_usd" not in subscription:
        subscription = subscription.get("data")
    if isinstance(usage, dict) and "total_usage" not in usage:
        usage = usage.get("data")
    hard = _float_or_none(subscription.get("hard_limit_usd")) if isinstance(subscription, dict) else None
    cents = _float_or_none(usage.get("total_usage")) if isinstance(usage, dict) else None
    if hard is None or cents is None:
        raise MalformedResponse("billing: no hard_limit_usd or total_usage")
    used = round(cents / 100, 6)
    return Balance(hard_limit_usd=hard, used_usd=used, remaining_usd=round(hard - used, 6))
