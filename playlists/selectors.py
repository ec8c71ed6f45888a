"""Reads for the playlist pages: each page is a fixed number of queries whatever its length."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from songs.models import Clip

from .models import Playlist, PlaylistItem

# A take's columns the rows show; a take's metadata and peaks are kilobytes each and none of them is shown.
_HEAVY = ("clip__metadata", "clip__peaks", "clip__song__lyrics")


def playlists_of(*, user) -> QuerySet[Playlist]:
    return Playlist.objects.owned_by(user).annotate(item_count=Count("items"))


def owner_items(*, playlist: Playlist) -> list[PlaylistItem]:
    """Every item, whatever its song's state: the owner sees and can remove them all."""
    items = playlist.items.select_related("clip__song").defer(*_HEAVY).order_by("position")
    return list(items)


def public_items(*, playlist: Playlist) -> list[PlaylistItem]:
    """What a listener may hear: finished, archived takes of songs that are public, not hidden and not in
    Trash (Clip.objects.public(), the rule every public page uses), in order."""
    clips = Clip.objects.public().exclude(audio_file="")
    items = (
        playlist.items.filter(clip__in=clips)
        .select_related("clip__song__owner")
        .defer(*_HEAVY)
        .order_by("position")
    )
    return list(items)


def playlists_for_picker(*, user) -> QuerySet[Playlist]:
    return Playlist.objects.owned_by(user).only("pk", "title").order_by("title", "pk")


def public_playlist(*, pk: int) -> Playlist | None:
    return Playlist.objects.public().select_related("owner").filter(pk=pk).first()
