"""Upstream callbacks: with SITE_URL set each paid submit carries a signed notify_hook; the simulator calls
it when the task ends, and the call only brings that song's next poll forward. Forged, tampered or
replayed calls change nothing."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.urls import reverse

from songs import callbacks, polling
from songs.models import Clip, PollLease
from songs.tasks import LEASE_NAME, STARTING
from tests.songs.test_polling import create_songs

pytestmark = pytest.mark.django_db

SITE = "https://studio.example.org"


def submitted_bodies(suno) -> list[dict]:
    return [body for name, _method, _path, body in suno.simulator.call_log if name == "submit_music"]


def test_without_site_url_no_hook_is_sent(user, suno, django_capture_on_commit_callbacks, settings):
    settings.SITE_URL = ""
    create_songs(user, 1, django_capture_on_commit_callbacks)
    assert "notify_hook" not in submitted_bodies(suno)[0]


def test_the_ended_task_calls_us_and_the_song_is_polled_at_once(
    user, suno, client, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = SITE
    (song,) = create_songs(user, 1, django_capture_on_commit_callbacks)
    hook = submitted_bodies(suno)[0]["notify_hook"]
    assert hook.startswith(f"{SITE}/hooks/upstream/")
    song.refresh_from_db()
    assert callbacks.song_request_of(hook.rsplit("/", 2)[-2]) == (song.pk, song.paid_request_id)
    # The first polls back off: the next one is seconds away when the upstream finishes.
    polling.clips_poll_due(now=suno.advance(4) + timedelta(seconds=60))
    later = min(song.clips.values_list("next_poll_at", flat=True))

    suno.advance(10)
    calls = []

    def post(url, task):
        calls.append(client.post(urlsplit(url).path, data=task, content_type="application/json"))

    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert suno.simulator.deliver_notifications(post) == 1
    assert calls[0].status_code == 204
    due = set(song.clips.values_list("next_poll_at", flat=True))
    assert len(due) == 1 and due.pop() < later  # brought forward, for both takes
    assert (
        PollLease.objects.get(name=LEASE_NAME).holder == STARTING and len(queued) == 1
    )  # a loop is asked for

    polling.clips_poll_due()
    assert set(song.clips.values_list("status", flat=True)) == {Clip.Status.COMPLETE}

    replay = client.post(urlsplit(hook).path, data=b"{}", content_type="application/json")
    assert replay.status_code == 204  # ours, but nothing is in flight any more: nothing changes
    assert set(song.clips.values_list("status", flat=True)) == {Clip.Status.COMPLETE}


def test_forged_and_tampered_calls_are_404_and_change_nothing(
    user, suno, client, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = SITE
    (song,) = create_songs(user, 1, django_capture_on_commit_callbacks)
    before = list(song.clips.values_list("next_poll_at", flat=True))
    forged = signing.dumps({"song": song.pk, "request": song.paid_request_id}, salt="another salt")
    for token in ("nonsense", forged, callbacks.hook_url(song).rsplit("/", 2)[-2][:-2] + "xx"):
        answer = client.post(reverse("public:upstream_hook", args=[token]), data={"status": "SUCCESS"})
        assert answer.status_code == 404
    assert list(song.clips.values_list("next_poll_at", flat=True)) == before
    assert client.get(callbacks.hook_url(song).removeprefix(SITE)).status_code == 405  # POST only


def test_a_hook_for_an_older_request_of_a_retried_song_changes_nothing(
    user, suno, client, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = SITE
    (song,) = create_songs(user, 1, django_capture_on_commit_callbacks)
    stale = signing.dumps(
        {"song": song.pk, "request": song.paid_request_id + 1000}, salt=callbacks.SALT, compress=True
    )
    before = list(song.clips.values_list("next_poll_at", flat=True))
    assert client.post(reverse("public:upstream_hook", args=[stale])).status_code == 204
    assert list(song.clips.values_list("next_poll_at", flat=True)) == before
