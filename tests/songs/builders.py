"""Small builders for test data (factory_boy only once these start repeating)."""

from __future__ import annotations

import uuid

from songs.models import Clip, Song


def make_song(*, owner, clips: int = 2, status: str = Clip.Status.SUBMITTED, **fields) -> Song:
    defaults = {
        "title": "Night Drive",
        "lyrics": "[Verse]\nCity lights are calling\n[Chorus]\nDrive all night",
        "tags": "synthwave, dreamy",
        "model_version": "chirp-auk",
        "state": Song.State.SUBMITTED,
        "idempotency_key": uuid.uuid4(),
    }
    song = Song.objects.create(owner=owner, **{**defaults, **fields})
    for take in range(1, clips + 1):
        Clip.objects.create(song=song, take=take, status=status, title=song.title)
    return song


def make_songs(*, owner, count: int, clips_each: int = 2, **fields) -> list[Song]:
    return [make_song(owner=owner, clips=clips_each, **fields) for _ in range(count)]


def song_form_data(**overrides) -> dict:
    data = {
        "mode": "custom",
        "title": "Night Drive",
        "lyrics": "[Verse]\nCity lights are calling me home\n[Chorus]\nDrive all night",
        "tags": "synthwave, dreamy, female vocals",
        "negative_tags": "metal",
        "model_version": "chirp-auk",
        "idempotency_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def make_public_song(*, owner, clips: int = 2, archived: bool = True, **fields) -> Song:
    """A finished song its creator has shared, with archived audio and covers (what public pages serve)."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    song = make_song(owner=owner, clips=clips, status=Clip.Status.COMPLETE, **fields)
    song.is_public = True
    song.published_at = fields.get("published_at") or timezone.now()
    song.save(update_fields=["is_public", "published_at"])
    if archived:
        for clip in song.clips.all():
            clip.audio_file.save("audio.mp3", ContentFile(bytes(range(256)) * 40), save=False)
            clip.image_file.save("cover.png", ContentFile(b"\x89PNG fake cover"), save=False)
            clip.save()
    return song
