"""The creator's credits page, the balance in the header, and the price labels buttons use."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from django.db import transaction
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Account, Action, CreditEntry, Price

pytestmark = pytest.mark.django_db


def charged(user, subject="Night Drive", subject_url="/songs/7/", action=Action.GENERATE):
    with transaction.atomic():
        return services.charge(user=user, action=action, subject=subject, subject_url=subject_url)


def test_the_page_needs_a_login(client):
    response = client.get(reverse("accounts:credits"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_page_shows_balance_allowance_next_top_up_and_prices(client, user):
    client.force_login(user)
    response = client.get(reverse("accounts:credits"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Balance" in page and "500 <span>credits</span>" in page
    next_month = services.next_period_start(timezone.now())
    assert f"Topped up to 500 on {next_month.day} {next_month:%B %Y}" in page
    assert "<span>Generate</span> <strong>10 credits</strong>" in page
    assert '<span>Lyrics</span> <strong class="price-free">free</strong>' in page
    assert "Monthly allowance for" in page  # the grant that made the balance is the first line


def test_the_ledger_lists_only_my_entries_with_a_refund_and_its_reason(client, user, other_user):
    refunded = charged(user, subject="Night Drive")
    services.refund(refunded.pk, reason="The music service rejected the lyrics.")
    charged(other_user, subject="Mallory's Secret Song", subject_url="/songs/99/")
    client.force_login(user)
    page = client.get(reverse("accounts:credits")).content.decode()
    assert "Mallory" not in page and "/songs/99/" not in page
    assert '<a href="/songs/7/">Night Drive</a>' in page
    assert page.count(">Refunded<") == 2  # the charge and its refund both say what became of it
    assert "The music service rejected the lyrics." in page
    assert "\u221210" in page and "+10" in page and "+500" in page
    # newest first: the refund, then the charge, then the month's grant
    assert page.index(">Refund<") < page.index(">Charge<") < page.index(">Grant<")


def test_a_request_held_for_review_says_so(client, user):
    request = charged(user)
    services.hold_for_review(request.pk, reason="The send timed out: nobody knows whether it was made.")
    client.force_login(user)
    page = client.get(reverse("accounts:credits")).content.decode()
    assert ">Needs review<" in page and "nobody knows whether it was made" in page


@pytest.mark.parametrize("extra_entries", [1, 120])
def test_the_ledger_is_paginated_in_constant_queries(client, user, django_assert_num_queries, extra_entries):
    for index in range(extra_entries):
        services.grant(user=user, amount=1, note=f"Gift {index}")
    client.force_login(user)
    client.get(reverse("accounts:credits"))  # this month's grant is made
    # session, the user with its account (accounts.backends), entries count, the page of entries
    with django_assert_num_queries(4):
        page = client.get(reverse("accounts:credits")).content.decode()
    if extra_entries > 50:
        assert "Page 1 of 3" in page and f"Gift {extra_entries - 1}" in page
        assert not re.search(r"\bGift 0\b", page)
        assert re.search(r"\bGift 0\b", client.get(reverse("accounts:credits") + "?page=3").content.decode())


def test_unlimited_accounts_say_so(client, user):
    Account.objects.create(user=user, unlimited=True)
    client.force_login(user)
    page = client.get(reverse("accounts:credits")).content.decode()
    assert "Unlimited credits" in re.sub(r"<[^>]+>", "", page)  # the header (phones show "Unlimited")
    assert "You're never refused for credits" in page


def test_the_header_balance_follows_charges(client, user):
    client.force_login(user)
    charged(user)
    assert "490 credits" in client.get(reverse("songs:library")).content.decode()


def test_a_partial_runs_no_account_query(client, user, django_assert_num_queries):
    """The header's account is lazy: a template that doesn't show it never reads it."""
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from accounts.context_processors import credits

    request = RequestFactory().get("/")
    request.user = user
    with django_assert_num_queries(0):
        context = credits(request)
        render_to_string("includes/pagination.html", context, request=request)


def test_a_new_month_tops_the_balance_up_when_the_header_is_shown(client, user):
    last_year = timezone.make_aware(datetime(2020, 1, 15))
    with transaction.atomic():
        services.charge(user=user, action=Action.GENERATE, subject="Night Drive", now=last_year)
    assert Account.objects.get(user=user).balance == 490
    client.force_login(user)
    assert "500 credits" in client.get(reverse("songs:library")).content.decode()
    assert CreditEntry.objects.filter(user=user, kind=CreditEntry.Kind.GRANT).count() == 2


def render(source: str) -> str:
    return Template("{% load credits %}" + source).render(Context())


def test_price_label_reads_the_price_table():
    assert render('{% price_label "generate" %}') == "10 credits"
    assert render('{% price_label "lyrics" %}') == "free"
    assert render('{% price_label "extend" as price %}[{{ price }}]') == "[10 credits]"
    Price.objects.filter(action="cover").update(credits=1)
    Price.objects.get(action="cover").save()  # an admin edit: the cached table is dropped
    assert render('{% price_label "cover" %}') == "1 credit"
    assert render('{% price_label "no-such-action" %}') == ""
