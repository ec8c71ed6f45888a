"""The public site's locks in Chromium: the lockout message on our login page, password reset, and the admin
pages staff use, all under the Content-Security-Policy (the page fixture fails a test on any violation)."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, log_in

pytestmark = pytest.mark.browser


def test_lockout_then_staff_pages_and_password_reset_under_the_policy(page, stack):
    username, password = stack.create_user("locked")
    try:
        for _ in range(5):
            log_in(page, username, "not my password")
        log_in(page, username, password)
        lockout = page.locator(".lockout-message")
        expect(lockout).to_contain_text("Too many failed log-ins.")
        expect(lockout).to_contain_text("paused for 15 minutes, even with the right password")
        expect(page.get_by_label("Username")).to_have_value(username)
    finally:
        stack.manage("axes_reset")  # every browser test logs in from 127.0.0.1

    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    page.get_by_label("Email address").fill("locked@example.com")
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    stack.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.create_superuser('root', password={PASSWORD!r})",
    )
    log_in(page, "root", PASSWORD)
    for path, heading in [
        ("/admin/", "Studio administration"),
        ("/admin/accounts/creditentry/report/", "Credits report"),
        ("/admin/accounts/paidrequest/?state=review", "Select paid request"),
        ("/admin/accounts/invitecode/", "Select invite code"),
        ("/admin/axes/accessattempt/", "Select access attempt"),
        ("/admin/songs/song/", "Select song"),
        ("/admin/personas/persona/", "Select persona"),
    ]:
        page.goto(path)
        expect(page.locator("#content h1, #content h2").first).to_contain_text(heading)
