"""Template helpers for the clip tools: a fresh idempotency key per rendered action, and a song's chain."""

from __future__ import annotations

import uuid

from django import template

from songs import tools
from songs.models import Clip, Song

register = template.Library()

CHAIN_LABELS = {
    Song.Kind.EXTEND: "Extension",
    Song.Kind.CONCAT: "Whole song",
    Song.Kind.UPLOAD: "Upload",
}


@register.simple_tag
def new_idempotency_key() -> str:
    """Each rendered button is one user action: pressing it twice sends the same key."""
    return str(uuid.uuid4())


def _step(clip: Clip, *, current: bool) -> dict:
    label = CHAIN_LABELS.get(clip.song.kind, "Original")
    if clip.song.kind == Song.Kind.CONCAT:
        label += " (master)"
    return {
        "label": label,
        "title": f"{clip.song.display_title} · take {clip.take}",
        "clip": clip,
        "current": current,
    }


@register.simple_tag
def clip_chain_steps(clip: Clip) -> list[dict]:
    """Original → extension → … → this clip → the whole songs spliced from it."""
    steps = [_step(c, current=c.pk == clip.pk) for c in tools.clip_chain(clip)]
    for whole in Clip.objects.filter(song__parent_clip=clip, song__kind=Song.Kind.CONCAT).select_related(
        "song"
    ):
        steps.append(_step(whole, current=False))
    if len(steps) < 2:
        return []  # a plain take is no chain
    return steps


@register.simple_tag
def song_chain_steps(song: Song) -> list[dict]:
    """For a song page: the chain that leads to this song's takes (empty for a plain generation)."""
    if song.kind not in (Song.Kind.EXTEND, Song.Kind.CONCAT) or song.parent_clip_id is None:
        return []
    parent = Clip.objects.select_related("song").filter(pk=song.parent_clip_id).first()
    if parent is None:
        return []
    steps = [_step(c, current=False) for c in tools.clip_chain(parent)]
    label = CHAIN_LABELS[song.kind] + (" (master)" if song.kind == Song.Kind.CONCAT else "")
    steps.append({"label": label, "title": "this song", "clip": None, "current": True})
    return steps
