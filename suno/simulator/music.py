"""Family T and N music (§5.4, §5.6–§5.8, §5.15): new songs, extend/infill/cover, personas, stems, concat.

Every music request makes two clips (§1 billing); stems make one clip per stem; concat makes one. The
request body, not the random clip id, seeds each clip's audio, so the same request sounds the same.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from .. import versions
from . import media
from .faults import FaultAnswers
from .lyrics import INSPIRATION_TAGS, write_lyrics
from .routes import Rejected, Request, SimResponse, body_number, body_text, e_task, json_body, json_response
from .shapes import Shapes
from .state import ClipState, TaskState

TASKS = ("", "extend", "upload_extend", "cover", "infill", "artist_consistency", "gen_stem")
EXTEND_TASKS = ("extend", "upload_extend", "infill")
DEFAULT_MV = "chirp-v3-0"  # §2: new-api fills this in when `mv` is empty
STEM_TYPE_ID = 91


def audio_seed(body: Mapping[str, Any], index: int) -> str:
    """Same request body, same audio: the seed ignores fields that only route or notify."""
    stable = {k: v for k, v in body.items() if k not in ("notify_hook", "task_id")}
    text = json.dumps(stable, sort_keys=True, ensure_ascii=False) + f"#{index}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def control_metadata(body: Mapping[str, Any]) -> dict[str, Any]:
    """The advanced controls a request's `metadata` carries, checked and echoed on its clips (§5.4)."""
    given = body.get("metadata")
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise Rejected("metadata must be an object")
    controls: dict[str, Any] = {}
    sliders = given.get("control_sliders")
    if sliders is not None:
        if not isinstance(sliders, dict):
            raise Rejected("metadata.control_sliders must be an object")
        for name, value in sliders.items():
            if name not in versions.CONTROL_SLIDERS:
                raise Rejected(f"unknown control slider: {name}")
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                raise Rejected(f"control_sliders.{name} must be a number from 0 to 1")
        controls["control_sliders"] = dict(sliders)
    gender = given.get("vocal_gender")
    if gender is not None:
        if gender not in versions.VOCAL_GENDERS:
            raise Rejected("vocal_gender must be f or m")
        controls["vocal_gender"] = gender
    return controls


def model_fields(version: versions.ModelVersion) -> tuple[str, str]:
    """(model_name, major_model_version) as clips report them: chirp-v4-tau reports chirp-v4 / v4 (seed)."""
    model_name = version.mv.removesuffix("-tau")
    major = version.label.split(" ")[0].split("-")[0]
    return model_name, "v3" if major == "v3.0" else major


def _history_entry(clip: ClipState, continue_at: float | None, *, infill: bool = False) -> dict[str, Any]:
    kind = "upload" if clip.kind == "upload" else "gen"
    return {"id": clip.id, "continue_at": continue_at, "type": kind, "source": "web", "infill": infill}


class MusicEndpoints(Shapes, FaultAnswers):
    """Simulator mixin: submit/music, generate and the concat endpoints, and the tasks they create."""

    check_origin_task: Callable[[Mapping[str, Any]], None]  # the dialect's task_id rule (dialects.py)

    def submit_music(self, request: Request) -> SimResponse:
        body = json_body(request)
        with self._lock:
            self.check_origin_task(body)
            if body_text(body, "task") == "gen_stem":
                native = self.variants["stems_response"] == "native"
                task = self.create_stems(body, request.endpoint, native=native)
                return json_response(200, self.native_batch(task)) if native else e_task(task.id)
            task = self.create_music(body, request.endpoint, native=False)
            return e_task(task.id)

    def generate(self, request: Request) -> SimResponse:
        """Family N (§5.15): the native batch, in the seed's exact shape."""
        body = json_body(request)
        with self._lock:
            if body_text(body, "task") == "gen_stem":
                task = self.create_stems(body, request.endpoint, native=True)
            else:
                task = self.create_music(body, request.endpoint, native=True)
            return json_response(200, self.native_batch(task))

    def submit_concat(self, request: Request) -> SimResponse:
        body = json_body(request)
        with self._lock:
            return e_task(self.create_concat(body, request.endpoint, native=False).id)

    def generate_concat(self, request: Request) -> SimResponse:
        """§5.6 Family N: the native clip object directly."""
        body = json_body(request)
        with self._lock:
            task = self.create_concat(body, request.endpoint, native=True)
            return json_response(200, self.clip_json(self._clips[task.clip_ids[0]]))

    def music_version(self, body: Mapping[str, Any]) -> versions.ModelVersion:
        mv = body_text(body, "mv") or DEFAULT_MV
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
            if len(body_text(body, key)) > limit:
                raise Rejected(
                    f"{key} is too long: {len(body_text(body, key))} characters, {mv} allows {limit}"
                )
        if len(body_text(body, "title")) > versions.TITLE_HARD_MAX:
            raise Rejected(f"title is too long: at most {versions.TITLE_HARD_MAX} characters")
        return version

    def create_music(self, body: Mapping[str, Any], endpoint: str, *, native: bool) -> TaskState:
        version = self.music_version(body)
        task_name = body_text(body, "task")
        if not task_name and body.get("continue_clip_id"):
            # Suno's older protocol, which a relay that keeps only its own fields still forwards (§11).
            task_name = "extend"
        if task_name not in TASKS:
            raise Rejected(f"invalid task: {task_name}")
        prompt, tags, title = body_text(body, "prompt"), body_text(body, "tags"), body_text(body, "title")
        description = body_text(body, "gpt_description_prompt")
        instrumental = bool(body.get("make_instrumental"))
        if not description and not prompt.strip() and not instrumental:
            raise Rejected("prompt_empty")

        metadata: dict[str, Any] = {}
        extra: dict[str, Any] = {}  # task-specific metadata, after the common keys as in the seed
        audio: dict[str, Any] = {}  # how the takes' audio derives from another clip (cover, infill)
        if task_name == "artist_consistency":
            extra = self.persona_metadata(body, version)
        elif task_name in EXTEND_TASKS:
            extra = self.extend_metadata(body, version, task_name)
            if task_name == "infill":  # the whole song again, with the window sung anew
                parent = self._clips[extra["continue_clip_id"]]
                window = (extra["history"][0]["infill_start_s"], extra["history"][0]["infill_end_s"])
                audio = {
                    "kind": "infill",
                    "source_id": parent.id,
                    "window": window,
                    "duration": parent.duration,
                }
        elif task_name == "cover":
            source = self.complete_clip(body.get("cover_clip_id"), "cover_clip_id")
            if version.mv not in versions.COVER_MODELS:
                raise Rejected(
                    f"mv {version.mv} cannot make covers; use one of {', '.join(versions.COVER_MODELS)}"
                )
            extra = {"cover_clip_id": source.id}
            audio = {"kind": "cover", "source_id": source.id, "duration": source.duration}
        controls = control_metadata(body)

        if description:  # inspiration mode: Suno writes the title, lyrics and style (§5.4)
            written_title, written_lyrics = write_lyrics(description)
            title = title or written_title
            prompt = "" if instrumental else written_lyrics
            tags = tags or INSPIRATION_TAGS[int(audio_seed(body, 0), 16) % len(INSPIRATION_TAGS)]
        metadata["tags"] = tags
        if body_text(body, "negative_tags"):
            metadata["negative_tags"] = body_text(body, "negative_tags")
        metadata["prompt"] = prompt
        if description:
            metadata["gpt_description_prompt"] = description
        metadata.update({"type": "gen", "stream": True, "has_vocal": False})
        if instrumental:
            metadata["make_instrumental"] = True
        metadata.update(extra)
        metadata.update(controls)
        if task_name:
            metadata["task"] = task_name

        model_name, major = model_fields(version)
        clips = []
        for index in range(2):  # §1 billing: one music request yields two clips
            seed = audio_seed(body, index)
            fields = {
                "kind": "gen",
                "duration": media.clip_duration(seed, lyrics=prompt, instrumental=instrumental),
                **audio,
            }
            clips.append(
                self.new_clip(
                    title=title,
                    model_name=model_name,
                    major_model_version=major,
                    metadata=dict(metadata),
                    seed=seed,
                    tags=tags,
                    lyrics=prompt,
                    instrumental=instrumental,
                    **fields,
                )
            )
        task = self.music_task(body, clips, endpoint, native=native, batch_metadata=metadata)
        self.apply_lifecycle_faults(endpoint, task, clips)
        return task

    def music_task(
        self,
        body: Mapping[str, Any],
        clips: list[ClipState],
        endpoint: str,
        *,
        native: bool,
        batch_metadata: dict,
    ) -> TaskState:
        return self.new_task(
            "MUSIC",
            task_id=self.new_task_id(native=native),
            endpoint=endpoint,
            notify_hook=body_text(body, "notify_hook"),
            clip_ids=[c.id for c in clips],
            native=dict(batch_metadata),
        )

    def persona_metadata(self, body: Mapping[str, Any], version: versions.ModelVersion) -> dict[str, Any]:
        if version.mv not in versions.PERSONA_MODELS:
            raise Rejected(
                f"mv {version.mv} does not support personas; use one of {', '.join(versions.PERSONA_MODELS)}"
            )
        persona = self._personas.get(body_text(body, "persona_id"))
        if persona is None:
            raise Rejected(f"persona not found: {body_text(body, 'persona_id')}")
        if body_text(body, "artist_clip_id") != persona.root_clip_id:
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
            if version.mv not in versions.REPLACE_MODELS:
                allowed = ", ".join(versions.REPLACE_MODELS)
                raise Rejected(f"mv {version.mv} cannot replace a section; use one of {allowed}")
            start, end = body_number(body, "infill_start_s"), body_number(body, "infill_end_s")
            if start is None or end is None or not 0 <= start < end <= parent.duration:
                raise Rejected(f"infill_start_s and infill_end_s must lie within 0..{parent.duration:.2f}")
            entry = _history_entry(parent, None, infill=True)
            entry.update({"infill_start_s": start, "infill_end_s": end})
            return {"continue_clip_id": parent.id, "infill": True, "history": [entry]}
        continue_at = body_number(body, "continue_at")
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
        group = (body_text(body, "stem_type_group_name") or body_text(body, "stem_task") or "Twelve").lower()
        names = {"twelve": media.STEM_NAMES_TWELVE, "two": media.STEM_NAMES_TWO}.get(group)
        if names is None:
            raise Rejected(f"invalid stem_type_group_name: {group}")
        title = body_text(body, "title") or source.title
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
        task = self.music_task(body, clips, endpoint, native=native, batch_metadata=batch_metadata)
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
        task = self.music_task(body, [clip], endpoint, native=native, batch_metadata=metadata)
        self.apply_lifecycle_faults(endpoint, task, [clip])
        return task
