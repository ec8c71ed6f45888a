from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect


class HtmxLoginRedirectMiddleware:
    """htmx follows redirects silently: an expired session would put a login page inside a clip card.

    Turn the login redirect of an htmx request into a full-page client redirect instead.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        login_path = resolve_url(settings.LOGIN_URL)
        is_login_redirect = response.status_code == 302 and response.get("Location", "").startswith(
            login_path
        )
        if getattr(request, "htmx", False) and is_login_redirect:
            return HttpResponseClientRedirect(redirect_to_login(request.get_full_path()).url)
        return response
