"""Reads for the operator's credits report and the admin index panel (accounts/admin.py): what creators
spent, what was granted, what waits for review. (accounts/selectors.py holds the creator's own reads.)

Every figure is an aggregate query (one per table and report section, bounded), never a loop over
entries. "Spent" is always net: the credits charged minus the credits refunded, each counted on the day
its ledger line was written (a refund made on the 2nd lowers the 2nd's spend, not the 1st's).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDay, TruncMonth
from django.utils import timezone

from sunostudio.models import UpstreamBalance

from .models import Account, CreditEntry, PaidRequest

TOP_SPENDERS = 20
DAYS = 30
MONTHS = 12
# A studio of a few hundred creators fits; past this the page asks for one creator's rows instead.
ROW_LIMIT = 300

CHARGE = CreditEntry.Kind.CHARGE
REFUND = CreditEntry.Kind.REFUND
GRANT = CreditEntry.Kind.GRANT
ADJUSTMENT = CreditEntry.Kind.ADJUSTMENT


def month_start(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def months_back(now: datetime, months: int) -> datetime:
    """The first moment of the month `months` before this one (0: this month's start)."""
    start = month_start(now)
    for _ in range(months):
        start = month_start(start - timedelta(days=1))
    return start


def day_start(now: datetime, days_back: int = 0) -> datetime:
    local = timezone.localtime(now) - timedelta(days=days_back)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _spend() -> dict:
    """charged, refunded and net for the entries a query groups (it holds only charges and refunds).
    Charges are negative amounts, so spend is minus their sum."""
    return {
        "charged": Coalesce(-Sum("amount", filter=Q(kind=CHARGE)), 0),
        "refunded": Coalesce(Sum("amount", filter=Q(kind=REFUND)), 0),
        "net": Coalesce(-Sum("amount"), 0),
    }


def _spending(since: datetime | None = None, creator: str = "") -> QuerySet[CreditEntry]:
    entries = CreditEntry.objects.filter(kind__in=(CHARGE, REFUND))
    if since is not None:
        entries = entries.filter(created_at__gte=since)
    if creator:
        entries = entries.filter(user__username=creator)
    return entries


@dataclass(frozen=True)
class Rows:
    rows: list[dict]  # one per creator and period, newest period first
    truncated: bool  # more rows than ROW_LIMIT matched: the page offers a per-creator view

    @property
    def periods(self) -> list[dict]:
        """The rows grouped by period: its totals and each creator's net spend, biggest first (the
        query's order), so a period is one line however many creators spent in it."""
        grouped: dict = {}
        for row in self.rows:
            period = grouped.setdefault(
                row["bucket"],
                {"bucket": row["bucket"], "charged": 0, "refunded": 0, "net": 0, "creators": []},
            )
            for key in ("charged", "refunded", "net"):
                period[key] += row[key]
            period["creators"].append(row)
        return list(grouped.values())


def _bounded(queryset, limit: int = ROW_LIMIT) -> Rows:
    rows = list(queryset[: limit + 1])
    return Rows(rows=rows[:limit], truncated=len(rows) > limit)


def spend_per_creator(*, period: str, now: datetime | None = None, creator: str = "") -> Rows:
    """Net spend per creator per day (the last DAYS days) or per month (the last MONTHS months), newest
    first and the biggest spender first within a period. One grouped query."""
    now = now or timezone.now()
    if period == "day":
        since, trunc = day_start(now, DAYS - 1), TruncDay("created_at")
    elif period == "month":
        since, trunc = months_back(now, MONTHS - 1), TruncMonth("created_at")
    else:
        raise ValueError(f"period is 'day' or 'month', not {period!r}")
    grouped = (
        _spending(since, creator)
        .annotate(bucket=trunc)  # not "period": the ledger has a field of that name
        .values("bucket", "user_id", username=F("user__username"))
        .annotate(**_spend())
        .order_by("-bucket", "-net", "username")
    )
    return _bounded(grouped)


def top_spenders(*, since: datetime | None = None, limit: int = TOP_SPENDERS) -> list[dict]:
    """The creators who spent most (net) since `since` (None: ever), with their balance now."""
    grouped = (
        _spending(since)
        .values("user_id", username=F("user__username"), balance=F("user__account__balance"))
        .annotate(**_spend())
        .filter(charged__gt=0)
        .order_by("-net", "username")
    )
    return list(grouped[:limit])


@dataclass(frozen=True)
class Totals:
    """Ledger sums this month and ever (one query on the ledger)."""

    granted_month: int
    adjusted_month: int
    charged_month: int
    refunded_month: int
    refunds_month: int
    granted_all: int
    adjusted_all: int
    charged_all: int
    refunded_all: int

    @property
    def spent_month(self) -> int:
        return self.charged_month - self.refunded_month

    @property
    def spent_all(self) -> int:
        return self.charged_all - self.refunded_all


def ledger_totals(*, now: datetime | None = None) -> Totals:
    this_month = Q(created_at__gte=month_start(now or timezone.now()))
    sums = CreditEntry.objects.aggregate(
        granted_month=Coalesce(Sum("amount", filter=this_month & Q(kind=GRANT)), 0),
        adjusted_month=Coalesce(Sum("amount", filter=this_month & Q(kind=ADJUSTMENT)), 0),
        charged_month=Coalesce(-Sum("amount", filter=this_month & Q(kind=CHARGE)), 0),
        refunded_month=Coalesce(Sum("amount", filter=this_month & Q(kind=REFUND)), 0),
        refunds_month=Count("pk", filter=this_month & Q(kind=REFUND)),
        granted_all=Coalesce(Sum("amount", filter=Q(kind=GRANT)), 0),
        adjusted_all=Coalesce(Sum("amount", filter=Q(kind=ADJUSTMENT)), 0),
        charged_all=Coalesce(-Sum("amount", filter=Q(kind=CHARGE)), 0),
        refunded_all=Coalesce(Sum("amount", filter=Q(kind=REFUND)), 0),
    )
    return Totals(**sums)


def month_panel(*, now: datetime | None = None) -> dict:
    """The admin index's credits panel: this month's grants and net spend, and the review queue (two
    small queries: this month's ledger lines, and the state index of paid requests)."""
    sums = CreditEntry.objects.filter(created_at__gte=month_start(now or timezone.now())).aggregate(
        granted=Coalesce(Sum("amount", filter=Q(kind=GRANT)), 0),
        spent=Coalesce(-Sum("amount", filter=Q(kind__in=(CHARGE, REFUND))), 0),
    )
    return {**sums, "needs_review": PaidRequest.objects.needs_review().count()}


@dataclass(frozen=True)
class Balances:
    """What creators can still spend (one query on accounts)."""

    outstanding: int  # the sum of positive balances
    overdrawn: int  # the sum of negative balances (unlimited accounts are charged past zero), <= 0
    accounts: int


def account_balances() -> Balances:
    sums = Account.objects.aggregate(
        outstanding=Coalesce(Sum("balance", filter=Q(balance__gt=0)), 0),
        overdrawn=Coalesce(Sum("balance", filter=Q(balance__lt=0)), 0),
        accounts=Count("pk"),
    )
    return Balances(**sums)


def request_counts() -> dict[str, int]:
    """Paid requests waiting for review, and in progress (one query)."""
    return PaidRequest.objects.aggregate(
        needs_review=Count("pk", filter=Q(state=PaidRequest.State.REVIEW)),
        in_progress=Count("pk", filter=Q(state=PaidRequest.State.HELD)),
    )


@dataclass(frozen=True)
class Report:
    now: datetime
    month_start: datetime
    creator: str
    per_day: Rows
    per_month: Rows
    top_this_month: list[dict]
    top_all_time: list[dict]
    totals: Totals
    balances: Balances
    requests: dict[str, int]
    upstream: UpstreamBalance | None

    @property
    def usd_per_credit(self) -> float | None:
        """The upstream's used dollars over the credits creators spent (net), ever: rough, since the key
        may have been used before credits were recorded."""
        if self.upstream is None or self.upstream.used_usd is None or self.totals.spent_all <= 0:
            return None
        return self.upstream.used_usd / self.totals.spent_all


def report(*, now: datetime | None = None, creator: str = "") -> Report:
    now = now or timezone.now()
    start = month_start(now)
    return Report(
        now=now,
        month_start=start,
        creator=creator,
        per_day=spend_per_creator(period="day", now=now, creator=creator),
        per_month=spend_per_creator(period="month", now=now, creator=creator),
        top_this_month=top_spenders(since=start),
        top_all_time=top_spenders(),
        totals=ledger_totals(now=now),
        balances=account_balances(),
        requests=request_counts(),
        upstream=UpstreamBalance.current(),
    )
