"""Entering a response received by email or on paper (reached from the responses list).

Only analysts and admins may enter responses; readers may not. Each response entered is
recorded in the audit log with who entered it, and marked with its channel in exports.
"""

from __future__ import annotations

import secrets

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ...accounts import audit
from ...accounts.access import analyst_view, notify
from ...accounts.models import AuditEvent, Role
from ...collect.payloads import PayloadError
from ...collect.received import store_received
from ...publish.registry import get_consultation
from ..presentation.workspace import workspace_context
from ..received_form import ReceivedResponseForm


@analyst_view(min_role=Role.ANALYST)
def enter_response(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = get_consultation(slug)
    if request.method == "POST":
        form = ReceivedResponseForm(request.POST, consultation=consultation)
        token = request.POST.get("token", "")
        if not 16 <= len(token) <= 64 or not token.replace("-", "").replace("_", "").isalnum():
            token = secrets.token_urlsafe(24)  # not the one the page gave: a form of its own
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
                if created:
                    audit.record(
                        request,
                        AuditEvent.Action.RESPONSE_ENTERED,
                        consultation=slug,
                        detail={"reference": response.reference, "channel": response.channel},
                    )
                notify(request, f"Response {response.reference} entered.")
                return redirect("analyse:response", slug, response.reference)
    else:
        form = ReceivedResponseForm(consultation=consultation)
        token = secrets.token_urlsafe(24)
    return render(
        request,
        "analyse/received.html",
        workspace_context(request, consultation, current="responses", form=form, token=token),
    )
