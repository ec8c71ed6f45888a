"""Views for the clip tools. Thin: find the object through its owner, call one service, pick a template."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from . import tools
from .media import ranged_file_response
from .models import Clip, ClipAsset, LyricsDraft, Song
from .timing import timed_lines, to_lrc, to_srt
from .tool_forms import STEM_KINDS, ExtendForm, LyricsIdeaForm, ProfileForm, UploadForm

ASSET_KINDS = {kind.value: kind for kind in ClipAsset.Kind}


def _owned_clip(request: HttpRequest, pk: int) -> Clip:
    return get_object_or_404(Clip.objects.owned_by(request.user).select_related("song"), pk=pk)


def _asset_context(clip: Clip, kind: str, asset: ClipAsset | None) -> dict:
    lines = timed_lines(asset.words) if asset is not None and kind == ClipAsset.Kind.TIMING else []
    return {"clip": clip, "song": clip.song, "kind": kind, "asset": asset, "lines": lines}


def _clip_page(request: HttpRequest, clip: Clip, *, extend_form: ExtendForm | None = None) -> HttpResponse:
    assets = {asset.kind: asset for asset in clip.assets.all()}
    derived = list(clip.derived_songs.order_by("created_at").prefetch_related("clips"))
    context = {
        "clip": clip,
        "song": clip.song,
        "chain": tools.clip_chain(clip),
        "asset_panels": [_asset_context(clip, kind, assets.get(kind)) for kind in ClipAsset.Kind],
        "extensions": [s for s in derived if s.kind == Song.Kind.EXTEND],
        "whole_songs": [s for s in derived if s.kind == Song.Kind.CONCAT],
        "stem_sets": [s for s in derived if s.kind in (Song.Kind.STEMS_ALL, Song.Kind.STEMS_TWO)],
        "can_concat": tools.can_concat(clip),
        "can_separate": tools.can_separate(clip),
        "extend_form": extend_form
        or ExtendForm(parent=clip, default_model=tools.default_model_for(request.user)),
    }
    return render(request, "songs/clip_detail.html", context)


@require_GET
def clip_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _clip_page(request, _owned_clip(request, pk))


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def clip_asset(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    clip = _owned_clip(request, pk)
    if kind not in ASSET_KINDS:
        raise Http404("No such tool")
    if request.method == "POST":
        try:
            asset = tools.clip_asset_request(clip=clip, kind=kind)
        except tools.ToolRefused as refusal:
            messages.error(request, str(refusal))
            asset = clip.assets.filter(kind=kind).first()
    else:
        asset = clip.assets.filter(kind=kind).first()
    if not request.htmx:
        return redirect("songs:clip_detail", clip.pk)
    return render(request, "songs/clip_detail.html#asset_panel", _asset_context(clip, kind, asset))


@require_GET
def clip_asset_file(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    clip = _owned_clip(request, pk)
    asset = clip.assets.filter(kind=kind, status=ClipAsset.Status.READY).exclude(file="").first()
    if asset is None:
        raise Http404("Not ready")
    download_name = clip.download_name if request.GET.get("download") else None
    return ranged_file_response(request, asset.file, download_name=download_name)


@require_GET
def clip_lyrics_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    clip = _owned_clip(request, pk)
    asset = get_object_or_404(clip.assets, kind=ClipAsset.Kind.TIMING, status=ClipAsset.Status.READY)
    lines = timed_lines(asset.words)
    if fmt == "lrc":
        body, content_type = to_lrc(lines, title=clip.title or clip.song.display_title), "text/plain"
    elif fmt == "srt":
        body, content_type = to_srt(lines), "application/x-subrip"
    else:
        raise Http404("No such format")
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    filename = "".join(ch for ch in clip.download_name if ch.isascii()) or "lyrics"
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


@require_POST
def clip_extend(request: HttpRequest, pk: int) -> HttpResponse:
    clip = _owned_clip(request, pk)
    form = ExtendForm(request.POST, parent=clip)
    if not form.is_valid():
        return _clip_page(request, clip, extend_form=form)  # 200 with what was typed
    try:
        song, created = tools.clip_extend(
            owner=request.user,
            parent=clip,
            idempotency_key=form.cleaned_data["idempotency_key"],
            **form.recipe(),
        )
    except tools.ToolRefused as refusal:
        form.add_error(None, str(refusal))
        return _clip_page(request, clip, extend_form=form)
    if created:
        messages.success(request, "Extending — your two takes will appear below in a moment.")
    return redirect(song)


@require_POST
def clip_concat(request: HttpRequest, pk: int) -> HttpResponse:
    clip = _owned_clip(request, pk)
    key = _posted_key(request)
    if key is None:
        messages.error(request, "This page was out of date. Press Get whole song again.")
        return redirect("songs:clip_detail", clip.pk)
    try:
        song, created = tools.clip_concat(owner=request.user, clip=clip, idempotency_key=key)
    except tools.ToolRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("songs:clip_detail", clip.pk)
    if created:
        messages.success(request, "Splicing the whole song together.")
    return redirect(song)


@require_POST
def clip_stems(request: HttpRequest, pk: int, mode: str) -> HttpResponse:
    clip = _owned_clip(request, pk)
    key = _posted_key(request)
    if mode not in STEM_KINDS or key is None:
        messages.error(request, "This page was out of date. Choose the stems again.")
        return redirect("songs:clip_detail", clip.pk)
    try:
        _, created = tools.clip_stems(owner=request.user, clip=clip, full=mode == "all", idempotency_key=key)
    except tools.ToolRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("songs:clip_detail", clip.pk)
    if created:
        messages.success(request, "Separating the stems — they appear below as they finish.")
    return redirect(reverse("songs:clip_detail", args=[clip.pk]) + "#stems")


def _posted_key(request: HttpRequest) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.POST.get("idempotency_key", ""))
    except ValueError:
        return None


@require_http_methods(["GET", "POST"])
def upload_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                song, created = tools.upload_create(
                    owner=request.user,
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    audio=form.cleaned_data["audio"],
                    title=form.upload_title(),
                    duration=form.audio_duration,
                    extension=form.audio_extension,
                )
            except tools.ToolRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                if created:
                    messages.success(request, "Uploaded. Once the music service has it, you can extend it.")
                return redirect(song)
    else:
        form = UploadForm()
    return render(request, "songs/upload_create.html", {"form": form})


@login_not_required
@require_GET
def upload_source(request: HttpRequest, token: str) -> HttpResponse:
    """The signed link the upstream downloads an upload from: no login, only while the signature holds."""
    clip = tools.upload_clip_for_token(token)
    if clip is None:
        raise Http404("This link is not valid")
    return ranged_file_response(request, clip.audio_file)


@require_POST
def lyrics_draft_create(request: HttpRequest) -> HttpResponse:
    form = LyricsIdeaForm(request.POST)
    draft = None
    if form.is_valid():
        try:
            draft, _ = tools.lyrics_draft_create(
                owner=request.user,
                idempotency_key=form.cleaned_data["lyrics_key"],
                idea=form.cleaned_data["lyrics_idea"],
            )
        except tools.ToolRefused as refusal:
            form.add_error("lyrics_idea", str(refusal))
    return render(
        request, "songs/lyrics_helper.html#lyrics_draft", {"draft": draft, "idea_form": form, "new_key": True}
    )


@require_GET
@vary_on_headers("HX-Request")
def lyrics_draft_detail(request: HttpRequest, pk: int) -> HttpResponse:
    draft = get_object_or_404(LyricsDraft.objects.owned_by(request.user), pk=pk)
    return render(request, "songs/lyrics_helper.html#lyrics_draft", {"draft": draft})


@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            tools.profile_set_default_model(
                user=request.user, model_version=form.cleaned_data["default_model_version"]
            )
            messages.success(request, "Saved. New songs start with this model version.")
            return redirect("songs:profile")
    else:
        form = ProfileForm(initial={"default_model_version": tools.default_model_for(request.user)})
    return render(request, "songs/profile.html", {"form": form})
