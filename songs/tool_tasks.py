"""django-q2 entry points for the clip tools: take ids, call a service in songs/tools.py, return.

`poll_tools` is a bounded loop like songs.tasks.poll_clips, with its own lease so it never waits behind the
clip poller; the one-minute Schedule of migration 0005_clip_tools restarts it after a crash.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from . import tools
from .tasks import _holder, acquire_lease, release_lease

LEASE_NAME = "clip_tools"


def submit_lyrics(draft_id: int) -> None:
    tools.lyrics_draft_submit(draft_id=draft_id)


def poll_tools(loop_seconds: float | None = None, sleep=time.sleep) -> None:
    if loop_seconds is None:
        loop_seconds = settings.SUNO_POLL_LOOP_SECONDS
    holder = _holder()
    if not acquire_lease(holder, name=LEASE_NAME):
        return
    deadline = time.monotonic() + loop_seconds
    try:
        while True:
            tools.clip_tools_tick(now=timezone.now())
            if not tools.has_pending_tool_work():
                return
            if time.monotonic() >= deadline:
                if loop_seconds > 0:
                    transaction.on_commit(lambda: async_task("songs.tool_tasks.poll_tools"))
                return
            acquire_lease(holder, name=LEASE_NAME)
            sleep(tools.next_tool_wakeup_seconds(now=timezone.now()))
    finally:
        release_lease(holder, name=LEASE_NAME)
