from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from sunostudio.errors import Refused

from . import selectors, services
from .forms import ReportForm


@require_http_methods(["GET", "POST"])
def report_create(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    queryset = selectors.reportable(kind=kind)
    if queryset is None:
        raise Http404("Nothing of that kind can be reported")
    target = get_object_or_404(queryset, pk=pk)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_create(reporter=request.user, target=target, **form.cleaned_data)
        except Refused as refusal:
            form.add_error(None, refusal.user_message)
        else:
            messages.success(request, "Thanks for telling us. A moderator will review it.")
            return redirect(target.get_public_url())
    context = {"form": form, "target": target, "kind": kind, "back_url": target.get_public_url()}
    return render(request, "moderation/report_create.html", context)
