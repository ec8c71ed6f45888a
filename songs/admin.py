"""Songs and clips in the admin: curated lists, read-only upstream fields, players, links between a song,
its clips and its persona, and the moderation actions and history (moderation.admin)."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from moderation.admin import ModerationActionsMixin, admin_link, history_panel
from sunostudio.media import media_response

from .models import Clip, ClipAsset, CreatorProfile, LyricsDraft, ModelVersion, Song

UPSTREAM_FIELDS = (
    "upstream_task_id",
    "upstream_batch_id",
    "submit_attempts",
    "submitted_at",
    "idempotency_key",
)
MODERATION_FIELDS = ("is_hidden", "hidden_reason", "hidden_at", "moderation_history")


def media_urls(clips) -> list[dict]:
    """Moderators aren't owners: media comes through the admin's own view, never the owner-only URL."""
    rows = []
    for clip in clips:
        audio = (
            reverse("admin:songs_clip_media", args=[clip.pk, "audio"]) if clip.audio_file else clip.audio_url
        )
        image = (
            reverse("admin:songs_clip_media", args=[clip.pk, "image"]) if clip.image_file else clip.image_url
        )
        rows.append({"clip": clip, "audio": audio, "image": image})
    return rows


def song_preview(target: Song | Clip) -> str:
    """A song (every take) or one clip, as the report queue and the change pages show it."""
    song = target.song if isinstance(target, Clip) else target
    clips = [target] if isinstance(target, Clip) else list(song.clips.all())
    context = {"target": target, "song": song, "clips": clips, "media": media_urls(clips)}
    return render_to_string("admin/songs/moderation_preview.html", context)


def player(clip: Clip) -> str:
    row = media_urls([clip])[0]
    if not row["audio"]:
        return "—"
    return format_html('<audio controls preload="none" src="{}"></audio>', row["audio"])


def cover(clip: Clip, size: int = 64) -> str:
    row = media_urls([clip])[0]
    if not row["image"]:
        return "—"
    return format_html(
        '<img src="{}" alt="" width="{}" height="{}" style="border-radius:4px;object-fit:cover">',
        row["image"],
        size,
        size,
    )


class ClipInline(admin.TabularInline):
    model = Clip
    extra = 0
    can_delete = False
    fields = (
        "take",
        "status",
        "cover_thumb",
        "player",
        "duration",
        "play_count",
        "is_hidden",
        "error_message",
    )
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # takes come from the upstream

    @admin.display(description="Cover")
    def cover_thumb(self, clip: Clip):
        return cover(clip, 48)

    @admin.display(description="Audio")
    def player(self, clip: Clip):
        return player(clip)


@admin.register(Song)
class SongAdmin(ModerationActionsMixin, admin.ModelAdmin):
    list_display = (
        "display_title",
        "owner",
        "kind",
        "model_version",
        "state",
        "is_public",
        "is_hidden",
        "play_count",
        "created_at",
    )
    list_filter = (
        "state",
        "is_public",
        "is_hidden",
        "model_version",
        "kind",
        "instrumental",
        ("owner", admin.RelatedOnlyFieldListFilter),
        "created_at",
    )
    search_fields = ("title", "lyrics", "tags", "description", "owner__username", "upstream_task_id")
    list_select_related = ("owner",)
    date_hierarchy = "created_at"
    readonly_fields = (
        *UPSTREAM_FIELDS,
        "state",
        "error_message",
        "persona_link",
        "public_page",
        "published_at",
        "play_count",
        *MODERATION_FIELDS,
        "preview",
        "created_at",
        "updated_at",
    )
    raw_id_fields = ("owner",)
    inlines = [ClipInline]
    exclude = ("persona",)  # shown as a link; set when the song is made, never edited here

    @admin.display(description="Persona")
    def persona_link(self, song: Song):
        persona = getattr(song, "persona", None)
        return admin_link(persona, getattr(song, "persona_name", "") or "") if persona else "—"

    @admin.display(description="Public page")
    def public_page(self, song: Song):
        if not song.is_listed:
            return "Not public"
        return format_html('<a href="{0}" target="_blank" rel="noopener">{0}</a>', song.get_share_url())

    @admin.display(description="Listen")
    def preview(self, song: Song):
        return song_preview(song) if song.pk else "—"

    def moderation_preview(self, target: Song) -> str:
        return song_preview(target)

    @admin.display(description="Moderation history")
    def moderation_history(self, song: Song):
        return history_panel(song) if song.pk else "—"


class ArchivedCopyFilter(admin.SimpleListFilter):
    """Finished takes by their archived copy: "not saved" lists those refused by a rule (a host that isn't
    allowed) or out of attempts, which otherwise only a worker's log would tell."""

    title = "archived copy"
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return [("saved", "Saved"), ("saving", "Saving"), ("not_saved", "Not saved")]

    def queryset(self, request, queryset):
        complete = queryset.filter(status=Clip.Status.COMPLETE)
        if self.value() == "saved":
            return complete.exclude(audio_file="")
        if self.value() == "saving":
            return complete.filter(audio_file="", next_archive_at__isnull=False)
        if self.value() == "not_saved":
            return queryset.archive_given_up()
        return queryset


@admin.register(Clip)
class ClipAdmin(ModerationActionsMixin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "cover_thumb",
        "song_link",
        "status",
        "model_name",
        "duration",
        "song_owner",
        "play_count",
        "is_hidden",
        "archived_copy",
        "completed_at",
    )
    list_filter = ("status", ArchivedCopyFilter, "model_name", "is_hidden", "song__is_public", "created_at")
    search_fields = (
        "title",
        "upstream_id",
        "song__title",
        "song__lyrics",
        "song__tags",
        "song__owner__username",
    )
    list_select_related = ("song", "song__owner")
    date_hierarchy = "created_at"
    readonly_fields = (
        "song_link",
        "take",
        "status",
        "upstream_id",
        "title",
        "audio_url",
        "image_url",
        "video_url",
        "duration",
        "model_name",
        "metadata",
        "error_message",
        "audio_file",
        "image_file",
        "next_poll_at",
        "poll_attempts",
        "polling_since",
        "archive_attempts",
        "next_archive_at",
        "archive_error",
        "completed_at",
        "play_count",
        "player",
        "cover_large",
        "personas_from_clip",
        *MODERATION_FIELDS,
    )
    exclude = ("song",)

    def moderation_preview(self, target: Clip) -> str:
        return song_preview(target)

    def get_urls(self):
        media = self.admin_site.admin_view(self.media_view)
        return [
            path("<int:pk>/media/<str:kind>/", media, name="songs_clip_media"),
            *super().get_urls(),
        ]

    def media_view(self, request: HttpRequest, pk: int, kind: str) -> HttpResponse:
        """Archived media for whoever may view clips here (moderators aren't owners), with Range."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        clip = get_object_or_404(Clip, pk=pk)
        field_file = {"audio": clip.audio_file, "image": clip.image_file}.get(kind)
        if not field_file:
            raise Http404("Not archived")
        return media_response(request, field_file)

    @admin.display(description="Archived copy")
    def archived_copy(self, clip: Clip):
        if clip.audio_file:
            return "saved"
        if clip.is_archive_given_up:
            return f"not saved: {clip.archive_error or 'no audio URL'}"
        if clip.is_complete:
            return f"retrying: {clip.archive_error}" if clip.archive_error else "saving"
        return "—"

    @admin.display(description="Song", ordering="song__title")
    def song_link(self, clip: Clip):
        return admin_link(clip.song)

    @admin.display(description="Owner", ordering="song__owner__username")
    def song_owner(self, clip: Clip):
        return clip.song.owner

    @admin.display(description="Cover")
    def cover_thumb(self, clip: Clip):
        return cover(clip, 40)

    @admin.display(description="Cover")
    def cover_large(self, clip: Clip):
        return cover(clip, 200)

    @admin.display(description="Audio")
    def player(self, clip: Clip):
        return player(clip)

    @admin.display(description="Personas made from this clip")
    def personas_from_clip(self, clip: Clip):
        related = getattr(clip, "personas", None)
        if related is None:
            return "—"
        personas = list(related.all()[:20])
        if not personas:
            return "—"
        return format_html_join(", ", "{}", ((admin_link(persona),) for persona in personas))

    @admin.display(description="Moderation history")
    def moderation_history(self, clip: Clip):
        return history_panel(clip) if clip.pk else "—"


# --- What the clip tools make: rows an operator checks when something is converting or stuck ---------


@admin.register(ClipAsset)
class ClipAssetAdmin(admin.ModelAdmin):
    list_display = ("clip", "kind", "status", "attempts", "next_poll_at", "ready_at")
    list_filter = ("kind", "status")
    search_fields = ("clip__upstream_id", "clip__song__owner__username")
    raw_id_fields = ("clip",)
    readonly_fields = ("upstream_url", "words", "created_at", "updated_at", "ready_at")


@admin.register(LyricsDraft)
class LyricsDraftAdmin(admin.ModelAdmin):
    list_display = ("owner", "idea", "state", "title", "created_at")
    list_filter = ("state",)
    search_fields = ("owner__username", "idea", "upstream_task_id")
    raw_id_fields = ("owner",)


@admin.register(CreatorProfile)
class CreatorProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "default_model_version", "updated_at")
    raw_id_fields = ("user",)


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    """The operator's catalogue: what the create forms offer, with each version's limits. An edit shows
    in the forms at once (the catalogue cache is dropped on save)."""

    list_display = (
        "mv",
        "label",
        "is_enabled",
        "is_default",
        "can_generate",
        "can_extend",
        "can_persona",
        "can_stems",
        "sort_order",
        "note",
    )
    list_editable = ("is_enabled", "sort_order")
    list_filter = ("is_enabled", "can_generate", "can_persona", "can_stems")
    search_fields = ("mv", "label", "note")
    fieldsets = (
        (None, {"fields": ("mv", "label", "note", "is_enabled", "is_default", "sort_order")}),
        (
            "What it can do",
            {"fields": ("can_generate", "can_extend", "can_persona", "can_cover", "can_stems")},
        ),
        (
            "Limits (characters)",
            {
                "fields": (
                    "lyrics_max",
                    "tags_max",
                    "negative_tags_max",
                    "description_max",
                    "title_max",
                    "max_length",
                )
            },
        ),
    )
