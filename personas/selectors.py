from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch

from songs.models import Song

from .models import Persona

PAGE_SIZE = 12
SORTS = {"newest": ("-created_at", "-pk"), "most_used": ("-use_count", "-created_at", "-pk")}


def _cards(*, user):
    """Personas as the library shows them: use count, source clip and the songs `user` may see listed,
    in a fixed number of queries whatever the page holds."""
    return (
        Persona.objects.visible_to(user)
        .select_related("owner", "source_clip")
        .annotate(use_count=Count("songs", distinct=True))
        .prefetch_related(
            Prefetch(
                "songs",
                queryset=Song.objects.persona_history_visible_to(user).order_by("-created_at", "-pk"),
                to_attr="listed_songs",
            )
        )
    )


def persona_library_page(*, user, search: str = "", sort: str = "newest", page_number=None) -> Page:
    personas = _cards(user=user).matching(search).order_by(*SORTS.get(sort, SORTS["newest"]))
    return Paginator(personas, PAGE_SIZE).get_page(page_number)


def persona_card(*, user, pk: int) -> Persona | None:
    return _cards(user=user).filter(pk=pk).first()
