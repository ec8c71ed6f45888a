"""The JSON the simulator answers with: clips, tasks, native batches, lyrics and personas.

Key order and values follow the seed page's clips (§3, §4); where docs/upstream.md lists variants of a shape,
`VARIANTS` switches between them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .state import ClipState, Lifecycle, LyricsState, PersonaState, TaskState

# Switches for the shapes docs/upstream.md lists as variants; the first value of each is the default.
VARIANTS: dict[str, tuple[str, ...]] = {
    "task_id_format": ("task", "uuid"),  # §1: task ids are opaque; `task_…` catches UUID assumptions
    "stems_response": ("native", "task"),  # §5.7: docs show E-native, new-api core would give E-task
    "lyrics_shape": ("object", "array"),  # §4: LYRICS data as an object or a one-item array
    "wav_response": ("data", "wav_file_url", "binary"),  # §5.12
    "mp4_response": ("mp4_file_url", "data_url"),  # §5.11
}

# The upstream Suno account the clips belong to (seed values: one account of the reseller's pool).
ACCOUNT = {
    "user_id": "a3da04d5-0442-4bd3-b837-4c73ff600914",
    "display_name": "TwinklingVenue1595",
    "handle": "twinklingvenue1595",
    "avatar_image_url": "https://cdn1.suno.ai/defaultPink.webp",
}


def iso(timestamp: float) -> str:
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class Shapes(Lifecycle):
    """Simulator mixin: state rendered as the upstream's JSON, with media URLs on `base_url`."""

    base_url: str

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
        if task.result is not None:  # a conversion task: its result once done
            if status == "SUCCESS":
                out["progress"], out["data"] = "100%", dict(task.result)
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
