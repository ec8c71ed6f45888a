from django.contrib import admin
from django.utils.html import format_html

from .models import Clip, Song

UPSTREAM_FIELDS = (
    "upstream_task_id",
    "upstream_batch_id",
    "submit_attempts",
    "submitted_at",
    "idempotency_key",
)


class ClipInline(admin.TabularInline):
    model = Clip
    extra = 0
    can_delete = False
    fields = ("take", "status", "upstream_id", "duration", "model_name", "error_message", "player")
    readonly_fields = fields
    show_change_link = True

    @admin.display(description="Audio")
    def player(self, clip: Clip):
        if not clip.playable_url:
            return "—"
        return format_html('<audio controls preload="none" src="{}"></audio>', clip.playable_url)


@admin.register(Song)
class SongAdmin(admin.ModelAdmin):
    list_display = ("display_title", "owner", "kind", "model_version", "state", "created_at")
    list_filter = ("state", "kind", "model_version", "instrumental", "created_at")
    search_fields = ("title", "lyrics", "tags", "description", "owner__username", "upstream_task_id")
    list_select_related = ("owner",)
    date_hierarchy = "created_at"
    readonly_fields = (*UPSTREAM_FIELDS, "created_at", "updated_at")
    raw_id_fields = ("owner",)
    inlines = [ClipInline]


@admin.register(Clip)
class ClipAdmin(admin.ModelAdmin):
    list_display = ("__str__", "status", "model_name", "duration", "song_owner", "completed_at")
    list_filter = ("status", "model_name", "created_at")
    search_fields = ("title", "upstream_id", "song__title", "song__owner__username")
    list_select_related = ("song", "song__owner")
    readonly_fields = (
        "upstream_id",
        "audio_url",
        "image_url",
        "video_url",
        "metadata",
        "next_poll_at",
        "poll_attempts",
        "polling_since",
        "archive_attempts",
        "archive_error",
        "completed_at",
        "player",
    )
    raw_id_fields = ("song",)

    @admin.display(description="Owner", ordering="song__owner__username")
    def song_owner(self, clip: Clip):
        return clip.song.owner

    @admin.display(description="Audio")
    def player(self, clip: Clip):
        if not clip.playable_url:
            return "—"
        return format_html('<audio controls preload="none" src="{}"></audio>', clip.playable_url)
