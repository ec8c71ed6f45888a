"""System checks for sign-up settings that would lock creators out or let anyone in unchecked."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def email_confirmation_can_arrive(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if settings.SIGNUP_VERIFY_EMAIL and not settings.EMAIL_CAN_BE_SENT:
        return [
            checks.Error(
                "SIGNUP_VERIFY_EMAIL is on but no email server is configured: new accounts could never "
                "confirm their address, so they could never make songs.",
                hint="Set EMAIL_URL (docs/deploy.md), or SIGNUP_VERIFY_EMAIL=false.",
                id="accounts.E001",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def open_signup_confirms_email(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if settings.SIGNUP_POLICY == "open" and not settings.SIGNUP_VERIFY_EMAIL:
        return [
            checks.Warning(
                "Anyone can sign up and spend the monthly credits without confirming an email address.",
                hint="Set EMAIL_URL and SIGNUP_VERIFY_EMAIL=true, or SIGNUP_POLICY=invite or approval.",
                id="accounts.W001",
            )
        ]
    return []
