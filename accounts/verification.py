"""Email confirmation at sign-up (settings.SIGNUP_VERIFY_EMAIL): a signed, expiring link per address.

The token signs the user's id and the address it was sent to, so a link stops working once the address
changes, and it needs no table. Sending happens in the request that asks for it, as Django's own password
reset does (EMAIL_TIMEOUT bounds it); the resend button is throttled per address."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import Account

SALT = "accounts.confirm-email"
CONFIRMED = "Your email address is confirmed: you can make songs now."
ALREADY_CONFIRMED = "This address is already confirmed."
EXPIRED = "This confirmation link has expired. Log in and send yourself a new one from the notice at the top."
INVALID = "This confirmation link isn't valid. Check that it was copied whole, or send yourself a new one."


def token_for(user) -> str:
    return signing.dumps({"user": user.pk, "email": user.email}, salt=SALT, compress=True)


def send_confirmation(request, user) -> None:
    link = request.build_absolute_uri(reverse("accounts:confirm_email", args=[token_for(user)]))
    context = {"user": user, "link": link, "days": settings.EMAIL_CONFIRMATION_DAYS}
    send_mail(
        subject="Confirm your email address for Suno Studio",
        message=render_to_string("registration/confirm_email_email.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


@dataclass(frozen=True)
class Outcome:
    confirmed: bool
    message: str
    user_id: int | None = None


def confirm(token: str, *, now=None) -> Outcome:
    """Confirm the address a link was sent to; the answer says what happened, in the creator's words."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.EMAIL_CONFIRMATION_DAYS * 24 * 60 * 60)
    except signing.SignatureExpired:
        return Outcome(False, EXPIRED)
    except signing.BadSignature:
        return Outcome(False, INVALID)
    user = get_user_model().objects.filter(pk=data.get("user"), email=data.get("email")).first()
    if user is None:  # deleted, or the address changed since the link was sent
        return Outcome(False, INVALID)
    with transaction.atomic():
        updated = Account.objects.filter(user=user, email_confirmed=False).update(
            email_confirmed=True, email_confirmed_at=now or timezone.now()
        )
    return Outcome(True, CONFIRMED if updated else ALREADY_CONFIRMED, user.pk)
