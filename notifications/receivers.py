"""Songs' signals as notifications: a message for the bell and an event for the creator's webhooks."""

from __future__ import annotations

from django.conf import settings
from django.dispatch import receiver

from songs.models import Song
from songs.signals import song_finished

from . import services
from .models import Notification

STEM_KINDS = (Song.Kind.STEMS_ALL, Song.Kind.STEMS_TWO)


# A cover, a replaced section, an extension and a whole song keep their original's title: the bell says
# which one finished, or a family's notifications all read "“Title” is ready".
MADE_FROM = {
    Song.Kind.COVER: "Your cover of",
    Song.Kind.INFILL: "The replaced section of",
    Song.Kind.EXTEND: "The extension of",
    Song.Kind.CONCAT: "The whole song of",
}


def message_for(song: Song, outcome: str, reason: str) -> str:
    title = song.display_title
    if song.kind in STEM_KINDS:
        return (
            f"The stems of “{title}” are ready" if outcome == "complete" else f"Your stems failed: {reason}"
        )
    named = f"{MADE_FROM[song.kind]} “{title}”" if song.kind in MADE_FROM else f"“{title}”"
    return f"{named} is ready" if outcome == "complete" else f"{named} failed: {reason}"


def event_payload(song: Song, outcome: str, reason: str) -> dict:
    return {
        "created_at": song.updated_at.isoformat(),
        "song": {
            "id": song.pk,
            "title": song.display_title,
            "kind": song.kind,
            "state": outcome,
            "error": reason if outcome == "failed" else "",
            "url": settings.PUBLIC_BASE_URL.rstrip("/") + song.get_absolute_url(),
            "takes": [
                {"take": clip.take, "status": clip.status, "title": clip.title, "duration": clip.duration}
                for clip in song.clips.order_by("take")
            ],
        },
    }


@receiver(song_finished, dispatch_uid="notifications.song_finished")
def song_finished_notify(sender, *, song: Song, outcome: str, reason: str = "", **kwargs) -> None:
    services.notify(
        user=song.owner,
        key=f"song:{song.pk}:request:{song.paid_request_id}",  # a retry is charged anew and told anew
        kind=Notification.Kind.READY if outcome == "complete" else Notification.Kind.FAILED,
        message=message_for(song, outcome, reason)[:300],
        url=song.get_absolute_url(),
        event="song.completed" if outcome == "complete" else "song.failed",
        payload=event_payload(song, outcome, reason),
    )
