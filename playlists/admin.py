from django.contrib import admin

from .models import Playlist, PlaylistItem


class PlaylistItemInline(admin.TabularInline):
    model = PlaylistItem
    extra = 0
    raw_id_fields = ("clip",)
    ordering = ("position",)
    fields = ("position", "clip", "added_at")


@admin.register(Playlist)
class PlaylistAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "is_public", "item_count", "updated_at")
    list_filter = ("is_public", "created_at")
    search_fields = ("title", "description", "owner__username")
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)
    date_hierarchy = "created_at"
    inlines = [PlaylistItemInline]

    @admin.display(description="items")
    def item_count(self, playlist: Playlist) -> int:
        return playlist.items.count()
