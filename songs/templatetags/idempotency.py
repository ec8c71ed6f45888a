"""A fresh idempotency key per rendered action. Template tags never query: data comes from the view."""

from __future__ import annotations

import uuid

from django import template

register = template.Library()


@register.simple_tag
def new_idempotency_key() -> str:
    """Each rendered button is one user action: pressing it twice sends the same key."""
    return str(uuid.uuid4())
