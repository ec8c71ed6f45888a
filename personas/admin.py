from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import Count
from django.utils.html import format_html

from . import services
from .models import Persona


class PersonaActionForm(ActionForm):
    reason = forms.CharField(
        required=False, max_length=300, label="Reason", help_text="Shown to the owner when hiding."
    )


@admin.register(Persona)
class PersonaAdmin(admin.ModelAdmin):
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
    )
    action_form = PersonaActionForm
    actions = ["hide_personas", "unhide_personas"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(use_count=Count("songs")).select_related("source_clip")

    @admin.display(description="Songs", ordering="use_count")
    def use_count(self, persona: Persona) -> int:
        return persona.use_count

    @admin.display(description="Source clip")
    def player(self, persona: Persona):
        if not persona.playable_url:
            return "—"
        return format_html('<audio controls preload="none" src="{}"></audio>', persona.playable_url)

    @admin.action(description="Hide selected personas from other creators")
    def hide_personas(self, request, queryset):
        reason = request.POST.get("reason", "").strip() or "Hidden by a moderator."
        hidden = sum(services.persona_hide(persona=p, by=request.user, reason=reason) for p in queryset)
        self.message_user(request, f"Hid {hidden} persona(s).", messages.SUCCESS)

    @admin.action(description="Show selected personas again")
    def unhide_personas(self, request, queryset):
        shown = sum(services.persona_unhide(persona=p, by=request.user) for p in queryset)
        self.message_user(request, f"Showed {shown} persona(s) again.", messages.SUCCESS)
