"""The deliberately public pages: they work logged out and show only public, unhidden songs.

Every `@login_not_required` view of the songs app is in this file, so one file is all there is to audit.
"""

from __future__ import annotations

import hashlib
import hmac

from csp.decorators import csp_replace
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from moderation.forms import ReportForm
from sunostudio.media import media_response

from . import callbacks, selectors, services, tasks
from .models import Clip, Song


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
@xframe_options_exempt  # the one page other sites may frame: every other answers X-Frame-Options DENY
@csp_replace({"frame-ancestors": ["*"]})
def song_embed(request: HttpRequest, pk: int) -> HttpResponse:
    """The embeddable player of a public song (`<iframe src=…/embed/>`): its takes and a link back."""
    song = get_object_or_404(Song.objects.public().select_related("owner"), pk=pk)
    clips = [clip for clip in song.clips.visible().complete().order_by("take") if clip.public_audio_url]
    return render(request, "songs/song_embed.html", {"song": song, "clips": clips})


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
    return media_response(request, field_file, cache_control="no-cache")


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


@login_not_required
@require_GET
def upload_source(request: HttpRequest, token: str) -> HttpResponse:
    """The signed link the upstream downloads an upload from: no login, only while the signature holds."""
    clip = services.upload_clip_for_token(token)
    if clip is None:
        raise Http404("This link is not valid")
    # Streamed, never redirected: the upstream's fetcher may not follow redirects (the simulator's doesn't).
    return media_response(request, clip.audio_file, may_redirect=False)


@csrf_exempt  # the upstream sends no CSRF token: the signed URL is the check
@login_not_required
@require_POST
def upstream_hook(request: HttpRequest, token: str) -> HttpResponse:
    """notify_hook (songs/callbacks.py): a task of ours ended. Only the signed URL counts; the body is
    never read, and all it does is bring that song's next poll forward."""
    ended = callbacks.song_request_of(token)
    if ended is None:
        raise Http404
    now = timezone.now()
    if callbacks.mark_due(*ended, now=now):
        tasks.ask_for_poll_loop(now)
    return HttpResponse(status=204)
