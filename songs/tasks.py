"""django-q2 entry points: take ids, call a service or a poll tick, return.

Polling every 2 s can't be a django-q2 Schedule (the scheduler looks twice a minute), so each poll loop is
a bounded loop that holds a database lease while it has work and queues its own successor when its time
is up. One-minute Schedules (data migrations) start the loops again after a worker was killed, so no
clip stays in flight forever. Two loops with two leases, so WAV/video conversions (one request each)
never hold up the takes' batch polls.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from . import archive, polling, services
from .models import PollLease

LEASE_SECONDS = 75
LEASE_NAME = "poll_clips"
TOOLS_LEASE_NAME = "clip_tools"


def submit_song(song_id: int) -> None:
    services.song_submit(song_id=song_id)


def submit_lyrics(draft_id: int) -> None:
    services.lyrics_draft_submit(draft_id=draft_id)


def archive_clip(clip_id: int) -> None:
    archive.clip_archive(clip_id=clip_id)


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{time.monotonic_ns()}"


def acquire_lease(holder: str, *, name: str = LEASE_NAME) -> bool:
    now = timezone.now()
    PollLease.objects.get_or_create(name=name, defaults={"expires_at": now - timedelta(seconds=1)})
    return bool(
        PollLease.objects.filter(name=name, expires_at__lte=now).update(
            holder=holder, expires_at=now + timedelta(seconds=LEASE_SECONDS)
        )
        or PollLease.objects.filter(name=name, holder=holder).update(
            expires_at=now + timedelta(seconds=LEASE_SECONDS)
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
            acquire_lease(holder, name=lease_name)
            sleep(wakeup_seconds(timezone.now()))
    finally:
        release_lease(holder, name=lease_name)


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
