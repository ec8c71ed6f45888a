"""A dead worker's poll loop is taken over in seconds, and a song killed mid-send fails within minutes.

The process tests (tests/processes/) show it with real workers; these drive the same code with a clock.
"""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import PaidRequest
from songs import polling, services, tasks
from songs.models import Clip, PollLease, Song
from sunostudio import paid_calls

pytestmark = pytest.mark.django_db

RECIPE = {"kind": "custom", "title": "Night Drive", "lyrics": "[Verse]\nroad", "tags": "synthwave"}


def streaming_song(user, suno, capture) -> Song:
    with capture(execute=True):
        song, _ = services.song_create(
            owner=user, idempotency_key=uuid.uuid4(), model_version="chirp-auk", **RECIPE
        )
    polling.clips_poll_due(now=suno.advance(4))
    assert {c.status for c in song.clips.all()} == {"streaming"}
    return song


def dead_holder(*, expired_at):
    PollLease.objects.update_or_create(
        name=tasks.LEASE_NAME, defaults={"holder": "killed-worker", "expires_at": expired_at}
    )


def test_an_overdue_clip_with_a_dead_loop_queues_one_loop(user, suno, django_capture_on_commit_callbacks):
    song = streaming_song(user, suno, django_capture_on_commit_callbacks)
    now = timezone.now()
    # The loop's worker was killed: its polls fell due while nobody polled, and its lease ran out.
    Clip.objects.filter(song=song).update(next_poll_at=now - tasks.POLL_OVERDUE - timedelta(seconds=1))
    dead_holder(expired_at=now - timedelta(seconds=1))
    clip = song.clips.select_related("song").first()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert tasks.restart_stalled_loop(clip=clip, now=now)
        # Every other card refreshing within the next few seconds (any web process) queues nothing more.
        assert not tasks.restart_stalled_loop(clip=clip, now=now + timedelta(seconds=2))
    assert len(callbacks) == 1
    assert PollLease.objects.get().holder == tasks.STARTING
    # The queued loop takes the asked-for lease at once and polls.
    polls_before = suno.calls()
    tasks.poll_clips(loop_seconds=0, sleep=lambda s: None)
    assert PollLease.objects.get().holder not in (tasks.STARTING, "killed-worker")
    assert suno.calls() == polls_before + 1
    assert all(c.next_poll_at > now for c in song.clips.all())


def test_nothing_is_queued_while_the_work_is_on_time_or_a_loop_lives(
    user, suno, django_capture_on_commit_callbacks, django_assert_num_queries
):
    song = streaming_song(user, suno, django_capture_on_commit_callbacks)
    clip = song.clips.select_related("song").first()
    dead_holder(expired_at=clip.next_poll_at - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with django_assert_num_queries(0):  # the card's refresh pays nothing while polls are on time
            assert not tasks.restart_stalled_loop(clip=clip, now=clip.next_poll_at)
        late = clip.next_poll_at + tasks.POLL_OVERDUE + timedelta(seconds=1)
        # A live loop, merely slow: its lease hasn't run out.
        PollLease.objects.update(holder="live-worker", expires_at=late + timedelta(seconds=5))
        assert not tasks.restart_stalled_loop(clip=clip, now=late)
    assert len(callbacks) == 0


def test_a_song_stuck_sending_asks_for_the_sweep_after_the_stuck_limit(
    user, suno, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # the job dies with its worker
        song, _ = services.song_create(
            owner=user, idempotency_key=uuid.uuid4(), model_version="chirp-auk", **RECIPE
        )
    started = timezone.now()
    Song.objects.filter(pk=song.pk).update(state=Song.State.SUBMITTING, submitting_since=started)
    clip = Clip.objects.select_related("song").filter(song=song).first()
    limit = paid_calls.SUBMITTING_STUCK_AFTER
    assert polling.has_pending_work(now=started)  # a live loop keeps sweeping while a send is out
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert not tasks.restart_stalled_loop(clip=clip, now=started + limit - timedelta(seconds=1))
        assert tasks.restart_stalled_loop(clip=clip, now=started + limit + timedelta(seconds=1))
    assert len(callbacks) == 1

    polling.songs_sweep(now=started + limit - timedelta(seconds=1))
    song.refresh_from_db()
    assert song.state == Song.State.SUBMITTING  # the send may still be waiting for its answer
    polling.songs_sweep(now=started + limit + timedelta(seconds=1))
    song.refresh_from_db()
    assert song.state == Song.State.FAILED and song.error_message == paid_calls.UNCONFIRMED_SUBMIT
    assert song.paid_request.state == PaidRequest.State.REVIEW  # the credits wait for staff: it may be made
    assert suno.calls("submit_music") == 0  # never resent


def test_the_stuck_limit_follows_the_clients_own_timeouts():
    from suno.gateway import DEFAULT_TIMEOUTS as t

    longest_send = timedelta(seconds=t.pool + t.connect + t.write + t.paid_read)
    assert longest_send < paid_calls.SUBMITTING_STUCK_AFTER <= timedelta(minutes=3)


def test_a_loop_that_lost_its_lease_in_a_slow_tick_stops(user, suno, django_capture_on_commit_callbacks):
    streaming_song(user, suno, django_capture_on_commit_callbacks)
    ticks = []

    def slow_tick(now):
        ticks.append(now)
        # The tick outlasts the lease, and a restarted loop takes over meanwhile.
        PollLease.objects.filter(name="test_loop").update(
            holder="other-loop", expires_at=timezone.now() + timedelta(seconds=tasks.LEASE_SECONDS)
        )

    tasks.run_leased_loop(
        lease_name="test_loop",
        successor="songs.tasks.poll_clips",
        tick=slow_tick,
        has_work=lambda now: True,
        wakeup_seconds=lambda now: 0,
        loop_seconds=60,
        sleep=lambda s: None,
    )
    assert len(ticks) == 1
    assert PollLease.objects.get(name="test_loop").holder == "other-loop"  # the other loop keeps it


def test_the_clip_card_queues_a_loop_for_its_stalled_clip(
    client, user, other_user, suno, django_capture_on_commit_callbacks
):
    song = streaming_song(user, suno, django_capture_on_commit_callbacks)
    clip = song.clips.first()
    Clip.objects.filter(song=song).update(next_poll_at=timezone.now() - timedelta(minutes=1))
    dead_holder(expired_at=timezone.now() - timedelta(seconds=1))
    url = reverse("songs:clip_card", args=[clip.pk])
    client.force_login(other_user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert client.get(url, headers={"HX-Request": "true"}).status_code == 404
    assert len(callbacks) == 0  # another creator's clip: nothing
    client.force_login(user)
    calls_before = suno.calls()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "Streaming" in response.text
    assert len(callbacks) == 1
    assert suno.calls() == calls_before  # the request only queued the loop: the upstream heard nothing
