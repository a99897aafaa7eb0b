"""One response of a consultation: what was sent, its tags, notes and status, its progress
(new, read or coded) and its history, with the previous and next response of the list.

Anyone with a role may read it; only analysts and admins may change anything (every POST view
is `min_role=Role.ANALYST`), through `tagging` and `review`, which record every change. Only
they see contact details, and each view of them is written to the audit log.

The page's address carries the list's query (filter, words, tags, order, page size), and so
does every form on it (as `list`): previous, next and "back to the list" keep the analyst's
place, and so does every action. Opening a response does not mark it read: an analyst says
so ("Mark as read"), or codes it (a tag, or its themes), which marks it coded.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ...accounts import audit
from ...accounts.access import analyst_view, can_see_personal_data, notify
from ...accounts.models import Role
from ...collect.models import Response
from ...collect.received import CHANNELS as RECEIVED_CHANNELS
from ...publish.consultation import Consultation
from ...publish.registry import get_consultation
from .. import review, tagging
from ..models import ReviewState, Tag
from ..presentation.response_list import (
    ListQuery,
    clean_query,
    consultation_tags,
    list_url,
    neighbours,
    read_list_query,
    response_url,
)
from ..presentation.workspace import by_posted_id, int_or_none, page_label, workspace_context

ERROR_ANCHORS = {"tag": "new-tag", "note": "note", "status": "status-accepted"}


def _response_or_404(slug: str, reference: str) -> Response:
    return get_object_or_404(Response, consultation=slug, reference=reference)


def _list_query(request: HttpRequest, consultation: Consultation) -> ListQuery:
    """The list's query this page was reached with: in the address, or posted as `list`."""
    if request.method == "POST":
        text = clean_query(request.POST.get("list", ""))
        source = QueryDict(text)
    else:
        source = request.GET
    query, _ = read_list_query(source, consultation, consultation_tags(consultation.slug))
    return query


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
    query = _list_query(request, consultation)
    carried = query.to_query()
    previous, following = neighbours(query, Response.objects.filter(consultation=slug), response)
    progress = review.state_of(response)
    by_hand = response.channel in RECEIVED_CHANNELS
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
            progress=progress,
            progress_state=progress.state if progress else ReviewState.NEW,
            progress_history=list(review.history(response)[:50]),
            # Entered by an analyst: received on a day, by someone the page names.
            received_by_hand=by_hand,
            entry=audit.entry_of(slug, response.reference) if by_hand else None,
            statuses=Response.Status.choices,
            errors=errors,
            error_links=[(ERROR_ANCHORS[f], message) for f, message in errors.items()],
            trail=[("Responses", list_url(slug, carried)), (response.reference, "")],
            values=values or {},
            list_url=list_url(slug, carried),
            carried=carried,
            previous_url=response_url(slug, previous, carried) if previous else "",
            next_url=response_url(slug, following, carried) if following else "",
            filtered=bool(carried),
        ),
        status=400 if errors else 200,
    )


def _back_to(request: HttpRequest, response: Response, anchor: str = "") -> HttpResponse:
    """Back to the response's page after a change, keeping the list's query."""
    carried = clean_query(request.POST.get("list", ""))
    url = response_url(response.consultation, response.reference, carried)
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
        return _back_to(request, response, "tags")
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
    added = tagging.add_tag(request.user, [response], tag)
    # Choosing a tag it already has still says the analyst coded it.
    coded = review.mark(request.user, [response.pk], ReviewState.CODED, f"Tag “{tag.name}” added")
    marked = " It is marked as coded." if coded else ""
    if added:
        notify(request, f"Tag “{tag.name}” added.{marked}")
    else:
        notify(request, f"This response already has the tag “{tag.name}”.{marked}")
    return _back_to(request, response, "tags")


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
    return _back_to(request, response, "notes")


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
    return _back_to(request, response, "status")


@require_POST
@analyst_view(min_role=Role.ANALYST)
def response_progress(request: HttpRequest, slug: str, reference: str) -> HttpResponse:
    """Mark a response as read (a coded one stays coded), or as new again; then stay, or go
    on to the next response of the list (`then=next`)."""
    consultation = get_consultation(slug)
    response = _response_or_404(slug, reference)
    state = request.POST.get("state", "")
    if state == ReviewState.READ:
        changed = review.mark(request.user, [response.pk], ReviewState.READ, "Marked as read")
        message = "Marked as read." if changed else "Nothing changed: it was already read."
    elif state == ReviewState.NEW:
        changed = review.mark(request.user, [response.pk], ReviewState.NEW, "Marked as new")
        message = "Marked as new." if changed else "Nothing changed: it was already new."
    else:
        notify(request, "Nothing was changed: choose read or new.")
        return _back_to(request, response, "progress")
    if request.POST.get("then") == "next":
        query = _list_query(request, consultation)
        _, following = neighbours(query, Response.objects.filter(consultation=slug), response)
        carried = query.to_query()
        if following is not None:
            notify(request, f"{response.reference}: {message[0].lower()}{message[1:]}")
            return redirect(response_url(slug, following, carried))
        notify(request, f"{message} That was the last response of the list.")
        return redirect(list_url(slug, carried))
    notify(request, message)
    return _back_to(request, response, "progress")
