"""The studio against what ElkAPI-family gateways really answer (docs/upstream.md §11), through the
simulator's dialect switch: every flow runs the real client, the real jobs and the real poll ticks."""

from __future__ import annotations

import html
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse

from songs import polling, services
from songs.models import ClipAsset, Song
from sunostudio.errors import Refused
from sunostudio.models import StaffNotice
from sunostudio.paid_calls import SUBMIT_MAX_ATTEMPTS
from tests.personas.builders import LYRICS, finished_song, ready_persona
from tests.songs.builders import song_form_data
from tests.songs.drive import finish_song, tick_tools

pytestmark = pytest.mark.django_db


def _create_song(client, capture, **overrides) -> Song:
    with capture(execute=True):
        client.post(reverse("songs:song_create"), song_form_data(**overrides))
    return Song.objects.order_by("-pk").first()


def _persona_song(client, persona, capture) -> Song:
    data = song_form_data(persona=str(persona.pk), lyrics=LYRICS, model_version="chirp-auk", negative_tags="")
    return _create_song(client, capture, **data)


def _extend(user, take):
    return services.clip_extend(
        owner=user,
        parent=take,
        idempotency_key=uuid.uuid4(),
        continue_at=5,
        lyrics="[Verse]\nOn and on",
        tags="pop",
        title="t",
        model_version="chirp-auk",
    )


def test_out_of_credit_in_chinese_tells_the_creator_and_staff(
    client, user, suno, django_capture_on_commit_callbacks
):
    suno.simulator.set_dialect("new-api")
    suno.simulator.balance_usd = 0  # the relay's own balance is spent
    client.force_login(user)
    song = _create_song(client, django_capture_on_commit_callbacks)
    song.refresh_from_db()
    assert song.state == Song.State.FAILED and song.can_retry
    assert (
        "music credit is used up" in song.error_message and "An admin has been notified" in song.error_message
    )
    assert "key" not in song.error_message  # not "the key was refused"
    notice = StaffNotice.objects.get(cause="upstream_credit")
    assert "额度" in notice.detail  # staff see the gateway's own words
    assert suno.calls("submit_music") == 1  # refused once, never resent


def test_a_persistent_429_is_sent_a_bounded_number_of_times_then_fails_honestly(
    client, user, suno, django_capture_on_commit_callbacks
):
    suno.faults.add("rate_limited", endpoint="submit_music", times=100)
    client.force_login(user)
    song = _create_song(client, django_capture_on_commit_callbacks)
    for _ in range(SUBMIT_MAX_ATTEMPTS + 3):  # the sweep resends once each wait is over
        song.refresh_from_db()
        if song.state == Song.State.FAILED:
            break
        assert "sent again automatically" in song.error_message
        polling.songs_sweep(now=song.next_submit_at)
    song.refresh_from_db()
    assert suno.calls("submit_music") == SUBMIT_MAX_ATTEMPTS  # not 20: no retries hidden inside the client
    assert song.state == Song.State.FAILED and f"{SUBMIT_MAX_ATTEMPTS} times" in song.error_message
    assert "automatically" not in song.error_message and "Retry" in song.error_message
    page = client.get(song.get_absolute_url()).content.decode()
    assert "automatically" not in page


def test_the_feed_answered_with_an_html_page_falls_back_to_the_batch_id(
    client, user, suno, django_capture_on_commit_callbacks
):
    persona = ready_persona(owner=user, suno=suno, capture=django_capture_on_commit_callbacks)
    suno.simulator.set_dialect("html_unknown_routes,no_feed")
    client.force_login(user)
    song = _persona_song(client, persona, django_capture_on_commit_callbacks)
    assert song.upstream_batch_id and not song.upstream_task_id
    polling.clips_poll_due(now=suno.advance(2) + timedelta(seconds=60))
    song.refresh_from_db()
    assert song.upstream_task_id == song.upstream_batch_id
    with django_capture_on_commit_callbacks(execute=True):
        polling.clips_poll_due(now=suno.advance(15) + timedelta(seconds=120))
    assert {c.status for c in song.clips.all()} == {"complete"}


@pytest.mark.parametrize("dialect", ["elkapi", "gin_slash_redirect"])
def test_a_persona_is_created_with_either_slash_form(user, suno, django_capture_on_commit_callbacks, dialect):
    suno.simulator.set_dialect(dialect)
    persona = ready_persona(owner=user, suno=suno, capture=django_capture_on_commit_callbacks)
    assert persona.persona_id and suno.calls("persona_create") == 1


def test_a_persona_take_from_the_seed_route_is_refused_before_anything_is_spent(
    client, user, suno, django_capture_on_commit_callbacks
):
    persona = ready_persona(owner=user, suno=suno, capture=django_capture_on_commit_callbacks)
    client.force_login(user)
    song = finish_song(
        suno,
        django_capture_on_commit_callbacks,
        _persona_song(client, persona, django_capture_on_commit_callbacks),
    )
    take = song.clips.first()
    assert take.is_complete and not take.upstream_task_id
    paid_before = suno.simulator.paid_calls()
    page = html.unescape(client.get(reverse("songs:clip_detail", args=[take.pk])).content.decode())
    assert "can't extend takes made with a persona" in page and "Extend from here" not in page
    with pytest.raises(Refused):
        _extend(user, take)
    with pytest.raises(Refused):
        services.clip_stems(owner=user, clip=take, full=False, idempotency_key=uuid.uuid4())
    assert suno.simulator.paid_calls() == paid_before and not Song.objects.filter(parent_clip=take).exists()


def test_with_the_task_route_a_persona_take_can_be_extended(
    client, user, suno, settings, django_capture_on_commit_callbacks
):
    settings.SUNO_PERSONA_ROUTE = "task"
    suno.simulator.set_dialect("strict_task_id")
    persona = ready_persona(owner=user, suno=suno, capture=django_capture_on_commit_callbacks)
    client.force_login(user)
    song = finish_song(
        suno,
        django_capture_on_commit_callbacks,
        _persona_song(client, persona, django_capture_on_commit_callbacks),
    )
    assert suno.calls("generate") == 0  # artist_consistency went through /suno/submit/music
    take = song.clips.first()
    assert take.upstream_task_id == song.upstream_task_id != ""
    with django_capture_on_commit_callbacks(execute=True):
        extension, _ = _extend(user, take)
    extension = finish_song(suno, django_capture_on_commit_callbacks, extension)
    assert extension.state == Song.State.SUBMITTED, extension.error_message
    assert {c.status for c in extension.clips.all()} == {"complete"}


def test_without_generate_the_persona_song_falls_back_to_the_task_route(
    client, user, suno, django_capture_on_commit_callbacks
):
    persona = ready_persona(owner=user, suno=suno, capture=django_capture_on_commit_callbacks)
    suno.simulator.set_dialect("html_unknown_routes,no_generate")
    client.force_login(user)
    song = finish_song(
        suno,
        django_capture_on_commit_callbacks,
        _persona_song(client, persona, django_capture_on_commit_callbacks),
    )
    assert song.state == Song.State.SUBMITTED and {c.status for c in song.clips.all()} == {"complete"}
    assert song.clips.first().upstream_task_id  # the task route's takes can be continued


def test_a_wav_answered_with_a_task_id_completes(client, user, suno, django_capture_on_commit_callbacks):
    suno.simulator.set_dialect("wav_task_id")
    take = finished_song(owner=user, suno=suno, capture=django_capture_on_commit_callbacks).clips.first()
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("songs:clip_asset", args=[take.pk, "wav"]), HTTP_HX_REQUEST="true")
    tick_tools(suno, django_capture_on_commit_callbacks, seconds=5, rounds=12)
    asset = take.assets.get(kind=ClipAsset.Kind.WAV)
    assert asset.upstream_task_id and asset.status == ClipAsset.Status.READY, asset.error_message
    response = client.get(reverse("songs:clip_asset_file", args=[take.pk, "wav"]))
    assert response.status_code == 200 and b"".join(response.streaming_content)[:4] == b"RIFF"


def test_excluded_styles_a_relay_ignored_are_said_on_the_song_page(
    client, user, suno, django_capture_on_commit_callbacks
):
    client.force_login(user)
    kept = finish_song(
        suno, django_capture_on_commit_callbacks, _create_song(client, django_capture_on_commit_callbacks)
    )
    assert kept.negative_tags and not kept.excluded_styles_ignored
    suno.simulator.set_dialect("drop_unknown_fields")
    dropped = finish_song(
        suno, django_capture_on_commit_callbacks, _create_song(client, django_capture_on_commit_callbacks)
    )
    assert dropped.excluded_styles_ignored
    assert 'id="excluded-ignored"' in client.get(dropped.get_absolute_url()).content.decode()
    assert 'id="excluded-ignored"' not in client.get(kept.get_absolute_url()).content.decode()


def test_v6_can_be_picked_and_generates(client, user, suno, django_capture_on_commit_callbacks):
    client.force_login(user)
    assert 'value="chirp-hawk"' in client.get(reverse("songs:song_create")).content.decode()
    song = finish_song(
        suno,
        django_capture_on_commit_callbacks,
        _create_song(client, django_capture_on_commit_callbacks, model_version="chirp-hawk"),
    )
    assert song.model_version == "chirp-hawk" and {c.status for c in song.clips.all()} == {"complete"}


def test_a_version_without_a_channel_fails_plainly_and_tells_staff_which_to_disable(
    client, user, suno, django_capture_on_commit_callbacks
):
    suno.simulator.unavailable_models = {"chirp-crow"}
    client.force_login(user)
    song = _create_song(client, django_capture_on_commit_callbacks, model_version="chirp-crow")
    song.refresh_from_db()
    assert song.state == Song.State.FAILED and suno.calls("submit_music") == 1  # never resent
    assert "chirp-crow isn't available" in song.error_message and "another version" in song.error_message
    notice = StaffNotice.objects.get(cause="model_unavailable:chirp-crow")
    assert "untick it in the model catalogue" in notice.message
    assert notice.url == reverse("admin:songs_modelversion_changelist") + "?q=chirp-crow"


def test_only_a_true_staff_notice_says_an_admin_was_told(
    client, user, suno, django_capture_on_commit_callbacks
):
    """'An admin has been notified' appears exactly where a notice was recorded."""
    with django_capture_on_commit_callbacks(execute=True):  # lyrics over chirp-auk's limit: a 400
        song, _ = services.song_create(
            owner=user,
            idempotency_key=uuid.uuid4(),
            kind="custom",
            title="t",
            lyrics="la " * 2000,
            tags="pop",
            model_version="chirp-auk",
        )
    song.refresh_from_db()
    assert song.state == Song.State.FAILED
    assert "admin" not in song.error_message and not StaffNotice.objects.exists()
