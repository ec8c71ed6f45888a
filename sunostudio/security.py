"""The locks a public site needs that aren't middleware: who a request comes from, the login lockout page,
and a small per-address limit for forms anyone may post (sign-up, password reset)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or behind settings.TRUSTED_PROXY_COUNT proxies the address the outermost one saw.

    Each proxy appends the address it was reached from to X-Forwarded-For, so only the last
    TRUSTED_PROXY_COUNT entries are theirs; anything further left was written by the client."""
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if count and len(forwarded) >= count:
        return forwarded[-count]
    return request.META.get("REMOTE_ADDR", "")


def lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' AXES_LOCKOUT_CALLABLE: our login page, saying why and for how long, with a 429.

    The form is unbound (the username kept as its initial value): a bound one would authenticate again."""
    username = request.POST.get("username", "") if request.method == "POST" else ""
    context = {
        "form": AuthenticationForm(request, initial={"username": username}),
        "next": request.POST.get("next", "") or request.GET.get("next", ""),
        "locked_out": True,
        "lockout_minutes": lockout_minutes(),
    }
    return render(request, "registration/login.html", context, status=429)


def too_many_attempts(request: HttpRequest, *, action: str, per_hour: int) -> bool:
    """Count one attempt at `action` from this request's address; True once it is over `per_hour`.

    A fixed one-hour window in the cache (shared by every process with CACHE_URL or REDIS_URL, per process
    without): approximate, which is enough to stop a script without getting in a person's way."""
    key = f"attempts:{action}:{client_ip(request)}"
    cache.add(key, 0, timeout=60 * 60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=60 * 60)
        count = 1
    return count > per_hour
