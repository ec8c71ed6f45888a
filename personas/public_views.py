"""A creator's public profile: their public songs and personas, for anyone (logged in or not)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from songs.models import Clip, Song

from .models import Persona

SONGS_PER_PAGE = 24


@login_not_required
@require_GET
def creator_profile(request: HttpRequest, username: str) -> HttpResponse:
    """404 for someone with nothing public: a profile must not tell who has an account."""
    creator = get_object_or_404(get_user_model(), username=username, is_active=True)
    songs = (
        Song.objects.public()
        .filter(owner=creator)
        .prefetch_related(Prefetch("clips", queryset=Clip.objects.visible().complete().order_by("take")))
        .order_by("-published_at", "-pk")
    )
    page = Paginator(songs, SONGS_PER_PAGE).get_page(request.GET.get("page"))
    personas = list(Persona.objects.listed_publicly().filter(owner=creator).order_by("-created_at")[:50])
    if not page.object_list and not personas:
        raise Http404("Nothing public here")
    context = {
        "creator": creator,
        "creator_name": creator.get_full_name() or creator.get_username(),
        "page": page,
        "songs": page.object_list,
        "personas": personas,
    }
    return render(request, "personas/creator_profile.html", context)
