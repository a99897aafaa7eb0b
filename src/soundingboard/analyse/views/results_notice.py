"""Telling respondents the results are published, from the workspace: /analyse/SLUG/results-notice/.

Administrators see how many respondents are on the consultation's list, give the address of
the results, confirm, and one email to each is queued through the outbox (analyse.publication,
as `soundingboard notify-published` does), recorded in the audit log.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ...accounts.access import analyst_view, notify
from ...accounts.models import Role
from ...collect.published_notice import waiting_list
from ...publish.registry import get_consultation
from ..presentation.workspace import workspace_context
from ..publication import announce_results
from ..publishing import latest


class ResultsNoticeForm(forms.Form):
    url = forms.URLField(
        max_length=2000,
        assume_scheme="https",
        error_messages={
            "required": "Enter the address where the results are published",
            "invalid": "Enter a web address, like https://example.org/results",
        },
    )


@analyst_view(min_role=Role.ADMIN)
def results_notice(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: how many are on the list, and the form. POST with `confirm`: queue the emails."""
    consultation = get_consultation(slug)
    # Once the response is published on the consultation's site, its address is suggested.
    published = latest(slug) is not None
    initial = {"url": request.build_absolute_uri(consultation.response_url)} if published else {}
    form = ResultsNoticeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and settings.SOUNDINGBOARD_EMAIL_ENABLED:
        count = announce_results(
            consultation, form.cleaned_data["url"], by=request, via="workspace"
        )
        notify(
            request,
            f"{count:,} email{'' if count == 1 else 's'} queued: everyone on the list will be "
            "told, once.",
        )
        return redirect("analyse:results-notice", slug=slug)
    context = workspace_context(
        request,
        consultation,
        form=form,
        waiting=waiting_list(consultation).count(),
        email_enabled=settings.SOUNDINGBOARD_EMAIL_ENABLED,
        trail=[("Tell respondents the results are published", "")],
    )
    status = 400 if form.errors else 200
    return render(request, "analyse/results_notice.html", context, status=status)
