"""The operator's side of credits in the admin: prices, accounts (approve, grant), the read-only ledger
and its CSV export, the needs-review queue (refund once, keep the charge), invite codes, the report."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import reports, services
from accounts.models import Account, Action, CreditEntry, InviteCode, PaidRequest, Price
from accounts.prices import price_of
from sunostudio.models import UpstreamBalance

pytestmark = pytest.mark.django_db

ALLOWANCE = 500  # settings.CREDITS_MONTHLY_ALLOWANCE's default: each account starts the month with it


@pytest.fixture
def boss(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", "correct horse battery")


@pytest.fixture
def staff(client, boss):
    client.force_login(boss)
    return client


def charged(user, *, subject="Night drive", action=Action.GENERATE, now=None) -> PaidRequest:
    with transaction.atomic():
        return services.charge(user=user, action=action, subject=subject, subject_url="/songs/7/", now=now)


def in_review(user, **kwargs) -> PaidRequest:
    request = charged(user, **kwargs)
    services.hold_for_review(request.pk, reason="The submit timed out; nobody knows if it was made.")
    return request


def balance(user) -> int:
    return Account.objects.get(user=user).balance


def act(client, model: str, action: str, objects, **extra):
    return client.post(
        reverse(f"admin:accounts_{model}_changelist") + extra.pop("query", ""),
        {"action": action, "_selected_action": [obj.pk for obj in objects], "index": 0, **extra},
    )


def csv_rows(response) -> list[list[str]]:
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


# --- Every list renders -----------------------------------------------------------------------------------


def test_every_credits_list_renders_with_its_rows(staff, user):
    request = in_review(user, subject="Harbour lights")
    services.grant(user=user, amount=25, note="Welcome gift", by=None)
    InviteCode.objects.create(code="friends-of-ada", note="For the choir")
    pages = {
        "price": "Generate",
        "account": "ada",
        "creditentry": "Welcome gift",
        "paidrequest": "Harbour lights",
        "invitecode": "friends-of-ada",
    }
    for model, row in pages.items():
        response = staff.get(reverse(f"admin:accounts_{model}_changelist"))
        assert response.status_code == 200, model
        assert row in response.content.decode(), model
    change = staff.get(reverse("admin:accounts_paidrequest_change", args=[request.pk]))
    assert change.status_code == 200 and "Harbour lights" in change.content.decode()
    assert 'class="credit-entries"' in change.content.decode()  # its charge, on its page


def test_the_price_table_is_edited_in_the_list_and_the_cache_follows(staff):
    assert price_of(Action.GENERATE) == 10  # cached now
    prices = list(Price.objects.order_by("action"))
    data = {"form-TOTAL_FORMS": len(prices), "form-INITIAL_FORMS": len(prices), "_save": "Save"}
    for index, price in enumerate(prices):
        data[f"form-{index}-action"] = price.action
        data[f"form-{index}-credits"] = 25 if price.action == Action.GENERATE else price.credits
    response = staff.post(reverse("admin:accounts_price_changelist"), data)
    assert response.status_code == 302
    assert price_of(Action.GENERATE) == 25
    assert staff.get(reverse("admin:accounts_price_add")).status_code == 403
    delete = staff.get(reverse("admin:accounts_price_delete", args=[Action.GENERATE]))
    assert delete.status_code == 403


# --- Accounts ---------------------------------------------------------------------------------------------


def test_an_account_balance_is_never_editable(staff, user):
    account = services.account_of(user)
    url = reverse("admin:accounts_account_change", args=[account.pk])
    page = staff.get(url).content.decode()
    assert 'name="balance"' not in page and 'name="max_per_hour"' in page
    response = staff.post(
        url,
        {"approval": "approved", "max_per_hour": "7", "balance": "99999", "_save": "Save"},
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.balance == ALLOWANCE and account.max_per_hour == 7


def test_bulk_grant_asks_for_amount_and_note_then_grants_each_account(staff, boss, user, other_user):
    accounts = [services.account_of(user), services.account_of(other_user)]
    form = act(staff, "account", "grant_credits", accounts)
    assert form.status_code == 200
    assert 'name="amount"' in form.content.decode() and "mallory" in form.content.decode()

    no_note = act(staff, "account", "grant_credits", accounts, apply="Grant", amount="50", note="")
    assert no_note.status_code == 200 and "This field is required" in no_note.content.decode()
    assert balance(user) == ALLOWANCE

    done = act(staff, "account", "grant_credits", accounts, apply="Grant", amount="50", note="Launch bonus")
    assert done.status_code == 302
    assert balance(user) == balance(other_user) == ALLOWANCE + 50
    grants = CreditEntry.objects.filter(note="Launch bonus")
    assert sorted(grants.values_list("user__username", flat=True)) == ["ada", "mallory"]
    assert {entry.made_by for entry in grants} == {boss}
    messages = [str(m) for m in staff.get(reverse("admin:accounts_account_changelist")).context["messages"]]
    assert "Granted +50 credits to 2 account(s)." in messages

    ledger = staff.get(reverse("admin:accounts_creditentry_changelist"), {"user__id__exact": user.pk})
    body = ledger.content.decode()
    assert "Launch bonus" in body and "Monthly allowance" in body
    assert ledger.context["cl"].result_count == 2  # ada's two lines, not mallory's


def test_one_account_is_granted_from_its_page(staff, user):
    account = services.account_of(user)
    url = reverse("admin:accounts_account_grant", args=[account.pk])
    assert staff.get(url).status_code == 200
    response = staff.post(url, {"amount": "-20", "note": "Double grant last week"})
    assert response["Location"] == reverse("admin:accounts_account_change", args=[account.pk])
    assert balance(user) == ALLOWANCE - 20
    assert CreditEntry.objects.get(note="Double grant last week").kind == CreditEntry.Kind.ADJUSTMENT
    page = staff.get(response["Location"]).content.decode()
    assert "Double grant last week" in page  # the last ledger lines, on the account's page


def test_approve_selected_approves_and_names_who(staff, boss, user, other_user):
    waiting = services.account_of(user)
    Account.objects.filter(pk=waiting.pk).update(approval=Account.Approval.PENDING)
    approved = services.account_of(other_user)
    assert act(staff, "account", "approve_selected", [waiting, approved]).status_code == 302
    waiting.refresh_from_db()
    assert waiting.approval == Account.Approval.APPROVED and waiting.approved_by == boss
    assert Account.objects.get(pk=approved.pk).approved_by is None  # it was approved already


# --- Paid requests: the review queue ------------------------------------------------------------------------


def test_the_needs_review_list_shows_it_and_refunds_it_once(staff, boss, user):
    review = in_review(user, subject="Lost in the timeout")
    done = charged(user, subject="A finished song")
    services.settle(done.pk)
    assert balance(user) == ALLOWANCE - 20

    page = staff.get(reverse("admin:accounts_paidrequest_changelist"), {"state": "review"})
    body = page.content.decode()
    assert "Lost in the timeout" in body and "A finished song" not in body
    assert "Needs review (1)" in body

    for _ in range(2):  # a second click, or a second staff member, refunds nothing more
        act(staff, "paidrequest", "refund_selected", [review, done])
    assert balance(user) == ALLOWANCE - 10
    refunds = CreditEntry.objects.filter(kind=CreditEntry.Kind.REFUND)
    assert refunds.count() == 1 and refunds.get().amount == 10 and refunds.get().made_by == boss
    review.refresh_from_db()
    assert review.state == PaidRequest.State.REFUNDED and review.reviewed_by == boss
    assert review.outcome == "Refunded by root after review"
    assert PaidRequest.objects.get(pk=done.pk).state == PaidRequest.State.DONE


def test_the_review_actions_count_what_they_did_and_what_they_skipped(staff, user):
    reviews = [in_review(user), in_review(user)]
    done = charged(user)
    services.settle(done.pk)
    # From the filtered list (as staff use it): acting empties the filter, the count must not change.
    act(staff, "paidrequest", "refund_selected", reviews[:1], query="?state=review")
    act(staff, "paidrequest", "keep_selected", [reviews[1], done])
    page = staff.get(reverse("admin:accounts_paidrequest_changelist"))
    messages = [str(m) for m in page.context["messages"]]
    assert messages == [
        "Refunded 1 request(s): their credits are back.",
        "Kept the charge of 1 request(s). 1 skipped: only requests that need review can be.",
    ]


def test_keep_the_charge_closes_the_review_without_a_refund(staff, boss, user):
    review = in_review(user)
    assert act(staff, "paidrequest", "keep_selected", [review]).status_code == 302
    review.refresh_from_db()
    assert review.state == PaidRequest.State.KEPT and review.reviewed_by == boss
    assert balance(user) == ALLOWANCE - 10
    assert not CreditEntry.objects.filter(kind=CreditEntry.Kind.REFUND).exists()


def test_paid_requests_are_read_only(staff, user):
    request = charged(user)
    url = reverse("admin:accounts_paidrequest_change", args=[request.pk])
    assert 'name="credits"' not in staff.get(url).content.decode()
    assert staff.post(url, {"credits": "0", "state": "refunded"}).status_code == 403
    assert staff.get(reverse("admin:accounts_paidrequest_add")).status_code == 403


# --- The ledger -------------------------------------------------------------------------------------------


def test_ledger_entries_cannot_be_added_changed_or_deleted(staff, user):
    entry = services.grant(user=user, amount=5, note="Thanks")
    change = reverse("admin:accounts_creditentry_change", args=[entry.pk])
    page = staff.get(change)
    assert page.status_code == 200 and 'name="amount"' not in page.content.decode()
    assert staff.post(change, {"amount": "5000", "note": "Mine now"}).status_code == 403
    assert staff.get(reverse("admin:accounts_creditentry_delete", args=[entry.pk])).status_code == 403
    assert staff.post(reverse("admin:accounts_creditentry_delete", args=[entry.pk])).status_code == 403
    assert staff.get(reverse("admin:accounts_creditentry_add")).status_code == 403
    changelist = staff.get(reverse("admin:accounts_creditentry_changelist"))
    assert "delete_selected" not in changelist.content.decode()
    entry.refresh_from_db()
    assert entry.amount == 5 and entry.note == "Thanks"


def test_csv_export_has_a_header_and_the_filtered_rows(staff, user, other_user):
    charged(user, subject="Ada's charge")
    charged(other_user, subject="=HYPERLINK(1)")
    rows = csv_rows(staff.get(reverse("admin:accounts_creditentry_export"), {"kind__exact": "charge"}))
    header, body = rows[0], rows[1:]
    assert header[:5] == ["when", "user", "kind", "amount", "balance_after"]
    assert sorted(row[1] for row in body) == ["ada", "mallory"]
    assert {row[2] for row in body} == {"charge"} and {row[3] for row in body} == {"-10"}
    subjects = {row[header.index("what_for")] for row in body}
    assert "'=HYPERLINK(1)" in subjects  # not a formula in a spreadsheet

    searched = csv_rows(
        staff.get(reverse("admin:accounts_creditentry_export"), {"kind__exact": "charge", "q": "Ada's"})
    )
    assert [row[1] for row in searched[1:]] == ["ada"]
    everything = csv_rows(staff.get(reverse("admin:accounts_creditentry_export")))
    assert len(everything) == 1 + 4  # two monthly grants, two charges


def test_the_ledger_links_its_export_with_the_current_filters(staff, user):
    charged(user)
    page = staff.get(reverse("admin:accounts_creditentry_changelist"), {"kind__exact": "charge"})
    assert reverse("admin:accounts_creditentry_export") + "?kind__exact=charge" in page.content.decode()


# --- Invite codes -----------------------------------------------------------------------------------------


def test_an_invite_made_in_the_admin_names_its_maker_and_gives_a_link(staff, boss, settings):
    settings.PUBLIC_BASE_URL = "https://studio.example.com/"
    response = staff.post(
        reverse("admin:accounts_invitecode_add"),
        {"code": "for-the-choir", "note": "Choir", "max_uses": "3", "_save": "Save"},
    )
    assert response.status_code == 302
    invite = InviteCode.objects.get(code="for-the-choir")
    assert invite.created_by == boss
    page = staff.get(reverse("admin:accounts_invitecode_changelist")).content.decode()
    assert "https://studio.example.com/accounts/signup/?code=for-the-choir" in page
    assert "0 / 3" in page


# --- The report and the index panel -------------------------------------------------------------------------


def upstream_balance(remaining: float) -> UpstreamBalance:
    now = timezone.now()
    return UpstreamBalance.objects.create(
        pk=UpstreamBalance.SINGLETON_PK,
        status=UpstreamBalance.Status.OK,
        hard_limit_usd=100.0,
        used_usd=100.0 - remaining,
        remaining_usd=remaining,
        checked_at=now,
        read_at=now,
    )


def test_the_report_shows_net_spend_per_creator_and_the_upstream_balance(staff, user, other_user):
    first = charged(user, subject="One")
    charged(user, subject="Two")
    charged(user, subject="Three")
    services.refund(first.pk, reason="Every take failed")
    charged(other_user)
    url = reverse("admin:accounts_report")

    report = staff.get(url)
    assert report.status_code == 200
    assert "Not known yet" in report.content.decode()
    top = report.context["report"].top_this_month
    assert [(row["username"], row["charged"], row["refunded"], row["net"]) for row in top] == [
        ("ada", 30, 10, 20),
        ("mallory", 10, 0, 10),
    ]
    day = report.context["report"].per_day.rows
    assert [(row["username"], row["net"]) for row in day] == [("ada", 20), ("mallory", 10)]

    upstream_balance(12.34)
    body = staff.get(url).content.decode()
    assert "$12.34" in body and "$87.66" in body

    one = staff.get(url, {"creator": "mallory"}).context["report"]
    assert [row["username"] for row in one.per_month.rows] == ["mallory"]


def test_report_totals_say_what_was_granted_spent_and_outstanding(user, other_user):
    charged(user)
    refunded = charged(user)
    services.refund(refunded.pk, reason="Nothing was made")
    services.grant(user=other_user, amount=40, note="Bonus")
    report = reports.report()
    assert report.totals.granted_month == 2 * ALLOWANCE + 40
    assert report.totals.spent_month == 10 and report.totals.refunds_month == 1
    assert report.balances.outstanding == (ALLOWANCE - 10) + (ALLOWANCE + 40)


def test_spend_is_bucketed_by_day_for_a_month_and_by_month_for_a_year(user):
    now = timezone.now()
    charged(user, now=now - timedelta(days=45))
    charged(user, now=now)
    per_day = reports.spend_per_creator(period="day", now=now).rows
    per_month = reports.spend_per_creator(period="month", now=now).rows
    assert [row["net"] for row in per_day] == [10]
    assert [row["net"] for row in per_month] == [10, 10]


def test_the_admin_index_has_the_credits_panel(staff, user):
    in_review(user)
    body = staff.get(reverse("admin:index")).content.decode()
    assert 'id="credits-panel"' in body
    assert "1 paid request" in body and reverse("admin:accounts_report") in body


def test_moderators_without_ledger_permission_see_no_credits(client, moderator):
    client.force_login(moderator)
    assert 'id="credits-panel"' not in client.get(reverse("admin:index")).content.decode()
    assert client.get(reverse("admin:accounts_report")).status_code == 403
    assert client.get(reverse("admin:accounts_creditentry_export")).status_code == 403


def test_the_ledger_report_and_export_cost_the_same_queries_for_many_lines(staff, user, other_user):
    def queries(url) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = staff.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
        return len(captured)

    urls = [
        reverse("admin:accounts_creditentry_changelist"),
        reverse("admin:accounts_paidrequest_changelist"),
        reverse("admin:accounts_account_changelist"),
        reverse("admin:accounts_report"),
        reverse("admin:accounts_creditentry_export"),
        reverse("admin:index"),
    ]
    charged(user)
    few = [queries(url) for url in urls]
    for creator in (user, other_user):
        for _ in range(3):
            services.settle(charged(creator).pk)
        services.grant(user=creator, amount=5, note="More")
    assert [queries(url) for url in urls] == few  # no query per row (list_select_related, aggregates)
