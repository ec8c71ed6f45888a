"""Upstream callbacks (notify_hook): the upstream may call us when a task ends, so takes show sooner.

Each paid submit of a song carries its own signed URL (when settings.SITE_URL says where the studio is
reachable). A call only makes that song's takes due for the next batch poll: its body is never read, so a
forged one changes nothing (its signature fails), and a replayed or late one at most brings a free poll
forward. Polling stays the safety net for gateways that never call.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import Clip, Song

SALT = "songs.upstream-hook"
VALID_FOR_SECONDS = 2 * 24 * 60 * 60  # longer than any take takes; a stale URL is simply refused


def hook_url(song: Song) -> str:
    """The URL this submit's notify_hook carries, or "" when the studio isn't reachable from outside."""
    if not settings.SITE_URL:
        return ""
    token = signing.dumps({"song": song.pk, "request": song.paid_request_id}, salt=SALT, compress=True)
    return settings.SITE_URL + reverse("public:upstream_hook", args=[token])


def song_request_of(token: str) -> tuple[int, int] | None:
    """(song id, paid request id) of one of our hook URLs; None for anything else."""
    try:
        data = signing.loads(token, salt=SALT, max_age=VALID_FOR_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("song"), int):
        return None
    return data["song"], data.get("request")


def mark_due(song_id: int, request_id: int | None, *, now: datetime) -> int:
    """That request's takes still in flight are due for the next batch poll; how many were."""
    return Clip.objects.filter(
        song_id=song_id, song__paid_request_id=request_id, status__in=Clip.IN_FLIGHT_STATUSES
    ).update(next_poll_at=now)
