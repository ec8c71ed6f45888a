"""A creator with 10 credits: a failed generation gives them back, a good one spends them, and the next
Generate says why it can't and keeps what was typed."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


LYRICS = "[Verse]\nCounting every coin tonight\n[Chorus]\nSpend it"


def fill_song(page, title: str) -> None:
    page.get_by_label("Title").fill(title)
    page.get_by_role("textbox", name="Lyrics").fill(LYRICS)
    page.get_by_label("Style tags").fill("lo-fi, mellow")


def test_ten_credits_refund_spend_and_refusal(page, stack):
    stack.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; from accounts.models import Account; "
        f"user = get_user_model().objects.create_user('thrifty', password={PASSWORD!r}); "
        "Account.objects.create(user=user, monthly_allowance=10)",
    )
    log_in(page, "thrifty", PASSWORD)
    balance = page.locator(".credit-balance")
    expect(balance).to_have_text("10 credits")

    # The music service fails the first generation: the takes end in error and the credits come back.
    stack.simulator_faults({"name": "task_failure", "endpoint": "submit_music", "times": 1})
    page.goto("/songs/new/")
    fill_song(page, "Unlucky Take")
    page.get_by_role("button", name="Generate · 10 credits").click()
    expect(page.get_by_role("heading", name="Unlucky Take")).to_be_visible()
    expect(page.locator(".clip-card .status-badge").first).to_have_text("Failed", timeout=60_000)
    expect(page.get_by_text("Your 10 credits were given back.")).to_be_visible(timeout=10_000)
    expect(balance).to_have_text("10 credits")  # the header follows the refund without a reload

    # The ledger shows both lines of that request.
    balance.click()
    rows = page.locator("tr", has_text="Unlucky Take")
    expect(rows).to_have_count(2)
    refund = rows.filter(has=page.get_by_role("cell", name="Refund", exact=True))
    charge = rows.filter(has=page.get_by_role("cell", name="Charge", exact=True))
    expect(refund.locator('td[data-label="Amount"]')).to_have_text("+10")
    expect(charge.locator('td[data-label="Amount"]')).to_have_text("\u221210")

    # A generation that works spends them: 0 left.
    page.goto("/songs/new/")
    fill_song(page, "Lucky Take")
    page.get_by_role("button", name="Generate · 10 credits").click()
    expect(page.get_by_role("heading", name="Lucky Take")).to_be_visible()
    expect(balance).to_have_text("0 credits")

    # The next Generate is refused with the reason, and nothing typed is lost.
    page.goto("/songs/new/")
    fill_song(page, "One Too Many")
    page.get_by_role("button", name="Generate · 10 credits").click()
    expect(page.get_by_text("Generate costs 10 credits and you have 0.")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("One Too Many")
    expect(page.get_by_role("textbox", name="Lyrics")).to_have_value(LYRICS)
    expect(balance).to_have_text("0 credits")
