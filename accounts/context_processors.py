"""`account` for a logged-in user's header (the balance, a pending-approval notice) and `signup_policy`
for everyone (the sign-up links hide when it is closed).

The account is read lazily: an htmx partial that renders no header runs no query, and a full page runs
one (plus this month's grant, once, on the first page of a month: services.account_of)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .services import account_of


def credits(request: HttpRequest) -> dict[str, object]:
    context: dict[str, object] = {"signup_policy": settings.SIGNUP_POLICY}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["account"] = SimpleLazyObject(lambda: account_of(user))
    return context
