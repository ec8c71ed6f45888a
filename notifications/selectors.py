from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from .models import Notification, Webhook, WebhookAttempt, WebhookDelivery

BELL_SIZE = 6
PAGE_SIZE = 50
LOG_SIZE = 20


def latest_notifications(user, *, limit: int = BELL_SIZE) -> list[Notification]:
    return list(Notification.objects.filter(user=user)[:limit])


def notifications_page(user) -> QuerySet:
    return Notification.objects.filter(user=user)[:PAGE_SIZE]


def webhooks_with_log(user) -> list[Webhook]:
    """Each webhook (at most five) with its latest deliveries and their tries: two queries a webhook."""
    deliveries = WebhookDelivery.objects.prefetch_related(
        Prefetch("log", queryset=WebhookAttempt.objects.all())
    )
    webhooks = list(Webhook.objects.filter(user=user))
    for webhook in webhooks:
        webhook.recent_deliveries = list(deliveries.filter(webhook=webhook)[:LOG_SIZE])
    return webhooks
