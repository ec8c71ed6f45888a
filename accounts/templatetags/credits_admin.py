"""The admin index's credits panel: `{% load credits_admin %}{% credits_panel %}` in admin/index.html.

The index is sunostudio's template; loading this library there is not an import, so the layers hold."""

from __future__ import annotations

from django import template

from .. import reports

register = template.Library()


@register.inclusion_tag("admin/accounts/index_panel.html", takes_context=True)
def credits_panel(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("accounts.view_creditentry"):
        return {"show": False}
    return {
        "show": True,
        "panel": reports.month_panel(),
        "can_review": user.has_perm("accounts.view_paidrequest"),
    }
