"""Email confirmation at sign-up (settings.SIGNUP_VERIFY_EMAIL), as the person signing up meets it."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import services, verification
from accounts.errors import EmailNotConfirmed
from accounts.models import Account, Action

pytestmark = pytest.mark.django_db

PASSWORD = "a quiet harbour 42"


@pytest.fixture
def verify(settings):
    settings.SIGNUP_POLICY = "open"
    settings.SIGNUP_VERIFY_EMAIL = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings


def sign_up(client, username="newbie", email="newbie@example.org"):
    return client.post(
        reverse("signup"),
        {"username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD},
        follow=True,
    )


def text(response) -> str:
    return html.unescape(response.content.decode())


def link_in(message) -> str:
    return re.search(r"https?://\S+/account/confirm/\S+/", message.body).group(0)


def test_sign_up_asks_for_an_address_and_keeps_what_was_typed_without_one(client, verify):
    page = text(client.get(reverse("signup")))
    assert 'name="email"' in page and "open it to start making songs" in page

    response = client.post(
        reverse("signup"), {"username": "newbie", "email": "", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 200
    assert "This field is required." in text(response)
    assert 'value="newbie"' in text(response)
    assert not Account.objects.exists() and not mail.outbox


def test_an_address_already_in_use_is_refused(client, verify, django_user_model):
    django_user_model.objects.create_user("harbour", "Taken@Example.org", PASSWORD)
    response = sign_up(client, email="taken@example.org")
    assert "An account already uses this address." in text(response)
    assert not Account.objects.filter(user__username="newbie").exists()


def test_an_unconfirmed_account_is_told_cannot_spend_and_the_link_confirms_it(client, verify):
    page = text(sign_up(client))
    account = Account.objects.get(user__username="newbie")
    assert not account.email_confirmed
    assert "We sent a link to newbie@example.org" in page  # the welcome, and the notice on every page
    assert "Confirm your email address." in text(client.get(reverse("accounts:credits")))
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["newbie@example.org"]

    with pytest.raises(EmailNotConfirmed) as refusal, transaction.atomic():
        services.charge(user=account.user, action=Action.GENERATE, subject="Night drive")
    assert "open the link we sent to newbie@example.org" in refusal.value.user_message
    assert not account.user.paid_requests.exists()

    response = client.get(link_in(mail.outbox[0]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("songs:song_create")
    page = text(response)
    assert verification.CONFIRMED in page and "Confirm your email address." not in page
    account.refresh_from_db()
    assert account.email_confirmed and account.email_confirmed_at is not None
    with transaction.atomic():
        services.charge(user=account.user, action=Action.GENERATE, subject="Night drive")

    again = text(client.get(link_in(mail.outbox[0]), follow=True))
    assert verification.ALREADY_CONFIRMED in again


def test_the_song_form_keeps_what_was_typed_and_says_why(client, verify):
    sign_up(client)
    response = client.post(
        reverse("songs:song_create"),
        {
            "mode": "custom",
            "title": "Night drive",
            "lyrics": "[Verse]\nNeon",
            "tags": "synthwave",
            "model_version": "chirp-auk",
            "idempotency_key": "0b6f6b7e-2b1a-4a53-9a43-1d7c1f1f1f1f",
        },
    )
    page = text(response)
    assert response.status_code == 200
    assert "Confirm your email address first" in page and "Night drive" in page


def test_an_expired_or_tampered_link_says_so_and_confirms_nothing(client, verify, monkeypatch):
    sign_up(client)
    link = link_in(mail.outbox[0])
    page = text(client.get(link[:-3] + "xx/", follow=True))
    assert verification.INVALID in page

    later = timezone.now() + timedelta(days=verify.EMAIL_CONFIRMATION_DAYS, minutes=1)
    monkeypatch.setattr("django.core.signing.time.time", lambda: later.timestamp())
    page = text(client.get(link, follow=True))
    assert "This confirmation link has expired." in page
    assert not Account.objects.get(user__username="newbie").email_confirmed


def test_a_link_for_an_address_since_changed_no_longer_works(client, verify):
    sign_up(client)
    link = link_in(mail.outbox[0])
    Account.objects.get(user__username="newbie").user.__class__.objects.filter(username="newbie").update(
        email="other@example.org"
    )
    assert verification.INVALID in text(client.get(link, follow=True))


def test_send_the_link_again_sends_a_new_one_and_is_throttled(client, verify):
    verify.CONFIRMATION_EMAILS_PER_HOUR = 2
    sign_up(client)
    for _ in range(2):
        page = client.post(
            reverse("accounts:resend_confirmation"), {"next": reverse("accounts:credits")}, follow=True
        )
        assert "We sent a new link to newbie@example.org" in text(page)
        assert page.redirect_chain[-1][0] == reverse("accounts:credits")
    page = text(client.post(reverse("accounts:resend_confirmation"), follow=True))
    assert "several links in the last hour" in page
    assert len(mail.outbox) == 3  # the sign-up's and two more
    # The newest link confirms too.
    client.get(link_in(mail.outbox[-1]))
    assert Account.objects.get(user__username="newbie").email_confirmed


def test_a_mail_server_that_refuses_is_said_plainly(client, verify, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    page = text(sign_up(client))
    assert "We couldn't send the confirmation email just now." in page
    assert "We sent a link" not in page.split("Confirm your email address.")[0]  # no false welcome


def test_without_verification_sign_up_is_ready_at_once_and_email_optional(client, settings):
    settings.SIGNUP_POLICY = "open"
    settings.SIGNUP_VERIFY_EMAIL = False
    page = text(client.get(reverse("signup")))
    assert "Optional: it lets you reset a forgotten password." in page
    sign_up(client, email="")
    assert Account.objects.get(user__username="newbie").email_confirmed
    assert not mail.outbox


def test_checks_refuse_verification_that_cannot_arrive_and_warn_about_open_sign_up(settings):
    settings.SIGNUP_VERIFY_EMAIL = True
    settings.EMAIL_CAN_BE_SENT = False
    with pytest.raises(SystemCheckError, match="accounts.E001"):
        call_command("check")
    from accounts.checks import open_signup_confirms_email

    settings.SIGNUP_VERIFY_EMAIL = False
    settings.SIGNUP_POLICY = "open"
    assert [m.id for m in open_signup_confirms_email(None)] == ["accounts.W001"]
    settings.SIGNUP_POLICY = "invite"
    assert open_signup_confirms_email(None) == []
