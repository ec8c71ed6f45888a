"""Credits in the admin: the price table, creators' accounts (approve, grant), the append-only ledger
(view and CSV export), paid requests (the needs-review queue: refund or keep the charge), invite codes,
and the operator's report (accounts/reports.py).

Every change of credits goes through accounts.services, so the balance stays the ledger's sum: nothing
here edits a balance, a charge or a request's state by hand."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from . import reports, services
from .models import Account, Action, CreditEntry, InviteCode, PaidRequest, Price

RECENT_ENTRIES = 10
# The ledger, the paid requests and the report are wide tables: they take the nav sidebar's room too
# (breadcrumbs still lead back); the other lists keep it.
WIDE = {"is_nav_sidebar_enabled": False}
MAX_GRANT = 1_000_000


def short_time(moment) -> str:
    """ "2026-12-01 13:10", with the full time on hover: lists with many columns need the room."""
    if moment is None:
        return "—"
    local = timezone.localtime(moment)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        local.isoformat(),
        local.strftime("%Y-%m-%d %H:%M:%S %Z"),
        local.strftime("%Y-%m-%d %H:%M"),
    )


def ledger_url(user_id: int) -> str:
    return reverse("admin:accounts_creditentry_changelist") + "?" + urlencode({"user__id__exact": user_id})


def subject_link(request: PaidRequest | None) -> str:
    if request is None:
        return "—"
    if request.subject_url:
        return format_html('<a href="{}">{}</a>', request.subject_url, request.subject)
    return request.subject


def signup_link(code: InviteCode) -> str:
    """The address a new creator opens: sign-up with the code filled in."""
    try:
        signup = reverse("signup")
    except NoReverseMatch:
        return ""
    return settings.PUBLIC_BASE_URL.rstrip("/") + signup + "?" + urlencode({"code": code.code})


def entries_table(entries: Iterable[CreditEntry]) -> str:
    rows = format_html_join(
        "\n",
        "<tr><td>{}</td><td>{}</td><td class='amount'>{}</td><td class='amount'>{}</td><td>{}</td>"
        "<td>{}</td></tr>",
        (
            (
                timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M"),
                entry.get_kind_display(),
                f"{entry.amount:+d}",  # formatted first: format_html escapes its arguments to text
                entry.balance_after,
                subject_link(entry.request),
                entry.note,
            )
            for entry in entries
        ),
    )
    if not rows:
        return "No ledger lines yet."
    return format_html(
        '<table class="credit-entries"><thead><tr><th>When</th><th>Kind</th><th>Amount</th>'
        "<th>Balance after</th><th>For</th><th>Note</th></tr></thead><tbody>{}</tbody></table>",
        rows,
    )


# --- Price table -----------------------------------------------------------------------------------------


@admin.register(Price)
class PriceAdmin(admin.ModelAdmin):
    """One row per action, seeded by the migration: staff change the credits, never the rows. Saving
    drops the cached table (accounts/prices.py), so the next page shows the new price."""

    empty_value_display = "—"

    list_display = ("action", "credits", "updated_at")
    list_editable = ("credits",)
    # The studio's order of its tools (Action), not the alphabet of their keys.
    ordering = (Case(*(When(action=action, then=Value(i)) for i, action in enumerate(Action)), default=99),)
    fields = ("action", "credits", "updated_at")
    readonly_fields = ("action", "updated_at")
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


# --- Accounts --------------------------------------------------------------------------------------------


class GrantForm(forms.Form):
    amount = forms.IntegerField(
        min_value=-MAX_GRANT,
        max_value=MAX_GRANT,
        help_text="Credits to add (to each account). A negative amount takes credits back: an adjustment.",
    )
    note = forms.CharField(
        max_length=300,
        help_text="Why (shown on the ledger line).",
        widget=forms.TextInput(attrs={"size": 60}),
    )

    def clean_amount(self) -> int:
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise forms.ValidationError("Grant a number of credits other than 0.")
        return amount


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    empty_value_display = "—"
    list_display = (
        "user",
        "balance",
        "approval",
        "allowance_display",
        "unlimited",
        "limits",
        "invite",
        "ledger_link",
    )
    list_filter = ("approval", "email_confirmed", "unlimited")
    search_fields = ("user__username", "user__email")
    list_select_related = ("user", "invite")
    autocomplete_fields = ("user", "invite")
    actions = ["approve_selected", "grant_credits"]
    fields = (
        "user",
        "balance",
        "recent_entries",
        "approval",
        "approved_by",
        "email_confirmed",
        "email_confirmed_at",
        "monthly_allowance",
        "unlimited",
        "max_in_flight",
        "max_per_hour",
        "invite",
        "granted_period",
        "created_at",
    )
    readonly_fields = (
        "balance",
        "recent_entries",
        "approved_by",
        "email_confirmed_at",
        "granted_period",
        "created_at",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Account | None = None):
        # The user is chosen when an account is added by hand, and is the account's for good after.
        return (*self.readonly_fields, "user") if obj is not None else self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # The ledger outlives the account: deleting one would reset a balance its entries still sum to.
        return False

    @admin.display(description="monthly allowance", ordering="monthly_allowance")
    def allowance_display(self, account: Account) -> str:
        if account.monthly_allowance is None:
            return format_html('{} <span class="quiet">(default)</span>', account.allowance)
        return str(account.monthly_allowance)

    @admin.display(description="limits")
    def limits(self, account: Account) -> str:
        """In flight at once and per hour; the studio's defaults are marked."""

        def limit(value: int | None, effective: int, unit: str) -> str:
            if value is None:
                return format_html('{} {} <span class="quiet">(default)</span>', effective, unit)
            return format_html("{} {}", effective, unit)

        return format_html(
            "{}<br>{}",
            limit(account.max_in_flight, account.in_flight_limit, "at once"),
            limit(account.max_per_hour, account.hourly_limit, "an hour"),
        )

    @admin.display(description="ledger")
    def ledger_link(self, account: Account) -> str:
        return format_html('<a href="{}">Ledger</a>', ledger_url(account.user_id))

    @admin.display(description="last ledger lines")
    def recent_entries(self, account: Account) -> str:
        entries = (
            CreditEntry.objects.filter(user_id=account.user_id)
            .select_related("request")
            .order_by("-created_at", "-pk")[:RECENT_ENTRIES]
        )
        return format_html(
            '{}<p><a href="{}">The whole ledger of {}</a></p>',
            entries_table(entries),
            ledger_url(account.user_id),
            account.user,
        )

    def save_model(self, request: HttpRequest, obj: Account, form, change: bool) -> None:
        if "approval" in form.changed_data and obj.approval == Account.Approval.APPROVED:
            obj.approved_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Approve selected accounts", permissions=["change"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Account]) -> None:
        waiting = list(queryset.exclude(approval=Account.Approval.APPROVED).select_related("user"))
        Account.objects.filter(pk__in=[account.pk for account in waiting]).update(
            approval=Account.Approval.APPROVED, approved_by=request.user
        )
        for account in waiting:
            self.log_change(request, account, "Approved.")
        self.message_user(request, f"Approved {len(waiting)} account(s).", messages.SUCCESS)

    @admin.action(description="Grant credits…", permissions=["change"])
    def grant_credits(self, request: HttpRequest, queryset: QuerySet[Account]) -> TemplateResponse | None:
        """An intermediate page asks for the amount and the note; its submit runs this action again
        (Django's "actions from an intermediate page": the selection comes back as hidden inputs)."""
        accounts = list(queryset.select_related("user").order_by("user__username"))
        form = GrantForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self._grant(request, accounts, form)
            return None  # back to the changelist, with the message
        return self._grant_page(request, accounts, form, via_action=True)

    def _grant(self, request: HttpRequest, accounts: list[Account], form: GrantForm) -> None:
        amount, note = form.cleaned_data["amount"], form.cleaned_data["note"]
        for account in accounts:
            services.grant(user=account.user, amount=amount, note=note, by=request.user)
            self.log_change(request, account, f"Granted {amount:+d} credits: {note}")
        self.message_user(
            request, f"Granted {amount:+d} credits to {len(accounts)} account(s).", messages.SUCCESS
        )

    def _grant_page(
        self, request: HttpRequest, accounts: list[Account], form: GrantForm, *, via_action: bool
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": "Grant credits",
            "opts": self.model._meta,
            "accounts": accounts,
            "form": form,
            "via_action": via_action,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/accounts/account/grant_credits.html", context)

    def get_urls(self):
        grant = self.admin_site.admin_view(self.grant_view)
        return [path("<int:pk>/grant/", grant, name="accounts_account_grant"), *super().get_urls()]

    def grant_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The change page's "Grant credits…" button: the same form, for one account."""
        account = get_object_or_404(Account.objects.select_related("user"), pk=pk)
        if not self.has_change_permission(request, account):
            raise PermissionDenied
        form = GrantForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            self._grant(request, [account], form)
            return HttpResponseRedirect(reverse("admin:accounts_account_change", args=[account.pk]))
        return self._grant_page(request, [account], form, via_action=False)


# --- The ledger ------------------------------------------------------------------------------------------


class _Echo:
    """csv.writer writes to this and gets the line back, so each row is yielded as it is made."""

    def write(self, value: str) -> str:
        return value


CSV_HEADER = (
    "when",
    "user",
    "kind",
    "amount",
    "balance_after",
    "action",
    "what_for",
    "link",
    "upstream_task_id",
    "made_by",
    "period",
    "note",
)
CSV_FIELDS = (
    "created_at",
    "user__username",
    "kind",
    "amount",
    "balance_after",
    "request__action",
    "request__subject",
    "request__subject_url",
    "request__upstream_task_id",
    "made_by__username",
    "period",
    "note",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> object:
    """Creators type song titles: a text cell a spreadsheet would run as a formula is quoted."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def csv_lines(rows: Iterable[tuple]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


@admin.register(CreditEntry)
class CreditEntryAdmin(admin.ModelAdmin):
    """Append-only: staff look, filter and export; a correction is a grant or adjustment on the account."""

    empty_value_display = "—"

    list_display = (
        "when",
        "user",
        "kind",
        "signed_amount",
        "balance_after",
        "request_action",
        "what_for",
        "upstream_task_id",
        "made_by",
        "note",
    )
    list_display_links = ("when",)
    list_filter = ("kind", "request__action")
    date_hierarchy = "created_at"
    search_fields = (
        "user__username",
        "note",
        "request__subject",
        "request__upstream_task_id",
    )
    list_select_related = ("user", "request", "made_by")
    list_per_page = 100
    fields = (
        "created_at",
        "user",
        "kind",
        "amount",
        "balance_after",
        "request",
        "what_for",
        "upstream_task_id",
        "period",
        "made_by",
        "note",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="when", ordering="created_at")
    def when(self, entry: CreditEntry) -> str:
        return short_time(entry.created_at)

    @admin.display(description="amount", ordering="amount")
    def signed_amount(self, entry: CreditEntry) -> str:
        return f"{entry.amount:+d}"

    @admin.display(description="action", ordering="request__action")
    def request_action(self, entry: CreditEntry) -> str:
        return entry.request.get_action_display() if entry.request else "—"

    @admin.display(description="what for", ordering="request__subject")
    def what_for(self, entry: CreditEntry) -> str:
        return subject_link(entry.request)

    @admin.display(description="upstream task id", ordering="request__upstream_task_id")
    def upstream_task_id(self, entry: CreditEntry) -> str:
        return (entry.request.upstream_task_id if entry.request else "") or "—"

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {**WIDE, **(extra_context or {})}
        user_id = request.GET.get("user__id__exact", "")
        if user_id.isdigit():
            account = Account.objects.select_related("user").filter(user_id=user_id).first()
            if account is not None:
                extra_context["title"] = f"Credit ledger of {account.user} (balance {account.balance})"
                extra_context["ledger_account"] = account
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("export.csv", wrap(self.export_view), name="accounts_creditentry_export"),
            path("report/", wrap(self.report_view), name="accounts_report"),
            *super().get_urls(),
        ]

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """The changelist as it is filtered and searched now, as CSV, streamed row by row."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(reverse("admin:accounts_creditentry_changelist") + "?e=1")
        rows = changelist.queryset.values_list(*CSV_FIELDS).iterator(chunk_size=2000)
        response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="credit-ledger-{stamp}.csv"'
        return response

    def report_view(self, request: HttpRequest) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        creator = request.GET.get("creator", "").strip()
        context = {
            **self.admin_site.each_context(request),
            **WIDE,
            "title": "Credits report",
            "opts": self.model._meta,
            "report": reports.report(creator=creator),
            "days": reports.DAYS,
            "months": reports.MONTHS,
            "row_limit": reports.ROW_LIMIT,
            "top": reports.TOP_SPENDERS,
            "can_review": request.user.has_perm("accounts.view_paidrequest"),
        }
        return TemplateResponse(request, "admin/accounts/report.html", context)


# --- Paid requests ---------------------------------------------------------------------------------------


class StateFilter(admin.SimpleListFilter):
    """The "Needs review" state first: it is the list staff come here for."""

    title = "state"
    parameter_name = "state"
    ORDER = (
        PaidRequest.State.REVIEW,
        PaidRequest.State.HELD,
        PaidRequest.State.DONE,
        PaidRequest.State.REFUNDED,
        PaidRequest.State.KEPT,
    )

    def lookups(self, request, model_admin):
        return [(state.value, state.label) for state in self.ORDER]

    def queryset(self, request, queryset):
        return queryset.filter(state=self.value()) if self.value() else queryset


@admin.register(PaidRequest)
class PaidRequestAdmin(admin.ModelAdmin):
    """Read-only: a request's credits and state change only through services (refund, keep_charge)."""

    empty_value_display = "—"

    list_display = (
        "created",
        "user",
        "action",
        "credits",
        "state",
        "subject_link",
        "upstream_task_id",
        "settled",
        "outcome_excerpt",
    )
    list_display_links = ("created",)
    list_filter = (StateFilter, "action")
    date_hierarchy = "created_at"
    search_fields = ("user__username", "subject", "upstream_task_id", "outcome")
    list_select_related = ("user", "reviewed_by")
    actions = ["refund_selected", "keep_selected"]
    fields = (
        "user",
        "action",
        "credits",
        "state",
        "subject_link",
        "upstream_task_id",
        "created_at",
        "settled_at",
        "outcome",
        "reviewed_by",
        "ledger",
    )
    readonly_fields = fields

    def get_list_display(self, request: HttpRequest):
        if request.GET.get(StateFilter.parameter_name) == PaidRequest.State.REVIEW:
            # Every row needs review and was held when it failed: room for the outcome instead.
            return [name for name in self.list_display if name not in ("state", "settled")]
        return self.list_display

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # the change page is a view; the review actions have their own permission

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_review_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.change_paidrequest")

    @admin.display(description="created", ordering="created_at")
    def created(self, paid: PaidRequest) -> str:
        return short_time(paid.created_at)

    @admin.display(description="settled", ordering="settled_at")
    def settled(self, paid: PaidRequest) -> str:
        return short_time(paid.settled_at)

    @admin.display(description="subject", ordering="subject")
    def subject_link(self, paid: PaidRequest) -> str:
        return subject_link(paid)

    @admin.display(description="outcome", ordering="outcome")
    def outcome_excerpt(self, paid: PaidRequest) -> str:
        return Truncator(paid.outcome).chars(90) or "—"

    @admin.display(description="ledger lines")
    def ledger(self, paid: PaidRequest) -> str:
        return entries_table(paid.entries.select_related("request").order_by("created_at", "pk"))

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {
            **WIDE,
            **(extra_context or {}),
            "needs_review_count": PaidRequest.objects.needs_review().count(),
            "reviewing": request.GET.get(StateFilter.parameter_name) == PaidRequest.State.REVIEW,
        }
        return super().changelist_view(request, extra_context)

    def _review(self, request: HttpRequest, queryset: QuerySet[PaidRequest], act, done: str) -> None:
        # Read the selection first: the list may be filtered to "needs review", which acting empties.
        selected = list(queryset.values_list("pk", "state"))
        moved = sum(1 for pk, state in selected if state == PaidRequest.State.REVIEW and act(pk))
        message = done.format(count=moved)
        if skipped := len(selected) - moved:
            message += f" {skipped} skipped: only requests that need review can be."
        self.message_user(request, message, messages.SUCCESS if moved else messages.WARNING)

    @admin.action(description="Refund selected (needs review only)", permissions=["review"])
    def refund_selected(self, request: HttpRequest, queryset: QuerySet[PaidRequest]) -> None:
        reason = f"Refunded by {request.user.get_username()} after review"
        self._review(
            request,
            queryset,
            lambda pk: services.refund(pk, reason=reason, by=request.user),
            "Refunded {count} request(s): their credits are back.",
        )

    @admin.action(description="Keep the charge (needs review only)", permissions=["review"])
    def keep_selected(self, request: HttpRequest, queryset: QuerySet[PaidRequest]) -> None:
        self._review(
            request,
            queryset,
            lambda pk: services.keep_charge(pk, by=request.user),
            "Kept the charge of {count} request(s).",
        )


# --- Invite codes ----------------------------------------------------------------------------------------


class UsableFilter(admin.SimpleListFilter):
    title = "usable"
    parameter_name = "usable"

    def lookups(self, request, model_admin):
        return [("yes", "Usable"), ("no", "Used up or expired")]

    def queryset(self, request, queryset):
        usable = Q(uses__lt=F("max_uses")) & (Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        if self.value() == "yes":
            return queryset.filter(usable)
        if self.value() == "no":
            return queryset.exclude(usable)
        return queryset


@admin.register(InviteCode)
class InviteCodeAdmin(admin.ModelAdmin):
    empty_value_display = "—"
    list_display = ("code", "note", "uses_display", "expires", "usable", "copy_link", "created_by")
    list_filter = (UsableFilter,)
    search_fields = ("code", "note")
    list_select_related = ("created_by",)
    fields = ("code", "note", "max_uses", "expires_at", "uses", "signup_link", "created_by", "created_at")
    readonly_fields = ("uses", "signup_link", "created_by", "created_at")

    def get_readonly_fields(self, request: HttpRequest, obj: InviteCode | None = None):
        # A code is in links already sent: changing it would break them.
        return (*self.readonly_fields, "code") if obj is not None else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: InviteCode, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="uses", ordering="uses")
    def uses_display(self, code: InviteCode) -> str:
        return f"{code.uses} / {code.max_uses}"

    @admin.display(description="expires", ordering="expires_at")
    def expires(self, code: InviteCode) -> str:
        return short_time(code.expires_at) if code.expires_at else "never"

    @admin.display(description="usable", boolean=True)
    def usable(self, code: InviteCode) -> bool:
        return code.is_usable()

    @admin.display(description="sign-up link")
    def signup_link(self, code: InviteCode) -> str:
        """The change page shows the link and a Copy button; the list, whose columns are narrow, the
        button alone (the link is its tooltip)."""
        if code.pk is None:
            return "Made when the code is saved."
        link = signup_link(code)
        if not link:
            return "—"
        return format_html(
            '<span class="invite-link"><input type="text" readonly value="{}" size="60" '
            'aria-label="Sign-up link for {}"> <button type="button" class="button" data-copy="{}">'
            "Copy</button></span>",
            link,
            code.code,
            link,
        )

    @admin.display(description="sign-up link")
    def copy_link(self, code: InviteCode) -> str:
        link = signup_link(code) if code.is_usable() else ""
        if not link:
            return "—"
        return format_html(
            '<button type="button" class="button" data-copy="{}" title="{}" '
            'aria-label="Copy the sign-up link for {}">Copy link</button>',
            link,
            link,
            code.code,
        )
