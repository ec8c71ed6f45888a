from __future__ import annotations

from django.db.models import QuerySet

from personas.models import Persona
from songs.models import Clip, Song


def reportable(*, kind: str) -> QuerySet | None:
    """What a listener may report: only what they can see on a public page (for a persona, someone
    else's library), so a private or hidden object is a 404."""
    if kind == "song":
        return Song.objects.public()
    if kind == "clip":
        return Clip.objects.public().select_related("song")
    if kind == "persona":
        return Persona.objects.listed_publicly().select_related("owner")
    return None


def public_url_of(target) -> str:
    if isinstance(target, Song):
        return target.get_share_url()
    if isinstance(target, Clip):
        return target.song.get_share_url() + f"#clip-{target.pk}"
    if isinstance(target, Persona):
        return target.get_absolute_url()
    return "/"
