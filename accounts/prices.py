"""The price table, read on every page with a paid button: cached, and dropped whenever staff edit it."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Price

CACHE_KEY = "accounts:prices"
# Seeded by migration 0002 (generate, extend, cover, replace section and stems 10; the rest free).


def price_table() -> dict[str, int]:
    table = cache.get(CACHE_KEY)
    if table is None:
        table = dict(Price.objects.values_list("action", "credits"))
        cache.set(CACHE_KEY, table, 300)
    return table


def price_of(action: str) -> int:
    """A missing row is a misconfiguration, not a free call: refuse loudly."""
    try:
        return price_table()[action]
    except KeyError:
        raise LookupError(f"no price for {action!r}: add it in the admin's price table") from None


@receiver([post_save, post_delete], sender=Price)
def _drop_cache(**_kwargs) -> None:
    cache.delete(CACHE_KEY)
