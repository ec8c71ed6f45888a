"""Every write to credits (the monthly grant, charges, refunds, reviews and staff adjustments), and
sign-up: the account a new user starts with, under settings.SIGNUP_POLICY.

A charge is made inside the transaction that saves the request a job will send, with a conditional UPDATE
on the balance, so two requests racing for the last credits make one row to send and one refusal. A
refund is a conditional UPDATE of the request's state plus a unique constraint on (refund, request): a job
that runs twice refunds once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format

from .errors import (
    AwaitingApproval,
    EmailNotConfirmed,
    InviteRefused,
    LimitReached,
    NotEnoughCredits,
    SignupClosed,
)
from .models import MAKES_TAKES, Account, Action, CreditEntry, InviteCode, PaidRequest
from .prices import price_of

NOT_ENOUGH = "{action} costs {price} credits and you have {balance}."
TOPPED_UP_ON = " Your balance is topped up to {allowance} credits on {date}."
ASK_STAFF = " An admin can grant you more."
IN_FLIGHT_FULL = (
    "You already have {count} songs being made, the most at once. Wait for one to finish, then try again."
)
HOURLY_FULL = (
    "You've sent {count} requests in the last hour, the most allowed. You can send the next one at {time}."
)
PENDING_APPROVAL = "Your account is waiting for an admin to approve it. You can look around until then."
DECLINED = "Your account wasn't approved, so it can't make anything."
EMAIL_UNCONFIRMED = (
    "Confirm your email address first: open the link we sent to {email}. "
    "The notice at the top of the page sends it again."
)
INVITE_UNKNOWN = "There's no invite with this code. Check it, or ask whoever invited you for a new one."
INVITE_EXPIRED = "This invite code has expired. Ask whoever invited you for a new one."
INVITE_USED_UP = "This invite code has been used as often as it allows. Ask whoever sent it for a new one."
SIGNUP_CLOSED = "Sign-up is closed: the studio isn't taking new accounts at the moment."


def period_of(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m")


def next_period_start(moment: datetime) -> datetime:
    local = timezone.localtime(moment)
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (first + timedelta(days=32)).replace(day=1)


def _balance(user_id: int) -> int:
    return Account.objects.values_list("balance", flat=True).get(user_id=user_id)


def _add(account_user_id: int, amount: int) -> int:
    Account.objects.filter(user_id=account_user_id).update(balance=F("balance") + amount)
    return _balance(account_user_id)


def account_of(user, *, now: datetime | None = None) -> Account:
    """The user's account, with this month's allowance granted if it isn't yet: lazily, at the first
    page or action of a month, so no schedule is needed."""
    now = now or timezone.now()
    account = getattr(user, "signed_in_account", None)  # read with the signed-in user (accounts.backends)
    if account is not None:
        del user.signed_in_account  # once: a later call in the request reads what the request changed
    else:
        account, _ = Account.objects.get_or_create(user=user)
    period = period_of(now)
    if account.granted_period != period:
        _grant_month(account, period, now)
        account.refresh_from_db()
    account.user = user
    return account


def _grant_month(account: Account, period: str, now: datetime) -> None:
    """Top the balance up to the allowance: unused monthly credits don't pile up month on month, and a
    balance above it (one-off grants) is kept. The conditional UPDATE makes it once per month."""
    with transaction.atomic():
        if (
            not Account.objects.filter(pk=account.pk)
            .exclude(granted_period=period)
            .update(granted_period=period)
        ):
            return
        balance = _balance(account.user_id)
        amount = max(0, account.allowance - balance)
        if amount:
            CreditEntry.objects.create(
                user_id=account.user_id,
                kind=CreditEntry.Kind.GRANT,
                amount=amount,
                balance_after=_add(account.user_id, amount),
                period=period,
                note=f"Monthly allowance for {period}",
                created_at=now,
            )


def _refuse_unapproved(account: Account) -> None:
    if account.approval == Account.Approval.PENDING:
        raise AwaitingApproval(PENDING_APPROVAL)
    if account.approval == Account.Approval.DECLINED:
        raise AwaitingApproval(DECLINED)
    if not account.email_confirmed:
        raise EmailNotConfirmed(EMAIL_UNCONFIRMED.format(email=account.user.email))


def _refuse_over_limits(account: Account, action: str, now: datetime) -> None:
    mine = PaidRequest.objects.filter(user_id=account.user_id)
    if action in MAKES_TAKES:
        in_flight = mine.filter(state=PaidRequest.State.HELD, action__in=MAKES_TAKES).count()
        if in_flight >= account.in_flight_limit:
            raise LimitReached(IN_FLIGHT_FULL.format(count=in_flight))
    window = list(
        mine.filter(created_at__gt=now - timedelta(hours=1))
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    if len(window) >= account.hourly_limit:
        free_at = window[len(window) - account.hourly_limit] + timedelta(hours=1)
        raise LimitReached(
            HOURLY_FULL.format(count=len(window), time=date_format(timezone.localtime(free_at), "H:i"))
        )


def charge(
    *, user, action: str, subject: str, subject_url: str = "", now: datetime | None = None
) -> PaidRequest:
    """Charge `user` for one `action`. Call it inside the transaction that saves the row the job sends:
    a refusal (a Refused) rolls both back, and the creator's form keeps what they typed."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("charge inside the transaction that saves the request")
    now = now or timezone.now()
    account = account_of(user, now=now)
    account = Account.objects.select_for_update().select_related("user").get(pk=account.pk)  # one at a time
    _refuse_unapproved(account)
    if not account.is_unlimited:
        _refuse_over_limits(account, action, now)
    price = price_of(action)
    balance = account.balance
    if account.is_unlimited:
        Account.objects.filter(pk=account.pk).update(balance=F("balance") - price)
    elif not Account.objects.filter(pk=account.pk, balance__gte=price).update(balance=F("balance") - price):
        raise NotEnoughCredits(_not_enough_message(account, action, price, balance, now))
    request = PaidRequest.objects.create(
        user=user,
        action=action,
        credits=price,
        subject=subject[:200],
        subject_url=subject_url,
        created_at=now,
    )
    CreditEntry.objects.create(
        user=user,
        kind=CreditEntry.Kind.CHARGE,
        amount=-price,
        balance_after=_balance(user.pk),
        request=request,
        created_at=now,
    )
    return request


def _not_enough_message(account: Account, action: str, price: int, balance: int, now: datetime) -> str:
    message = NOT_ENOUGH.format(action=Action(action).label, price=price, balance=max(balance, 0))
    if account.allowance > 0:
        first = next_period_start(now)
        message += TOPPED_UP_ON.format(allowance=account.allowance, date=date_format(first, "j F"))
    return message + ASK_STAFF


def record_task_id(request_id: int | None, task_id: str) -> None:
    if request_id and task_id:
        PaidRequest.objects.filter(pk=request_id).update(upstream_task_id=task_id[:100])


def settle(request_id: int | None, *, now: datetime | None = None) -> bool:
    """It produced something: the charge stands."""
    if request_id is None:
        return False
    return bool(
        PaidRequest.objects.filter(pk=request_id, state=PaidRequest.State.HELD).update(
            state=PaidRequest.State.DONE, settled_at=now or timezone.now()
        )
    )


def refund(request_id: int | None, *, reason: str, by=None, now: datetime | None = None) -> bool:
    """Give the credits back, once: a second call (a re-run job, a second click) changes nothing."""
    if request_id is None:
        return False
    now = now or timezone.now()
    with transaction.atomic():
        moved = PaidRequest.objects.filter(
            pk=request_id, state__in=(PaidRequest.State.HELD, PaidRequest.State.REVIEW)
        ).update(state=PaidRequest.State.REFUNDED, outcome=reason[:2000], settled_at=now, reviewed_by=by)
        if not moved:
            return False
        request = PaidRequest.objects.get(pk=request_id)
        CreditEntry.objects.create(
            user_id=request.user_id,
            kind=CreditEntry.Kind.REFUND,
            amount=request.credits,
            balance_after=_add(request.user_id, request.credits),
            request=request,
            note=reason[:300],
            made_by=by,
            created_at=now,
        )
    return True


def hold_for_review(request_id: int | None, *, reason: str, now: datetime | None = None) -> bool:
    """Nobody can tell whether the upstream made (and charged for) it: the charge stays, and staff see it
    in the admin's "needs review" list, where one action refunds it."""
    if request_id is None:
        return False
    return bool(
        PaidRequest.objects.filter(pk=request_id, state=PaidRequest.State.HELD).update(
            state=PaidRequest.State.REVIEW, outcome=reason[:2000], settled_at=now or timezone.now()
        )
    )


def keep_charge(request_id: int, *, by) -> bool:
    return bool(
        PaidRequest.objects.filter(pk=request_id, state=PaidRequest.State.REVIEW).update(
            state=PaidRequest.State.KEPT, reviewed_by=by
        )
    )


def grant(*, user, amount: int, note: str, by=None, now: datetime | None = None) -> CreditEntry:
    """A one-off grant (positive) or a correction (an adjustment, either sign) by staff."""
    now = now or timezone.now()
    kind = CreditEntry.Kind.GRANT if amount > 0 else CreditEntry.Kind.ADJUSTMENT
    with transaction.atomic():
        account_of(user, now=now)
        return CreditEntry.objects.create(
            user=user,
            kind=kind,
            amount=amount,
            balance_after=_add(user.pk, amount),
            note=note[:300],
            made_by=by,
            created_at=now,
        )


def invite_problem(code: str, *, now: datetime | None = None) -> str | None:
    """Why this code can't be used now, in the words the sign-up form shows; None when it can."""
    invite = InviteCode.objects.filter(code=code).first() if code else None
    if invite is None:
        return INVITE_UNKNOWN
    if invite.expires_at is not None and invite.expires_at <= (now or timezone.now()):
        return INVITE_EXPIRED
    if invite.uses >= invite.max_uses:
        return INVITE_USED_UP
    return None


def account_sign_up(*, user, invite_code: str = "", now: datetime | None = None) -> Account:
    """Save the new (unsaved) `user` with their account, as settings.SIGNUP_POLICY says.

    Under `invite` the code's use is a conditional UPDATE (uses < max_uses) in the transaction that saves
    the user: two people racing for its last use get one account, and the other a refusal with nothing
    saved. Under `approval` the account starts pending, so `charge` refuses it until staff approve. With
    settings.SIGNUP_VERIFY_EMAIL it also starts unconfirmed, refused until its emailed link is opened."""
    policy = settings.SIGNUP_POLICY
    if policy == "closed":
        raise SignupClosed(SIGNUP_CLOSED)
    now = now or timezone.now()
    with transaction.atomic():
        invite = None
        if policy == "invite":
            usable = InviteCode.objects.filter(code=invite_code, uses__lt=F("max_uses")).filter(
                Q(expires_at__isnull=True) | Q(expires_at__gt=now)
            )
            if not invite_code or not usable.update(uses=F("uses") + 1):
                raise InviteRefused(invite_problem(invite_code, now=now) or INVITE_USED_UP)
            invite = InviteCode.objects.get(code=invite_code)
        user.save()
        pending = policy == "approval"
        Account.objects.create(
            user=user,
            approval=Account.Approval.PENDING if pending else Account.Approval.APPROVED,
            email_confirmed=not settings.SIGNUP_VERIFY_EMAIL,
            invite=invite,
            created_at=now,
        )
        return account_of(user, now=now)
