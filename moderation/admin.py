"""The moderators' admin: the review queue, the audit log, suspensions, and a mixin that gives the
content admins (each app registers its own) the same hide/restore/suspend actions and history panel.

Every action calls a service, which checks the permission again and writes the audit row."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from sunostudio.errors import Refused

from . import selectors, services
from .forms import ModerationActionForm, ReportDecisionForm
from .models import ModerationAction, Report, Suspension


def admin_link(target: models.Model | None, label: str = "") -> str:
    if target is None:
        return label or "—"
    try:
        url = reverse(f"admin:{target._meta.app_label}_{target._meta.model_name}_change", args=[target.pk])
    except NoReverseMatch:
        return label or str(target)
    return format_html('<a href="{}">{}</a>', url, label or str(target))


def history_panel(target: models.Model) -> str:
    """The object's moderation history and open reports, for its change page."""
    context = {
        "actions": ModerationAction.objects.about(target).select_related("report")[:50],
        "reports": Report.objects.about(target).select_related("reporter")[:50],
    }
    return render_to_string("admin/moderation/history_panel.html", context)


def preview_panel(target: models.Model | None, *, admin_site: admin.AdminSite = admin.site) -> str:
    """The reported object as a moderator needs to judge it (cover, players, lyrics). The content's own
    ModelAdmin renders it (`moderation_preview`), so moderation knows nothing of songs or personas."""
    if target is None:
        return "The object no longer exists."
    model_admin = admin_site._registry.get(type(target))
    if model_admin is None or not hasattr(model_admin, "moderation_preview"):
        return admin_link(target)
    return model_admin.moderation_preview(target)


class ModerationActionsMixin:
    """Hide, restore and suspend for any admin whose objects can be moderated (bulk works)."""

    action_form = ModerationActionForm
    actions = ["hide_selected", "restore_selected", "suspend_owners"]

    def has_moderate_permission(self, request) -> bool:
        return request.user.has_perm(services.MODERATE)

    def has_suspend_permission(self, request) -> bool:
        return request.user.has_perm(services.SUSPEND)

    def moderation_targets(self, queryset) -> Iterable[models.Model]:
        return queryset

    def moderation_preview(self, target: models.Model) -> str:
        """What the report queue shows of one object; content admins override it."""
        return admin_link(target)

    def _each(self, request, items: Iterable, act: Callable, done: str) -> None:
        count = 0
        for item in items:
            try:
                act(item)
            except Refused as refusal:
                self.message_user(request, refusal.user_message, messages.ERROR)
                return
            count += 1
        self.message_user(request, done.format(count=count), messages.SUCCESS)

    @admin.action(description="Hide from public pages (reason required)", permissions=["moderate"])
    def hide_selected(self, request, queryset):
        reason = request.POST.get("reason", "")
        self._each(
            request,
            self.moderation_targets(queryset),
            lambda target: services.content_hide(target=target, by=request.user, reason=reason),
            "Hid {count}. Their owners see the reason.",
        )

    @admin.action(description="Restore to public pages", permissions=["moderate"])
    def restore_selected(self, request, queryset):
        reason = request.POST.get("reason", "")
        self._each(
            request,
            self.moderation_targets(queryset),
            lambda target: services.content_restore(target=target, by=request.user, reason=reason),
            "Restored {count}.",
        )

    @admin.action(description="Suspend the owners (reason required)", permissions=["suspend"])
    def suspend_owners(self, request, queryset):
        reason = request.POST.get("reason", "")
        owners = {
            services.owner_of(target).pk: services.owner_of(target)
            for target in self.moderation_targets(queryset)
        }
        self._each(
            request,
            owners.values(),
            lambda owner: services.user_suspend(user=owner, by=request.user, reason=reason),
            "Suspended {count} creator(s). They can listen, but not generate or publish.",
        )


class ReportStatusFilter(admin.SimpleListFilter):
    """The queue opens on open reports; "All" shows the rest."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [*Report.Status.choices, ("all", "All")]

    def queryset(self, request, queryset):
        value = self.value() or Report.Status.OPEN
        return queryset if value == "all" else queryset.filter(status=value)

    def choices(self, changelist):
        current = self.value() or Report.Status.OPEN
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class ReportableKindFilter(admin.SimpleListFilter):
    """Only the kinds a listener can report (settings.MODERATION_REPORTABLE_MODELS): a plain content_type
    filter offers every model in the project, sessions and log entries among them."""

    title = "kind"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [
            (kind, model._meta.verbose_name.capitalize())
            for kind, model in selectors.reportable_models().items()
        ]

    def queryset(self, request, queryset):
        model = selectors.reportable_models().get(self.value() or "")
        if model is None:
            return queryset
        return queryset.filter(content_type=ContentType.objects.get_for_model(model))


@admin.register(Report)
class ReportAdmin(ModerationActionsMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "target_link",
        "reason",
        "details_excerpt",
        "reporter",
        "target_owner",
        "status",
    )
    list_display_links = ("created_at",)
    list_filter = (ReportStatusFilter, "reason", ReportableKindFilter, "created_at")
    search_fields = ("target_label", "details", "reporter__username", "target_owner__username")
    list_select_related = ("reporter", "target_owner", "content_type")
    date_hierarchy = "created_at"
    fields = (
        "target_link",
        "preview",
        "reason",
        "details",
        "reporter",
        "target_owner",
        "status",
        "created_at",
        "resolved_at",
        "resolved_by",
        "history",
    )
    readonly_fields = fields
    actions = ["hide_selected", "restore_selected", "dismiss_selected", "suspend_owners"]

    def has_add_permission(self, request) -> bool:
        return False  # reports come from listeners

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # the change page is a read-only review page; acting goes through its buttons

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # resolved reports are part of the record

    def moderation_targets(self, queryset):
        seen, targets = set(), []
        for report in queryset.select_related("content_type"):
            key = (report.content_type_id, report.object_id)
            if key not in seen and report.target is not None:
                seen.add(key)
                targets.append(report.target)
        return targets

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The review page, with Hide / Restore / Dismiss for this one report. They post here, through
        the same services and permission as the bulk actions; a refusal (no reason to hide) comes back
        on this page with what was typed, and a decision redirects here with its message."""
        report = self.get_object(request, unquote(object_id))
        form = ReportDecisionForm()
        if request.method == "POST" and report is not None:
            if not (self.has_view_permission(request, report) and self.has_moderate_permission(request)):
                raise PermissionDenied
            form = ReportDecisionForm(request.POST)
            if form.is_valid():
                try:
                    message = self._decide(request, report, **form.cleaned_data)
                except Refused as refusal:
                    form.add_error(None, refusal.user_message)
                else:
                    self.message_user(request, message, messages.SUCCESS)
                    return HttpResponseRedirect(request.get_full_path())  # keeps the queue's filters
            # Render the read-only page again: the admin refuses a POST to it without change permission.
            request = copy.copy(request)
            request.method = "GET"
        if report is not None:
            extra_context = {**(extra_context or {}), "decision": self._decision_panel(request, report, form)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _decision_panel(self, request, report: Report, form: ReportDecisionForm) -> dict:
        target = report.target
        hidden = target is not None and target.is_hidden
        if form.errors:  # back with a refusal: the reason field is where to go on
            form.fields["reason"].widget.attrs["autofocus"] = True
        return {
            "form": form,
            "report": report,
            "target": target,
            "target_kind": target._meta.verbose_name if target is not None else "",
            "may_decide": self.has_moderate_permission(request),
            "can_hide": target is not None and not hidden,
            "can_restore": hidden,
            "can_dismiss": report.status == Report.Status.OPEN,
            # The queue's next report still waiting (newest first, as the queue lists them).
            "next_open": Report.objects.open().exclude(pk=report.pk).only("pk").first(),
        }

    def _decide(self, request, report: Report, *, decision: str, reason: str) -> str:
        """One report's decision, or Refused when it no longer applies (another moderator was quicker)."""
        target = report.target
        if decision == "dismiss":
            if not services.reports_dismiss(reports=[report], by=request.user, reason=reason):
                raise Refused(f"This report was already closed ({report.get_status_display().lower()}).")
            return "Dismissed this report. The content stays as it is."
        if target is None:
            raise Refused("The reported object no longer exists: only Dismiss applies.")
        label = services.label_of(target)
        if decision == "hide":
            if target.is_hidden:
                raise Refused(f"{label} is already hidden.")
            services.content_hide(target=target, by=request.user, reason=reason)
            return f"Hid {label}. Its owner sees the reason; its open reports are closed."
        if not target.is_hidden:
            raise Refused(f"{label} is not hidden: there is nothing to restore.")
        services.content_restore(target=target, by=request.user, reason=reason)
        return f"Restored {label} to public pages."

    @admin.action(description="Dismiss the reports (content stays up)", permissions=["moderate"])
    def dismiss_selected(self, request, queryset):
        count = services.reports_dismiss(
            reports=queryset, by=request.user, reason=request.POST.get("reason", "")
        )
        self.message_user(request, f"Dismissed {count} report(s).", messages.SUCCESS)

    @admin.display(description="Reported", ordering="target_label")
    def target_link(self, report: Report):
        return admin_link(report.target, report.target_label)

    @admin.display(description="Details")
    def details_excerpt(self, report: Report) -> str:
        return (report.details[:80] + "…") if len(report.details) > 80 else report.details

    @admin.display(description="What was reported")
    def preview(self, report: Report):
        return preview_panel(report.target)

    @admin.display(description="Moderation history of this object")
    def history(self, report: Report):
        return history_panel(report.target) if report.target is not None else "—"


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    """The audit log: read-only for everyone, superusers included."""

    list_display = ("created_at", "actor_name", "kind", "target_link", "reason")
    list_filter = ("kind", ("content_type", admin.RelatedOnlyFieldListFilter), "created_at")
    search_fields = ("target_label", "reason", "actor_name")
    date_hierarchy = "created_at"
    fields = ("created_at", "actor_name", "actor", "kind", "target_link", "reason", "report")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Object", ordering="target_label")
    def target_link(self, action: ModerationAction):
        return admin_link(action.target, action.target_label)


class SuspensionActiveFilter(admin.SimpleListFilter):
    title = "active"
    parameter_name = "active"

    def lookups(self, request, model_admin):
        return [("yes", "Active"), ("no", "Lifted")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.active()
        if self.value() == "no":
            return queryset.filter(lifted_at__isnull=False)
        return queryset


@admin.register(Suspension)
class SuspensionAdmin(admin.ModelAdmin):
    list_display = ("user", "is_active", "reason", "suspended_by", "created_at", "lifted_at", "lifted_by")
    list_filter = (SuspensionActiveFilter, "created_at")
    search_fields = ("user__username", "reason")
    list_select_related = ("user", "suspended_by", "lifted_by")
    readonly_fields = ("user", "reason", "suspended_by", "created_at", "lifted_at", "lifted_by")
    action_form = ModerationActionForm
    actions = ["reinstate_selected"]

    def has_add_permission(self, request) -> bool:
        return False  # suspend from the report queue or the songs list: the action records why

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_suspend_permission(self, request) -> bool:
        return request.user.has_perm(services.SUSPEND)

    @admin.display(boolean=True, description="Active")
    def is_active(self, suspension: Suspension) -> bool:
        return suspension.is_active

    @admin.action(description="Reinstate (lift the suspension)", permissions=["suspend"])
    def reinstate_selected(self, request, queryset):
        reason = request.POST.get("reason", "")
        count = sum(
            services.user_reinstate(user=suspension.user, by=request.user, reason=reason)
            for suspension in queryset.active().select_related("user")
        )
        self.message_user(request, f"Reinstated {count} creator(s).", messages.SUCCESS)
