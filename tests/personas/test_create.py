"""Creating a persona: from one's own complete clip only, one paid call whatever happens twice."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse

from personas import services, tasks
from personas.models import Persona
from songs.models import Clip
from sunostudio.paid_calls import UNCONFIRMED_SUBMIT
from tests.personas.builders import finished_song, make_persona
from tests.songs.builders import make_song

pytestmark = pytest.mark.django_db

CREATE_FIELDS = {"root_clip_id", "name", "description", "clips", "is_public"}


def persona_form(**overrides) -> dict:
    return {
        "name": "Smoky alto",
        "description": "warm, breathy, late-night",
        "visibility": "private",
        "idempotency_key": str(uuid.uuid4()),
        **overrides,
    }


def test_create_from_own_complete_clip_sends_one_call_and_lands_in_the_library(
    client, user, suno, django_capture_on_commit_callbacks
):
    song = finished_song(owner=user, suno=suno, capture=django_capture_on_commit_callbacks)
    clip = song.clips.first()
    client.force_login(user)
    url = reverse("personas:persona_create", args=[clip.pk])
    assert client.get(url).status_code == 200

    data = persona_form(visibility="public", confirm_public="on")  # a private song's take: confirmed
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, data)
        second = client.post(url, data)  # double click / resubmitted form: same idempotency key
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]

    persona = Persona.objects.get()
    assert suno.calls("persona_create") == 1
    assert persona.state == Persona.State.READY
    assert persona.persona_id and persona.artist_clip_id == clip.upstream_id
    assert persona.source_clip == clip and persona.visibility == "public"
    endpoint, _, _, body = [c for c in suno.simulator.call_log if c[0] == "persona_create"][0]
    assert set(body) == CREATE_FIELDS
    assert body == {
        "root_clip_id": clip.upstream_id,
        "name": "Smoky alto",
        "description": "warm, breathy, late-night",
        "clips": [clip.upstream_id],
        "is_public": True,
    }
    page = client.get(reverse("personas:library")).content.decode()
    assert "Smoky alto" in page and "New song with this persona" in page


def test_the_web_request_only_queues(client, user, suno, django_capture_on_commit_callbacks):
    song = finished_song(owner=user, suno=suno, capture=django_capture_on_commit_callbacks)
    calls_before = suno.calls()
    client.force_login(user)
    client.post(reverse("personas:persona_create", args=[song.clips.first().pk]), persona_form())
    assert suno.calls() == calls_before
    persona = Persona.objects.get()
    assert persona.state == Persona.State.QUEUED
    card = client.get(reverse("personas:persona_card", args=[persona.pk]), HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 2s"' in card.content.decode()  # in flight: the card refreshes itself


def test_a_job_run_twice_creates_once(user, suno, django_capture_on_commit_callbacks):
    song = finished_song(owner=user, suno=suno, capture=django_capture_on_commit_callbacks)
    persona, _ = services.persona_create(
        owner=user,
        clip=song.clips.first(),
        idempotency_key=uuid.uuid4(),
        name="n",
        description="d",
        visibility="private",
    )
    tasks.create_persona(persona.pk)
    tasks.create_persona(persona.pk)
    services.personas_sweep()
    assert suno.calls("persona_create") == 1
    persona.refresh_from_db()
    assert persona.is_ready
    card_url = reverse("personas:persona_card", args=[persona.pk])
    assert card_url  # a ready card has no timer (checked in the views tests)


@pytest.mark.parametrize("status", [Clip.Status.STREAMING, Clip.Status.ERROR, Clip.Status.SUBMITTED])
def test_only_a_complete_clip_can_become_a_persona(client, user, suno, status):
    song = make_song(owner=user, status=status)
    clip = song.clips.first()
    clip.upstream_id = str(uuid.uuid4())
    clip.save()
    client.force_login(user)
    url = reverse("personas:persona_create", args=[clip.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, persona_form()).status_code == 404
    assert not Persona.objects.exists() and suno.calls() == 0


def test_someone_elses_clip_is_a_404(client, user, other_user, suno, django_capture_on_commit_callbacks):
    song = finished_song(owner=other_user, suno=suno, capture=django_capture_on_commit_callbacks)
    client.force_login(user)
    url = reverse("personas:persona_create", args=[song.clips.first().pk])
    assert client.get(url).status_code == 404
    assert client.post(url, persona_form()).status_code == 404
    assert not Persona.objects.exists()


def test_invalid_form_keeps_what_was_typed(client, user, suno, django_capture_on_commit_callbacks):
    song = finished_song(owner=user, suno=suno, capture=django_capture_on_commit_callbacks)
    client.force_login(user)
    response = client.post(
        reverse("personas:persona_create", args=[song.clips.first().pk]),
        persona_form(name="   ", description="a voice I spent an hour describing"),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Give the persona a name." in page
    assert "a voice I spent an hour describing" in page
    assert not Persona.objects.exists()


def test_upstream_refusal_fails_with_the_reason_and_retry_sends_once_more(
    client, user, suno, django_capture_on_commit_callbacks
):
    song = finished_song(owner=user, suno=suno, capture=django_capture_on_commit_callbacks)
    suno.faults.add("insufficient_balance", endpoint="persona_create", times=1)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("personas:persona_create", args=[song.clips.first().pk]), persona_form())
    persona = Persona.objects.get()
    assert persona.state == Persona.State.FAILED
    assert "music credit is used up" in persona.error_message
    card = client.get(reverse("personas:persona_card", args=[persona.pk]), HTTP_HX_REQUEST="true")
    html = card.content.decode()
    assert "music credit is used up" in html and "Retry" in html and "hx-trigger" not in html

    retry_url = reverse("personas:persona_retry", args=[persona.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(retry_url)
        client.post(retry_url)  # double click: the second finds nothing failed
    persona.refresh_from_db()
    assert persona.is_ready and persona.error_message == ""
    assert suno.calls("persona_create") == 2


@pytest.mark.parametrize(
    "fault, message, persona_request_state",
    [
        # The relay's own JSON error: it takes its quota only when a submit succeeds (§11), so refunded.
        ("server_error", "nothing was made or charged", "refunded"),
        # An HTML 524 from the CDN in front: nobody can tell, so the charge waits for staff review.
        ("gateway_timeout", UNCONFIRMED_SUBMIT, "review"),
    ],
)
def test_a_5xx_on_create_is_never_resent(
    user, suno, django_capture_on_commit_callbacks, fault, message, persona_request_state
):
    song = finished_song(owner=user, suno=suno, capture=django_capture_on_commit_callbacks)
    suno.faults.add(fault, endpoint="persona_create", work_done=True)
    with django_capture_on_commit_callbacks(execute=True):
        persona, _ = services.persona_create(
            owner=user,
            clip=song.clips.first(),
            idempotency_key=uuid.uuid4(),
            name="n",
            description="d",
            visibility="private",
        )
    services.personas_sweep()
    persona.refresh_from_db()
    assert persona.state == Persona.State.FAILED
    assert message in persona.error_message
    assert persona.paid_request.state == persona_request_state
    assert suno.calls("persona_create") == 1


def test_sweep_sends_a_lost_job_and_fails_a_stuck_one(user, suno, django_capture_on_commit_callbacks):
    song = finished_song(owner=user, suno=suno, capture=django_capture_on_commit_callbacks)
    # The job was lost (Redis has no receipts): the row is still queued.
    lost, _ = services.persona_create(
        owner=user,
        clip=song.clips.first(),
        idempotency_key=uuid.uuid4(),
        name="lost",
        description="",
        visibility="private",
    )
    # A worker died mid-call long ago: it may or may not have reached the upstream.
    stuck = make_persona(owner=user, state=Persona.State.CREATING, name="stuck")
    Persona.objects.filter(pk=stuck.pk).update(creating_since=lost.created_at - timedelta(minutes=10))
    tasks.sweep()
    lost.refresh_from_db()
    stuck.refresh_from_db()
    assert lost.is_ready
    assert stuck.is_failed and stuck.error_message == UNCONFIRMED_SUBMIT
    assert suno.calls("persona_create") == 1


def test_a_suspended_creator_cannot_make_a_persona_and_keeps_what_was_typed(
    client, user, moderator, suno, django_capture_on_commit_callbacks
):
    """Creating a persona is a paid call: the same suspension rule (and sentence) as a new song."""
    from moderation.services import user_suspend

    song = finished_song(owner=user, suno=suno, capture=django_capture_on_commit_callbacks)
    user_suspend(user=user, by=moderator, reason="Spamming the feed")
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("personas:persona_create", args=[song.clips.first().pk]), persona_form(name="Kept name")
        )
    body = response.content.decode()
    assert response.status_code == 200 and "suspended" in body and "Spamming the feed" in body
    assert 'value="Kept name"' in body
    assert not Persona.objects.exists() and suno.calls("persona_create") == 0
