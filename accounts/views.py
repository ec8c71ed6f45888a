"""Sign-up (under settings.SIGNUP_POLICY) and the creator's credits page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from . import selectors, services
from .errors import InviteRefused
from .forms import signup_form_class
from .models import Account

WELCOME = "Welcome, {name}! Make your first song."
WELCOME_CREDITS = "Welcome, {name}! You have {balance} credits to make songs with. Make your first song."
WELCOME_PENDING = (
    "Welcome, {name}! An admin needs to approve your account before you can make songs. "
    "Until then you can look around and listen."
)


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
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                if account.approval == Account.Approval.PENDING:
                    messages.info(request, WELCOME_PENDING.format(name=user.username))
                    return redirect("public:explore")
                welcome = WELCOME_CREDITS if account.balance > 0 else WELCOME
                messages.success(request, welcome.format(name=user.username, balance=account.balance))
                return redirect("songs:song_create")
    else:
        form = form_class(initial={"invite_code": request.GET.get("code", "").strip()})
    return render(request, "registration/signup.html", {**context, "form": form})


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
