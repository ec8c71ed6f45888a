"""The one public playlist page. A private playlist is a 404 to everyone, its owner included (the owner has
their own page); a public one lists only the takes any listener may hear (selectors.public_items), in order.

Every `@login_not_required` view of the playlists app is in this file."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import selectors


@login_not_required
@require_GET
def playlist_share(request: HttpRequest, pk: int) -> HttpResponse:
    playlist = selectors.public_playlist(pk=pk)
    if playlist is None:
        raise Http404("No such playlist")
    context = {
        "playlist": playlist,
        "items": selectors.public_items(playlist=playlist),
        "is_owner": playlist.owner_id == request.user.pk,
    }
    return render(request, "playlists/playlist_share.html", context)
