"""Admin lists for the clip tools' rows, so an operator can see what is converting or stuck."""

from django.contrib import admin

from .models import ClipAsset, CreatorProfile, LyricsDraft


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
