"""Drive songs and clip tools through the in-process simulator: a finished take, then the tools on it."""

from __future__ import annotations

import uuid
from datetime import timedelta

from songs import polling, services
from songs.models import Song


def finish_song(suno, capture, song: Song, *, rounds: int = 20) -> Song:
    """Advance the simulator's clock and poll until every take is terminal."""
    for _ in range(rounds):
        now = suno.advance(4)
        with capture(execute=True):
            polling.clips_poll_due(now=now + timedelta(seconds=60))
        if all(clip.is_terminal for clip in song.clips.all()):
            break
    song.refresh_from_db()
    return song


def complete_song(user, suno, capture, **recipe) -> Song:
    recipe = {
        "kind": "custom",
        "title": "Night Drive",
        "lyrics": "[Verse]\nCity lights are calling me home\n[Chorus]\nDrive all night until the morning",
        "tags": "synthwave, dreamy",
        "model_version": "chirp-auk",
        **recipe,
    }
    with capture(execute=True):
        song, _ = services.song_create(owner=user, idempotency_key=uuid.uuid4(), **recipe)
    return finish_song(suno, capture, song)


def tick_tools(suno, capture, *, seconds: float = 3, rounds: int = 1) -> None:
    for _ in range(rounds):
        now = suno.advance(seconds)
        with capture(execute=True):
            polling.clip_tools_tick(now=now + timedelta(seconds=30))
