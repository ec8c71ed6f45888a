"""Test data for personas: real upstream clips through the simulator, or bare rows when the upstream
doesn't matter."""

from __future__ import annotations

import uuid
from datetime import timedelta

from personas import services as persona_services
from personas.models import Persona
from songs import polling, services
from songs.models import Song

LYRICS = "[Verse]\nHarbour lights are shining bright\n[Chorus]\nSail away with me tonight"


def finished_song(*, owner, suno, capture, **recipe) -> Song:
    """A song whose two takes are complete upstream (the simulator knows them) and here."""
    recipe = {
        "kind": "custom",
        "title": "Harbour Lights",
        "lyrics": LYRICS,
        "tags": "dreamy synth-pop",
        "model_version": "chirp-auk",
        **recipe,
    }
    with capture(execute=True):
        song, _ = services.song_create(owner=owner, idempotency_key=uuid.uuid4(), **recipe)
    now = suno.advance(13)
    with capture(execute=True):
        polling.clips_poll_due(now=now + timedelta(seconds=60))
    assert {c.status for c in song.clips.all()} == {"complete"}
    return song


def ready_persona(*, owner, suno, capture, visibility=Persona.Visibility.PRIVATE, **fields) -> Persona:
    """A persona created upstream from a finished song of `owner`."""
    song = finished_song(owner=owner, suno=suno, capture=capture)
    with capture(execute=True):
        persona, _ = persona_services.persona_create(
            owner=owner,
            clip=song.clips.first(),
            idempotency_key=uuid.uuid4(),
            name=fields.pop("name", "Smoky alto"),
            description=fields.pop("description", "warm, breathy, late-night"),
            visibility=visibility,
        )
    persona.refresh_from_db()
    assert persona.state == Persona.State.READY, persona.error_message
    return persona


def make_persona(
    *, owner, state=Persona.State.READY, visibility=Persona.Visibility.PRIVATE, **fields
) -> Persona:
    """A bare row, for pages and scoping: nothing upstream."""
    defaults = {
        "name": "Velvet tenor",
        "description": "smooth and low",
        "artist_clip_id": str(uuid.uuid4()),
        "persona_id": str(uuid.uuid4()) if state == Persona.State.READY else "",
        "image_url": "https://cdn2.suno.ai/image_x.jpeg",
        "audio_url": "https://cdn1.suno.ai/x.mp3",
    }
    return Persona.objects.create(
        owner=owner,
        state=state,
        visibility=visibility,
        idempotency_key=uuid.uuid4(),
        **{**defaults, **fields},
    )
