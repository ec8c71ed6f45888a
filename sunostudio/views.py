"""Probes for the load balancer, and the CSRF failure page. None of them needs a login or the upstream."""

from __future__ import annotations

import logging
from collections.abc import Callable

import redis
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

STORAGE_PROBE_NAME = "readyz-probe"  # never written: exists() on it only proves the store answers
PROBE_TIMEOUT_SECONDS = 2


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Touches nothing else, so a database outage doesn't restart us."""
    return HttpResponse("ok", content_type="text/plain")


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")


def check_broker() -> None:
    if settings.REDIS_URL:
        client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=PROBE_TIMEOUT_SECONDS,
            socket_timeout=PROBE_TIMEOUT_SECONDS,
        )
        try:
            client.ping()
        finally:
            client.close()
    else:
        from django_q.models import OrmQ  # the ORM broker's queue table

        OrmQ.objects.using(settings.Q_CLUSTER["orm"]).exists()


def check_storage() -> None:
    default_storage.exists(STORAGE_PROBE_NAME)


READINESS_CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "broker": check_broker,
    "storage": check_storage,
}


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when the database, the job broker and media storage answer, else 503.

    The body names each check but never the error: this URL is public. The error goes to the log.
    """
    checks = {}
    for name, check in READINESS_CHECKS.items():
        try:
            check()
        except Exception as error:  # whatever the driver raises, the answer is "not ready"
            logger.warning("readyz: the %s check failed: %r", name, error)
            checks[name] = "failed"
        else:
            checks[name] = "ok"
    is_ready = all(result == "ok" for result in checks.values())
    return JsonResponse(
        {"status": "ok" if is_ready else "failed", "checks": checks}, status=200 if is_ready else 503
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    # CsrfViewMiddleware already logs the reason (django.security.csrf); the page says what to do.
    return render(request, "403.html", {"is_csrf_failure": True}, status=403)
