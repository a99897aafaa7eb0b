"""Entering a response received by email or on paper (reached from the responses list):
feedback on a page, or a main-questionnaire response.

Only analysts and admins may enter responses; readers may not. Each response entered is
recorded in the audit log with who entered it, and marked with its channel in exports.
"""

from __future__ import annotations

import secrets

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ...accounts import audit
from ...accounts.access import analyst_view, notify
from ...accounts.models import AuditEvent, Role
from ...collect.models import Response
from ...collect.payloads import PayloadError
from ...collect.received import store_received, store_received_questionnaire
from ...publish.registry import get_consultation
from ..presentation.workspace import workspace_context
from ..received_form import ReceivedQuestionnaireForm, ReceivedResponseForm


@analyst_view(min_role=Role.ANALYST)
def enter_response(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = get_consultation(slug)
    if request.method == "POST":
        form = ReceivedResponseForm(request.POST, consultation=consultation)
        token = _token(request)
        if form.is_valid():
            try:
                response, created = store_received(
                    consultation,
                    form.answers(),
                    channel=form.cleaned_data["channel"],
                    received_at=form.cleaned_data["received"],
                    token=token,
                )
            except PayloadError as error:
                for name, messages in error.errors.items():
                    for message in messages:
                        form.add_error(name if name in form.fields else None, message)
            else:
                return _entered(request, response, created)
    else:
        form = ReceivedResponseForm(consultation=consultation)
        token = secrets.token_urlsafe(24)
    return render(
        request,
        "analyse/received.html",
        workspace_context(request, consultation, current="responses", form=form, token=token),
    )


@analyst_view(min_role=Role.ANALYST)
def enter_questionnaire_response(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = get_consultation(slug)
    questionnaire = consultation.settings.questionnaire
    if questionnaire is None:
        raise Http404("This consultation has no main questionnaire")
    if request.method == "POST":
        form = ReceivedQuestionnaireForm(request.POST, consultation=consultation)
        token = _token(request)
        if form.is_valid():
            response, created = store_received_questionnaire(
                consultation,
                form.answers_to_store(),
                channel=form.cleaned_data["channel"],
                received_at=form.cleaned_data["received"],
                token=token,
            )
            return _entered(request, response, created)
    else:
        form = ReceivedQuestionnaireForm(consultation=consultation)
        token = secrets.token_urlsafe(24)
    context = workspace_context(
        request,
        consultation,
        current="responses",
        form=form,
        token=token,
        questionnaire=questionnaire,
        idea_count=len(questionnaire.ideas),
    )
    return render(request, "analyse/received_questionnaire.html", context)


def _token(request: HttpRequest) -> str:
    """The token the form's page was given, so that the form sent twice stores one response."""
    token = request.POST.get("token", "")
    if not 16 <= len(token) <= 64 or not token.replace("-", "").replace("_", "").isalnum():
        token = secrets.token_urlsafe(24)  # not the one the page gave: a form of its own
    return token


def _entered(request: HttpRequest, response: Response, created: bool) -> HttpResponse:
    """Record who entered a new response, and show it."""
    if created:
        audit.record(
            request,
            AuditEvent.Action.RESPONSE_ENTERED,
            consultation=response.consultation,
            detail={"reference": response.reference, "channel": response.channel},
        )
    if created:
        notify(request, f"Response {response.reference} entered.")
    else:
        # The same form sent again (a double click, or Back, a correction and Save): one
        # response, as first saved. Said, so that a correction is not thought kept.
        notify(
            request,
            f"This form was saved before, as response {response.reference}, shown here as it "
            "was saved then: nothing sent since was saved. To record another response, enter "
            "it as a new one.",
        )
    return redirect("analyse:response", response.consultation, response.reference)
