"""django-q2 entry points: take ids, fetch, call a service, return.

Polling every 2 s can't be a django-q2 Schedule (the scheduler looks twice a minute), so `poll_clips` is
a bounded loop that holds a database lease while clips are in flight and queues its own successor when
its time is up. A one-minute Schedule (data migration 0002) starts it again after a worker was killed:
no clip stays in flight forever.
"""

from __future__ import annotations

import os
import socket
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from . import archive, services
from .models import PollLease

LEASE_SECONDS = 75
LEASE_NAME = "poll_clips"


def submit_song(song_id: int) -> None:
    services.song_submit(song_id=song_id)


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


def poll_clips(loop_seconds: float | None = None, sleep=time.sleep) -> None:
    """Tick until nothing is in flight or the loop's time is up. With loop_seconds=0 it ticks once and
    leaves the rest to the schedule (the test settings use that: tests drive ticks themselves)."""
    if loop_seconds is None:
        loop_seconds = settings.SUNO_POLL_LOOP_SECONDS
    holder = _holder()
    if not acquire_lease(holder):
        return  # another loop is running
    deadline = time.monotonic() + loop_seconds
    try:
        while True:
            now = timezone.now()
            services.songs_sweep(now=now)
            services.clips_poll_due(now=now)
            if not services.has_pending_work(now=timezone.now()):
                return
            if time.monotonic() >= deadline:
                if loop_seconds > 0:
                    transaction.on_commit(lambda: async_task("songs.tasks.poll_clips"))
                return
            acquire_lease(holder)
            sleep(services.next_wakeup_seconds(now=timezone.now()))
    finally:
        release_lease(holder)


def sweep() -> None:
    """The one-minute safety net: resume polling and pick up lost submissions and archives.

    Every tick of the poll loop sweeps first, so starting the loop is all it takes; when another loop
    holds the lease, that loop is already sweeping.
    """
    poll_clips()
