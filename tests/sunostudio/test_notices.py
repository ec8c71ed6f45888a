"""Staff notices: one open notice per cause, email at most once an hour per cause, only when configured."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from sunostudio.models import StaffNotice
from sunostudio.notices import notify_staff, resolve_cause
from sunostudio.settings import email_is_configured

pytestmark = pytest.mark.django_db


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("no mail server on this port")


@pytest.fixture
def staff(db):
    make = get_user_model().objects.create_user
    make("ops", email="ops@example.com", password="correct horse battery", is_staff=True)
    make("ops2", email="ops2@example.com", password="correct horse battery", is_staff=True)
    make("nomail", password="correct horse battery", is_staff=True)
    make("gone", email="gone@example.com", password="correct horse battery", is_staff=True, is_active=False)
    make("creator", email="creator@example.com", password="correct horse battery")


@pytest.fixture
def email_on(settings):
    settings.STAFF_NOTICE_EMAIL = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_a_repeated_cause_updates_the_one_open_notice():
    start = timezone.now()
    first = notify_staff(cause="model_refused", message="Disable chirp-v3", detail="raw 1", now=start)
    again = notify_staff(
        cause="model_refused", message="Disable chirp-v3-5", detail="raw 2", now=start + timedelta(minutes=3)
    )
    other = notify_staff(cause="auth_failed", message="Check the API key", now=start)

    assert again.pk == first.pk and other.pk != first.pk
    assert StaffNotice.objects.count() == 2
    first.refresh_from_db()
    assert first.count == 2
    assert first.first_seen_at == start and first.last_seen_at == start + timedelta(minutes=3)
    assert (first.message, first.detail) == ("Disable chirp-v3-5", "raw 2")  # the newest facts


def test_a_cause_seen_again_after_it_was_resolved_opens_a_new_notice():
    notice = notify_staff(cause="auth_failed", message="Check the API key")
    assert notice.mark_resolved()
    assert not notice.mark_resolved()  # a second press changes nothing

    reopened = notify_staff(cause="auth_failed", message="Check the API key")

    assert reopened.pk != notice.pk and reopened.count == 1
    assert list(StaffNotice.objects.open()) == [reopened]


def test_resolve_cause_closes_only_that_cause():
    notify_staff(cause="upstream_balance_low", message="Low")
    notify_staff(cause="auth_failed", message="Key")

    assert resolve_cause("upstream_balance_low") == 1
    assert [n.cause for n in StaffNotice.objects.open()] == ["auth_failed"]


def test_email_goes_to_every_active_staff_address_at_most_once_an_hour_per_cause(
    staff, email_on, django_capture_on_commit_callbacks
):
    start = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        notify_staff(cause="model_refused", message="Disable chirp-v3", url="/admin/songs/", now=start)
        # A second worker noticing the same thing at the same moment: the conditional UPDATE lets one send.
        notify_staff(cause="model_refused", message="Disable chirp-v3", now=start)
        notify_staff(cause="model_refused", message="Disable chirp-v3", now=start + timedelta(minutes=59))
        notify_staff(cause="auth_failed", message="Check the API key", now=start + timedelta(minutes=5))

    assert [m.subject for m in mail.outbox] == [
        "[Suno Studio] Disable chirp-v3",
        "[Suno Studio] Check the API key",
    ]
    assert sorted(mail.outbox[0].to) == ["ops2@example.com", "ops@example.com"]  # not inactive, not creators
    assert "http://127.0.0.1:8000/admin/songs/" in mail.outbox[0].body

    with django_capture_on_commit_callbacks(execute=True):
        notify_staff(cause="model_refused", message="Disable chirp-v3", now=start + timedelta(minutes=61))

    assert len(mail.outbox) == 3
    assert StaffNotice.objects.get(cause="model_refused").count == 4


def test_a_cause_that_comes_straight_back_after_resolving_is_not_emailed_again_within_the_hour(
    staff, email_on, django_capture_on_commit_callbacks
):
    start = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        notify_staff(cause="auth_failed", message="Check the API key", now=start).mark_resolved()
        reopened = notify_staff(
            cause="auth_failed", message="Check the API key", now=start + timedelta(minutes=10)
        )

    assert len(mail.outbox) == 1
    assert reopened.is_open  # staff still see it on the admin index and in the banner


def test_no_email_without_configuration(staff, settings, django_capture_on_commit_callbacks):
    settings.STAFF_NOTICE_EMAIL = False
    with django_capture_on_commit_callbacks(execute=True):
        notice = notify_staff(cause="auth_failed", message="Check the API key")

    assert mail.outbox == []
    notice.refresh_from_db()
    assert notice.last_emailed_at is None


def test_a_rolled_back_notice_sends_nothing(staff, email_on, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify_staff(cause="auth_failed", message="Check the API key")
    assert len(callbacks) == 1  # queued for after commit, not sent inside the caller's transaction
    assert mail.outbox == []


def test_a_failing_mail_server_is_logged_not_raised(
    staff, email_on, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.sunostudio.test_notices.RefusingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        notice = notify_staff(cause="auth_failed", message="Check the API key")

    notice.refresh_from_db()
    assert notice.is_open and notice.last_emailed_at is not None  # tried once; next try in an hour


def test_newlines_never_reach_the_subject(staff, email_on, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify_staff(cause="odd", message="Line one\nline two")
    assert mail.outbox[0].subject == "[Suno Studio] Line one line two"


@pytest.mark.parametrize(
    ("environ", "configured"),
    [
        ({}, False),
        ({"EMAIL_HOST": "smtp.example.com"}, True),
        ({"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}, True),
        ({"EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"}, False),
        ({"EMAIL_HOST": " "}, False),
    ],
)
def test_email_is_configured_by_a_host_or_an_explicit_backend(environ, configured):
    assert email_is_configured(environ) is configured
