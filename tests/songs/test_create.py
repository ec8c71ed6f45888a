"""Creating a song: the request writes rows, one job makes exactly one upstream call."""

import pytest
from django.urls import reverse

from songs import polling, services
from songs.models import Clip, Song
from tests.songs.builders import song_form_data

pytestmark = pytest.mark.django_db


def _create(user, capture, **recipe):
    with capture(execute=True):
        song, _ = services.song_create(
            owner=user,
            idempotency_key=song_form_data()["idempotency_key"],
            kind="custom",
            title="t",
            lyrics="la",
            tags="pop",
            model_version="chirp-auk",
            **recipe,
        )
    song.refresh_from_db()
    return song


def test_submit_saves_song_and_redirects_without_calling_upstream(client, user, suno):
    client.force_login(user)
    response = client.post(reverse("songs:song_create"), song_form_data())
    song = Song.objects.get()
    assert response.status_code == 302
    assert response["Location"] == song.get_absolute_url()
    assert song.clips.count() == 2
    assert suno.calls() == 0  # the web request never talks to the upstream


def test_double_click_and_resubmit_make_one_upstream_call(
    client, user, suno, django_capture_on_commit_callbacks
):
    client.force_login(user)
    data = song_form_data()
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(reverse("songs:song_create"), data)
        second = client.post(reverse("songs:song_create"), data)  # same idempotency key
    assert first["Location"] == second["Location"]
    assert Song.objects.count() == 1
    assert suno.calls("submit_music") == 1


def test_a_retried_job_does_not_submit_twice(user, suno, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        song, _ = services.song_create(
            owner=user,
            idempotency_key=song_form_data()["idempotency_key"],
            kind="custom",
            title="t",
            lyrics="la la",
            tags="pop",
            model_version="chirp-auk",
        )
    services.song_submit(song_id=song.pk)  # the broker hands the same job out again
    services.song_submit(song_id=song.pk)
    assert suno.calls("submit_music") == 1
    song.refresh_from_db()
    assert song.state == Song.State.SUBMITTED
    assert song.upstream_task_id


def test_invalid_form_keeps_what_was_typed(client, user, suno):
    client.force_login(user)
    data = song_form_data(tags="", lyrics="My own words\nthat took an hour")
    response = client.post(reverse("songs:song_create"), data)
    assert response.status_code == 200
    assert "My own words\nthat took an hour" in response.content.decode()
    assert "Add at least one style" in response.content.decode()
    assert Song.objects.count() == 0


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ("unauthorized", "key was refused"),
        ("insufficient_balance", "music credit is used up"),
    ],
)
def test_upstream_refusal_fails_the_song_with_a_clear_message(
    user, suno, django_capture_on_commit_callbacks, fault, expected
):
    suno.faults.add(fault)
    song = _create(user, django_capture_on_commit_callbacks)
    song.refresh_from_db()
    assert song.state == Song.State.FAILED
    assert expected in song.error_message
    assert all(c.status == Clip.Status.ERROR and expected in c.error_message for c in song.clips.all())
    assert song.can_retry


def test_rate_limited_submit_is_retried_later_not_failed(user, suno, django_capture_on_commit_callbacks):
    suno.faults.add("rate_limited", endpoint="submit_music", retry_after=7)
    song = _create(user, django_capture_on_commit_callbacks)
    song.refresh_from_db()
    assert song.state == Song.State.QUEUED
    assert "busy" in song.error_message
    suno.faults.clear()
    polling.songs_sweep(now=song.next_submit_at)
    song.refresh_from_db()
    assert song.state == Song.State.SUBMITTED


def test_read_timeout_on_submit_is_never_resent(user, suno, django_capture_on_commit_callbacks):
    suno.faults.add("timeout", endpoint="submit_music", times=1)
    song = _create(user, django_capture_on_commit_callbacks)
    polling.songs_sweep()
    song.refresh_from_db()
    assert suno.calls("submit_music") == 1
    assert song.state == Song.State.FAILED
    assert "charged twice" in song.error_message


def test_retry_after_failure_sends_once_more(client, user, suno, django_capture_on_commit_callbacks):
    suno.faults.add("insufficient_balance", times=1)
    song = _create(user, django_capture_on_commit_callbacks)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("songs:song_retry", args=[song.pk]))
        client.post(reverse("songs:song_retry", args=[song.pk]))  # double click
    song.refresh_from_db()
    assert song.state == Song.State.SUBMITTED
    assert suno.calls("submit_music") == 2  # the refused one and the retry, nothing more


def test_description_mode_sends_the_description(user, suno, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.song_create(
            owner=user,
            idempotency_key=song_form_data()["idempotency_key"],
            kind="description",
            description="a lullaby for a robot",
            model_version="chirp-auk",
        )
    endpoint, _, _, body = suno.simulator.call_log[-1]
    assert endpoint == "submit_music"
    assert body["gpt_description_prompt"] == "a lullaby for a robot"
    assert body["mv"] == "chirp-auk"


def test_no_available_channel_is_retried_with_backoff(user, suno, django_capture_on_commit_callbacks):
    suno.faults.add("unavailable", endpoint="submit_music", times=1)  # 503 before the Suno adaptor ran
    song = _create(user, django_capture_on_commit_callbacks)
    assert song.state == Song.State.QUEUED
    assert song.next_submit_at > song.created_at
    polling.songs_sweep(now=song.next_submit_at)
    song.refresh_from_db()
    assert song.state == Song.State.SUBMITTED


def test_server_error_on_submit_is_not_resent(user, suno, django_capture_on_commit_callbacks):
    suno.faults.add("server_error", endpoint="submit_music", times=1)
    song = _create(user, django_capture_on_commit_callbacks)
    polling.songs_sweep()
    song.refresh_from_db()
    assert suno.calls("submit_music") == 1
    assert song.state == Song.State.FAILED
    assert song.can_retry
