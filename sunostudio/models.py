"""What the operator must know about: staff notices, and the studio's upstream credit."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils import timezone


class StaffNoticeQuerySet(models.QuerySet):
    def open(self) -> StaffNoticeQuerySet:
        return self.filter(resolved_at__isnull=True)


class StaffNotice(models.Model):
    """Something staff must act on. One open notice per cause: a repeat bumps `count` and `last_seen_at`."""

    cause = models.CharField(max_length=100, db_index=True, help_text="What went wrong, as a stable key.")
    message = models.TextField(help_text="What staff read: what happened and what to do about it.")
    detail = models.TextField(blank=True, help_text="The raw upstream text, for staff only.")
    url = models.CharField(max_length=500, blank=True, help_text="Where to act, usually an admin page.")
    count = models.PositiveIntegerField(default=1)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    last_emailed_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = StaffNoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-last_seen_at"]
        constraints = [
            # Two workers noticing the same cause at once: one creates, the other bumps the count.
            models.UniqueConstraint(
                fields=["cause"],
                condition=models.Q(resolved_at__isnull=True),
                name="staffnotice_one_open_per_cause",
            )
        ]

    def __str__(self) -> str:
        return self.message

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    def mark_resolved(self, *, now: datetime | None = None) -> bool:
        """False when it was already resolved (two staff pressing the button)."""
        now = now or timezone.now()
        resolved = StaffNotice.objects.open().filter(pk=self.pk).update(resolved_at=now)
        if resolved:
            self.resolved_at = now
        return bool(resolved)


class UpstreamBalance(models.Model):
    """The one row holding the studio key's paid credit, as the balance job last read it.

    `checked_at` is the last attempt, whatever its outcome; the amounts are those of the last successful
    read (`read_at`), so a failed check keeps showing the last known balance instead of nothing.
    """

    SINGLETON_PK = 1

    class Status(models.TextChoices):
        OK = "ok", "Read"
        NOT_SERVED = "not_served", "Not available from this gateway"
        ERROR = "error", "Read failed"

    hard_limit_usd = models.FloatField(null=True, blank=True)
    used_usd = models.FloatField(null=True, blank=True)
    remaining_usd = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    error_message = models.TextField(blank=True)
    checked_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        if self.remaining_usd is None:
            return self.get_status_display()
        return f"${self.remaining_usd:,.2f} left"

    @classmethod
    def current(cls) -> UpstreamBalance | None:
        return cls.objects.filter(pk=cls.SINGLETON_PK).first()

    def is_below(self, threshold_usd: float) -> bool:
        return self.remaining_usd is not None and self.remaining_usd < threshold_usd
