"""Publishing the response, from the report tab: /-/analyse/SLUG/report/publish/.

GET: the confirmation page (what publishing does, which version it will be, whether to tell
the respondents who asked to hear). POST (with its CSRF token): the report is frozen and put
on the consultation's site as the next version (`publishing.publish_response`), recorded in
the audit log, and, if ticked, the respondents on the list are emailed, each once ever.
Analysts and administrators may publish; readers may not.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from ...accounts.access import Role, analyst_view, notify
from ...collect.published_notice import waiting_list
from ...publish.registry import get_consultation
from ..documents.pdf import PdfUnavailable
from ..presentation.report import SUPPRESSION
from ..presentation.workspace import workspace_context
from ..publishing import latest, publish_response


class PublishForm(forms.Form):
    tell_respondents = forms.BooleanField(required=False)


@analyst_view(min_role=Role.ANALYST)
@require_http_methods(["GET", "HEAD", "POST"])
def publish(request: HttpRequest, slug: str) -> HttpResponse:
    """The confirmation page, and publishing once confirmed."""
    consultation = get_consultation(slug)
    email_enabled = settings.SOUNDINGBOARD_EMAIL_ENABLED
    if request.method == "POST":
        form = PublishForm(request.POST)
        if form.is_valid():
            try:
                done = publish_response(
                    consultation,
                    by=request,
                    results_url=request.build_absolute_uri(consultation.response_url),
                    tell_respondents=bool(form.cleaned_data["tell_respondents"]) and email_enabled,
                )
            except PdfUnavailable as error:  # nothing was published: the PDF comes first
                notify(request, f"Nothing was published. {error}")
                return redirect("analyse:report", slug=slug)
            told = ""
            if done.emails is not None:
                told = (
                    f" {done.emails:,} email{'' if done.emails == 1 else 's'} queued to the "
                    "respondents who asked to be told."
                )
            notify(
                request,
                f"Version {done.record.version} of the response is published.{told}",
            )
            return redirect("analyse:report", slug=slug)
    previous = latest(slug)
    context = workspace_context(
        request,
        consultation,
        previous=previous,
        version=(previous.version if previous else 0) + 1,
        waiting=waiting_list(consultation).count(),
        email_enabled=email_enabled,
        threshold=SUPPRESSION.threshold,
        public_address=request.build_absolute_uri(consultation.response_url),
        trail=[("Report", reverse("analyse:report", args=[slug])), ("Publish the response", "")],
    )
    return render(request, "analyse/publish_response.html", context)
