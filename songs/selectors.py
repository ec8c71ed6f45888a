from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch

from .models import Clip, Song

LIBRARY_PAGE_SIZE = 10


def library_page(*, user, page_number: str | int | None) -> Page:
    """A page of the creator's songs with their clips: the same few queries whatever the page holds."""
    songs = (
        Song.objects.owned_by(user)
        .select_related("parent_clip__song")  # "Extension of …": tool songs name their source
        .prefetch_related(Prefetch("clips", queryset=Clip.objects.order_by("take")))
    )
    return Paginator(songs, LIBRARY_PAGE_SIZE).get_page(page_number)


EXPLORE_PAGE_SIZE = 12
EXPLORE_ORDERINGS = {"new": ("-published_at", "-pk"), "plays": ("-play_count", "-published_at", "-pk")}


def explore_page(*, sort: str, page_number: str | int | None) -> Page:
    """Public songs with their listenable takes and creators: three queries (count, page, clips)."""
    songs = (
        Song.objects.public()
        .select_related("owner")
        .prefetch_related(Prefetch("clips", queryset=Clip.objects.visible().complete().order_by("take")))
        .order_by(*EXPLORE_ORDERINGS.get(sort, EXPLORE_ORDERINGS["new"]))
    )
    return Paginator(songs, EXPLORE_PAGE_SIZE).get_page(page_number)
