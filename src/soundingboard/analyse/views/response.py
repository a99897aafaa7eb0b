"""One response of a consultation: what was sent, its tags, notes and status, and its history.

Anyone with a role may read it; only analysts and admins may change anything (every POST view
is `min_role=Role.ANALYST`), through `tagging`, which records every change. Only they see
contact details, and each view of them is written to the audit log.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ...accounts import audit
from ...accounts.access import analyst_view, can_see_personal_data, notify
from ...accounts.models import Role
from ...collect.models import Response
from ...publish.consultation import Consultation
from ...publish.registry import get_consultation
from .. import tagging
from ..models import Tag
from ..presentation.response_list import consultation_tags, list_url
from ..presentation.workspace import by_posted_id, int_or_none, page_label, workspace_context

ERROR_ANCHORS = {"tag": "new-tag", "note": "note", "status": "status-accepted"}


def _response_or_404(slug: str, reference: str) -> Response:
    return get_object_or_404(Response, consultation=slug, reference=reference)


@analyst_view
def response_detail(request: HttpRequest, slug: str, reference: str) -> HttpResponse:
    consultation = get_consultation(slug)
    response = _response_or_404(slug, reference)
    return _render_detail(request, consultation, response)


def _render_detail(
    request: HttpRequest,
    consultation: Consultation,
    response: Response,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HttpResponse:
    slug = consultation.slug
    contact = None
    if can_see_personal_data(request.user) and response.contact_id is not None:
        contact = response.contact
        if contact is not None and (contact.email or contact.organisation):
            audit.record(
                request,
                audit.Action.PERSONAL_DATA_VIEW,
                consultation=slug,
                detail={"response": response.reference},
            )
        else:
            contact = None
    page, page_url = page_label(consultation, response)
    section_url = f"{page_url}#{response.section_id}" if page_url and response.section_id else ""
    current = set(response.response_tags.values_list("tag_id", flat=True))
    codebook = consultation_tags(slug)
    records = list(tagging.history(response)[:200])
    errors = errors or {}
    return render(
        request,
        "analyse/response.html",
        workspace_context(
            request,
            consultation,
            current="responses",
            response=response,
            page=page,
            page_url=page_url,
            section_url=section_url,
            contact=contact,
            personal_data_hidden=not can_see_personal_data(request.user),
            scores=list(response.scores.order_by("idea")),
            ticks=list(response.ticks.order_by("-matched", "idea", "activity", "raw")),
            tags=[t for t in codebook if t.pk in current],
            other_tags=[t for t in codebook if t.pk not in current],
            notes=list(response.notes.all()),
            history=[(r, *tagging.describe(r)) for r in records],
            statuses=Response.Status.choices,
            errors=errors,
            error_links=[(ERROR_ANCHORS[f], message) for f, message in errors.items()],
            trail=[("Responses", list_url(slug)), (response.reference, "")],
            values=values or {},
            list_url=list_url(slug),
        ),
        status=400 if errors else 200,
    )


def _back_to(response: Response, anchor: str = "") -> HttpResponse:
    url = reverse("analyse:response", args=[response.consultation, response.reference])
    return redirect(url + (f"#{anchor}" if anchor else ""))


@require_POST
@analyst_view(min_role=Role.ANALYST)
def response_tags(request: HttpRequest, slug: str, reference: str) -> HttpResponse:
    """Add a tag (chosen, or new by name) to one response, or remove one."""
    consultation = get_consultation(slug)
    response = _response_or_404(slug, reference)
    if request.POST.get("action") == "remove":
        tag = get_object_or_404(Tag, consultation=slug, pk=int_or_none(request.POST.get("tag")))
        if tagging.remove_tag(request.user, [response], tag):
            notify(request, f"Tag “{tag.name}” removed.")
        return _back_to(response, "tags")
    name = request.POST.get("new_tag", "").strip()
    try:
        if name:
            tag, _ = tagging.get_or_create_tag(request.user, slug, name)
        else:
            chosen = by_posted_id(Tag.objects.filter(consultation=slug), request.POST.get("tag"))
            if chosen is None:
                raise tagging.TaggingError("Choose a tag or enter a new tag's name")
            tag = chosen
    except tagging.TaggingError as error:
        return _render_detail(request, consultation, response, {"tag": str(error)}, request.POST)
    if tagging.add_tag(request.user, [response], tag):
        notify(request, f"Tag “{tag.name}” added.")
    else:
        notify(request, f"This response already has the tag “{tag.name}”.")
    return _back_to(response, "tags")


@require_POST
@analyst_view(min_role=Role.ANALYST)
def response_note(request: HttpRequest, slug: str, reference: str) -> HttpResponse:
    consultation = get_consultation(slug)
    response = _response_or_404(slug, reference)
    try:
        tagging.add_note(request.user, response, request.POST.get("text", ""))
    except tagging.TaggingError as error:
        return _render_detail(request, consultation, response, {"note": str(error)}, request.POST)
    notify(request, "Note added.")
    return _back_to(response, "notes")


@require_POST
@analyst_view(min_role=Role.ANALYST)
def response_status(request: HttpRequest, slug: str, reference: str) -> HttpResponse:
    consultation = get_consultation(slug)
    response = _response_or_404(slug, reference)
    status = request.POST.get("status", "")
    try:
        changed = tagging.set_status(request.user, response, status, request.POST.get("reason", ""))
    except tagging.TaggingError as error:
        return _render_detail(request, consultation, response, {"status": str(error)}, request.POST)
    label = Response.Status(status).label
    notify(request, f"Marked as {label.lower()}." if changed else "The status was already that.")
    return _back_to(response, "status")
