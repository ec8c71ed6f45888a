"""accounts.backends: the signed-in user comes with its account, read once, and sessions signed in before
it stay signed in."""

from __future__ import annotations

import importlib

from django.apps import apps
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from accounts.backends import AccountModelBackend
from accounts.models import Account
from accounts.services import account_of

sessions_migration = importlib.import_module("accounts.migrations.0004_sessions_sign_in_backend")


def test_the_account_comes_with_the_user_and_is_read_again_after_that(user, django_assert_num_queries):
    account_of(user)  # this month's grant
    with django_assert_num_queries(1):
        signed_in = AccountModelBackend().get_user(user.pk)
        balance = account_of(signed_in).balance
    Account.objects.filter(user=user).update(balance=balance - 10)  # a charge, as a request makes one
    assert account_of(signed_in).balance == balance - 10  # not the copy read with the user


def test_a_session_signed_in_before_the_upgrade_stays_signed_in(client, user):
    session = SessionStore()
    session.update(
        {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: sessions_migration.OLD,
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
    )
    session.create()
    client.cookies["sessionid"] = session.session_key
    sessions_migration.move_sessions(apps, None, old=sessions_migration.OLD, new=sessions_migration.NEW)
    response = client.get(reverse("songs:library"))
    assert response.status_code == 200 and user.username in response.content.decode()
    assert SessionStore(session.session_key).load()[BACKEND_SESSION_KEY] == sessions_migration.NEW
