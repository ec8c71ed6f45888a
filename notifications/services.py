"""Telling a creator their work ended: a notification in the app and one delivery per active webhook.

A delivery is tried at once and then on a backoff (1, 5, 15 minutes, 1, 3, 6, 12 hours) until it is
answered 2xx or a day has passed since the event; each try is claimed with a conditional UPDATE, so two
workers never send the same try, and each is logged with what came back.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sunostudio.jobs import enqueue

from . import webhooks
from .models import Notification, Webhook, WebhookAttempt, WebhookDelivery

RETRY_DELAYS = (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600)  # seconds after each failed try
GIVE_UP_AFTER = timedelta(days=1)
TRY_LEASE = timedelta(seconds=60)  # longer than a try can take (timeout x redirects)
MAX_WEBHOOKS = 5


def notify(
    *, user, key: str, kind: str, message: str, url: str = "", event: str = "", payload: dict | None = None
) -> Notification | None:
    """One notification per `key`, and (for an `event`) a delivery to each of the user's active webhooks;
    None when that key was notified already, so nothing is sent twice."""
    with transaction.atomic():
        notification, created = Notification.objects.get_or_create(
            key=key, defaults={"user": user, "kind": kind, "message": message, "url": url}
        )
        if not created:
            return None
        if event:
            for webhook in Webhook.objects.filter(user=user, is_active=True):
                delivery = WebhookDelivery.objects.create(
                    webhook=webhook, event=event, payload=payload or {}, next_attempt_at=timezone.now()
                )
                enqueue("notifications.tasks.deliver_webhook", delivery.pk)
    return notification


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_all_read(user, *, now: datetime | None = None) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=now or timezone.now())


def webhook_add(*, user, url: str) -> Webhook:
    """The form checks the URL (webhooks.checked_address) first; this keeps the count in bounds."""
    with transaction.atomic():
        if Webhook.objects.select_for_update().filter(user=user).count() >= MAX_WEBHOOKS:
            raise ValueError(f"You can have at most {MAX_WEBHOOKS} webhooks.")
        return Webhook.objects.create(user=user, url=url)


def webhook_rotate_secret(webhook: Webhook) -> Webhook:
    from .models import new_secret

    webhook.secret = new_secret()
    webhook.save(update_fields=["secret"])
    return webhook


def webhook_ping(webhook: Webhook) -> WebhookDelivery:
    """A test event, so a creator can check their receiver and its signature check before a song ends."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.create(
            webhook=webhook,
            event="ping",
            payload={"message": "A test event from Suno Studio: your webhook is reachable."},
            next_attempt_at=timezone.now(),
        )
        enqueue("notifications.tasks.deliver_webhook", delivery.pk)
    return delivery


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    due = Q(next_attempt_at__lte=now) & (Q(lease_until__isnull=True) | Q(lease_until__lt=now))
    claimed = WebhookDelivery.objects.filter(due, pk=delivery_id, state=WebhookDelivery.State.PENDING).update(
        lease_until=now + TRY_LEASE
    )
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)


def deliver(delivery_id: int, *, now: datetime | None = None, http: httpx.Client | None = None) -> str | None:
    """One try of one delivery, if it is due and no one else is trying it; returns its state after."""
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    own_client = http is None
    http = http or httpx.Client(timeout=settings.WEBHOOK_TIMEOUT_SECONDS, follow_redirects=False)
    started = timezone.now()
    try:
        answer = webhooks.send(
            delivery.webhook.url,
            secret=delivery.webhook.secret,
            event=delivery.event,
            delivery_id=str(delivery.event_id),
            payload={"id": str(delivery.event_id), "type": delivery.event, **delivery.payload},
            http=http,
        )
    finally:
        if own_client:
            http.close()
    took = int((timezone.now() - started).total_seconds() * 1000)
    WebhookAttempt.objects.create(
        delivery=delivery,
        at=now,
        url=answer.url,
        status_code=answer.status_code,
        error=answer.error,
        milliseconds=took,
    )
    attempts = delivery.attempts + 1
    fields = {"attempts": attempts, "lease_until": None}
    if answer.delivered:
        fields.update(state=WebhookDelivery.State.DELIVERED, finished_at=now, next_attempt_at=None)
    elif answer.refused:
        fields.update(state=WebhookDelivery.State.REFUSED, finished_at=now, next_attempt_at=None)
    else:
        retry_at = now + timedelta(seconds=RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1])
        if retry_at - delivery.created_at > GIVE_UP_AFTER:
            fields.update(state=WebhookDelivery.State.FAILED, finished_at=now, next_attempt_at=None)
        else:
            fields["next_attempt_at"] = retry_at
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
    return fields.get("state", WebhookDelivery.State.PENDING)


def due_delivery_ids(*, now: datetime | None = None, limit: int = 100) -> list[int]:
    now = now or timezone.now()
    due = WebhookDelivery.objects.filter(
        state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now
    ).filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
    return list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
