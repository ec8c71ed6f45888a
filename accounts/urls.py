"""Sign-up keeps its old un-namespaced name, `signup`; the creator's own pages are `accounts:…`."""

from django.urls import include, path

from . import views

account_patterns = ([path("credits/", views.credits, name="credits")], "accounts")

urlpatterns = [
    path("accounts/signup/", views.signup, name="signup"),
    path("account/", include(account_patterns)),
]
