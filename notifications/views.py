"""The bell, the notifications page and the creator's webhooks: every lookup starts from request.user."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import selectors, services
from .forms import WebhookForm
from .models import Webhook


@require_GET
def bell(request: HttpRequest) -> HttpResponse:
    return _bell(request)


def _bell(request: HttpRequest) -> HttpResponse:
    context = {
        "unread": services.unread_count(request.user),
        "latest": selectors.latest_notifications(request.user),
    }
    return render(request, "notifications/bell.html", context)


@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = list(selectors.notifications_page(request.user))
    return render(request, "notifications/notification_list.html", {"notifications": notifications})


@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    services.mark_all_read(request.user)
    if request.htmx:
        return _bell(request)
    return redirect("notifications:list")


@require_http_methods(["GET", "POST"])
def webhook_list(request: HttpRequest) -> HttpResponse:
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.webhook_add(user=request.user, url=form.cleaned_data["url"])
        except ValueError as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request, "Webhook added. Its secret is below: use it to check each event's signature."
            )
            return redirect("notifications:webhooks")
    webhooks = selectors.webhooks_with_log(request.user)
    return render(request, "notifications/webhook_list.html", {"form": form, "webhooks": webhooks})


def _own_webhook(request: HttpRequest, pk: int) -> Webhook:
    return get_object_or_404(Webhook, pk=pk, user=request.user)


@require_POST
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _own_webhook(request, pk).delete()
    messages.success(request, "Webhook removed: nothing more is sent to it.")
    return redirect("notifications:webhooks")


@require_POST
def webhook_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    services.webhook_rotate_secret(_own_webhook(request, pk))
    messages.success(
        request, "New secret made. Events from now on are signed with it; the old one no longer works."
    )
    return redirect("notifications:webhooks")


@require_POST
def webhook_test(request: HttpRequest, pk: int) -> HttpResponse:
    services.webhook_ping(_own_webhook(request, pk))
    messages.success(request, "A test event is on its way: its answer appears in the log below in a moment.")
    return redirect("notifications:webhooks")
