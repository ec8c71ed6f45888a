"""Personas in the admin. Hide and restore are moderation's actions (moderation.admin), so they check the
moderators' permission and leave an audit entry, shown on the persona's page with its reports."""

from django.contrib import admin
from django.db.models import Count
from django.template.loader import render_to_string

from moderation.admin import ModerationActionsMixin, history_panel
from songs.admin import media_urls

from .models import Persona


def persona_preview(persona: Persona) -> str:
    """Name, description, cover and the source take's player. The take's media comes through the admin
    (the persona's own media URL hides a hidden persona from everyone but its owner); the upstream's
    URLs stand in once the take is gone."""
    clip = persona.source_clip
    if clip is not None:
        row = media_urls([clip])[0]
        row["image"] = row["image"] or persona.image_url
        row["audio"] = row["audio"] or persona.audio_url
    else:
        row = {"clip": None, "image": persona.image_url, "audio": persona.audio_url}
    return render_to_string("admin/personas/moderation_preview.html", {"persona": persona, "row": row})


@admin.register(Persona)
class PersonaAdmin(ModerationActionsMixin, admin.ModelAdmin):
    list_display = ("name", "owner", "visibility", "state", "use_count", "is_hidden", "created_at")
    list_filter = ("visibility", "state", "is_hidden", "created_at")
    search_fields = ("name", "description", "owner__username", "persona_id", "artist_clip_id")
    list_select_related = ("owner",)
    date_hierarchy = "created_at"
    raw_id_fields = ("owner", "source_clip", "hidden_by")
    readonly_fields = (
        "persona_id",
        "artist_clip_id",
        "clip_ids",
        "upstream_is_public",
        "state",
        "error_message",
        "create_attempts",
        "creating_since",
        "ready_at",
        "is_hidden",
        "hidden_reason",
        "hidden_at",
        "hidden_by",
        "idempotency_key",
        "created_at",
        "updated_at",
        "player",
        "moderation_history",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(use_count=Count("songs")).select_related("source_clip")

    @admin.display(description="Songs", ordering="use_count")
    def use_count(self, persona: Persona) -> int:
        return persona.use_count

    @admin.display(description="Source clip")
    def player(self, persona: Persona):
        return persona_preview(persona) if persona.pk else "—"

    def moderation_preview(self, target: Persona) -> str:
        return persona_preview(target)

    @admin.display(description="Moderation history")
    def moderation_history(self, persona: Persona):
        return history_panel(persona) if persona.pk else "—"
