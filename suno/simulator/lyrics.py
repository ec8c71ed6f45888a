"""Lyrics (§5.3): the lyric writer, and the Family T and N lyrics endpoints.

`write_lyrics` is deterministic: the same idea always gives the same title and lyrics, built from the
idea's own words. Inspiration-mode music (`gpt_description_prompt`) uses it too.
"""

from __future__ import annotations

import hashlib
import random
import re
import uuid
from collections.abc import Mapping
from typing import Any

from .. import versions
from .faults import FaultAnswers
from .routes import Rejected, Request, SimResponse, body_text, e_task, json_body, json_response
from .shapes import Shapes
from .state import LyricsState, TaskState

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
INSPIRATION_TAGS = (
    "pop, upbeat",
    "indie folk, acoustic",
    "synthwave, dreamy",
    "lo-fi hip hop, mellow",
    "rock",
)


# The style enhancer's vocabulary: what it adds to the creator's own tags, picked by their hash.
_TAG_MOODS = ("dreamy", "uplifting", "melancholic", "driving", "warm", "nostalgic", "euphoric", "moody")
_TAG_SOUNDS = (
    "lush analog synths",
    "bright acoustic guitars",
    "punchy drums",
    "deep sub bass",
    "shimmering pads",
    "warm rhodes piano",
    "crisp hi-hats",
    "soaring strings",
)
_TAG_VOICES = ("breathy female vocals", "soulful male vocals", "airy harmonies", "intimate close-mic vocals")
TAGS_MAX = 200  # the enhancer's answer stays inside every version's style limit


def enhance_tags(original: str) -> str:
    """The same tags always enhance the same way: the creator's tags first, then a mood, two sounds, a
    voice and a tempo, skipping what they already say."""
    rng = random.Random(hashlib.sha256(original.lower().encode()).hexdigest())
    kept = [t.strip() for t in original.split(",") if t.strip()]
    said = " ".join(kept).lower()
    extra = [rng.choice(_TAG_MOODS), *rng.sample(_TAG_SOUNDS, 2)]
    if "instrumental" not in said and "vocal" not in said:
        extra.append(rng.choice(_TAG_VOICES))
    if "bpm" not in said:
        extra.append(f"{rng.randrange(70, 140, 2)} bpm")
    tags = kept + [t for t in extra if t.split()[0] not in said]
    return ", ".join(tags)[:TAGS_MAX].rstrip(", ")


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


class LyricsEndpoints(Shapes, FaultAnswers):
    """Simulator mixin: submit/lyrics (Family T), generate/lyrics and GET lyrics/{id} (Family N), and
    the style enhancer act/tags (§5.16)."""

    lyrics_after: float

    def act_tags(self, request: Request) -> SimResponse:
        """DeerAPI's shape: the bare object, not an E-task; nothing is charged."""
        body = json_body(request)
        original = body_text(body, "original_tags").strip()
        if not original:
            raise Rejected("original_tags is required")
        return json_response(200, {"upsampled_tags": enhance_tags(original), "request_id": str(uuid.uuid4())})

    def submit_lyrics(self, request: Request) -> SimResponse:
        body = json_body(request)
        with self._lock:
            return e_task(self.create_lyrics(body, request.endpoint, native=False).id)

    def generate_lyrics(self, request: Request) -> SimResponse:
        body = json_body(request)
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

    def create_lyrics(self, body: Mapping[str, Any], endpoint: str, *, native: bool) -> TaskState:
        idea = body_text(body, "prompt")
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
            endpoint=endpoint,
            notify_hook=body_text(body, "notify_hook"),
            lyrics=lyrics,
            ready_after=self.lyrics_after,
        )
        self._lyrics[lyrics.id] = task
        self.apply_lifecycle_faults(endpoint, task, [])
        return task
