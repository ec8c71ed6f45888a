"""`staff_status` in every template of a staff user: the open notices and the upstream balance.

Creators get nothing (no key in the context, no query). For staff the reads are lazy, so a page that
shows no banner (an htmx partial) runs no query, and one that does runs two one-table reads.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import cached_property

from .balance import LOW_BALANCE_CAUSE
from .models import StaffNotice, UpstreamBalance

BANNER_NOTICES = 3  # the banner names this many; the admin index lists them all


class StaffStatus:
    @cached_property
    def open_notices(self) -> list[StaffNotice]:
        # At most one open notice per cause, and causes are a short fixed list: no paging needed.
        return list(StaffNotice.objects.open().order_by("-last_seen_at"))

    @property
    def _banner_candidates(self) -> list[StaffNotice]:
        # While the balance is low the banner's balance line says it; its notice would say it twice.
        if self.balance_is_low:
            return [notice for notice in self.open_notices if notice.cause != LOW_BALANCE_CAUSE]
        return self.open_notices

    @property
    def banner_notices(self) -> list[StaffNotice]:
        return self._banner_candidates[:BANNER_NOTICES]

    @property
    def more_notices(self) -> int:
        return max(0, len(self._banner_candidates) - BANNER_NOTICES)

    @cached_property
    def balance(self) -> UpstreamBalance | None:
        return UpstreamBalance.current()

    @property
    def balance_warn_usd(self) -> float:
        return settings.SUNO_BALANCE_WARN_USD

    @property
    def balance_is_low(self) -> bool:
        return self.balance is not None and self.balance.is_below(self.balance_warn_usd)

    @property
    def has_news(self) -> bool:
        return self.balance_is_low or bool(self.open_notices)


def staff_status(request: HttpRequest) -> dict[str, StaffStatus]:
    user = getattr(request, "user", None)
    if user is None or not (user.is_active and user.is_staff):
        return {}
    return {"staff_status": StaffStatus()}
