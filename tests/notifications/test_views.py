"""The bell, the notifications page and the webhooks page, as their owner and as anyone else sees them."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from notifications import services
from notifications.models import Notification, Webhook, WebhookDelivery
from tests.notifications.test_webhooks import Receiver

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def note(user, n: int, **fields) -> Notification:
    return Notification.objects.create(
        user=user,
        key=f"test:{user.pk}:{n}",
        kind="ready",
        message=f"Song {n} is ready",
        url=f"/songs/{n}/",
        **fields,
    )


@pytest.fixture
def creator(client, user):
    client.force_login(user)
    return client


def test_the_bell_counts_unread_and_lists_the_newest_of_its_owner_only(creator, user, other_user):
    for n in range(8):
        note(user, n)
    note(other_user, 99)
    page = text(creator.get(reverse("notifications:bell")))
    assert 'aria-label="Notifications: 8 unread"' in page
    assert "Song 7 is ready" in page and "Song 1 is ready" not in page  # the six newest
    assert "Song 99" not in page
    assert "now</small>" in page and "0 minutes" not in page  # just made: "now", not "0 minutes ago"

    answer = creator.post(reverse("notifications:read"), headers={"HX-Request": "true"})
    assert 'aria-label="Notifications"' in text(answer) and "bell-count" not in text(answer)
    assert services.unread_count(user) == 0 and services.unread_count(other_user) == 1


def test_the_page_lists_everything_and_says_when_there_is_nothing(creator, user):
    assert "Nothing yet" in text(creator.get(reverse("notifications:list")))
    note(user, 1)
    page = text(creator.get(reverse("notifications:list")))
    assert 'href="/songs/1/"' in page and "· new" in page


def test_a_private_webhook_url_is_refused_with_what_was_typed_kept(creator, settings):
    settings.WEBHOOK_ALLOWED_PRIVATE_ADDRESSES = []
    answer = creator.post(reverse("notifications:webhooks"), {"url": "https://127.0.0.1/hooks"})
    page = text(answer)
    assert answer.status_code == 200 and "not a public address" in page
    assert 'value="https://127.0.0.1/hooks"' in page and not Webhook.objects.exists()
    page = text(creator.post(reverse("notifications:webhooks"), {"url": "http://example.com/hooks"}))
    assert "must start with https://" in page


def test_a_webhook_is_added_tested_logged_given_a_new_secret_and_removed(
    creator, user, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_REQUIRE_HTTPS = False
    settings.WEBHOOK_ALLOWED_PRIVATE_ADDRESSES = ["127.0.0.1"]
    receiver = Receiver()
    try:
        url = f"{receiver.base}/hook"
        page = text(creator.post(reverse("notifications:webhooks"), {"url": url}, follow=True))
        webhook = Webhook.objects.get(user=user)
        assert "Webhook added" in page and webhook.secret in page

        with django_capture_on_commit_callbacks(execute=False) as queued:
            creator.post(reverse("notifications:webhook_test", args=[webhook.pk]))
        assert len(queued) == 1
        delivery = WebhookDelivery.objects.get(webhook=webhook, event="ping")
        services.deliver(delivery.pk)
        page = text(creator.get(reverse("notifications:webhooks")))
        assert "Delivered" in page and "204" in page

        old = webhook.secret
        creator.post(reverse("notifications:webhook_rotate", args=[webhook.pk]))
        webhook.refresh_from_db()
        assert webhook.secret != old and webhook.secret.startswith("whsec_")

        creator.post(reverse("notifications:webhook_delete", args=[webhook.pk]))
        assert not Webhook.objects.exists()
    finally:
        receiver.server.shutdown()


def test_at_most_five_webhooks(creator, user, settings):
    settings.WEBHOOK_REQUIRE_HTTPS = False
    settings.WEBHOOK_ALLOWED_PRIVATE_ADDRESSES = ["127.0.0.1"]
    for n in range(5):
        Webhook.objects.create(user=user, url=f"http://127.0.0.1:9/{n}")
    page = text(creator.post(reverse("notifications:webhooks"), {"url": "http://127.0.0.1:9/six"}))
    assert "at most 5 webhooks" in page and Webhook.objects.count() == 5


@pytest.mark.parametrize("name", ["webhook_test", "webhook_rotate", "webhook_delete"])
def test_another_creators_webhook_is_a_404(creator, other_user, name):
    theirs = Webhook.objects.create(user=other_user, url="https://example.com/theirs")
    assert creator.post(reverse(f"notifications:{name}", args=[theirs.pk])).status_code == 404
    assert Webhook.objects.filter(pk=theirs.pk, secret=theirs.secret).exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    for name in ("notifications:bell", "notifications:list", "notifications:webhooks"):
        assert client.get(reverse(name)).status_code == 302


def test_staff_see_each_delivery_and_its_answers_in_the_admin(admin_client, user):
    webhook = Webhook.objects.create(user=user, url="https://example.com/hook")
    delivery = WebhookDelivery.objects.create(webhook=webhook, event="song.completed", payload={"song": {}})
    delivery.log.create(url=webhook.url, status_code=503)
    page = text(admin_client.get(reverse("admin:notifications_webhookdelivery_change", args=[delivery.pk])))
    assert "song.completed" in page and "503" in page
    assert admin_client.get(reverse("admin:notifications_webhookdelivery_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:notifications_notification_changelist")).status_code == 200
