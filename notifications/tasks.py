"""The worker's side: one try of one delivery, and the minute sweep that tries whatever is due again."""

from __future__ import annotations

from . import services


def deliver_webhook(delivery_id: int) -> None:
    services.deliver(delivery_id)


def deliver_due_webhooks() -> int:
    ids = services.due_delivery_ids()
    for delivery_id in ids:
        services.deliver(delivery_id)
    return len(ids)
