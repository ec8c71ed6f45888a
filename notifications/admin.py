from django.contrib import admin

from .models import Notification, Webhook, WebhookAttempt, WebhookDelivery


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("message", "user", "kind", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("user__username", "message")
    readonly_fields = ("user", "key", "kind", "message", "url", "created_at", "read_at")


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ("url", "user", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("user__username", "url")
    readonly_fields = ("user", "created_at")
    fields = ("user", "url", "is_active", "created_at")


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("at", "url", "status_code", "error", "milliseconds")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("event", "webhook", "state", "attempts", "created_at", "next_attempt_at")
    list_filter = ("state", "event")
    search_fields = ("webhook__url", "webhook__user__username", "event_id")
    list_select_related = ("webhook",)
    readonly_fields = (
        "webhook",
        "event_id",
        "event",
        "payload",
        "state",
        "attempts",
        "next_attempt_at",
        "created_at",
        "finished_at",
    )
    exclude = ("lease_until",)
    inlines = [WebhookAttemptInline]

    def has_add_permission(self, request) -> bool:
        return False
