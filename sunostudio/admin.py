"""Staff notices in the admin: the list (open first), and "Mark resolved" as an action and as the button
on the admin index (templates/admin/index.html). Notices come from code, so nobody adds or edits one."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator
from django.views.decorators.http import require_POST

from .models import StaffNotice

# The studio's admin, named as such (templates/admin/base_site.html adds the mark).
admin.site.site_header = "Suno Studio admin"
admin.site.site_title = "Suno Studio admin"
admin.site.index_title = "Studio administration"


class OpenFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("resolved", "Resolved")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.open()
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(StaffNotice)
class StaffNoticeAdmin(admin.ModelAdmin):
    list_display = ("summary", "cause", "count", "last_seen_at", "is_open")
    list_filter = (OpenFilter, "cause")
    search_fields = ("cause", "message", "detail")
    actions = ["mark_resolved"]
    fields = (
        "message",
        "cause",
        "url",
        "count",
        "first_seen_at",
        "last_seen_at",
        "last_emailed_at",
        "resolved_at",
        "detail",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="notice", ordering="message")
    def summary(self, notice: StaffNotice) -> str:
        return Truncator(notice.message).chars(100)

    @admin.display(description="open", boolean=True, ordering="resolved_at")
    def is_open(self, notice: StaffNotice) -> bool:
        return notice.is_open

    @admin.action(description="Mark resolved", permissions=["change"])
    def mark_resolved(self, request: HttpRequest, queryset: QuerySet[StaffNotice]) -> None:
        resolved = queryset.open().update(resolved_at=timezone.now())
        self.message_user(request, f"{resolved} notice(s) marked resolved.", messages.SUCCESS)

    def get_urls(self):
        resolve = self.admin_site.admin_view(require_POST(self.resolve_view))
        return [
            path("<int:pk>/resolve/", resolve, name="sunostudio_staffnotice_resolve"),
            *super().get_urls(),
        ]

    def resolve_view(self, request: HttpRequest, pk: int) -> HttpResponseRedirect:
        """The admin index's button: one notice, then back where the staff member was."""
        notice = get_object_or_404(StaffNotice, pk=pk)
        if not self.has_change_permission(request, notice):
            raise PermissionDenied
        if notice.mark_resolved():
            self.log_change(request, notice, "Marked resolved.")
            self.message_user(request, f"Resolved: {Truncator(notice.message).chars(80)}", messages.SUCCESS)
        next_url = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = reverse("admin:index")
        return HttpResponseRedirect(next_url)
