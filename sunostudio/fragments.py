"""Rendered markup kept in each process's memory under a hash of everything it shows.

A change to anything shown makes a new key, so a kept fragment is never stale and no write anywhere has to
remember to forget one: the process's own memory is enough (CACHES["fragments"]), and old keys age out.
Not while DEBUG: an edited template must show at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.urls import get_script_prefix


def fragment_key(kind: str, data: object) -> str:
    """`data`'s repr must name everything the fragment shows (the script prefix is added here)."""
    text = repr((data, get_script_prefix()))
    return f"{kind}:{hashlib.blake2b(text.encode(), digest_size=16).hexdigest()}"


def kept_fragments(renders: dict[str, Callable[[], str]]) -> dict[str, str]:
    """Each key's markup: kept, or rendered now (and kept)."""
    if settings.DEBUG:
        return {key: render() for key, render in renders.items()}
    store = caches["fragments"]
    kept = store.get_many(list(renders))
    fresh = {key: render() for key, render in renders.items() if key not in kept}
    if fresh:
        store.set_many(fresh)
    return kept | fresh


def kept_fragment(key: str, render: Callable[[], str]) -> str:
    return kept_fragments({key: render})[key]
