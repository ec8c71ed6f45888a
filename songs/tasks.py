"""django-q2 entry points: take ids, call a service or a poll tick, return.

Polling every 2 s can't be a django-q2 Schedule (the scheduler looks twice a minute), so each poll loop is
a bounded loop that holds a database lease while it has work and queues its own successor when its time
is up. Two loops with two leases, so WAV/video conversions (one request each) never hold up the takes'
batch polls.

When a worker dies with its loop, the short lease runs out within LEASE_SECONDS and any worker may start
the loop again. Something has to ask, since idle workers run nothing: a creator's clip card, refreshing
every 2 s, asks when its clip's poll is overdue (restart_stalled_loop); nobody watching, the one-minute
Schedules (data migrations) do, so no clip stays in flight forever.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_q.tasks import async_task

from sunostudio import paid_calls
from sunostudio.jobs import enqueue

from . import archive, peaks, polling, services
from .models import Clip, PollLease, Song

# Renewed before every tick (ticks are at most 2 s apart), so it runs out only when its holder died or a
# tick outlasted it; then another loop may take over, and the slow one stops at its next renewal.
LEASE_SECONDS = 10
LEASE_NAME = "poll_clips"
TOOLS_LEASE_NAME = "clip_tools"
# A lease asked for by restart_stalled_loop: no loop holds it, and the next loop to start takes it at once.
STARTING = "starting"
RESTART_AT_MOST_EVERY = timedelta(seconds=5)  # however many cards are refreshing, in every web process
# How late work may be before a card asks for a restart: a live loop claims a due poll within one wake-up
# (2 s), and a queued song's job normally starts within a second or two.
POLL_OVERDUE = timedelta(seconds=4)
SUBMIT_OVERDUE = timedelta(seconds=30)


def submit_song(song_id: int) -> None:
    services.song_submit(song_id=song_id)


def submit_lyrics(draft_id: int) -> None:
    services.lyrics_draft_submit(draft_id=draft_id)


def enhance_style(enhancement_id: int) -> None:
    services.style_enhancement_run(enhancement_id=enhancement_id)


def archive_clip(clip_id: int) -> None:
    archive.clip_archive(clip_id=clip_id)


def compute_peaks(clip_id: int) -> None:
    peaks.clip_peaks_compute(clip_id=clip_id)


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{time.monotonic_ns()}"


def acquire_lease(holder: str, *, name: str = LEASE_NAME) -> bool:
    """Take the lease when it has run out or a restart asked for it, or renew it when it is ours."""
    now = timezone.now()
    PollLease.objects.get_or_create(name=name, defaults={"expires_at": now - timedelta(seconds=1)})
    takeable = Q(expires_at__lte=now) | Q(holder__in=(holder, STARTING))
    return bool(
        PollLease.objects.filter(takeable, name=name).update(
            holder=holder, expires_at=now + timedelta(seconds=LEASE_SECONDS)
        )
    )


def release_lease(holder: str, *, name: str = LEASE_NAME) -> None:
    PollLease.objects.filter(name=name, holder=holder).update(expires_at=timezone.now())


def run_leased_loop(
    *,
    lease_name: str,
    successor: str,
    tick: Callable[[datetime], object],
    has_work: Callable[[datetime], bool],
    wakeup_seconds: Callable[[datetime], float],
    loop_seconds: float | None,
    sleep: Callable[[float], None],
) -> None:
    """Tick until there is no work or the loop's time is up. With loop_seconds=0 it ticks once and leaves
    the rest to the schedule (the test settings use that: tests drive ticks themselves)."""
    if loop_seconds is None:
        loop_seconds = settings.SUNO_POLL_LOOP_SECONDS
    holder = _holder()
    if not acquire_lease(holder, name=lease_name):
        return  # another loop is running
    deadline = time.monotonic() + loop_seconds
    try:
        while True:
            tick(timezone.now())
            if not has_work(timezone.now()):
                return
            if time.monotonic() >= deadline:
                if loop_seconds > 0:
                    transaction.on_commit(lambda: async_task(successor))
                return
            sleep(wakeup_seconds(timezone.now()))
            if not acquire_lease(holder, name=lease_name):
                return  # a tick outlasted the lease and another loop took over: it carries on
    finally:
        release_lease(holder, name=lease_name)


def restart_stalled_loop(*, clip: Clip, now: datetime | None = None) -> bool:
    """Queue the clips' poll loop when `clip`'s work is overdue and no loop holds the lease.

    The clip card calls this on every refresh, so it costs nothing while the work is on time (the clip
    and its song are already loaded) and one UPDATE of the lease row when it is late; that UPDATE is also
    what lets one request in RESTART_AT_MOST_EVERY queue the job. The loop does the upstream calls.
    """
    now = now or timezone.now()
    if not _is_overdue(clip, now):
        return False
    return ask_for_poll_loop(now)


def ask_for_poll_loop(now: datetime) -> bool:
    """Queue the clips' poll loop unless a live loop holds its lease (a running loop picks up newly due
    polls within one wake-up by itself); at most once in RESTART_AT_MOST_EVERY across processes."""
    PollLease.objects.get_or_create(name=LEASE_NAME, defaults={"expires_at": now})
    asked = PollLease.objects.filter(name=LEASE_NAME, expires_at__lte=now).update(
        holder=STARTING, expires_at=now + RESTART_AT_MOST_EVERY
    )
    if asked:
        enqueue("songs.tasks.poll_clips")
    return bool(asked)


def _is_overdue(clip: Clip, now: datetime) -> bool:
    """Work a live loop would have done by now: a poll, or a send to pick up or to give up.

    Archives are left to their own claim and the sweep: the take plays from the upstream meanwhile."""
    if clip.is_terminal:
        return False
    song = clip.song
    if clip.next_poll_at is not None:
        return clip.next_poll_at < now - POLL_OVERDUE
    if song.state == Song.State.QUEUED:
        return song.next_submit_at < now - SUBMIT_OVERDUE
    if song.state == Song.State.SUBMITTING and song.submitting_since is not None:
        return song.submitting_since < now - paid_calls.SUBMITTING_STUCK_AFTER
    return False


def _clips_tick(now: datetime) -> None:
    polling.songs_sweep(now=now)  # every tick sweeps first: lost submissions, stuck takes, archives
    polling.clips_poll_due(now=now)


def poll_clips(loop_seconds: float | None = None, sleep=time.sleep) -> None:
    run_leased_loop(
        lease_name=LEASE_NAME,
        successor="songs.tasks.poll_clips",
        tick=_clips_tick,
        has_work=lambda now: polling.has_pending_work(now=now),
        wakeup_seconds=lambda now: polling.next_wakeup_seconds(now=now),
        loop_seconds=loop_seconds,
        sleep=sleep,
    )


def poll_tools(loop_seconds: float | None = None, sleep=time.sleep) -> None:
    run_leased_loop(
        lease_name=TOOLS_LEASE_NAME,
        successor="songs.tasks.poll_tools",
        tick=lambda now: polling.clip_tools_tick(now=now),
        has_work=lambda now: polling.has_pending_tool_work(),
        wakeup_seconds=lambda now: polling.next_tool_wakeup_seconds(now=now),
        loop_seconds=loop_seconds,
        sleep=sleep,
    )


def sweep() -> None:
    """The one-minute safety net: resume polling and pick up lost submissions and archives.

    Every tick of the poll loop sweeps first, so starting the loop is all it takes; when another loop
    holds the lease, that loop is already sweeping.
    """
    poll_clips()
