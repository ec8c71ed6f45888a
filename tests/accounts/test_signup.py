"""Sign-up under each settings.SIGNUP_POLICY, as the person signing up sees it."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.errors import AwaitingApproval, InviteRefused
from accounts.models import Account, Action, InviteCode

pytestmark = pytest.mark.django_db

PASSWORD = "a quiet harbour 42"
User = get_user_model()


def sign_up(client, username="newbie", **extra):
    return client.post(
        reverse("signup"), {"username": username, "password1": PASSWORD, "password2": PASSWORD, **extra}
    )


@pytest.fixture
def policy(settings):
    def set_policy(value: str) -> None:
        settings.SIGNUP_POLICY = value

    return set_policy


# open


def test_open_sign_up_creates_an_approved_account_with_the_allowance_and_logs_in(client, policy, settings):
    policy("open")
    page = client.get(reverse("signup")).content.decode()
    assert "Anyone can sign up." in page and 'name="invite_code"' not in page

    response = sign_up(client)
    assert response["Location"] == reverse("songs:song_create")
    account = Account.objects.get(user__username="newbie")
    assert account.approval == Account.Approval.APPROVED
    assert account.balance == settings.CREDITS_MONTHLY_ALLOWANCE == 500
    page = client.get(reverse("songs:library")).content.decode()
    assert "500 credits" in page  # the header balance, linking to the credits page
    assert f'href="{reverse("accounts:credits")}"' in page
    assert "Waiting for approval" not in page


# invite


@pytest.fixture
def invite(db):
    return InviteCode.objects.create(code="harbour-lights", max_uses=2)


def test_invite_page_asks_for_a_code_and_a_link_fills_it_in(client, policy, invite):
    policy("invite")
    page = client.get(reverse("signup")).content.decode()
    assert "Sign-up is by invitation." in page and "Invite code" in page
    page = client.get(reverse("signup") + "?code=harbour-lights").content.decode()
    assert 'name="invite_code" value="harbour-lights"' in page


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("", "This field is required."),
        ("no-such-code", "There's no invite with this code."),
        ("expired", "This invite code has expired."),
        ("used-up", "This invite code has been used as often as it allows."),
    ],
)
def test_a_bad_invite_code_is_refused_and_keeps_what_was_typed(client, policy, code, says):
    policy("invite")
    InviteCode.objects.create(code="expired", expires_at=timezone.now() - timedelta(minutes=1))
    used_up = InviteCode.objects.create(code="used-up", max_uses=1)
    InviteCode.objects.filter(pk=used_up.pk).update(uses=1)

    response = sign_up(client, invite_code=code)
    page = response.content.decode()
    assert response.status_code == 200
    assert says in html.unescape(page)
    assert 'value="newbie"' in page and (not code or f'name="invite_code" value="{code}"' in page)
    assert not User.objects.filter(username="newbie").exists()


def test_a_valid_invite_code_signs_up_counts_the_use_and_is_recorded(client, policy, invite):
    policy("invite")
    response = sign_up(client, invite_code=" harbour-lights ")
    assert response["Location"] == reverse("songs:song_create")
    invite.refresh_from_db()
    assert invite.uses == 1
    account = Account.objects.get(user__username="newbie")
    assert account.invite == invite and account.approval == Account.Approval.APPROVED
    assert "500 credits" in client.get(reverse("songs:library")).content.decode()


def test_the_last_use_of_a_code_makes_one_account(policy, invite):
    """Two people passed the form's check for the same last use: the conditional UPDATE lets one in."""
    policy("invite")
    InviteCode.objects.filter(pk=invite.pk).update(uses=1)  # one use of two left
    first, second = User(username="first"), User(username="second")
    services.account_sign_up(user=first, invite_code="harbour-lights")
    with pytest.raises(InviteRefused) as refusal:
        services.account_sign_up(user=second, invite_code="harbour-lights")
    assert "used as often as it allows" in refusal.value.user_message
    invite.refresh_from_db()
    assert invite.uses == invite.max_uses == 2
    assert list(User.objects.filter(username__in=["first", "second"]).values_list("username", flat=True)) == [
        "first"
    ]


def test_a_code_used_up_between_the_check_and_the_save_keeps_the_form(client, policy, invite, monkeypatch):
    """The form's friendly check passes, then someone else takes the last use: the page says so."""
    policy("invite")
    real_sign_up = services.account_sign_up

    def someone_else_first(**kwargs):
        InviteCode.objects.filter(pk=invite.pk).update(uses=invite.max_uses)
        return real_sign_up(**kwargs)

    monkeypatch.setattr(services, "account_sign_up", someone_else_first)
    page = sign_up(client, invite_code="harbour-lights").content.decode()
    assert "used as often as it allows" in page and 'value="newbie"' in page
    assert not User.objects.filter(username="newbie").exists()


# approval


def test_approval_sign_up_is_pending_says_so_on_every_page_and_cannot_generate(client, policy):
    policy("approval")
    page = client.get(reverse("signup")).content.decode()
    assert "an admin approves each new account" in page

    response = sign_up(client)
    assert response.status_code == 302
    account = Account.objects.get(user__username="newbie")
    assert account.approval == Account.Approval.PENDING
    for url in (response["Location"], reverse("songs:library"), reverse("accounts:credits")):
        page = client.get(url).content.decode()
        assert "An admin must approve your account before you can make songs." in page, url

    with pytest.raises(AwaitingApproval) as refusal, transaction.atomic():
        services.charge(user=account.user, action=Action.GENERATE, subject="Night drive")
    assert "waiting for an admin to approve it" in refusal.value.user_message
    assert not account.user.paid_requests.exists()


# closed


def test_closed_sign_up_shows_no_form_and_a_post_creates_nobody(client, policy):
    policy("closed")
    response = client.get(reverse("signup"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Sign-up is closed" in page and "<form" not in page.split("<main", 1)[1].split("</main>")[0]

    response = sign_up(client)
    assert response.status_code == 403 and "Sign-up is closed" in response.content.decode()
    assert not User.objects.filter(username="newbie").exists()


def test_closed_sign_up_hides_the_sign_up_links(client, policy):
    policy("open")
    assert f'href="{reverse("signup")}"' in client.get(reverse("login")).content.decode()
    policy("closed")
    page = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("signup")}"' not in page and "Log in" in page
