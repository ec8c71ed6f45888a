"""Webhooks as a creator who scripts meets them: a real receiver on a real socket checks each signature;
only DNS is faked (at the network edge) where a test needs a name to resolve somewhere particular."""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from notifications import services, webhooks
from notifications.models import Webhook, WebhookDelivery

pytestmark = pytest.mark.django_db


class Receiver:
    """Answers each POST with the next status in `script` (the last repeats) and keeps what arrived."""

    def __init__(self) -> None:
        self.script: list[tuple[int, dict]] = [(204, {})]
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(
                    {"path": self.path, "headers": dict(self.headers.items()), "body": body}
                )
                status, headers = receiver.script.pop(0) if len(receiver.script) > 1 else receiver.script[0]
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_REQUIRE_HTTPS = False  # the receiver is plain HTTP on loopback, allowed here only
    settings.WEBHOOK_ALLOWED_PRIVATE_ADDRESSES = ["127.0.0.1"]
    receiving = Receiver()
    yield receiving
    receiving.server.shutdown()


@pytest.fixture
def hook(user, receiver):
    return Webhook.objects.create(user=user, url=f"{receiver.base}/hooks/studio")


def event(user, capture) -> WebhookDelivery:
    with capture(execute=False):
        services.notify(
            user=user,
            key="song:1:finished",
            kind="ready",
            message="Harbour Lights is ready",
            url="/songs/1/",
            event="song.completed",
            payload={"song": {"id": 1, "title": "Harbour Lights"}},
        )
    return WebhookDelivery.objects.get()


def test_a_completed_song_is_posted_signed_and_logged(
    user, hook, receiver, django_capture_on_commit_callbacks
):
    delivery = event(user, django_capture_on_commit_callbacks)
    assert services.deliver(delivery.pk) == WebhookDelivery.State.DELIVERED
    (arrived,) = receiver.received
    assert arrived["path"] == "/hooks/studio"
    headers = arrived["headers"]
    assert headers["X-Studio-Event"] == "song.completed"
    assert headers["X-Studio-Delivery"] == str(delivery.event_id)
    assert webhooks.verify(hook.secret, headers["X-Studio-Signature"], arrived["body"], now=time.time())
    assert not webhooks.verify("whsec_other", headers["X-Studio-Signature"], arrived["body"], now=time.time())
    assert not webhooks.verify(
        hook.secret, headers["X-Studio-Signature"], arrived["body"] + b" ", now=time.time()
    )
    assert not webhooks.verify(
        hook.secret, headers["X-Studio-Signature"], arrived["body"], now=time.time() + 600
    )
    body = json.loads(arrived["body"])
    assert body == {
        "id": str(delivery.event_id),
        "type": "song.completed",
        "song": {"id": 1, "title": "Harbour Lights"},
    }
    (attempt,) = delivery.log.all()
    assert attempt.status_code == 204 and not attempt.error


def test_failures_are_retried_with_backoff_and_each_answer_is_logged(
    user, hook, receiver, django_capture_on_commit_callbacks
):
    receiver.script = [(500, {}), (503, {}), (200, {})]
    delivery = event(user, django_capture_on_commit_callbacks)
    start = delivery.created_at
    assert services.deliver(delivery.pk, now=start) == WebhookDelivery.State.PENDING
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == start + timedelta(minutes=1)
    assert services.deliver(delivery.pk, now=start + timedelta(seconds=30)) is None  # not due yet
    assert services.due_delivery_ids(now=start + timedelta(seconds=61)) == [delivery.pk]
    services.deliver(delivery.pk, now=start + timedelta(seconds=61))
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == start + timedelta(seconds=61 + 300)
    assert services.deliver(delivery.pk, now=start + timedelta(minutes=7)) == WebhookDelivery.State.DELIVERED
    assert [a.status_code for a in delivery.log.all()] == [500, 503, 200]
    assert len(receiver.received) == 3


def test_it_gives_up_after_a_day(user, hook, receiver, django_capture_on_commit_callbacks):
    receiver.script = [(503, {})]
    delivery = event(user, django_capture_on_commit_callbacks)
    now = delivery.created_at
    while (state := services.deliver(delivery.pk, now=now)) == WebhookDelivery.State.PENDING:
        now = WebhookDelivery.objects.get(pk=delivery.pk).next_attempt_at
    assert state == WebhookDelivery.State.FAILED
    delivery.refresh_from_db()
    assert delivery.attempts == 8 and now - delivery.created_at < timedelta(
        days=1
    )  # the first try and 7 more
    assert services.due_delivery_ids(now=now + timedelta(days=2)) == []


def test_one_try_at_a_time(user, hook, receiver, django_capture_on_commit_callbacks):
    delivery = event(user, django_capture_on_commit_callbacks)
    now = timezone.now()
    assert services._claim(delivery.pk, now) is not None
    assert services.deliver(delivery.pk, now=now) is None  # another worker holds this try
    assert receiver.received == []


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.5/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://localhost/hook",
        "https://0.0.0.0/hook",
        "https://100.64.0.1/hook",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(
    user, settings, url, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOWED_PRIVATE_ADDRESSES = []
    Webhook.objects.create(user=user, url=url)
    delivery = event(user, django_capture_on_commit_callbacks)
    assert services.deliver(delivery.pk) == WebhookDelivery.State.REFUSED
    (attempt,) = delivery.log.all()
    assert attempt.status_code is None and "not a public address" in attempt.error


def test_a_public_name_that_resolves_inside_is_refused_after_resolution(
    user, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        if host == "hooks.example.com":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", 443))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    Webhook.objects.create(user=user, url="https://hooks.example.com/in")
    delivery = event(user, django_capture_on_commit_callbacks)
    assert services.deliver(delivery.pk) == WebhookDelivery.State.REFUSED
    assert "resolves to 10.1.2.3" in delivery.log.get().error


def test_every_redirect_is_checked_and_only_307_308_are_followed(
    user, hook, receiver, settings, django_capture_on_commit_callbacks
):
    receiver.script = [(307, {"Location": "/hooks/moved"}), (204, {})]
    delivery = event(user, django_capture_on_commit_callbacks)
    assert services.deliver(delivery.pk) == WebhookDelivery.State.DELIVERED
    assert [r["path"] for r in receiver.received] == ["/hooks/studio", "/hooks/moved"]

    receiver.received.clear()
    receiver.script = [(308, {"Location": "http://169.254.169.254/latest/"})]
    second = WebhookDelivery.objects.create(
        webhook=hook, event="song.failed", payload={}, next_attempt_at=timezone.now()
    )
    assert services.deliver(second.pk) == WebhookDelivery.State.REFUSED
    assert len(receiver.received) == 1 and "169.254.169.254" in second.log.get().error

    receiver.script = [(302, {"Location": "/elsewhere"})]
    third = WebhookDelivery.objects.create(
        webhook=hook, event="song.failed", payload={}, next_attempt_at=timezone.now()
    )
    assert services.deliver(third.pk) == WebhookDelivery.State.PENDING  # tried again later
    assert "only 307 and 308 are followed" in third.log.get().error


def test_plain_http_is_refused_where_https_is_required(user, settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_REQUIRE_HTTPS = True
    Webhook.objects.create(user=user, url="http://hooks.example.com/")
    delivery = event(user, django_capture_on_commit_callbacks)
    assert services.deliver(delivery.pk) == WebhookDelivery.State.REFUSED
    assert "https://" in delivery.log.get().error


def test_only_active_webhooks_get_the_event_and_the_bell_counts(
    user, hook, receiver, django_capture_on_commit_callbacks
):
    Webhook.objects.create(user=user, url=f"{receiver.base}/off", is_active=False)
    event(user, django_capture_on_commit_callbacks)
    assert WebhookDelivery.objects.get().webhook == hook
    assert services.unread_count(user) == 1
    assert services.mark_all_read(user) == 1 and services.unread_count(user) == 0


def test_the_same_end_reported_twice_is_notified_and_sent_once(
    user, hook, django_capture_on_commit_callbacks
):
    event(user, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        again = services.notify(
            user=user, key="song:1:finished", kind="ready", message="x", event="song.completed"
        )
    assert again is None and queued == []
    assert WebhookDelivery.objects.count() == 1 and user.notifications.count() == 1


@pytest.mark.parametrize(
    ("url", "address", "expected"),
    [
        (
            "https://hooks.example.com/in?x=1",
            "93.184.216.34",
            ("https://93.184.216.34/in?x=1", "hooks.example.com"),
        ),
        (
            "https://hooks.example.com:8443/",
            "2606:2800::1",
            ("https://[2606:2800::1]:8443/", "hooks.example.com:8443"),
        ),
    ],
)
def test_the_request_goes_to_the_checked_address_under_the_hosts_name(url, address, expected):
    target, host_header, server_name = webhooks._pinned(url, address)
    assert (target, host_header) == expected and server_name == "hooks.example.com"


def test_the_sweep_is_scheduled_every_minute():
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name="notifications.deliver_due_webhooks")
    assert (schedule.func, schedule.minutes) == ("notifications.tasks.deliver_due_webhooks", 1)
