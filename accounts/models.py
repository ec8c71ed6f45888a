"""Creators' accounts: credits (a price table, paid requests and an append-only ledger) and sign-up.

A `PaidRequest` is one paid call the studio makes for a creator: charged when the request is saved,
then done (it produced something), refunded (it definitely didn't), or held for review (nobody can tell).
Every change of credits is a `CreditEntry`; `Account.balance` is their sum, kept in the same transaction.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Action(models.TextChoices):
    """One per kind of paid request (suno.client.PAID_ACTIONS; a test keeps the two lists equal)."""

    GENERATE = "generate", "Generate"
    EXTEND = "extend", "Extend"
    COVER = "cover", "Cover"
    REPLACE = "replace", "Replace section"
    STEMS = "stems", "Stems"
    PERSONA = "persona", "Persona"
    LYRICS = "lyrics", "Lyrics"
    CONCAT = "concat", "Whole song"
    WAV = "wav", "WAV"
    VIDEO = "video", "Video"
    UPLOAD = "upload", "Upload"


# Actions that make takes: these count towards the creator's requests in flight.
MAKES_TAKES = frozenset(
    {Action.GENERATE, Action.EXTEND, Action.COVER, Action.REPLACE, Action.STEMS, Action.CONCAT, Action.UPLOAD}
)


class Price(models.Model):
    action = models.CharField(max_length=20, choices=Action.choices, primary_key=True)
    credits = models.PositiveIntegerField(help_text="What one request costs the creator.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["action"]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.credits} credits"


def new_invite_code() -> str:
    return secrets.token_urlsafe(9)


class InviteCode(models.Model):
    code = models.CharField(max_length=40, unique=True, default=new_invite_code)
    note = models.CharField(max_length=200, blank=True, help_text="Who it is for (only staff see this).")
    max_uses = models.PositiveIntegerField(default=1)
    uses = models.PositiveIntegerField(default=0, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.code

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.uses < self.max_uses and (self.expires_at is None or self.expires_at > now)


class Account(models.Model):
    class Approval(models.TextChoices):
        APPROVED = "approved", "Approved"
        PENDING = "pending", "Waiting for approval"
        DECLINED = "declined", "Declined"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account")
    balance = models.IntegerField(default=0, help_text="The sum of the ledger; never edited by hand.")
    monthly_allowance = models.PositiveIntegerField(
        null=True, blank=True, help_text="Credits granted each month. Blank: the studio's default."
    )
    unlimited = models.BooleanField(default=False, help_text="Never refused for credits (still recorded).")
    max_in_flight = models.PositiveIntegerField(
        null=True, blank=True, help_text="Songs being made at once. Blank: the studio's default."
    )
    max_per_hour = models.PositiveIntegerField(
        null=True, blank=True, help_text="Paid requests per hour. Blank: the studio's default."
    )
    granted_period = models.CharField(max_length=7, blank=True, editable=False)  # "2026-12"
    approval = models.CharField(max_length=10, choices=Approval.choices, default=Approval.APPROVED)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invite = models.ForeignKey(InviteCode, null=True, blank=True, on_delete=models.SET_NULL)
    # False only for an account signed up under settings.SIGNUP_VERIFY_EMAIL until its link is opened.
    email_confirmed = models.BooleanField(
        default=True, help_text="Unticked: it signed up and hasn't opened its confirmation link yet."
    )
    email_confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self) -> str:
        return f"{self.user} ({self.balance} credits)"

    @property
    def is_unlimited(self) -> bool:
        return self.unlimited or (self.user.is_staff and settings.CREDITS_STAFF_UNLIMITED)

    @property
    def allowance(self) -> int:
        if self.monthly_allowance is not None:
            return self.monthly_allowance
        return settings.CREDITS_MONTHLY_ALLOWANCE

    @property
    def in_flight_limit(self) -> int:
        return self.max_in_flight if self.max_in_flight is not None else settings.CREDITS_MAX_IN_FLIGHT

    @property
    def hourly_limit(self) -> int:
        return self.max_per_hour if self.max_per_hour is not None else settings.CREDITS_MAX_PER_HOUR


class PaidRequestQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state=PaidRequest.State.HELD)

    def needs_review(self):
        return self.filter(state=PaidRequest.State.REVIEW)


class PaidRequest(models.Model):
    class State(models.TextChoices):
        HELD = "held", "Charged, in progress"
        DONE = "done", "Done"
        REFUNDED = "refunded", "Refunded"
        REVIEW = "review", "Needs review"
        KEPT = "kept", "Reviewed: charge kept"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="paid_requests")
    action = models.CharField(max_length=20, choices=Action.choices)
    credits = models.PositiveIntegerField(help_text="The price when it was asked for.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.HELD)
    # What it was for, as the creator sees it (the ledger links there; the owning app keeps the FK).
    subject = models.CharField(max_length=200)
    subject_url = models.CharField(max_length=300, blank=True)
    upstream_task_id = models.CharField(max_length=100, blank=True)
    outcome = models.TextField(blank=True, help_text="Why it was refunded or held for review.")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    settled_at = models.DateTimeField(null=True, blank=True)

    objects = PaidRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "created_at"]), models.Index(fields=["state"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.subject}"


class CreditEntry(models.Model):
    """Append-only: an entry is never changed or deleted; a correction is a new adjustment."""

    class Kind(models.TextChoices):
        GRANT = "grant", "Grant"
        CHARGE = "charge", "Charge"
        REFUND = "refund", "Refund"
        ADJUSTMENT = "adjustment", "Adjustment"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="credit_entries"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    amount = models.IntegerField(help_text="Credits added (positive) or taken (negative).")
    balance_after = models.IntegerField()
    request = models.ForeignKey(
        PaidRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    period = models.CharField(max_length=7, blank=True, help_text="The month a monthly grant is for.")
    note = models.CharField(max_length=300, blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "credit entries"
        indexes = [models.Index(fields=["user", "created_at"]), models.Index(fields=["kind", "created_at"])]
        constraints = [
            # A request is charged once and refunded at most once, however often a job runs.
            models.UniqueConstraint(
                fields=["request"], condition=Q(kind="charge"), name="credit_one_charge_per_request"
            ),
            models.UniqueConstraint(
                fields=["request"], condition=Q(kind="refund"), name="credit_one_refund_per_request"
            ),
            models.UniqueConstraint(
                fields=["user", "period"],
                condition=Q(kind="grant") & ~Q(period=""),
                name="credit_one_grant_per_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount:+d} for {self.user}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("credit entries are append-only: record an adjustment instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("credit entries are append-only: record an adjustment instead")
