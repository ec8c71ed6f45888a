from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from songs.models import Clip
from sunostudio.errors import Refused
from sunostudio.media import media_response

from . import selectors, services
from .forms import PersonaCreateForm, PersonaForm
from .models import Persona


@require_GET
def persona_library(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    sort = request.GET.get("sort", "newest")
    if sort not in selectors.SORTS:
        sort = "newest"
    page = selectors.persona_library_page(
        user=request.user, search=search, sort=sort, page_number=request.GET.get("page")
    )
    context = {"page": page, "personas": page.object_list, "search": search, "sort": sort}
    return render(request, "personas/persona_list.html", context)


@require_GET
@vary_on_headers("HX-Request")
def persona_card(request: HttpRequest, pk: int) -> HttpResponse:
    persona = selectors.persona_card(user=request.user, pk=pk)
    if persona is None:
        raise Http404("No such persona")
    if not request.htmx:
        return redirect(persona)
    return render(request, "personas/persona_list.html#persona_card", {"persona": persona})


@require_http_methods(["GET", "POST"])
def persona_create(request: HttpRequest, clip_pk: int) -> HttpResponse:
    # Only the creator's own complete clips can become a persona (the upstream needs a complete root clip).
    clip = get_object_or_404(
        Clip.objects.owned_by(request.user).select_related("song").exclude(upstream_id=None),
        pk=clip_pk,
        status=Clip.Status.COMPLETE,
    )
    source_is_public = clip.song.is_listed
    if request.method == "POST":
        form = PersonaCreateForm(request.POST, source_is_public=source_is_public)
        if form.is_valid():
            try:
                persona, created = services.persona_create(
                    owner=request.user,
                    clip=clip,
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    visibility=form.cleaned_data["visibility"],
                )
            except Refused as refusal:  # suspended: keep what they typed, say why
                form.add_error(None, refusal.user_message)
            else:
                if created:
                    messages.success(request, f"Creating “{persona.name}”. It will be ready in a moment.")
                return redirect(persona)
    else:
        title = clip.title or clip.song.display_title
        form = PersonaCreateForm(initial={"name": f"{title} voice"[:80]}, source_is_public=source_is_public)
    return render(request, "personas/persona_create.html", {"form": form, "clip": clip, "song": clip.song})


@require_http_methods(["GET", "POST"])
def persona_edit(request: HttpRequest, pk: int) -> HttpResponse:
    persona = get_object_or_404(
        Persona.objects.owned_by(request.user).select_related("source_clip__song"), pk=pk
    )
    source = persona.source_clip
    source_is_public = source is None or source.song.is_listed  # a deleted take publishes nothing
    if request.method == "POST":
        form = PersonaForm(
            request.POST, instance=Persona.objects.get(pk=persona.pk), source_is_public=source_is_public
        )
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in PersonaForm.Meta.fields}
            services.persona_update(persona=persona, **fields)
            messages.success(request, f"Saved “{persona.name}”.")
            return redirect(persona)
    else:
        form = PersonaForm(instance=persona, source_is_public=source_is_public)
    return render(request, "personas/persona_edit.html", {"form": form, "persona": persona})


@require_POST
def persona_delete(request: HttpRequest, pk: int) -> HttpResponse:
    persona = get_object_or_404(Persona.objects.owned_by(request.user), pk=pk)
    name = persona.name
    services.persona_delete(persona=persona)
    messages.success(request, f"Deleted “{name}”. Songs made with it still say which persona they used.")
    if request.htmx:
        return HttpResponseClientRedirect(reverse("personas:library"))
    return redirect("personas:library")


@require_POST
def persona_retry(request: HttpRequest, pk: int) -> HttpResponse:
    persona = get_object_or_404(Persona.objects.owned_by(request.user), pk=pk)
    if services.persona_retry(persona=persona):
        messages.info(request, f"Sending “{persona.name}” again.")
    return redirect(persona)


@require_GET
def persona_media(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The source clip's cover and audio for everyone who may see the persona. The clip's own media URL
    stays owner-only; this one checks the persona's visibility instead."""
    persona = get_object_or_404(Persona.objects.visible_to(request.user).select_related("source_clip"), pk=pk)
    clip = persona.source_clip
    field_file = {"audio": clip.audio_file, "image": clip.image_file}.get(kind) if clip else None
    if not field_file:
        raise Http404("Not archived")
    # no-cache: others' browsers ask again each time, so hiding the persona takes effect at once
    return media_response(request, field_file, cache_control="no-cache")
