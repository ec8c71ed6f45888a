"""`{% load known_urls %}` replaces Django's {% url %} in that template with one that reverses an address
without arguments once a process: base.html asks for twenty on every page, and each reverse() cost about
as much Python as a small query. An address with arguments, or `as var`, is Django's own tag at work."""

from __future__ import annotations

from django import template
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import get_script_prefix, get_urlconf

register = template.Library()


def _current_app(context: template.Context) -> str | None:
    """As Django's tag works it out: the request's current_app, else the namespace of the page's view."""
    try:
        return context.request.current_app
    except AttributeError:
        try:
            return context.request.resolver_match.namespace
        except AttributeError:
            return None


class KnownURLNode(URLNode):
    known: dict[tuple, str] = {}

    def render(self, context: template.Context) -> str:
        if self.args or self.kwargs or self.asvar:
            return super().render(context)
        view_name = self.view_name.resolve(context)
        key = (view_name, _current_app(context), get_script_prefix(), get_urlconf(), context.autoescape)
        if key not in self.known:
            self.known[key] = super().render(context)
        return self.known[key]


@register.tag
def url(parser, token) -> KnownURLNode:
    node = django_url(parser, token)
    return KnownURLNode(node.view_name, node.args, node.kwargs, node.asvar)
