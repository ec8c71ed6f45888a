"""Sign-up keeps its old un-namespaced name, `signup`; the creator's own pages are `accounts:…`."""

from django.urls import include, path

from . import views

account_patterns = (
    [
        path("credits/", views.credits, name="credits"),
        path("confirm/<str:token>/", views.confirm_email, name="confirm_email"),
        path("confirm/", views.resend_confirmation, name="resend_confirmation"),
    ],
    "accounts",
)

urlpatterns = [
    path("accounts/signup/", views.signup, name="signup"),
    # Before django.contrib.auth.urls (sunostudio/urls.py), so these two names resolve to our subclasses.
    path("accounts/password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("account/", include(account_patterns)),
]
