"""The creator's own pages: every lookup starts from request.user, so another user's object is a 404.
The deliberately public pages are in public_views.py."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import reswap, retarget

from moderation.services import user_is_suspended
from sunostudio.errors import Refused
from sunostudio.fragments import fragment_key, kept_fragment, kept_fragments
from sunostudio.media import media_response

from . import catalogue, export, peaks, selectors, services, tasks
from .forms import (
    STEM_KINDS,
    CoverForm,
    ExtendForm,
    LibraryFilterForm,
    LyricsIdeaForm,
    ProfileForm,
    ReplaceSectionForm,
    SongForm,
    SongRenameForm,
    StyleEnhanceForm,
    UploadForm,
    draft_fields_from,
    draft_initial,
    model_limits_json,
)
from .models import Clip, ClipAsset, LyricsDraft, Song, StyleEnhancement
from .timing import timed_lines, to_lrc, to_srt

LAYOUT_COOKIE = "library_view"  # list or grid, remembered from the last ?view=
LAYOUTS = ("list", "grid")
STEM_SONG_KINDS = (Song.Kind.STEMS_ALL, Song.Kind.STEMS_TWO)


@require_GET
@vary_on_headers("HX-Request")
def library(request: HttpRequest) -> HttpResponse:
    persona_names = selectors.library_persona_names(user=request.user)
    # The query string's filters, search, sort and layout (all but the page number) are the panel's.
    query = sorted((name, values) for name, values in request.GET.lists() if name != "page")
    # None is the default filters: nothing to parse unless the panel has to be rendered.
    form = LibraryFilterForm(request.GET, persona_names=persona_names) if query else None
    filters = form.filters() if form else selectors.LibraryFilters()
    asked_layout = request.GET.get("view", "")
    layout = asked_layout if asked_layout in LAYOUTS else request.COOKIES.get(LAYOUT_COOKIE, "list")
    layout = layout if layout in LAYOUTS else "list"
    page = selectors.library_page(user=request.user, filters=filters, page_number=request.GET.get("page"))

    def filter_panel() -> str:
        panel_form = form or LibraryFilterForm(request.GET, persona_names=persona_names)
        panel_form.is_valid()
        panel = {"form": panel_form, "filter_fields": panel_form.panel_fields(), "filters": filters}
        return render_to_string("songs/song_list.html#library_filters", {**panel, "layout": layout})

    # The search and filter panel shows the query, its choices and the layout, and nothing else.
    versions = [(version.mv, version.label) for version in catalogue.enabled_versions()]
    panel_key = fragment_key("library-filters", (query, persona_names, versions, layout))
    context = {
        "form": form,
        "filters": filters,
        "layout": layout,
        "page": page,
        "rows": rendered_rows(page.object_list),
        "filters_html": kept_fragment(panel_key, filter_panel),
        "next": request.get_full_path(),
    }
    response = render(request, "songs/song_list.html", context)
    if asked_layout in LAYOUTS and request.COOKIES.get(LAYOUT_COOKIE) != asked_layout:
        response.set_cookie(LAYOUT_COOKIE, asked_layout, max_age=365 * 86400, samesite="Lax")
    return response


def rendered_rows(songs: list[selectors.LibrarySong]) -> list[str]:
    """Each row's markup, kept under the key of what it shows: rendering twenty rows was a fifth of the
    Library's time."""
    template = get_template("songs/song_list.html#song_row")
    renders = {
        song.key: lambda song=song: template.render({"row": song.row, "row_message": ""}) for song in songs
    }
    kept = kept_fragments(renders)
    return [kept[song.key] for song in songs]


def _row_response(request: HttpRequest, pk: int, *, message: str = "", level: str = "info") -> HttpResponse:
    row = selectors.library_row(user=request.user, pk=pk)
    if row is None:
        raise Http404("No such song")
    context = {"row": row, "row_message": message, "row_message_level": level}
    return render(request, "songs/song_list.html#song_row", context)


def _back(request: HttpRequest, fallback: str = "") -> HttpResponse:
    """Where a plain (non-htmx) form goes after an action: the Library page it came from."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = fallback or reverse("songs:library")
    return redirect(target)


def _owned_song(request: HttpRequest, pk: int) -> Song:
    return get_object_or_404(Song.objects.owned_by(request.user), pk=pk)


@require_GET
def song_row(request: HttpRequest, pk: int) -> HttpResponse:
    return _row_response(request, pk)


@require_GET
def song_menu(request: HttpRequest, pk: int) -> HttpResponse:
    """A row's actions, loaded when its menu opens: twenty rows don't each carry a dozen links and forms."""
    song = get_object_or_404(
        Song.objects.owned_by(request.user).prefetch_related(
            Prefetch("clips", queryset=Clip.objects.defer("metadata", "peaks").order_by("take")),
            Prefetch("clips__assets", queryset=ClipAsset.objects.filter(status=ClipAsset.Status.READY)),
        ),
        pk=pk,
    )
    context = {
        "song": song,
        "clips": song.clips.all(),
        "stem_sets": selectors.stem_sets_of(user=request.user, song=song),
        "next": request.headers.get("HX-Current-URL", ""),
    }
    return render(request, "songs/song_list.html#song_menu", context)


@require_http_methods(["GET", "POST"])
def song_rename(request: HttpRequest, pk: int) -> HttpResponse:
    song = _owned_song(request, pk)
    if request.method == "POST":
        form = SongRenameForm(request.POST)
        if form.is_valid():
            services.song_rename(song=song, title=form.cleaned_data["title"])
            if not request.htmx:
                messages.success(request, "Renamed.")
                return _back(request)
            # The form sits in the title; the saved row replaces the whole row (a bad title only the form).
            return retarget(
                reswap(_row_response(request, pk, message="Renamed."), "outerHTML"), f"#song-{pk}"
            )
    else:
        form = SongRenameForm(initial={"title": song.display_title})
    return render(request, "songs/song_list.html#rename_form", {"song": song, "form": form})


@require_POST
def song_like(request: HttpRequest, pk: int) -> HttpResponse:
    """Sets the mark the button showed the opposite of (not a toggle): a double click ends where it meant."""
    song = _owned_song(request, pk)
    services.song_like(song=song, liked=request.POST.get("liked") == "1")
    if not request.htmx:
        return _back(request)
    return _row_response(request, pk)


@require_POST
def song_trash(request: HttpRequest, pk: int) -> HttpResponse:
    song = _owned_song(request, pk)
    try:
        family = services.song_trash(song=song)
    except Refused as refusal:
        if not request.htmx:
            messages.error(request, refusal.user_message)
            return _back(request)
        return _row_response(request, pk, message=refusal.user_message, level="error")
    if not request.htmx:
        messages.info(request, TRASHED.format(title=song.display_title) + _with_family(family))
        return _back(request)
    return render(
        request, "songs/song_list.html#row_notice", {"song": song, "trashed": True, "family": family}
    )


@require_POST
def song_restore(request: HttpRequest, pk: int) -> HttpResponse:
    song = _owned_song(request, pk)
    family = services.song_restore(song=song)
    if not request.htmx:
        messages.success(request, f"“{song.display_title}” is back in your Library." + _with_family(family))
        return _back(request, fallback=song.get_absolute_url())
    return render(
        request, "songs/song_list.html#row_notice", {"song": song, "trashed": False, "family": family}
    )


TRASHED = "“{title}” is in Trash. A public song's page is offline until you restore it."


def _with_family(count: int) -> str:
    if not count:
        return ""
    return (
        f" The {_songs(count)} made from it went with it."
        if count > 1
        else " The song made from it went with it."
    )


BULK_DONE = {
    "trash": "Moved {n} to Trash.",
    "restore": "Restored {n} to your Library.",
    "publish": "Made {n} public.",
}


def _songs(count: int) -> str:
    return f"{count} song" if count == 1 else f"{count} songs"


@require_POST
def songs_bulk(request: HttpRequest) -> HttpResponse:
    """Trash, restore or publish the ticked songs; ids that aren't the creator's are ignored."""
    action = request.POST.get("action", "")
    song_ids = [int(pk) for pk in request.POST.getlist("song") if pk.isdigit()]
    if action not in BULK_DONE:
        messages.error(request, "Choose what to do with the songs you ticked.")
        return _back(request)
    if not song_ids:
        messages.error(request, "Tick the songs first.")
        return _back(request)
    actions = {
        "trash": services.songs_trash,
        "restore": services.songs_restore,
        "publish": services.songs_publish,
    }
    try:
        outcome = actions[action](owner=request.user, song_ids=song_ids)
    except Refused as refusal:
        messages.error(request, refusal.user_message)
        return _back(request)
    text = BULK_DONE[action].format(n=_songs(outcome.done))
    if outcome.skipped:
        reasons = ", ".join(f"{count} {reason}" for reason, count in outcome.skipped.items())
        text += f" Skipped {_songs(sum(outcome.skipped.values()))}: {reasons}."
    (messages.success if outcome.done else messages.warning)(request, text)
    return _back(request)


@require_http_methods(["GET", "POST"])
def library_export(request: HttpRequest) -> HttpResponse:
    """The Library as a ZIP, streamed as it is written (songs/export.py): GET is the whole Library (not
    Trash); POST, the bulk bar's Export, the ticked songs (ids that aren't the creator's are ignored)."""
    song_ids = None
    if request.method == "POST":
        song_ids = [int(pk) for pk in request.POST.getlist("song") if pk.isdigit()]
        if not song_ids:
            messages.error(request, "Tick the songs first.")
            return _back(request)
    songs = selectors.export_songs(user=request.user, song_ids=song_ids)
    stamp = timezone.localdate().isoformat()
    filename = f"suno-studio-{'songs' if song_ids else 'library'}-{stamp}.zip"
    response = StreamingHttpResponse(
        export.export_stream(songs, artist=request.user.get_username()), content_type="application/zip"
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def trash_empty(request: HttpRequest) -> HttpResponse:
    count = services.trash_empty(owner=request.user)
    if count:
        messages.success(request, f"Deleted {_songs(count)} and their files for good.")
    else:
        messages.info(request, "Trash was already empty.")
    return redirect(reverse("songs:library") + "?trash=1")


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def song_create(request: HttpRequest) -> HttpResponse:
    personas = selectors.personas_usable_by(request.user)
    persona = _persona_from(request, personas)  # someone else's private persona: 404
    draft = None
    if request.method == "POST":
        form = SongForm(request.POST, personas=personas)
        if form.is_valid():
            try:
                song, created = services.song_create(
                    owner=request.user,
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    **form.recipe(),
                    **_fork_fields(request),
                )
            except Refused as refusal:  # suspended: keep what they typed, say why
                form.add_error(None, refusal.user_message)
            else:
                services.create_draft_delete(owner=request.user)  # generated: the draft has done its job
                if created:
                    news = "Generating — your two takes will appear below in a moment."
                    messages.success(request, news, "while-generating")  # goes once both are done
                return redirect(song)
    else:
        if not request.htmx and user_is_suspended(user=request.user):
            messages.warning(request, "Your account is suspended: you can listen, but not make new songs.")
        # The creator's default version (profile), else the site's; a recipe being copied keeps its own.
        initial = {
            "model_version": selectors.default_model_for(request.user),
            **(_initial_from_song(request) or {}),
        }
        if request.GET.get("model_version"):
            initial["model_version"] = request.GET["model_version"]  # kept when the picker swaps choices
        if persona is not None:
            initial.update(persona=persona.pk, mode=Song.Kind.CUSTOM, instrumental=False)
        draft = _restorable_draft(request)
        if draft is not None:
            initial.update(draft_initial(draft.fields, personas=personas))
        form = SongForm(initial=initial, personas=personas)
    template_name = "songs/song_create.html"
    if request.htmx and request.method == "GET":
        template_name += "#model_version_field"  # the persona picker changed: swap the version choices
    context = {"form": form, "model_limits": model_limits_json(), "create_draft": draft}
    context["fork_source"] = _fork_source(request)
    if template_name == "songs/song_create.html":
        context["style_chips"] = selectors.style_chips(user=request.user)
    return render(request, template_name, context)


def _persona_from(request: HttpRequest, personas):
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
    source_id = request.GET.get("from", "") or request.GET.get("fork", "")  # a fork starts from it too
    source = Song.objects.owned_by(request.user).filter(pk=source_id).first() if source_id.isdigit() else None
    if source is None:
        return None
    initial = {**source.recipe(), "mode": source.kind, "idempotency_key": uuid.uuid4()}
    initial.update(SongForm.more_options_initial(source))
    if source.persona_id and selectors.personas_usable_by(request.user).filter(pk=source.persona_id).exists():
        initial["persona"] = source.persona_id
    return initial


def _stems_source(song: Song) -> Clip | None:
    """The take a stem set was separated from, for its page's "Stems of …" line (the stem page otherwise
    names nothing it came from): only the owner's own take, one query."""
    if song.kind not in STEM_SONG_KINDS or song.parent_clip_id is None:
        return None
    return Clip.objects.owned_by(song.owner_id).select_related("song").filter(pk=song.parent_clip_id).first()


@require_GET
def song_detail(request: HttpRequest, pk: int) -> HttpResponse:
    song = get_object_or_404(Song.objects.owned_by(request.user), pk=pk)
    context = {"song": song, "clips": song.clips.order_by("take"), "steps": selectors.song_chain_steps(song)}
    context["family_size"] = selectors.family_size(user=request.user, song=song)
    context["ab_takes"] = selectors.ab_takes(song, context["clips"])
    context["source_clip"] = selectors.song_source(song) or _stems_source(song)  # "Cover of …", "Stems of …"
    context["recipe_changes"] = selectors.recipe_changes(song)  # a fork: what it changed from its original
    return render(request, "songs/song_detail.html", context)


# --- Families: the tree of everything made from one original, A/B of two takes, stems -------------------


@require_GET
def song_family(request: HttpRequest, pk: int) -> HttpResponse:
    song = _owned_song(request, pk)
    family = selectors.song_family(user=request.user, song=song)
    return render(request, "songs/song_family.html", {"song": song, "family": family})


@require_POST
def song_keep_take(request: HttpRequest, pk: int) -> HttpResponse:
    song = _owned_song(request, pk)
    takes = set(song.clips.filter(status=Clip.Status.COMPLETE).values_list("take", flat=True))
    try:
        take = int(request.POST.get("take", ""))
    except ValueError:
        take = None
    if take not in takes:
        messages.error(request, "That take can't be kept: it isn't a finished take of this song.")
    elif song.preferred_take == take:  # pressed again: keep neither
        services.song_keep_take(song=song, take=None)
        messages.info(request, f"Take {take} is no longer marked as the one you keep.")
    else:
        services.song_keep_take(song=song, take=take)
        messages.success(request, f"Kept take {take}: the Library and the family page list it first.")
    return redirect(song)


@require_GET
def song_stems_zip(request: HttpRequest, pk: int) -> HttpResponse:
    song = get_object_or_404(Song.objects.owned_by(request.user).filter(kind__in=STEM_SONG_KINDS), pk=pk)
    stems = [c for c in song.clips.order_by("take") if c.is_complete and c.audio_file]
    if not stems:
        raise Http404("No stem is saved yet")
    response = StreamingHttpResponse(export.stems_stream(song, stems), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export.stems_zip_name(song)}"'
    return response


@require_POST
def song_retry(request: HttpRequest, pk: int) -> HttpResponse:
    song = get_object_or_404(Song.objects.owned_by(request.user), pk=pk)
    try:
        if services.song_retry(song=song):
            messages.info(request, "Sent again. Watch the takes below.", "while-generating")
    except Refused as refusal:
        messages.error(request, refusal.user_message)
    return redirect(song)


@require_GET
@vary_on_headers("HX-Request")
def clip_card(request: HttpRequest, pk: int) -> HttpResponse:
    clip = get_object_or_404(Clip.objects.owned_by(request.user).select_related("song"), pk=pk)
    if not request.htmx:
        return redirect(clip)
    tasks.restart_stalled_loop(clip=clip)  # its poll is late and no loop runs: queue one (never upstream)
    context = {"song": clip.song, "clip": clip, "stem_list": request.GET.get("list") == "1"}
    if not clip.needs_refresh and not context["stem_list"]:
        # The take is done: the song page's head (Add to playlist) and A/B come back out of band, so they
        # appear as the takes finish instead of after a refresh.
        context["settled"] = True
        context["ab_takes"] = selectors.ab_takes(clip.song, clip.song.clips.order_by("take"))
    response = render(request, "songs/song_detail.html#clip_card", context)
    return response


@require_GET
def clip_media(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    clip = get_object_or_404(Clip.objects.owned_by(request.user).select_related("song"), pk=pk)
    field_file = {"audio": clip.audio_file, "image": clip.image_file}.get(kind)
    if not field_file:
        raise Http404("Not archived yet")
    download_name = clip.download_name if request.GET.get("download") else None
    return media_response(request, field_file, download_name=download_name)


# --- Sharing: the owner's switch (the public pages are in public_views.py) -----------------------------


@require_POST
def song_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """From the song page (a redirect back to it) or a Library row's menu (htmx: the row comes back)."""
    song = get_object_or_404(Song.objects.owned_by(request.user), pk=pk)
    try:
        services.song_publish(song=song)
    except Refused as refusal:
        if request.htmx:
            return _row_response(request, pk, message=refusal.user_message, level="error")
        messages.error(request, refusal.user_message)
    else:
        if request.htmx:
            return _row_response(request, pk, message=PUBLISHED, level="success")
        messages.success(request, PUBLISHED)
    return redirect(song)


PUBLISHED = "Your song is public: anyone with the link can listen, on Explore too."
UNPUBLISHED = "Your song is private again. Its public link no longer works."


@require_POST
def song_unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    song = get_object_or_404(Song.objects.owned_by(request.user), pk=pk)
    services.song_unpublish(song=song)
    if request.htmx:
        return _row_response(request, pk, message=UNPUBLISHED)
    messages.info(request, UNPUBLISHED)
    return redirect(song)


# --- A finished take's tools: WAV, video, synced lyrics, extend, whole song, stems ------------------

ASSET_KINDS = {kind.value: kind for kind in ClipAsset.Kind}


def _owned_clip(request: HttpRequest, pk: int) -> Clip:
    return get_object_or_404(Clip.objects.owned_by(request.user).select_related("song"), pk=pk)


def _asset_context(clip: Clip, kind: str, asset: ClipAsset | None) -> dict:
    lines = timed_lines(asset.words) if asset is not None and kind == ClipAsset.Kind.TIMING else []
    return {"clip": clip, "song": clip.song, "kind": kind, "asset": asset, "lines": lines}


def _clip_page(
    request: HttpRequest,
    clip: Clip,
    *,
    extend_form: ExtendForm | None = None,
    cover_form: CoverForm | None = None,
    replace_form: ReplaceSectionForm | None = None,
) -> HttpResponse:
    peaks.clip_peaks_backfill_request(clip)  # archived before waveforms existed: a job draws it, not us
    assets = {asset.kind: asset for asset in clip.assets.all()}
    derived = selectors.derived_songs(clip)
    context = {
        "clip": clip,
        "song": clip.song,
        "steps": selectors.clip_chain_steps(clip),
        "asset_panels": [_asset_context(clip, kind, assets.get(kind)) for kind in ClipAsset.Kind],
        "extensions": derived.extensions,
        "whole_songs": derived.whole_songs,
        "stem_sets": derived.stem_sets,
        "can_concat": services.can_concat(clip),
        "can_separate": services.can_separate(clip),
        "cannot_extend": services.NO_RELAY_TASK.format(doing="extend"),
        "cannot_split": services.NO_RELAY_TASK.format(doing="split"),
        "extend_form": extend_form
        or ExtendForm(parent=clip, default_model=selectors.default_model_for(request.user)),
        **_remake_context(clip, derived, cover_form=cover_form, replace_form=replace_form),
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
            asset = services.clip_asset_request(clip=clip, kind=kind)
        except Refused as refusal:
            messages.error(request, refusal.user_message)
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
    return media_response(request, asset.file, download_name=download_name)


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


def _clip_tool(
    request: HttpRequest, pk: int, *, form_class, form_name: str, create, started: str
) -> HttpResponse:
    """Extend, cover, replace section: a form on the take's page that saves a new song of two takes. A bad
    form or a refusal re-renders the page with what was typed (200); a new song says it started."""
    clip = _owned_clip(request, pk)
    form = form_class(request.POST, parent=clip)
    if not form.is_valid():
        return _clip_page(request, clip, **{form_name: form})
    try:
        song, created = create(
            owner=request.user,
            parent=clip,
            idempotency_key=form.cleaned_data["idempotency_key"],
            **form.recipe(),
        )
    except Refused as refusal:
        form.add_error(None, refusal.user_message)
        return _clip_page(request, clip, **{form_name: form})
    if created:
        messages.success(request, f"{started} — your two takes will appear below in a moment.")
    return redirect(song)


@require_POST
def clip_extend(request: HttpRequest, pk: int) -> HttpResponse:
    return _clip_tool(
        request,
        pk,
        form_class=ExtendForm,
        form_name="extend_form",
        create=services.clip_extend,
        started="Extending",
    )


@require_POST
def clip_concat(request: HttpRequest, pk: int) -> HttpResponse:
    clip = _owned_clip(request, pk)
    key = _posted_key(request)
    if key is None:
        messages.error(request, "This page was out of date. Press Get whole song again.")
        return redirect("songs:clip_detail", clip.pk)
    try:
        song, created = services.clip_concat(owner=request.user, clip=clip, idempotency_key=key)
    except Refused as refusal:
        messages.error(request, refusal.user_message)
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
        _, created = services.clip_stems(
            owner=request.user, clip=clip, full=mode == "all", idempotency_key=key
        )
    except Refused as refusal:
        messages.error(request, refusal.user_message)
        return redirect("songs:clip_detail", clip.pk)
    if created:
        messages.success(request, "Separating the stems — they appear below as they finish.")
    return redirect(reverse("songs:clip_detail", args=[clip.pk]) + "#stems")


# --- Cover and replace section: new songs from a finished take -----------------------------------------


def _remake_context(clip: Clip, derived, *, cover_form=None, replace_form=None) -> dict:
    return {
        "can_cover": services.can_cover(clip),
        "can_replace": services.can_replace_section(clip),
        "can_join_infill": services.can_join_infill(clip),
        "cannot_replace": services.NO_RELAY_TASK.format(doing="replace a section of"),
        "cover_form": cover_form or CoverForm(parent=clip),
        "replace_form": replace_form or ReplaceSectionForm(parent=clip),
        "covers": derived.covers,
        "replacements": derived.replacements,
    }


@require_POST
def clip_cover(request: HttpRequest, pk: int) -> HttpResponse:
    return _clip_tool(
        request,
        pk,
        form_class=CoverForm,
        form_name="cover_form",
        create=services.clip_cover,
        started="Making the cover",
    )


@require_POST
def clip_replace_section(request: HttpRequest, pk: int) -> HttpResponse:
    return _clip_tool(
        request,
        pk,
        form_class=ReplaceSectionForm,
        form_name="replace_form",
        create=services.clip_replace_section,
        started="Replacing the section",
    )


@require_POST
def clip_join_infill(request: HttpRequest, pk: int) -> HttpResponse:
    clip = _owned_clip(request, pk)
    key = _posted_key(request)
    if key is None:
        messages.error(request, "This page was out of date. Press Join into the whole song again.")
        return redirect("songs:clip_detail", clip.pk)
    try:
        song, created = services.clip_join_infill(owner=request.user, clip=clip, idempotency_key=key)
    except Refused as refusal:
        messages.error(request, refusal.user_message)
        return redirect("songs:clip_detail", clip.pk)
    if created:
        messages.success(request, "Joining the new section into the whole song.")
    return redirect(song)


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
                song, created = services.upload_create(
                    owner=request.user,
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    audio=services.UploadedAudio(
                        file=form.cleaned_data["audio"],
                        extension=form.audio_extension,
                        duration=form.audio_duration,
                    ),
                    title=form.upload_title(),
                )
            except Refused as refusal:
                form.add_error(None, refusal.user_message)
            else:
                if created:
                    messages.success(request, "Uploaded. Once the music service has it, you can extend it.")
                return redirect(song)
    else:
        form = UploadForm()
    return render(request, "songs/upload_create.html", {"form": form})


@require_POST
def lyrics_draft_create(request: HttpRequest) -> HttpResponse:
    form = LyricsIdeaForm(request.POST)
    draft = None
    if form.is_valid():
        try:
            draft, _ = services.lyrics_draft_create(
                owner=request.user,
                idempotency_key=form.cleaned_data["lyrics_key"],
                idea=form.cleaned_data["lyrics_idea"],
            )
        except Refused as refusal:
            form.add_error("lyrics_idea", refusal.user_message)
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
            services.profile_set_default_model(
                user=request.user, model_version=form.cleaned_data["default_model_version"]
            )
            messages.success(request, "Saved. New songs start with this model version.")
            return redirect("songs:profile")
    else:
        form = ProfileForm(initial={"default_model_version": selectors.default_model_for(request.user)})
    return render(request, "songs/profile.html", {"form": form})


# --- The create form's helpers: style enhancement, the saved draft -------------------------------------


@require_POST
def style_enhancement_create(request: HttpRequest) -> HttpResponse:
    """Enhance style: writes the row and queues the job; the partial it returns polls the row."""
    form = StyleEnhanceForm(request.POST)
    enhancement = None
    if form.is_valid():
        try:
            enhancement = services.style_enhancement_create(
                owner=request.user, tags=form.cleaned_data["tags"]
            )
        except Refused as refusal:
            form.add_error("tags", refusal.user_message)
    context = {"enhancement": enhancement, "enhance_form": form}
    return render(request, "songs/song_create.html#style_enhancement", context)


@require_GET
@vary_on_headers("HX-Request")
def style_enhancement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enhancement = get_object_or_404(StyleEnhancement.objects.owned_by(request.user), pk=pk)
    return render(request, "songs/song_create.html#style_enhancement", {"enhancement": enhancement})


def _restorable_draft(request: HttpRequest):
    """The creator's saved draft, when the create page opens plainly (not to copy a recipe or a persona)."""
    if request.htmx or any(name in request.GET for name in ("from", "fork", "persona", "model_version")):
        return None
    return selectors.create_draft_for(user=request.user)


@require_POST
def create_draft_save(request: HttpRequest) -> HttpResponse:
    """The create form's autosave (htmx, a few seconds after typing stops): only the status line swaps."""
    key = request.POST.get("idempotency_key", "")
    try:
        idempotency_key = uuid.UUID(key)
    except ValueError:
        idempotency_key = None
    draft = services.create_draft_save(
        owner=request.user, fields=draft_fields_from(request.POST), idempotency_key=idempotency_key
    )
    return render(request, "songs/song_create.html#draft_status", {"saved_draft": draft})


@require_POST
def create_draft_discard(request: HttpRequest) -> HttpResponse:
    services.create_draft_delete(owner=request.user)
    messages.info(request, "Draft discarded.")
    return _back(request, fallback=reverse("songs:song_create"))


def _fork_source(request: HttpRequest) -> Song | None:
    """The creator's own song being forked: ?fork= on the way in, the form's forked_from on the way back."""
    source = request.POST if request.method == "POST" else request.GET
    source_id = source.get("forked_from" if request.method == "POST" else "fork", "")
    if not source_id.isdigit():
        return None
    return Song.objects.owned_by(request.user).filter(pk=source_id).first()


def _fork_fields(request: HttpRequest) -> dict:
    source = _fork_source(request)
    return {"forked_from": source} if source is not None else {}


# --- The create panel beside the Library (wide screens) -------------------------------------------------


def _panel_context(request: HttpRequest, form: SongForm, *, create_draft=None) -> dict:
    return {
        "form": form,
        "model_limits": model_limits_json(),
        "style_chips": selectors.style_chips(user=request.user),
        "create_draft": create_draft,
        "panel": True,
    }


@require_GET
def create_panel(request: HttpRequest) -> HttpResponse:
    """The create form for the Library's side column, loaded by static/js/create.js only on a wide screen
    (a phone never pays for it), with the creator's draft restored."""
    personas = selectors.personas_usable_by(request.user)
    draft = selectors.create_draft_for(user=request.user)
    initial = {"model_version": selectors.default_model_for(request.user)}
    if draft is not None:
        initial.update(draft_initial(draft.fields, personas=personas))
    form = SongForm(initial=initial, personas=personas)
    context = _panel_context(request, form, create_draft=draft)
    return render(request, "songs/song_create.html#create_form", context)


@require_POST
def library_create(request: HttpRequest) -> HttpResponse:
    """Generate from the side panel: the new song's row goes to the top of the list and the form keeps
    what was typed (with a fresh key, so Generate again makes another song); errors come back in the form."""
    personas = selectors.personas_usable_by(request.user)
    form = SongForm(request.POST, personas=personas)
    if form.is_valid():
        try:
            song, created = services.song_create(
                owner=request.user, idempotency_key=form.cleaned_data["idempotency_key"], **form.recipe()
            )
        except Refused as refusal:
            form.add_error(None, refusal.user_message)
        else:
            services.create_draft_delete(owner=request.user)
            context = {
                "song": song,
                "row": selectors.library_row(user=request.user, pk=song.pk) if created else None,
                "row_message": "",
                "new_key": uuid.uuid4(),
                "oob": True,
            }
            response = render(request, "songs/song_create.html#panel_generated", context)
            return reswap(response, "none")  # only the out-of-band pieces move: the creator keeps writing
    return render(request, "songs/song_create.html#create_form", _panel_context(request, form))
