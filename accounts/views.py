"""Sign-up (under settings.SIGNUP_POLICY) and the creator's credits page."""

from __future__ import annotations

import logging

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required, login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sunostudio.security import too_many_attempts

from . import selectors, services, verification
from .backends import SIGN_IN_BACKEND
from .errors import InviteRefused
from .forms import signup_form_class
from .models import Account

logger = logging.getLogger(__name__)

WELCOME = "Welcome, {name}! Make your first song."
WELCOME_CREDITS = "Welcome, {name}! You have {balance} credits to make songs with. Make your first song."
WELCOME_PENDING = (
    "Welcome, {name}! An admin needs to approve your account before you can make songs. "
    "Until then you can look around and listen."
)
TOO_MANY_SIGNUPS = (
    "Too many sign-up attempts from your network in the last hour. Please try again in an hour."
)
TOO_MANY_RESETS = "Too many reset requests from your network in the last hour. Please try again in an hour."
WELCOME_CONFIRM = (
    "Welcome, {name}! We sent a link to {email}: open it to confirm your address, then make your first song."
)
NOT_SENT = (
    "We couldn't send the confirmation email just now. Try “Send the link again” at the top of the page "
    "in a few minutes."
)
SENT_AGAIN = "We sent a new link to {email}. It works for {days} days."
TOO_MANY_CONFIRMATIONS = "You've asked for several links in the last hour. Please try again in an hour."


@login_not_required
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("songs:library")
    policy = settings.SIGNUP_POLICY
    form_class = signup_form_class(policy)
    context = {"policy": policy, "allowance": settings.CREDITS_MONTHLY_ALLOWANCE}
    if form_class is None:  # closed: a page that says so, and a POST changes nothing
        status = 403 if request.method == "POST" else 200
        return render(request, "registration/signup.html", context, status=status)
    if request.method == "POST":
        if too_many_attempts(request, action="signup", per_hour=settings.SIGNUP_ATTEMPTS_PER_HOUR):
            messages.error(request, TOO_MANY_SIGNUPS)
            form = form_class(initial=_typed(request, "username", "invite_code"))  # not checked, not saved
            return render(request, "registration/signup.html", {**context, "form": form}, status=429)
        form = form_class(request.POST)
        if form.is_valid():
            try:
                account = services.account_sign_up(
                    user=form.save(commit=False), invite_code=form.cleaned_data.get("invite_code", "")
                )
            except InviteRefused as refusal:  # used up a moment ago: keep what they typed, say why
                form.add_error("invite_code", refusal.user_message)
            else:
                user = account.user
                login(request, user, backend=SIGN_IN_BACKEND)
                if not account.email_confirmed:
                    if _send_confirmation(request, user):
                        messages.info(request, WELCOME_CONFIRM.format(name=user.username, email=user.email))
                    return redirect("songs:library")
                if account.approval == Account.Approval.PENDING:
                    messages.info(request, WELCOME_PENDING.format(name=user.username))
                    return redirect("public:explore")
                welcome = WELCOME_CREDITS if account.balance > 0 else WELCOME
                messages.success(request, welcome.format(name=user.username, balance=account.balance))
                return redirect("songs:song_create")
    else:
        form = form_class(initial={"invite_code": request.GET.get("code", "").strip()})
    return render(request, "registration/signup.html", {**context, "form": form})


def _typed(request: HttpRequest, *names: str) -> dict[str, str]:
    return {name: request.POST.get(name, "") for name in names}


def _send_confirmation(request: HttpRequest, user) -> bool:
    try:
        verification.send_confirmation(request, user)
    except OSError:  # smtplib's errors are OSErrors: the mail server refused or didn't answer
        logger.warning("confirmation email to user %s not sent", user.pk, exc_info=True)
        messages.error(request, NOT_SENT)
        return False
    return True


@login_not_required
@require_GET
def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    outcome = verification.confirm(token)
    (messages.success if outcome.confirmed else messages.error)(request, outcome.message)
    if not request.user.is_authenticated:
        return redirect("login")
    if outcome.confirmed and request.user.pk == outcome.user_id:
        return redirect("songs:song_create")
    return redirect("songs:library")


@login_required
@require_POST
def resend_confirmation(request: HttpRequest) -> HttpResponse:
    user = request.user
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = ""
    if services.account_of(user).email_confirmed:
        messages.info(request, verification.ALREADY_CONFIRMED)
    elif too_many_attempts(request, action="confirm_email", per_hour=settings.CONFIRMATION_EMAILS_PER_HOUR):
        messages.error(request, TOO_MANY_CONFIRMATIONS)
    elif _send_confirmation(request, user):
        messages.success(request, SENT_AGAIN.format(email=user.email, days=settings.EMAIL_CONFIRMATION_DAYS))
    return redirect(next_url or "songs:library")


@require_GET
def credits(request: HttpRequest) -> HttpResponse:
    account = services.account_of(request.user)
    page = selectors.ledger_page(user=request.user, page_number=request.GET.get("page"))
    context = {
        "account": account,
        "next_top_up_at": services.next_period_start(timezone.now()),
        "prices": selectors.price_list(),
        "page": page,
        "entries": page.object_list,
    }
    return render(request, "accounts/account_credits.html", context)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's view with two locks: a per-address limit (each request sends an email), and where no email
    can be sent (production without EMAIL_URL or EMAIL_HOST) a page that says so instead of a form."""

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "email_enabled": settings.PASSWORD_RESET_BY_EMAIL}

    def post(self, request, *args, **kwargs):
        if not settings.PASSWORD_RESET_BY_EMAIL:
            return self.get(request, *args, **kwargs)
        if too_many_attempts(
            request, action="password_reset", per_hour=settings.PASSWORD_RESET_ATTEMPTS_PER_HOUR
        ):
            messages.error(request, TOO_MANY_RESETS)
            form = self.form_class(initial=_typed(request, "email"))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """A new password set from the emailed link also lifts a login lockout on that username."""

    def form_valid(self, form):
        response = super().form_valid(form)
        axes_reset(username=form.user.get_username())
        return response
