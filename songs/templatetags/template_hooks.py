"""{% template_hook "name" %}: the templates settings.SONGS_TEMPLATE_HOOKS lists for that place, rendered with
the page's context. The protocol by which a higher app (playlists) adds to songs' pages: songs names the
places, the higher app's settings entry fills them, and nothing in songs imports it."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.template.loader import get_template
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def template_hook(context: template.Context, name: str) -> str:
    names = getattr(settings, "SONGS_TEMPLATE_HOOKS", {}).get(name, [])
    flat = context.flatten()
    request = context.get("request")
    return mark_safe("".join(get_template(path).render(flat, request) for path in names))  # noqa: S308
