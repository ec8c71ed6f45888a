"""Reports from listeners, moderators' actions on them, and suspensions.

Reports and actions point at their object through contenttypes, so a song, a clip and a persona are
reported and hidden the same way. The owner and a label are copied onto each row: the queue can filter
by owner, and the audit log still says what was acted on after the object is deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

MODERATORS_GROUP = "Moderators"


class Hideable(models.Model):
    """The protocol every moderatable model follows (songs, clips, personas): a moderator can hide it from
    every public page; its owner still sees it, marked, with the reason.

    Moderation acts through these two methods only, so it never imports the apps that own the content.
    A model may narrow `hidden_reason` (a persona's is a short CharField); the service checks the limit.
    A hideable model also has an `owner` and a `get_public_url()`, and its manager a `reportable()`
    query of what a listener may report (see settings.MODERATION_REPORTABLE_MODELS).
    """

    is_hidden = models.BooleanField(default=False, db_index=True)
    hidden_reason = models.TextField(blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True

    def mark_hidden(self, reason: str, *, by=None, now=None) -> None:
        self._set_hidden_fields(
            is_hidden=True, hidden_reason=reason, hidden_at=now or timezone.now(), hidden_by=by
        )

    def mark_restored(self) -> None:
        self._set_hidden_fields(is_hidden=False, hidden_reason="", hidden_at=None, hidden_by=None)

    def _set_hidden_fields(self, **fields) -> None:
        # An UPDATE of these columns only: a stale instance never writes back its other fields.
        type(self)._default_manager.filter(pk=self.pk).update(**fields, updated_at=timezone.now())
        for name, value in fields.items():
            setattr(self, name, value)


class ReportQuerySet(models.QuerySet):
    def open(self) -> ReportQuerySet:
        return self.filter(status=Report.Status.OPEN)

    def about(self, target: models.Model) -> ReportQuerySet:
        return self.filter(content_type=ContentType.objects.get_for_model(target), object_id=target.pk)


class Report(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", "Spam or misleading"
        OFFENSIVE = "offensive", "Offensive or hateful"
        COPYRIGHT = "copyright", "Copyright infringement"
        OTHER = "other", "Something else"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACTIONED = "actioned", "Content hidden"
        DISMISSED = "dismissed", "Dismissed"

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    target_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_received"
    )
    target_label = models.CharField("reported", max_length=200)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    details = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "content_type", "object_id"],
                condition=Q(status="open"),
                name="report_one_open_per_reporter",
            ),
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="report_target")]
        permissions = [
            ("moderate_content", "Can hide and restore content and dismiss reports"),
            ("suspend_user", "Can suspend and reinstate creators"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.target_label}"


class ModerationActionQuerySet(models.QuerySet):
    def about(self, target: models.Model) -> ModerationActionQuerySet:
        return self.filter(content_type=ContentType.objects.get_for_model(target), object_id=target.pk)


class ModerationAction(models.Model):
    """The audit log: append-only (the admin can neither edit nor delete it)."""

    class Kind(models.TextChoices):
        HIDE = "hide", "Hid"
        RESTORE = "restore", "Restored"
        DISMISS = "dismiss", "Dismissed a report about"
        SUSPEND = "suspend", "Suspended"
        REINSTATE = "reinstate", "Reinstated"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="moderation_actions"
    )
    actor_name = models.CharField("moderator", max_length=150)
    kind = models.CharField("action", max_length=20, choices=Kind.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.SET_NULL, null=True)
    object_id = models.PositiveBigIntegerField(null=True)
    target = GenericForeignKey("content_type", "object_id")
    target_label = models.CharField("object", max_length=200)
    reason = models.TextField(blank=True)
    report = models.ForeignKey(
        Report, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ModerationActionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="moderationaction_target")]

    def __str__(self) -> str:
        return f"{self.actor_name} {self.get_kind_display().lower()} {self.target_label}"


class SuspensionQuerySet(models.QuerySet):
    def active(self) -> SuspensionQuerySet:
        return self.filter(lifted_at__isnull=True)


class Suspension(models.Model):
    """A suspended creator can still log in and listen, but can't generate or publish."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="suspensions")
    reason = models.TextField()
    suspended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SuspensionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(lifted_at__isnull=True), name="suspension_one_active_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} suspended {self.created_at:%Y-%m-%d}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None
