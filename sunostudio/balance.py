"""Reading the studio key's paid credit from the upstream into the one `UpstreamBalance` row.

Only the balance job calls this (every 5 minutes, and `manage.py suno_balance --refresh`); pages read
the row. Gateways without the OpenAI-style billing routes answer 404 or an HTML page: that is a state
("not available from this gateway"), not an error.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from suno import errors as suno_errors

from .models import UpstreamBalance
from .notices import notify_staff, resolve_cause
from .upstream import get_client

logger = logging.getLogger(__name__)

LOW_BALANCE_CAUSE = "upstream_balance_low"
# A free GET: two attempts are plenty, and keep the job well inside the django-q2 timeout.
READ_ATTEMPTS = 2


def upstream_balance_refresh(*, now: datetime | None = None) -> UpstreamBalance:
    """Read the balance now and store the outcome; the first read below the threshold notifies staff."""
    now = now or timezone.now()
    changes: dict
    try:
        with get_client(max_attempts=READ_ATTEMPTS) as client:
            balance = client.get_balance()
    except suno_errors.RouteNotServed as error:
        logger.info("upstream balance: not served by this gateway (%s)", error.message)
        changes = {
            "status": UpstreamBalance.Status.NOT_SERVED,
            "error_message": "",
            "hard_limit_usd": None,
            "used_usd": None,
            "remaining_usd": None,
            "read_at": None,
        }
    except suno_errors.SunoError as error:
        logger.warning("upstream balance: the read failed: %s", error.message)
        changes = {"status": UpstreamBalance.Status.ERROR, "error_message": error.message}
    else:
        changes = {
            "status": UpstreamBalance.Status.OK,
            "error_message": "",
            "hard_limit_usd": balance.hard_limit_usd,
            "used_usd": balance.used_usd,
            "remaining_usd": balance.remaining_usd,
            "read_at": now,
        }

    threshold = settings.SUNO_BALANCE_WARN_USD
    with transaction.atomic():  # the row lock makes "was it low before?" and the write one step
        row = UpstreamBalance.objects.select_for_update().filter(pk=UpstreamBalance.SINGLETON_PK).first()
        was_low = row is not None and row.is_below(threshold)
        if row is None:
            row = UpstreamBalance(pk=UpstreamBalance.SINGLETON_PK)
        for field, value in {"checked_at": now, **changes}.items():
            setattr(row, field, value)
        row.save()

    if row.status == UpstreamBalance.Status.OK:
        if row.is_below(threshold) and not was_low:
            notify_staff(
                cause=LOW_BALANCE_CAUSE,
                message=(
                    f"The studio's music credit is low: ${row.remaining_usd:,.2f} left of "
                    f"${row.hard_limit_usd:,.2f} (warning below ${threshold:,.2f}). Top up the API key's "
                    "account before songs start failing."
                ),
                url=reverse("admin:index"),
                now=now,
            )
        elif not row.is_below(threshold):
            resolve_cause(LOW_BALANCE_CAUSE, now=now)  # topped up: the warning is no longer true
    return row
