"""A song's end reaches its creator: the bell's notification and a webhook event, once per paid request,
driven through the simulator like any song."""

from __future__ import annotations

from datetime import timedelta

import pytest

from notifications.models import Notification, Webhook, WebhookDelivery
from songs import polling, services
from songs.models import Song
from tests.songs.test_polling import create_songs

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook(user):
    return Webhook.objects.create(user=user, url="https://hooks.example.com/studio")


def finish(suno, capture, seconds: float = 13) -> None:
    with capture(execute=True):
        polling.clips_poll_due(now=suno.advance(seconds) + timedelta(seconds=60))


def test_a_finished_song_is_told_once_with_its_takes(
    user, hook, suno, django_capture_on_commit_callbacks, settings
):
    (song,) = create_songs(user, 1, django_capture_on_commit_callbacks)
    finish(suno, django_capture_on_commit_callbacks)
    (notification,) = Notification.objects.filter(user=user)
    assert notification.message == "“Night Drive” is ready" and notification.kind == "ready"
    assert notification.url == song.get_absolute_url()
    (delivery,) = WebhookDelivery.objects.filter(webhook=hook)
    assert delivery.event == "song.completed"
    body = delivery.payload["song"]
    assert body["id"] == song.pk and body["state"] == "complete" and body["error"] == ""
    assert body["url"] == settings.PUBLIC_BASE_URL.rstrip("/") + song.get_absolute_url()
    assert [t["status"] for t in body["takes"]] == ["complete", "complete"]

    with django_capture_on_commit_callbacks(execute=True):  # settled again (a second worker): no second word
        Song.objects.filter(pk=song.pk).update(state=Song.State.SUBMITTED)
        services.songs_settle(now=suno.advance(1))
    assert Notification.objects.count() == 1 and WebhookDelivery.objects.count() == 1


def test_a_song_whose_takes_all_failed_says_why(user, hook, suno, django_capture_on_commit_callbacks):
    suno.faults.add("task_failure")
    create_songs(user, 1, django_capture_on_commit_callbacks)
    finish(suno, django_capture_on_commit_callbacks)
    (notification,) = Notification.objects.filter(user=user)
    assert notification.kind == "failed" and notification.message.startswith("“Night Drive” failed: ")
    assert WebhookDelivery.objects.get().event == "song.failed"


def test_a_refused_send_is_told_and_its_retry_is_told_again(
    user, hook, suno, django_capture_on_commit_callbacks
):
    suno.faults.add("server_error", endpoint="submit_music", times=1)
    (song,) = create_songs(user, 1, django_capture_on_commit_callbacks)
    song.refresh_from_db()
    assert song.state == Song.State.FAILED
    assert Notification.objects.get().kind == "failed"

    with django_capture_on_commit_callbacks(execute=True):
        services.song_retry(song=song)
    finish(suno, django_capture_on_commit_callbacks)
    assert [n.kind for n in Notification.objects.order_by("created_at", "id")] == ["failed", "ready"]


@pytest.mark.parametrize(
    ("kind", "ready", "failed"),
    [
        ("cover", "Your cover of “Night Drive” is ready", "Your cover of “Night Drive” failed: timed out"),
        ("infill", "The replaced section of “Night Drive” is ready", None),
        ("extend", "The extension of “Night Drive” is ready", None),
        ("concat", "The whole song of “Night Drive” is ready", None),
        ("custom", "“Night Drive” is ready", "“Night Drive” failed: timed out"),
    ],
)
def test_the_bell_says_which_song_of_a_family_finished(user, kind, ready, failed):
    """A cover, a replaced section and a whole song keep their original's title: the bell showed six
    identical '“Lighthouse Night” is ready' lines for one family."""
    from notifications.receivers import message_for
    from tests.songs.builders import make_song

    song = make_song(owner=user, kind=kind)
    assert message_for(song, "complete", "") == ready
    if failed:
        assert message_for(song, "failed", "timed out") == failed
