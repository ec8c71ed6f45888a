"""A public persona plays its source take to every creator here, so publishing one made from a take of a
song that isn't public says so and must be confirmed, on create and on edit."""

from __future__ import annotations

import html
import re
import uuid

import pytest
from django.urls import reverse

from personas.models import Persona
from songs import services as song_services
from tests.personas.builders import finished_song, make_persona

pytestmark = pytest.mark.django_db

EXPLANATION = "The song this take comes from isn't public, but a public persona plays the whole take"
REFUSAL = "Tick the box to publish this take's audio, or keep the persona private."


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def form(**overrides) -> dict:
    return {
        "name": "Smoky alto",
        "description": "warm",
        "visibility": "public",
        "idempotency_key": str(uuid.uuid4()),
        **overrides,
    }


@pytest.fixture
def private_take(user, suno, django_capture_on_commit_callbacks):
    song = finished_song(owner=user, suno=suno, capture=django_capture_on_commit_callbacks)
    assert not song.is_public
    return song.clips.order_by("take").first()


def test_creating_a_public_persona_from_a_private_song_asks_first_and_sends_nothing_until_confirmed(
    client, user, suno, private_take, django_capture_on_commit_callbacks
):
    client.force_login(user)
    url = reverse("personas:persona_create", args=[private_take.pk])
    page = client.get(url)
    assert EXPLANATION in text(page) and 'name="confirm_public"' in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(url, form(name="Night voice"))
    assert refused.status_code == 200 and REFUSAL in text(refused)
    assert 'value="Night voice"' in refused.content.decode()  # what they typed stays
    assert not Persona.objects.exists() and suno.calls("persona_create") == 0

    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(url, form(name="Night voice", confirm_public="on"))
    assert created.status_code == 302
    persona = Persona.objects.get()
    assert persona.is_public and suno.calls("persona_create") == 1


def test_a_private_persona_from_a_private_song_needs_no_confirmation(
    client, user, suno, private_take, django_capture_on_commit_callbacks
):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("personas:persona_create", args=[private_take.pk]), form(visibility="private")
        )
    assert response.status_code == 302 and Persona.objects.get().visibility == "private"


def test_a_take_of_a_public_song_is_published_without_the_question(
    client, user, suno, private_take, django_capture_on_commit_callbacks
):
    song_services.song_publish(song=private_take.song)
    client.force_login(user)
    url = reverse("personas:persona_create", args=[private_take.pk])
    assert 'name="confirm_public"' not in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, form()).status_code == 302
    assert Persona.objects.get().is_public


def test_editing_a_persona_to_public_asks_when_its_take_is_private(client, user, private_take):
    persona = make_persona(owner=user, source_clip=private_take, name="Quiet one")
    client.force_login(user)
    url = reverse("personas:persona_edit", args=[persona.pk])
    assert EXPLANATION in text(client.get(url))

    refused = client.post(url, {"name": "Quiet one", "description": "new words", "visibility": "public"})
    assert refused.status_code == 200 and REFUSAL in text(refused) and "new words" in text(refused)
    persona.refresh_from_db()
    assert persona.visibility == "private" and persona.description != "new words"

    confirmed = client.post(
        url, {"name": "Quiet one", "description": "new words", "visibility": "public", "confirm_public": "on"}
    )
    assert confirmed.status_code == 302
    persona.refresh_from_db()
    assert persona.is_public and persona.description == "new words"

    # already public: saving it again doesn't ask again
    assert 'name="confirm_public"' not in client.get(url).content.decode()
    again = client.post(url, {"name": "Renamed", "description": "", "visibility": "public"})
    assert again.status_code == 302


def test_a_persona_whose_take_is_gone_publishes_no_audio_and_is_not_asked(client, user):
    persona = make_persona(owner=user, source_clip=None)
    client.force_login(user)
    response = client.post(
        reverse("personas:persona_edit", args=[persona.pk]),
        {"name": "Orphan", "description": "", "visibility": "public"},
    )
    assert response.status_code == 302


def test_another_creator_can_neither_see_nor_publish_it(client, user, other_user, private_take):
    persona = make_persona(owner=user, source_clip=private_take)
    client.force_login(other_user)
    url = reverse("personas:persona_edit", args=[persona.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, form(confirm_public="on")).status_code == 404


def test_a_persona_name_stays_on_one_line(client, user, private_take):
    persona = make_persona(owner=user, source_clip=private_take)
    client.force_login(user)
    client.post(
        reverse("personas:persona_edit", args=[persona.pk]),
        {"name": "Smoky\r\nalto\x00", "description": "", "visibility": "private"},
    )
    persona.refresh_from_db()
    assert persona.name == "Smoky alto"
