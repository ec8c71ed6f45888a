"""The owner's playlist pages: every lookup starts from request.user, so another user's playlist (or take)
is a 404. The public share page is in public_views.py."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from songs.models import Clip, Song

from . import selectors, services
from .forms import AddToPlaylistForm, PlaylistForm
from .models import Playlist, PlaylistItem


def _owned(request: HttpRequest, pk: int) -> Playlist:
    return get_object_or_404(Playlist.objects.owned_by(request.user), pk=pk)


def _owned_item(request: HttpRequest, pk: int, item_pk: int) -> PlaylistItem:
    return get_object_or_404(
        PlaylistItem.objects.filter(playlist__owner=request.user).select_related("playlist", "clip__song"),
        pk=item_pk,
        playlist_id=pk,
    )


def _safe_next(request: HttpRequest, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return ""


@require_http_methods(["GET", "POST"])
def playlist_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = PlaylistForm(request.POST)
        if form.is_valid():
            playlist = services.playlist_create(owner=request.user, **form.cleaned_data)
            messages.success(request, f"Made “{playlist.title}”. Add takes from your Library’s song menus.")
            return redirect(playlist)
    else:
        form = PlaylistForm()
    context = {"playlists": selectors.playlists_of(user=request.user), "form": form}
    return render(request, "playlists/playlist_list.html", context)


def _detail(request: HttpRequest, playlist: Playlist, *, form: PlaylistForm | None = None, status: str = ""):
    items = selectors.owner_items(playlist=playlist)
    listed = len(selectors.public_items(playlist=playlist)) if playlist.is_public else 0
    context = {
        "playlist": playlist,
        "items": items,
        "form": form or PlaylistForm(initial={"title": playlist.title, "description": playlist.description}),
        "listener_count": listed,
        "list_status": status,
    }
    template_name = "playlists/playlist_detail.html"
    if request.htmx and status:
        template_name += "#item_list"
    return render(request, template_name, context)


@require_GET
@vary_on_headers("HX-Request")
def playlist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _owned(request, pk))


@require_POST
def playlist_edit(request: HttpRequest, pk: int) -> HttpResponse:
    playlist = _owned(request, pk)
    form = PlaylistForm(request.POST)
    if not form.is_valid():
        return _detail(request, playlist, form=form)  # what they typed stays, with the reason
    services.playlist_update(playlist=playlist, **form.cleaned_data)
    messages.success(request, "Saved.")
    return redirect(playlist)


@require_POST
def playlist_publish(request: HttpRequest, pk: int) -> HttpResponse:
    playlist = _owned(request, pk)
    is_public = request.POST.get("is_public") == "1"
    services.playlist_set_public(playlist=playlist, is_public=is_public)
    if is_public:
        messages.success(request, "Public: anyone with the link can listen to its public songs, in order.")
    else:
        messages.info(request, "Private again: its link no longer works for anyone but you.")
    return redirect(playlist)


@require_POST
def playlist_delete(request: HttpRequest, pk: int) -> HttpResponse:
    playlist = _owned(request, pk)
    services.playlist_delete(playlist=playlist)
    messages.info(request, f"Deleted the playlist “{playlist.title}”. Its songs are still in your Library.")
    return redirect("playlists:playlist_list")


def _item_title(item: PlaylistItem) -> str:
    return item.clip.title or item.clip.song.display_title


@require_POST
def item_move(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _owned_item(request, pk, item_pk)
    direction = request.POST.get("direction", "")
    if direction not in ("up", "down"):
        direction = "down"
    moved = services.playlist_move(item=item, direction=direction)
    item.refresh_from_db()
    count = item.playlist.items.count()
    place = item.playlist.items.filter(position__lt=item.position).count() + 1
    if moved:
        status = f"Moved “{_item_title(item)}” to {place} of {count}."
    else:
        status = f"“{_item_title(item)}” is already {'first' if direction == 'up' else 'last'}."
    if not request.htmx:
        messages.info(request, status)
        return redirect(item.playlist)
    return _detail(request, item.playlist, status=status)


@require_POST
def playlist_reorder(request: HttpRequest, pk: int) -> HttpResponse:
    """Drag and drop: the whole order at once."""
    playlist = _owned(request, pk)
    ids = [int(value) for value in request.POST.getlist("item") if value.isdigit()]
    if services.playlist_reorder(playlist=playlist, item_ids=ids):
        status = "New order saved."
    else:
        status = "The list had changed meanwhile: here it is as it is now."
    if not request.htmx:
        messages.info(request, status)
        return redirect(playlist)
    return _detail(request, playlist, status=status)


@require_POST
def item_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _owned_item(request, pk, item_pk)
    services.playlist_remove(item=item)
    status = f"Removed “{_item_title(item)}” from the playlist."
    if not request.htmx:
        messages.info(request, status)
        return redirect(item.playlist)
    return _detail(request, item.playlist, status=status)


@require_http_methods(["GET", "POST"])
def item_add(request: HttpRequest) -> HttpResponse:
    """ "Add to playlist" from a Library row's menu (?song=), the song page (?song=) or a take's page
    (?clip=): the creator's own finished takes only."""
    source = request.POST if request.method == "POST" else request.GET
    song_id, clip_id = source.get("song", ""), source.get("clip", "")
    clips = Clip.objects.owned_by(request.user).complete().select_related("song").order_by("take")
    chosen = None
    if clip_id.isdigit():
        chosen = get_object_or_404(clips, pk=clip_id)
        song = chosen.song
    elif song_id.isdigit():
        song = get_object_or_404(Song.objects.owned_by(request.user), pk=song_id)
    else:
        return redirect("songs:library")
    takes = list(clips.filter(song=song))
    next_url = _safe_next(request, source.get("next", "")) or song.get_absolute_url()
    playlists = selectors.playlists_for_picker(user=request.user)
    if not takes:
        messages.error(request, "This song has no finished take to add yet.")
        return redirect(next_url)
    if request.method == "POST":
        form = AddToPlaylistForm(request.POST, clips=takes, playlists=playlists)
        if form.is_valid():
            clip = next(take for take in takes if take.pk == form.cleaned_data["clip"])
            playlist = form.cleaned_data["playlist"] or services.playlist_create(
                owner=request.user, title=form.cleaned_data["new_title"]
            )
            _, created = services.playlist_add(playlist=playlist, clip=clip)
            what = f"“{clip.title or song.display_title}”, take {clip.take},"
            if created:
                messages.success(request, f"Added {what} to “{playlist.title}”.")
            else:
                messages.info(request, f"{what} was already in “{playlist.title}”.")
            return redirect(next_url)
    else:
        preferred = chosen or next((t for t in takes if t.take == song.preferred_take), None) or takes[0]
        last_used = playlists.order_by("-updated_at").first()
        form = AddToPlaylistForm(
            initial={"clip": preferred.pk, "playlist": last_used.pk if last_used else None},
            clips=takes,
            playlists=playlists,
        )
    context = {
        "form": form,
        "song": song,
        "clip": chosen,
        "next": next_url,
        "has_playlists": playlists.exists(),
    }
    return render(request, "playlists/playlist_add.html", context)
