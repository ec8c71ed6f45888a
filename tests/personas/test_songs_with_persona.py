"""Using a persona: the seed page's exact request, persona versions only, and never someone else's
private persona."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse

from personas.models import Persona
from songs import polling, services
from songs.forms import persona_models_help
from songs.models import Song
from suno import versions
from suno.types import parse_clip
from tests.personas.builders import LYRICS, make_persona, ready_persona
from tests.songs.builders import song_form_data

pytestmark = pytest.mark.django_db

# The body of the seed page "Create music using persona_id" (docs/upstream.md §5.15), field for field.
SEED_FIELDS = {
    "prompt",
    "generation_type",
    "tags",
    "negative_tags",
    "mv",
    "title",
    "task",
    "persona_id",
    "artist_clip_id",
}


def persona_song_data(persona, **overrides) -> dict:
    return song_form_data(
        persona=str(persona.pk), lyrics=LYRICS, tags="electronic, pop", negative_tags="", **overrides
    )


def test_reuse_sends_the_seed_fields_and_its_takes_complete_through_feed(
    client, user, suno, django_capture_on_commit_callbacks
):
    persona = ready_persona(owner=user, suno=suno, capture=django_capture_on_commit_callbacks)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("songs:song_create"),
            persona_song_data(persona, title="husband", model_version="chirp-v4-tau"),
        )
    song = Song.objects.get(persona=persona)
    assert response["Location"] == song.get_absolute_url()

    generate_calls = [c for c in suno.simulator.call_log if c[0] == "generate"]
    assert len(generate_calls) == 1
    _, method, path, body = generate_calls[0]
    assert (method, path) == ("POST", "/suno/generate")
    assert set(body) == SEED_FIELDS
    assert body == {
        "prompt": LYRICS,
        "generation_type": "TEXT",
        "tags": "electronic, pop",
        "negative_tags": "",
        "mv": "chirp-v4-tau",
        "title": "husband",
        "task": "artist_consistency",
        "persona_id": persona.persona_id,
        "artist_clip_id": persona.artist_clip_id,
    }
    assert suno.calls("submit_music") == 1  # only the source song's; persona songs use Family N

    song.refresh_from_db()
    assert song.upstream_task_id == "" and song.upstream_batch_id
    assert (song.persona_name, song.persona_upstream_id) == (persona.name, persona.persona_id)

    # Family N: no task id, so the poller follows the two clip ids with /suno/feed to the end.
    feed_before = suno.calls("feed")
    now = suno.advance(13)
    with django_capture_on_commit_callbacks(execute=True):
        polling.clips_poll_due(now=now + timedelta(seconds=60))
    assert suno.calls("feed") == feed_before + 1
    clips = list(song.clips.all())
    assert [c.status for c in clips] == ["complete", "complete"]
    for clip in clips:
        assert clip.metadata["task"] == "artist_consistency"
        assert clip.metadata["persona_id"] == persona.persona_id
        assert clip.metadata["artist_clip_id"] == persona.artist_clip_id

    detail = client.get(song.get_absolute_url()).content.decode()
    assert persona.name in detail
    assert "Used in 1 song" in client.get(reverse("personas:library")).content.decode()


def test_others_public_persona_can_be_used(
    client, user, other_user, suno, django_capture_on_commit_callbacks
):
    persona = ready_persona(
        owner=other_user, suno=suno, capture=django_capture_on_commit_callbacks, visibility="public"
    )
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("songs:song_create"), persona_song_data(persona))
    song = Song.objects.get(owner=user)
    assert song.persona == persona and song.state == Song.State.SUBMITTED
    assert suno.calls("generate") == 1


def test_create_form_offers_only_persona_versions_and_says_why(client, user):
    persona = make_persona(owner=user)
    client.force_login(user)
    page = client.get(reverse("songs:song_create"), {"persona": persona.pk}).content.decode()
    assert persona_models_help().replace("'", "&#x27;") in page
    for mv in versions.PERSONA_MODELS:
        assert f'value="{mv}"' in page
    assert 'value="chirp-crow"' not in page and 'value="chirp-v4"' not in page

    # The picker swaps only the version field (htmx), and back again without a persona.
    swapped = client.get(
        reverse("songs:song_create"),
        {"persona": persona.pk, "model_version": "chirp-crow"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert swapped.strip().startswith('<div id="model-version-field">')
    assert 'value="chirp-auk" selected' in swapped and "chirp-crow" not in swapped
    plain = client.get(reverse("songs:song_create"), {"persona": ""}, HTTP_HX_REQUEST="true").content.decode()
    assert 'value="chirp-crow"' in plain and "tau" not in plain

    # Without a persona the tau versions stay out of the plain form.
    assert 'value="chirp-v4-tau"' not in client.get(reverse("songs:song_create")).content.decode()


@pytest.mark.parametrize("mv", ["chirp-crow", "chirp-v4", "chirp-bluejay"])
def test_a_persona_refuses_other_versions(client, user, suno, mv):
    persona = make_persona(owner=user)
    client.force_login(user)
    response = client.post(reverse("songs:song_create"), persona_song_data(persona, model_version=mv))
    assert response.status_code == 200
    assert "With a persona the music service accepts only" in response.content.decode()
    assert LYRICS.split("\n")[1] in response.content.decode()  # what was typed is kept
    assert not Song.objects.exists() and suno.calls() == 0


def test_a_persona_needs_lyrics_not_a_description_or_instrumental(client, user, suno):
    persona = make_persona(owner=user)
    client.force_login(user)
    described = client.post(
        reverse("songs:song_create"),
        persona_song_data(persona, mode="description", description="a shanty", model_version="chirp-auk"),
    )
    assert "A persona sings your own lyrics" in described.content.decode()
    instrumental = client.post(
        reverse("songs:song_create"), persona_song_data(persona, instrumental="on", model_version="chirp-auk")
    )
    assert "untick Instrumental" in instrumental.content.decode()
    assert not Song.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {},  # private
        {"visibility": "public", "is_hidden": True},  # hidden by a moderator
        {"visibility": "public", "state": Persona.State.FAILED},  # never created
    ],
)
def test_someone_elses_private_persona_is_refused_with_a_404(client, user, other_user, suno, fields):
    persona = make_persona(owner=other_user, **fields)
    client.force_login(user)
    response = client.post(
        reverse("songs:song_create"), persona_song_data(persona, model_version="chirp-auk")
    )
    assert response.status_code == 404
    assert client.get(reverse("songs:song_create"), {"persona": persona.pk}).status_code == 404
    assert not Song.objects.exists() and suno.calls() == 0
    assert persona.name not in client.get(reverse("songs:song_create")).content.decode()


def test_a_persona_song_fails_with_the_reason_when_the_upstream_refuses(
    user, suno, django_capture_on_commit_callbacks
):
    persona = ready_persona(owner=user, suno=suno, capture=django_capture_on_commit_callbacks)
    suno.faults.add("insufficient_balance", endpoint="generate")
    with django_capture_on_commit_callbacks(execute=True):
        song, _ = services.song_create(
            owner=user,
            idempotency_key=uuid.uuid4(),
            kind="custom",
            title="t",
            lyrics=LYRICS,
            tags="pop",
            model_version="chirp-auk",
            persona=persona,
            persona_name=persona.name,
            persona_upstream_id=persona.persona_id,
            persona_artist_clip_id=persona.artist_clip_id,
        )
    song.refresh_from_db()
    assert song.state == Song.State.FAILED and "music credit is used up" in song.error_message
    assert song.can_retry


def test_the_client_parses_the_persona_fields_of_the_seed_clips():
    """The seed response's clip metadata, as the poller stores it on our Clip rows."""
    seed_clip = {
        "id": "0e6937df-64d8-41f9-82c6-b6dadc4426a8",
        "status": "submitted",
        "audio_url": "",
        "model_name": "chirp-v4",
        "metadata": {
            "tags": "electronic, pop",
            "type": "gen",
            "stream": True,
            "has_vocal": False,
            "artist_clip_id": "a5fa604c-18b8-4e7f-8d25-9412d4ba8163",
            "persona_id": "0f6e8077-a7ba-4fc8-8f60-de02c66e56ce",
            "task": "artist_consistency",
        },
    }
    clip = parse_clip(seed_clip)
    assert (clip.persona_id, clip.artist_clip_id, clip.task) == (
        "0f6e8077-a7ba-4fc8-8f60-de02c66e56ce",
        "a5fa604c-18b8-4e7f-8d25-9412d4ba8163",
        "artist_consistency",
    )
    assert clip.metadata["persona_id"] == clip.persona_id
