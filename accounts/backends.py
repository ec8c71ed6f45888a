"""Signing in: Django's ModelBackend, with the signed-in user's account (balance, approval) read in the
user's own query. Every signed-in page's header shows the balance, and it was a query of its own."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ObjectDoesNotExist

SIGN_IN_BACKEND = "accounts.backends.AccountModelBackend"  # in AUTHENTICATION_BACKENDS (migration 0004)


class AccountModelBackend(ModelBackend):
    def get_user(self, user_id):
        user = get_user_model()._default_manager.select_related("account").filter(pk=user_id).first()
        if user is None or not self.user_can_authenticate(user):
            return None
        try:
            user.signed_in_account = user.account  # no query: it came with the user
        except ObjectDoesNotExist:
            pass  # account_of makes it
        return user
