from __future__ import annotations

import hashlib
import hmac
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from moderation.forms import ReportForm
from moderation.services import user_is_suspended
from personas.models import Persona

from . import selectors, services
from .forms import SongForm, model_limits_json
from .media import ranged_file_response
from .models import Clip, Song
from .tools import default_model_for


@require_GET
@vary_on_headers("HX-Request")
def library(request: HttpRequest) -> HttpResponse:
    page = selectors.library_page(user=request.user, page_number=request.GET.get("page"))
    return render(request, "songs/song_list.html", {"page": page, "songs": page.object_list})


@require_GET
def song_row(request: HttpRequest, pk: int) -> HttpResponse:
    songs = Song.objects.owned_by(request.user).select_related("parent_clip__song").prefetch_related("clips")
    song = get_object_or_404(songs, pk=pk)
    return render(request, "songs/song_list.html#song_row", {"song": song})


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def song_create(request: HttpRequest) -> HttpResponse:
    personas = Persona.objects.usable_by(request.user)
    persona = _persona_from(request, personas)  # someone else's private persona: 404
    if request.method == "POST":
        form = SongForm(request.POST, personas=personas)
        if form.is_valid():
            try:
                song, created = services.song_create(
                    owner=request.user, idempotency_key=form.cleaned_data["idempotency_key"], **form.recipe()
                )
            except services.SongRefused as refusal:  # suspended: keep what they typed, say why
                form.add_error(None, refusal.user_message)
            else:
                if created:
                    messages.success(request, "Generating — your two takes will appear below in a moment.")
                return redirect(song)
    else:
        if not request.htmx and user_is_suspended(user=request.user):
            messages.warning(request, "Your account is suspended: you can listen, but not make new songs.")
        # The creator's default version (profile), else the site's; a recipe being copied keeps its own.
        initial = {"model_version": default_model_for(request.user), **(_initial_from_song(request) or {})}
        if request.GET.get("model_version"):
            initial["model_version"] = request.GET["model_version"]  # kept when the picker swaps choices
        if persona is not None:
            initial.update(persona=persona.pk, mode=Song.Kind.CUSTOM, instrumental=False)
        form = SongForm(initial=initial, personas=personas)
    template_name = "songs/song_create.html"
    if request.htmx and request.method == "GET":
        template_name += "#model_version_field"  # the persona picker changed: swap the version choices
    return render(request, template_name, {"form": form, "model_limits": model_limits_json()})


def _persona_from(request: HttpRequest, personas) -> Persona | None:
    """The persona a form asks for (?persona= or the posted picker), looked up among the usable ones."""
    source = request.POST if request.method == "POST" else request.GET
    persona_id = source.get("persona", "")
    if not persona_id:
        return None
    if not persona_id.isdigit():
        raise Http404("No such persona")
    return get_object_or_404(personas, pk=persona_id)


def _initial_from_song(request: HttpRequest) -> dict | None:
    """ "Make another from this recipe": the form starts from one of the creator's own songs."""
    source_id = request.GET.get("from", "")
    source = Song.objects.owned_by(request.user).filter(pk=source_id).first() if source_id.isdigit() else None
    if source is None:
        return None
    initial = {**source.recipe(), "mode": source.kind, "idempotency_key": uuid.uuid4()}
    if source.persona_id and Persona.objects.usable_by(request.user).filter(pk=source.persona_id).exists():
        initial["persona"] = source.persona_id
    return initial


@require_GET
def song_detail(request: HttpRequest, pk: int) -> HttpResponse:
    song = get_object_or_404(Song.objects.owned_by(request.user), pk=pk)
    return render(request, "songs/song_detail.html", {"song": song, "clips": song.clips.order_by("take")})


@require_POST
def song_retry(request: HttpRequest, pk: int) -> HttpResponse:
    song = get_object_or_404(Song.objects.owned_by(request.user), pk=pk)
    try:
        if services.song_retry(song=song):
            messages.info(request, "Sent again. Watch the takes below.")
    except services.SongRefused as refusal:
        messages.error(request, refusal.user_message)
    return redirect(song)


@require_GET
@vary_on_headers("HX-Request")
def clip_card(request: HttpRequest, pk: int) -> HttpResponse:
    clip = get_object_or_404(Clip.objects.owned_by(request.user).select_related("song"), pk=pk)
    if not request.htmx:
        return redirect(clip)
    response = render(request, "songs/song_detail.html#clip_card", {"song": clip.song, "clip": clip})
    return response


@require_GET
def clip_media(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    clip = get_object_or_404(Clip.objects.owned_by(request.user).select_related("song"), pk=pk)
    field_file = {"audio": clip.audio_file, "image": clip.image_file}.get(kind)
    if not field_file:
        raise Http404("Not archived yet")
    download_name = clip.download_name if request.GET.get("download") else None
    return ranged_file_response(request, field_file, download_name=download_name)


# --- Sharing: the owner's switch, then the deliberately public pages -----------------------------------


@require_POST
def song_publish(request: HttpRequest, pk: int) -> HttpResponse:
    song = get_object_or_404(Song.objects.owned_by(request.user), pk=pk)
    try:
        services.song_publish(song=song)
    except services.SongRefused as refusal:
        messages.error(request, refusal.user_message)
    else:
        messages.success(request, "Your song is public: anyone with the link can listen, on Explore too.")
    return redirect(song)


@require_POST
def song_unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    song = get_object_or_404(Song.objects.owned_by(request.user), pk=pk)
    services.song_unpublish(song=song)
    messages.info(request, "Your song is private again. Its public link no longer works.")
    return redirect(song)


@login_not_required
@require_GET
def explore(request: HttpRequest) -> HttpResponse:
    sort = request.GET.get("sort") if request.GET.get("sort") in selectors.EXPLORE_ORDERINGS else "new"
    page = selectors.explore_page(sort=sort, page_number=request.GET.get("page"))
    return render(request, "songs/song_explore.html", {"page": page, "songs": page.object_list, "sort": sort})


@login_not_required
@require_GET
def song_share(request: HttpRequest, pk: int) -> HttpResponse:
    song = get_object_or_404(Song.objects.public().select_related("owner"), pk=pk)
    context = {
        "song": song,
        "clips": song.clips.visible().complete().order_by("take"),
        "report_form": ReportForm(),
        "is_owner": song.owner_id == request.user.pk,
    }
    return render(request, "songs/song_share.html", context)


@login_not_required
@require_GET
def clip_share_media(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Media for public pages: checked against the song's and clip's public state on every request, so
    hiding or unpublishing takes effect at once (the owner's URL stays owner-only)."""
    clip = get_object_or_404(Clip.objects.public(), pk=pk)
    field_file = {"audio": clip.audio_file, "image": clip.image_file}.get(kind)
    if not field_file:
        raise Http404("Not archived yet")
    # no-cache: a listener's browser asks again every time, so a hidden song stops playing at once
    return ranged_file_response(request, field_file, cache_control="no-cache")


@login_not_required
@require_POST
def clip_play(request: HttpRequest, pk: int) -> HttpResponse:
    """The player's beacon on its first `play` event; the media URL never counts (Range requests)."""
    clip = get_object_or_404(Clip.objects.public(), pk=pk)
    services.clip_play_record(clip=clip, listener_key=_listener_key(request))
    return HttpResponse(status=204)


def _listener_key(request: HttpRequest) -> str:
    """The user's id, or a keyed hash of address and browser: anonymous plays dedupe without a session
    row per listener, and no address is stored."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    address = request.META.get("REMOTE_ADDR", "")
    agent = request.headers.get("User-Agent", "")
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{address}|{agent}".encode(), hashlib.sha256)
    return "anon:" + digest.hexdigest()[:48]
