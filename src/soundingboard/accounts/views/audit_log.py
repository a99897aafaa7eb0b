"""The administrators' page for the audit log: who did what, and when."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .. import audit
from ..access import (
    analyst_view,
)
from ..forms import AuditFilterForm
from ..models import AuditEvent, Role

Action = AuditEvent.Action


@analyst_view(min_role=Role.ADMIN)
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.all()
    if form.is_valid():
        if form.cleaned_data["action"]:
            events = events.filter(action=form.cleaned_data["action"])
        if form.cleaned_data["user"]:
            events = events.filter(username__iexact=form.cleaned_data["user"].strip())
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    rows = [(event, audit.describe(event)) for event in page.object_list]
    return render(
        request,
        "accounts/audit.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "actions": AuditEvent.Action.choices,
            "nav": "audit",
        },
    )
