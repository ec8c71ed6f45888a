"""Task state: what the simulator remembers, and the clock-driven lifecycle computed from it (§8).

Nothing here runs in the background. A clip stores when it was created and how it will end; its status
(submitted → queued → streaming → complete | error) and its task's status (NOT_START → IN_PROGRESS →
SUCCESS | FAILURE) are computed from the clock whenever someone asks.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .routes import FAMILY_N_ENDPOINTS, Rejected


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
    source_id: str = ""  # stems: the separated clip; covers and infills: the clip they were made from
    window: tuple[float, float] | None = None  # infill: the seconds of the source its audio replaces
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
    endpoint: str = ""  # what created it (for counts)
    relay: bool = True  # False for Family N batches: the relay has no task of its own for them (§11)
    result: dict[str, Any] | None = None  # a conversion task (act/wav, §11): its `data` once SUCCESS


@dataclass
class PersonaState:
    id: str
    name: str
    description: str
    root_clip_id: str
    clip_ids: list[str]
    is_public: bool
    persona_clip_ids: list[int]


class Lifecycle:
    """Simulator mixin: the stores, new ids, and every status as the clock makes it right now.

    The attributes are set by `Simulator.__init__`; the timings may be changed on a live simulator.
    """

    clock: Callable[[], float]
    streaming_after: float
    complete_after: float
    variants: dict[str, str]
    _lock: threading.RLock  # the server is threaded; media rendering happens outside it
    _tasks: dict[str, TaskState]
    _clips: dict[str, ClipState]
    _lyrics: dict[str, TaskState]  # by lyrics id
    _personas: dict[str, PersonaState]
    _conversions: dict[tuple[str, str], float]  # (wav|mp4, clip id) -> started at

    # -- lifecycle timings (scaled down when a test makes streaming_after tiny) --

    @property
    def not_started_for(self) -> float:
        return min(0.5, self.streaming_after / 4)

    @property
    def queued_at(self) -> float:
        return min(1.0, self.streaming_after / 2)

    # -- creating state --

    def new_task_id(self, *, native: bool) -> str:
        # Native batches carry Suno's own UUIDs; gateway task ids follow the variant (§1 IDs).
        if native or self.variants["task_id_format"] == "uuid":
            return str(uuid.uuid4())
        return "task_" + uuid.uuid4().hex[:24]

    def new_clip(self, **fields: Any) -> ClipState:
        clip = ClipState(id=str(uuid.uuid4()), created_at=self.clock(), **fields)
        self._clips[clip.id] = clip
        return clip

    def new_task(
        self, action: str, *, task_id: str, endpoint: str, notify_hook: str = "", **fields: Any
    ) -> TaskState:
        task = TaskState(
            id=task_id,
            action=action,
            submitted_at=self.clock(),
            notify_hook=notify_hook,
            endpoint=endpoint,
            relay=endpoint not in FAMILY_N_ENDPOINTS,
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

    def conversion_ready(self, kind: str, clip_id: str, ready_after: float, *, start: bool) -> bool:
        """The first act/wav (act/mp4) request starts a conversion; it is ready `ready_after` later."""
        now = self.clock()
        key = (kind, clip_id)
        if key not in self._conversions:
            if not start:
                return False
            self._conversions[key] = now
        return now - self._conversions[key] >= ready_after

    # -- computing state from the clock --

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
