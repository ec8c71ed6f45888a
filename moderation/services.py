"""Reporting and moderating. Every moderator action checks its permission here, not only in the admin,
and writes one ModerationAction row in the same transaction as the change it records."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from sunostudio.errors import Refused

from .models import ModerationAction, Report, Suspension

MODERATE = "moderation.moderate_content"
SUSPEND = "moderation.suspend_user"


SUSPENDED = (
    "Your account is suspended, so you can't {doing} right now. You can still listen to your songs. "
    "Reason given: {reason}"
)


def owner_of(target: models.Model):
    """Every moderatable model has an `owner` (a clip's is its song's)."""
    return target.owner


def label_of(target: models.Model) -> str:
    return f"{target._meta.verbose_name.capitalize()} “{target}” (#{target.pk})"[:200]


def _require(user, permission: str) -> None:
    if not (user.is_active and user.has_perm(permission)):
        raise PermissionDenied(f"{user} lacks {permission}")


def _record(*, actor, kind: str, target: models.Model, reason: str, report: Report | None = None) -> None:
    ModerationAction.objects.create(
        actor=actor,
        actor_name=actor.get_username(),
        kind=kind,
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
        target_label=label_of(target),
        reason=reason,
        report=report,
    )


def _clean_reason(reason: str, *, required_for: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Refused(f"Give a reason to {required_for}: the owner reads it.")
    return reason


# --- Listeners -----------------------------------------------------------------------------------------


def report_create(
    *, reporter: AbstractBaseUser, target: models.Model, reason: str, details: str = ""
) -> Report:
    owner = owner_of(target)
    if owner.pk == reporter.pk:
        raise Refused("You can't report your own work. Make it private or delete it instead.")
    if Report.objects.open().about(target).filter(reporter=reporter).exists():
        raise Refused("You've already reported this. A moderator will look at it soon.")
    try:
        with transaction.atomic():
            return Report.objects.create(
                reporter=reporter,
                content_type=ContentType.objects.get_for_model(target),
                object_id=target.pk,
                target_owner=owner,
                target_label=label_of(target),
                reason=reason,
                details=details.strip(),
            )
    except IntegrityError as error:  # a double click racing the check above
        raise Refused("You've already reported this. A moderator will look at it soon.") from error


# --- Moderators ----------------------------------------------------------------------------------------


def _resolve_reports(*, target: models.Model, by, status: str) -> list[Report]:
    reports = list(Report.objects.open().about(target))
    Report.objects.filter(pk__in=[r.pk for r in reports]).update(
        status=status, resolved_at=timezone.now(), resolved_by=by
    )
    return reports


def content_hide(*, target: models.Model, by, reason: str) -> None:
    """Hide from every public page and close the open reports about it; the owner sees the reason."""
    _require(by, MODERATE)
    reason = _clean_reason(reason, required_for="hide it")
    limit = target._meta.get_field("hidden_reason").max_length  # a persona's is a CharField
    if limit and len(reason) > limit:
        raise Refused(f"Keep the reason under {limit} characters: the owner reads it.")
    with transaction.atomic():
        target.mark_hidden(reason, by=by)
        reports = _resolve_reports(target=target, by=by, status=Report.Status.ACTIONED)
        _record(
            actor=by,
            kind=ModerationAction.Kind.HIDE,
            target=target,
            reason=reason,
            report=next(iter(reports), None),
        )


def content_restore(*, target: models.Model, by, reason: str = "") -> None:
    _require(by, MODERATE)
    with transaction.atomic():
        target.mark_restored()
        _record(actor=by, kind=ModerationAction.Kind.RESTORE, target=target, reason=reason.strip())


def reports_dismiss(*, reports: Iterable[Report], by, reason: str = "") -> int:
    """Close reports without touching their objects. Returns how many were still open."""
    _require(by, MODERATE)
    dismissed = 0
    with transaction.atomic():
        for report in reports:
            moved = Report.objects.filter(pk=report.pk, status=Report.Status.OPEN).update(
                status=Report.Status.DISMISSED, resolved_at=timezone.now(), resolved_by=by
            )
            if not moved:
                continue
            dismissed += 1
            target = report.target
            ModerationAction.objects.create(
                actor=by,
                actor_name=by.get_username(),
                kind=ModerationAction.Kind.DISMISS,
                content_type_id=report.content_type_id,
                object_id=report.object_id,
                target_label=label_of(target) if target is not None else report.target_label,
                reason=reason.strip(),
                report=report,
            )
    return dismissed


def user_is_suspended(*, user) -> bool:
    return user.is_authenticated and Suspension.objects.active().filter(user=user).exists()


def refuse_if_suspended(*, user, doing: str) -> None:
    """The one check before any paid action (new songs, tools, personas, lyrics) and publishing.
    Listening, downloading and taking things down stay open to a suspended creator."""
    suspension = Suspension.objects.active().filter(user=user).first()
    if suspension is not None:
        raise Refused(SUSPENDED.format(doing=doing, reason=suspension.reason))


def user_suspend(*, user, by, reason: str) -> bool:
    """False when the user was already suspended (nothing changes, nothing is logged twice)."""
    _require(by, SUSPEND)
    reason = _clean_reason(reason, required_for="suspend someone")
    if user.pk == by.pk:
        raise Refused("You can't suspend yourself.")
    try:
        with transaction.atomic():
            Suspension.objects.create(user=user, reason=reason, suspended_by=by)
            _record(actor=by, kind=ModerationAction.Kind.SUSPEND, target=user, reason=reason)
    except IntegrityError:  # already has an active suspension
        return False
    return True


def user_reinstate(*, user, by, reason: str = "") -> bool:
    _require(by, SUSPEND)
    with transaction.atomic():
        lifted = Suspension.objects.active().filter(user=user).update(lifted_at=timezone.now(), lifted_by=by)
        if lifted:
            _record(actor=by, kind=ModerationAction.Kind.REINSTATE, target=user, reason=reason.strip())
    return bool(lifted)
