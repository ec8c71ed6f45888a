from urllib.parse import parse_qsl

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import RequestDataTooBig
from django.http import QueryDict
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.text import capfirst
from django_htmx.http import HttpResponseClientRedirect

MB = 1024 * 1024
# Room for the other fields and the boundaries around an upload's file: above UPLOAD_MAX_BYTES plus this,
# the file itself must be larger than UPLOAD_MAX_BYTES.
MULTIPART_ALLOWANCE = 1024 * 1024
# A field too long to receive is cut to this many characters: more than any field here accepts, so its form
# says how long it may be, and the rest of what was typed comes back with it.
FIELD_KEEP_CHARS = 100_000


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


class RequestBodyLimitMiddleware:
    """Answer a POST that is too large from its Content-Length, before anything reads the body.

    Django would read a 200 MB upload in full before the form refuses it, and answers a form body over
    DATA_UPLOAD_MAX_MEMORY_SIZE with a bare 400. Here:
    - an upload over UPLOAD_MAX_BYTES: never read; the page re-rendered (as a GET) with why, status 413;
    - a signed-in creator's form over DATA_UPLOAD_MAX_MEMORY_SIZE (up to UPLOAD_MAX_BYTES): read and parsed
      here, each field cut to FIELD_KEEP_CHARS, so the form re-renders with everything typed and its own
      length errors, plus a message saying what was cut;
    - an upload whose text fields are over DATA_UPLOAD_MAX_MEMORY_SIZE, and anything else that large (a
      visitor, the admin, other content types): refused like an upload.
    It runs before CsrfViewMiddleware.process_view, which is the first to read request.POST.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = content_length(request)
        if request.method != "POST" or length <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return self.get_response(request)
        too_large = f"What you sent ({length / MB:.1f} MB) is too large for this form. Nothing was saved."
        if request.content_type == "multipart/form-data":
            if length > settings.UPLOAD_MAX_BYTES + MULTIPART_ALLOWANCE:
                limit = settings.UPLOAD_MAX_BYTES // MB
                return self._refuse(
                    request,
                    f"This file is larger than {limit} MB, the most an upload may be. Nothing was uploaded.",
                )
            try:  # files spool to disk, but text fields count against DATA_UPLOAD_MAX_MEMORY_SIZE
                request.POST  # noqa: B018 - parsed here, where a too-large form can still be answered
            except RequestDataTooBig:
                return self._refuse(request, too_large)
            return self.get_response(request)
        is_form = request.content_type == "application/x-www-form-urlencoded"
        if is_form and length <= settings.UPLOAD_MAX_BYTES and request.user.is_authenticated:
            if not request.path.startswith(reverse("admin:index")):
                self._keep_what_fits(request)
                return self.get_response(request)
        return self._refuse(request, too_large)

    def _refuse(self, request, message: str):
        messages.error(request, message)
        request.method = "GET"  # the page the form is on, as it was; the body is never read
        response = self.get_response(request)
        if response.status_code == 200:
            response.status_code = 413
        elif response.status_code == 405:  # the form posts to a POST-only URL: a page of its own
            response = render(request, "413.html", status=413)
        return response

    def _keep_what_fits(self, request) -> None:
        body = request.read()
        try:
            pairs = parse_qsl(
                body.decode("utf-8", "replace"),
                keep_blank_values=True,
                max_num_fields=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
            )
        except ValueError:  # too many fields: keep none, and the form says what is missing
            pairs = []
        kept = QueryDict(mutable=True)
        for name, value in pairs:
            if len(value) > FIELD_KEEP_CHARS:
                label = capfirst(name.replace("_", " "))
                messages.error(
                    request,
                    f"{label} had {len(value):,} characters, too many to receive: only the first "
                    f"{FIELD_KEEP_CHARS:,} were kept. Shorten it, then send the form again.",
                )
                value = value[:FIELD_KEEP_CHARS]
            kept.appendlist(name, value)
        kept._mutable = False
        request._post, request._files = kept, MultiValueDict()


def content_length(request) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0  # as Django reads it: no body
