"""A poll tick writes only what the upstream told it: a moderator's hide or the archive job's file,
written while the tick waited for the upstream's answer, survive the tick's save."""

from datetime import timedelta

import pytest

from songs import polling
from songs.models import Clip
from tests.songs.test_polling import create_songs

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("seconds", [4, 13])  # a tick that sees streaming takes, and one that sees them done
def test_a_tick_keeps_what_others_wrote_meanwhile(
    user, suno, django_capture_on_commit_callbacks, monkeypatch, seconds
):
    (song,) = create_songs(user, 1, django_capture_on_commit_callbacks)
    apply_task = polling._apply_task

    def others_write_first(clips, task, now):  # the tick holds its rows; others write the same rows
        Clip.objects.filter(song=song, take=1).update(is_hidden=True, hidden_reason="spam")
        Clip.objects.filter(song=song, take=2).update(audio_file="clips/9/2/audio.mp3")
        apply_task(clips, task, now)

    monkeypatch.setattr(polling, "_apply_task", others_write_first)
    now = suno.advance(seconds) + timedelta(seconds=60)
    polling.clips_poll_due(now=now)

    first, second = song.clips.order_by("take")
    assert first.status == second.status == (Clip.Status.STREAMING if seconds == 4 else Clip.Status.COMPLETE)
    assert first.is_hidden and first.hidden_reason == "spam"
    assert second.audio_file.name == "clips/9/2/audio.mp3"


def test_a_failed_take_keeps_a_moderators_hide(user, suno, django_capture_on_commit_callbacks, monkeypatch):
    suno.faults.add("task_failure")
    (song,) = create_songs(user, 1, django_capture_on_commit_callbacks)
    apply_task = polling._apply_task

    def hide_then_apply(clips, task, now):
        Clip.objects.filter(song=song).update(is_hidden=True, hidden_reason="spam")
        apply_task(clips, task, now)

    monkeypatch.setattr(polling, "_apply_task", hide_then_apply)
    polling.clips_poll_due(now=suno.advance(13) + timedelta(seconds=60))
    assert {(c.status, c.is_hidden) for c in song.clips.all()} == {("error", True)}
