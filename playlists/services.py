"""Every write to a playlist. Each runs in one transaction that first locks the playlist's row, so two
adds or moves at once queue up instead of colliding on the unique position."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from songs.models import Clip

from .models import Playlist, PlaylistItem


def _locked(playlist: Playlist) -> Playlist:
    # PostgreSQL: FOR UPDATE; SQLite's IMMEDIATE transactions (settings) serialise writers already.
    return Playlist.objects.select_for_update().get(pk=playlist.pk)


def playlist_create(*, owner, title: str, description: str = "") -> Playlist:
    return Playlist.objects.create(owner=owner, title=title, description=description)


def playlist_update(*, playlist: Playlist, title: str, description: str) -> Playlist:
    playlist.title, playlist.description = title, description
    playlist.save(update_fields=["title", "description", "updated_at"])
    return playlist


def playlist_set_public(*, playlist: Playlist, is_public: bool) -> Playlist:
    playlist.is_public = is_public
    playlist.save(update_fields=["is_public", "updated_at"])
    return playlist


def playlist_delete(*, playlist: Playlist) -> None:
    playlist.delete()


def playlist_add(*, playlist: Playlist, clip: Clip) -> tuple[PlaylistItem, bool]:
    """At the end; a take already there stays where it is (created False)."""
    if clip.song.owner_id != playlist.owner_id:
        raise ValueError("a playlist holds its owner's takes only")
    with transaction.atomic():
        locked = _locked(playlist)
        existing = locked.items.filter(clip=clip).first()
        if existing is not None:
            return existing, False
        last = locked.items.aggregate(last=Max("position"))["last"] or 0
        item = PlaylistItem.objects.create(playlist=locked, clip=clip, position=last + 1)
        locked.save(update_fields=["updated_at"])
    return item, True


def playlist_remove(*, item: PlaylistItem) -> None:
    with transaction.atomic():
        locked = _locked(item.playlist)
        PlaylistItem.objects.filter(pk=item.pk, playlist=locked).delete()
        locked.save(update_fields=["updated_at"])


def playlist_move(*, item: PlaylistItem, direction: str) -> bool:
    """Swap with the neighbour above ("up") or below ("down"); False at either end."""
    with transaction.atomic():
        locked = _locked(item.playlist)
        item = PlaylistItem.objects.get(pk=item.pk, playlist=locked)
        items = locked.items.all()
        if direction == "up":
            neighbour = items.filter(position__lt=item.position).order_by("-position").first()
        else:
            neighbour = items.filter(position__gt=item.position).order_by("position").first()
        if neighbour is None:
            return False
        _swap(item, neighbour)
        locked.save(update_fields=["updated_at"])
    return True


def playlist_reorder(*, playlist: Playlist, item_ids: list[int]) -> bool:
    """Drag and drop sends the whole order. Ids not in the playlist, or a list that misses some, change
    nothing (the page was stale): False."""
    with transaction.atomic():
        locked = _locked(playlist)
        current = list(locked.items.order_by("position").values_list("pk", "position"))
        if sorted(pk for pk, _ in current) != sorted(item_ids) or len(set(item_ids)) != len(item_ids):
            return False
        positions = [position for _, position in current]  # the same set of positions, handed out anew
        # Out of the way first (the unique position holds at every statement), then into place.
        offset = (max(positions) if positions else 0) + 1
        for pk, position in current:
            PlaylistItem.objects.filter(pk=pk).update(position=position + offset)
        for pk, position in zip(item_ids, positions, strict=True):
            PlaylistItem.objects.filter(pk=pk).update(position=position)
        locked.save(update_fields=["updated_at"])
    return True


def _swap(first: PlaylistItem, second: PlaylistItem) -> None:
    a, b = first.position, second.position
    parking = (
        (PlaylistItem.objects.filter(playlist_id=first.playlist_id).aggregate(m=Max("position"))["m"]) + 1
    )
    PlaylistItem.objects.filter(pk=first.pk).update(position=parking)
    PlaylistItem.objects.filter(pk=second.pk).update(position=a)
    PlaylistItem.objects.filter(pk=first.pk).update(position=b)
