"""Staff notices: what makes "an admin has been notified" true.

A notice is a row staff see on the admin index and in a banner on every studio page. When email is
configured (settings.STAFF_NOTICE_EMAIL), every active staff user with an address also gets an email, at
most once an hour per cause, so a failure that repeats on every poll tick sends one email, not hundreds.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from .models import StaffNotice

logger = logging.getLogger(__name__)

EMAIL_AT_MOST_EVERY = timedelta(hours=1)
DETAIL_MAX = 10_000  # raw upstream bodies can be long; the start says what went wrong


def notify_staff(
    *, cause: str, message: str, detail: str = "", url: str = "", now: datetime | None = None
) -> StaffNotice:
    """Record (or bump) the open notice for `cause`, then email staff after the transaction commits.

    The latest `message` replaces the earlier one (staff act on the newest facts), and so do `detail` and
    `url` when given.
    """
    now = now or timezone.now()
    detail = detail[:DETAIL_MAX]
    notice = _record(cause=cause, message=message, detail=detail, url=url, now=now)
    if settings.STAFF_NOTICE_EMAIL:
        # After commit: a rolled-back notice sends nothing, and no transaction waits on the mail server.
        transaction.on_commit(lambda: _email_staff(notice.pk, now=now))
    return notice


def resolve_cause(cause: str, *, now: datetime | None = None) -> int:
    """Close the open notice for `cause` once the code sees the problem gone (the balance topped up)."""
    return StaffNotice.objects.open().filter(cause=cause).update(resolved_at=now or timezone.now())


def _record(*, cause: str, message: str, detail: str, url: str, now: datetime) -> StaffNotice:
    changes = {"message": message, "last_seen_at": now}
    changes |= {"detail": detail} if detail else {}
    changes |= {"url": url} if url else {}
    for _ in range(3):
        open_notice = StaffNotice.objects.open().filter(cause=cause)
        if open_notice.update(count=F("count") + 1, **changes):
            notice = open_notice.first()
            if notice is not None:  # resolved by staff between the two statements: start a new one
                return notice
        # A savepoint, so that losing the race below leaves the caller's transaction usable.
        try:
            with transaction.atomic():
                return StaffNotice.objects.create(
                    cause=cause, first_seen_at=now, **{"detail": detail, "url": url, **changes}
                )
        except IntegrityError:  # another worker opened it first (one open notice per cause): bump that one
            continue
    raise RuntimeError(f"could not record the staff notice {cause!r}")


def _email_staff(notice_id: int, *, now: datetime) -> None:
    user_model = get_user_model()
    email_field = user_model.get_email_field_name()
    recipients = list(
        user_model.objects.filter(is_active=True, is_staff=True)
        .exclude(**{email_field: ""})
        .order_by(email_field)
        .values_list(email_field, flat=True)
    )
    if not recipients:
        return
    # The conditional UPDATE is the guard: of two workers racing, exactly one claims this hour's email.
    # The row's own column decides the race (PostgreSQL rechecks it after the row lock); the subquery
    # covers a cause resolved and opened again within the hour (a new row, the same cause).
    cutoff = now - EMAIL_AT_MOST_EVERY
    due = Q(last_emailed_at__isnull=True) | Q(last_emailed_at__lte=cutoff)
    emailed_recently = StaffNotice.objects.filter(
        cause=OuterRef("cause"), last_emailed_at__gt=cutoff
    ).exclude(pk=OuterRef("pk"))
    claimed = StaffNotice.objects.filter(due, ~Exists(emailed_recently), pk=notice_id).update(
        last_emailed_at=now
    )
    if not claimed:
        return
    notice = StaffNotice.objects.get(pk=notice_id)
    try:
        send_mail(
            subject=_subject(notice),
            message=_body(notice),
            from_email=None,  # DEFAULT_FROM_EMAIL
            recipient_list=recipients,
            fail_silently=False,
        )
    except Exception:
        # The claim stays: a broken mail server costs one failed attempt an hour per cause, not one per
        # poll tick. The notice itself is on the admin index and in the staff banner either way.
        logger.exception("staff notice %s (%s): the email could not be sent", notice.pk, notice.cause)


def _subject(notice: StaffNotice) -> str:
    first_line = " ".join(notice.message.split())  # a header must not hold a newline (BadHeaderError)
    if len(first_line) > 120:
        first_line = first_line[:119] + "…"
    return f"[Suno Studio] {first_line}"


def _local(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M %Z}"


def _absolute(url: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + url if url.startswith("/") else url


def _body(notice: StaffNotice) -> str:
    lines = [notice.message, ""]
    if notice.url:
        lines += [f"Where to act: {_absolute(notice.url)}", ""]
    lines += [
        f"Seen {notice.count} time(s), first at {_local(notice.first_seen_at)}, "
        f"last at {_local(notice.last_seen_at)}.",
        f"Open notices: {_absolute(reverse('admin:index'))}",
        "",
        f"You get at most one email an hour about this ({notice.cause}). Mark it resolved in the admin "
        "once it is dealt with.",
    ]
    if notice.detail:
        lines += ["", "What the music service said:", notice.detail]
    return "\n".join(lines)
