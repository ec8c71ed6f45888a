"""Polling is driven by rows: one batch query per tick for all due clips, backoff per clip, resumable."""

from datetime import timedelta

import pytest

from accounts.models import Account
from songs import polling, services, tasks
from songs.models import Clip, PollLease, Song
from tests.songs.builders import song_form_data

pytestmark = pytest.mark.django_db


def create_songs(user, count, capture, **recipe):
    recipe = {
        "kind": "custom",
        "title": "Night Drive",
        "lyrics": "[Verse]\nlights on the road",
        "tags": "synthwave",
        "model_version": "chirp-auk",
        **recipe,
    }
    songs = []
    with capture(execute=True):
        for _ in range(count):
            song, _ = services.song_create(
                owner=user, idempotency_key=song_form_data()["idempotency_key"], **recipe
            )
            songs.append(song)
    return songs


def test_clips_go_from_submitted_to_complete(user, suno, django_capture_on_commit_callbacks):
    (song,) = create_songs(user, 1, django_capture_on_commit_callbacks)
    statuses = []
    for seconds in (1, 3, 10):
        now = suno.advance(seconds)
        with django_capture_on_commit_callbacks(execute=True):
            polling.clips_poll_due(now=now + timedelta(seconds=60))
        statuses.append({c.status for c in song.clips.all()})
    assert statuses == [{"queued"}, {"streaming"}, {"complete"}]
    clip = song.clips.first()
    assert clip.duration and clip.duration > 10
    assert clip.upstream_id and clip.image_url and clip.completed_at
    assert clip.next_poll_at is None


def test_streaming_clip_has_a_playable_url(user, suno, django_capture_on_commit_callbacks):
    (song,) = create_songs(user, 1, django_capture_on_commit_callbacks)
    now = suno.advance(4)
    polling.clips_poll_due(now=now + timedelta(seconds=60))
    clip = song.clips.first()
    assert clip.status == Clip.Status.STREAMING
    assert clip.playable_url.startswith(suno.simulator.base_url)


@pytest.mark.parametrize(("songs", "expected_requests"), [(1, 1), (10, 1), (20, 1), (21, 2), (45, 3)])
def test_one_batch_query_per_tick_up_to_the_batch_cap(
    user, suno, django_capture_on_commit_callbacks, songs, expected_requests
):
    # As many songs in flight as a busy studio has across its creators: past one creator's limits.
    Account.objects.update_or_create(user=user, defaults={"unlimited": True})
    create_songs(user, songs, django_capture_on_commit_callbacks)
    before = suno.calls("fetch_batch")
    report = polling.clips_poll_due(now=suno.advance(1) + timedelta(seconds=60))
    assert report.clips == songs * 2
    assert report.requests == expected_requests
    assert suno.calls("fetch_batch") - before == expected_requests
    assert suno.calls("fetch") == 0  # never one query per task


def test_backoff_per_clip(user, suno, django_capture_on_commit_callbacks):
    (song,) = create_songs(user, 1, django_capture_on_commit_callbacks)
    now = suno.now() + timedelta(seconds=60)
    gaps = []
    for _ in range(12):
        polling.clips_poll_due(now=now)
        clip = song.clips.first()
        gaps.append((clip.next_poll_at - now).total_seconds())
        now = clip.next_poll_at
    assert gaps == sorted(gaps)
    assert gaps[0] == 2 and gaps[-1] == polling.POLL_INTERVAL_MAX


def test_a_clip_not_yet_due_is_not_polled(user, suno, django_capture_on_commit_callbacks):
    create_songs(user, 1, django_capture_on_commit_callbacks)
    report = polling.clips_poll_due(now=suno.now())  # next poll is 2 s after submit
    assert report.requests == 0


def test_polling_resumes_after_a_worker_died_mid_tick(user, suno, django_capture_on_commit_callbacks):
    (song,) = create_songs(user, 1, django_capture_on_commit_callbacks)
    now = suno.advance(13)
    # A tick claims the clips (pushing next_poll_at forward as a lease) and the worker dies before asking.
    claimed = polling._claim_due_clips(now + timedelta(seconds=60))
    assert len(claimed) == 2
    assert polling.clips_poll_due(now=now + timedelta(seconds=61)).requests == 0  # lease still held
    # Once the lease runs out, the next tick (the one-minute schedule's) picks them up again.
    with django_capture_on_commit_callbacks(execute=True):
        report = polling.clips_poll_due(now=now + timedelta(seconds=60) + polling.POLL_LEASE)
    assert report.clips == 2
    assert {c.status for c in song.clips.all()} == {"complete"}


def test_schedule_restarts_the_poll_loop_after_a_lost_lease_holder(
    user, suno, django_capture_on_commit_callbacks
):
    (song,) = create_songs(user, 1, django_capture_on_commit_callbacks)
    suno.advance(13)
    Clip.objects.update(next_poll_at=song.created_at)  # their polls fell due while nobody was polling
    # a loop that died keeps its lease row until it expires
    PollLease.objects.update_or_create(
        name=tasks.LEASE_NAME, defaults={"holder": "dead-worker", "expires_at": song.created_at}
    )
    with django_capture_on_commit_callbacks(execute=True):
        tasks.poll_clips(loop_seconds=0, sleep=lambda s: None)
    assert {c.status for c in song.clips.all()} == {"complete"}
    assert PollLease.objects.get().holder != "dead-worker"


def test_a_live_loop_keeps_others_out(user, suno, django_capture_on_commit_callbacks):
    create_songs(user, 1, django_capture_on_commit_callbacks)
    assert tasks.acquire_lease("worker-a")
    assert not tasks.acquire_lease("worker-b")
    before = suno.calls("fetch_batch")
    tasks.poll_clips(loop_seconds=0, sleep=lambda s: None)
    assert suno.calls("fetch_batch") == before


def test_stuck_clip_fails_with_a_clear_reason(user, suno, django_capture_on_commit_callbacks, settings):
    suno.faults.add("clip_never_completes")
    (song,) = create_songs(user, 1, django_capture_on_commit_callbacks)
    started = suno.now()
    for _ in range(4):
        polling.clips_poll_due(now=suno.advance(180))
    assert {c.status for c in song.clips.all()} == {"streaming"}
    assert polling.clips_fail_stuck(now=suno.now()) == 0  # 12 minutes: still waiting
    polling.clips_fail_stuck(now=started + timedelta(minutes=settings.SUNO_CLIP_TIMEOUT_MINUTES, seconds=1))
    clips = list(song.clips.all())
    assert {c.status for c in clips} == {"error"}
    assert all("within 15 minutes" in c.error_message for c in clips)
    assert all(c.next_poll_at is None for c in clips)


def test_upstream_error_status_carries_the_upstreams_message(user, suno, django_capture_on_commit_callbacks):
    suno.faults.add("clip_error")
    (song,) = create_songs(user, 1, django_capture_on_commit_callbacks)
    polling.clips_poll_due(now=suno.advance(13) + timedelta(seconds=60))
    clips = list(song.clips.all())
    assert {c.status for c in clips} == {"error"}
    upstream_message = clips[0].metadata.get("error_message")
    assert upstream_message and all(c.error_message == upstream_message for c in clips)
    song.refresh_from_db()
    assert song.can_retry


def test_task_failure_marks_clips_failed(user, suno, django_capture_on_commit_callbacks):
    suno.faults.add("task_failure")
    (song,) = create_songs(user, 1, django_capture_on_commit_callbacks)
    polling.clips_poll_due(now=suno.advance(13) + timedelta(seconds=60))
    assert {c.status for c in song.clips.all()} == {"error"}
    assert all(c.error_message for c in song.clips.all())


def test_rate_limited_poll_backs_off_without_failing(user, suno, django_capture_on_commit_callbacks):
    (song,) = create_songs(user, 1, django_capture_on_commit_callbacks)
    suno.faults.add("rate_limited", endpoint="fetch_batch", retry_after=9)
    now = suno.advance(4) + timedelta(seconds=60)
    polling.clips_poll_due(now=now)
    clip = song.clips.first()
    assert clip.status == Clip.Status.SUBMITTED
    assert clip.next_poll_at >= now + timedelta(seconds=9)


def test_applying_the_same_answer_twice_changes_nothing(user, suno, django_capture_on_commit_callbacks):
    (song,) = create_songs(user, 1, django_capture_on_commit_callbacks)
    now = suno.advance(13) + timedelta(seconds=60)
    with django_capture_on_commit_callbacks(execute=True):
        polling.clips_poll_due(now=now)
    first = list(song.clips.values("status", "completed_at", "audio_url"))
    Clip.objects.update(next_poll_at=now)  # a duplicate tick racing the first
    polling.clips_poll_due(now=now + timedelta(seconds=5))
    assert list(song.clips.values("status", "completed_at", "audio_url")) == first
    assert Song.objects.get().state == Song.State.SUBMITTED
