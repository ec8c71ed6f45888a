"""The one door for paid upstream calls: charged before, sent only with the charge, settled after.

    with transaction.atomic():                 # the web request: save the row and charge it together
        song = Song.objects.create(...)
        song.paid_request = paid.charge(user=..., action=Action.GENERATE, subject=..., subject_url=...)
    ...
    with paid.sending(song.paid_request_id):   # the job: paid client methods of this action may run
        client.generate_custom(...)
    paid.failed(song.paid_request_id, error=error, reason=...)   # refund, or hold for review
    paid.settle(song.paid_request_id)                            # it made something: the charge stands

A client from sunostudio.upstream.get_client() refuses any paid method outside `sending`, so no path can
reach the upstream without a ledger line.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from suno import errors as suno_errors
from sunostudio import paid_calls
from sunostudio.upstream import charged_for

from .errors import NotCharged
from .models import PaidRequest
from .services import charge, hold_for_review, record_task_id, refund, settle

__all__ = ["charge", "failed", "record_task_id", "refund", "sending", "settle"]

NOT_CHARGED = "This request was saved before credits were counted, so it wasn't sent. Press Retry to send it."


@contextmanager
def sending(request_id: int | None) -> Iterator[PaidRequest]:
    request = (
        PaidRequest.objects.filter(pk=request_id, state=PaidRequest.State.HELD).first()
        if request_id
        else None
    )
    if request is None:
        raise NotCharged(NOT_CHARGED)
    with charged_for(request.action):
        yield request


def failed(
    request_id: int | None,
    *,
    reason: str,
    error: suno_errors.SunoError | None = None,
    unconfirmed: bool = False,
    now: datetime | None = None,
) -> bool:
    """Settle a request that produced nothing. It is refunded when the upstream definitely made nothing
    (`error` None means the upstream said so itself: a FAILURE task, every take in error, or too long
    waiting), and held for staff review when nobody can tell (`unconfirmed`, or an error that may have
    been charged). Returns True when it was refunded."""
    if unconfirmed or (error is not None and not paid_calls.nothing_was_charged(error)):
        hold_for_review(request_id, reason=reason, now=now)
        return False
    return refund(request_id, reason=reason, now=now)
