"""The analyst workspace's responses: the list, one response, and the codebook of tags.

Anyone with a role may read these pages; only analysts and admins may change anything
(every POST view is `min_role=Role.ANALYST`), and only they see contact details, each view
of which is written to the audit log. Every change goes through `tagging`, which records it.

The list reads the overview's filter (`ResponseFilter`, statuses included: hidden and spam
responses are listed only when asked for), plus:

    q       words to find in the summary, details and comments (each word, in any of them;
            case-insensitive substring matching, which is plenty at a consultation's scale
            on both SQLite and PostgreSQL). Contact details are never searched.
    tag     a tag's id, or "untagged" (repeatable: any of them)
    sort    "newest" (the default) or "oldest"
    p       the page number (`page` is the filter on consultation pages)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ..accounts import audit
from ..accounts.access import Role, analyst_view, can_see_personal_data, notify
from ..collect.models import Response
from ..core.text import clean_text
from ..publish.consultation import Consultation
from ..publish.registry import get_consultation
from . import tagging
from .filters import (
    QUESTIONNAIRE_LABEL,
    STATUS_LABELS,
    STATUSES,
    FilterProblem,
    ResponseFilter,
)
from .models import ResponseTag, Tag
from .views_overview import OptionGroup, Suppression, error_links, filter_form, filter_options

PER_PAGE = 50
ERROR_ANCHORS = {"tag": "new-tag", "note": "note", "status": "status-accepted"}
UNTAGGED = "untagged"
MAX_WORDS = 10
SORTS = {"newest": ("-submitted_at", "-id"), "oldest": ("submitted_at", "id")}
OWN_PARAMETERS = ("q", "tag", "sort")


# Reading the list's address -----------------------------------------------------------------


@dataclass(frozen=True)
class ListQuery:
    """Everything that picks the responses of the list: the filter, search, tags, order."""

    filter: ResponseFilter
    search: str = ""
    tags: tuple[str, ...] = ()  # tag ids as text, and/or UNTAGGED
    sort: str = "newest"

    def query_pairs(self) -> list[tuple[str, str]]:
        pairs = list(self.filter.query_pairs())
        if self.search:
            pairs.append(("q", self.search))
        pairs.extend(("tag", t) for t in self.tags)
        if self.sort != "newest":
            pairs.append(("sort", self.sort))
        return pairs

    def to_query(self) -> str:
        return urlencode(self.query_pairs())

    @property
    def words(self) -> list[str]:
        return self.search.split()[:MAX_WORDS]

    def apply(self, queryset: QuerySet[Response]) -> QuerySet[Response]:
        selected = self.filter.apply(queryset)
        for word in self.words:
            selected = selected.filter(
                Q(summary__icontains=word)
                | Q(details__icontains=word)
                | Q(comments__icontains=word)
            )
        if self.tags:
            ids = [int(t) for t in self.tags if t != UNTAGGED]
            either = Q(Exists(ResponseTag.objects.filter(response=OuterRef("pk"), tag_id__in=ids)))
            if UNTAGGED in self.tags:
                either |= ~Q(Exists(ResponseTag.objects.filter(response=OuterRef("pk"))))
            selected = selected.filter(either)
        return selected.order_by(*SORTS[self.sort])


def read_list_query(
    query: QueryDict, consultation: Consultation, tags: list[Tag]
) -> tuple[ListQuery, list[FilterProblem]]:
    flt, problems = ResponseFilter.from_query(query, consultation)
    known = {str(t.pk) for t in tags}
    chosen = []
    for value in query.getlist("tag")[:200]:
        value = value.strip()
        if value in known or value == UNTAGGED:
            chosen.append(value)
        elif value:
            problems.append(FilterProblem("tag", "A tag chosen is no longer in the codebook"))
    sort = query.get("sort", "newest")
    sort = sort if sort in SORTS else "newest"
    # Stored text has no control characters (the forms drop them), and PostgreSQL refuses NUL.
    search = " ".join(clean_text(query.get("q", "")).split())[:200]
    return ListQuery(flt, search, tuple(dict.fromkeys(chosen)), sort), problems


def _consultation_tags(slug: str) -> list[Tag]:
    return list(Tag.objects.filter(consultation=slug).order_by("name", "id"))


def _list_url(slug: str, query: str = "") -> str:
    url = reverse("analyse:responses", args=[slug])
    return f"{url}?{query}" if query else url


def _clean_query(text: str) -> str:
    """A query string sent back in a form, re-encoded (only its parameters survive)."""
    return urlencode(list(QueryDict(text[:4000]).lists()), doseq=True)


# Shared bits --------------------------------------------------------------------------------


def subnav_links(slug: str, query: ListQuery | None = None) -> dict[str, str]:
    """Addresses of the analysis tabs; the overview keeps the list's filter."""
    carried = export = ""
    if query is not None:
        pairs = [(k, v) for k, v in query.filter.query_pairs() if k != "status"]
        carried = f"?{urlencode(pairs)}" if pairs else ""
        export = f"?{query.filter.to_query()}" if query.filter.is_filtered else ""
    return {
        "overview_url": reverse("analyse:overview", args=[slug]) + carried,
        "ideas_url": reverse("analyse:ideas", args=[slug]) + carried,
        "responses_url": reverse("analyse:responses", args=[slug]),
        "export_url": reverse("analyse:export", args=[slug]) + export,
        "codebook_url": reverse("analyse:codebook", args=[slug]),
    }


def page_label(consultation: Consultation, response: Response) -> tuple[str, str]:
    """(words, public address or "") of the page a response is about."""
    if response.kind == Response.Kind.QUESTIONNAIRE:
        return f"({QUESTIONNAIRE_LABEL.lower()})", ""
    page = consultation.page(response.page_path) if response.page_matched else None
    if page is None:
        return response.page_path or "(no page given)", ""
    return page.title, page.url


def _response_or_404(slug: str, reference: str) -> Response:
    return get_object_or_404(Response, consultation=slug, reference=reference)


# The list -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    response: Response
    page: str
    page_url: str
    tags: list[str]


@analyst_view
def responses(request: HttpRequest, slug: str) -> HttpResponse:
    """The responses that pass the filter, 50 a page, newest first."""
    consultation = get_consultation(slug)
    tags = _consultation_tags(slug)
    query, problems = read_list_query(request.GET, consultation, tags)
    selected = query.apply(Response.objects.filter(consultation=slug))
    paginator = Paginator(selected, PER_PAGE)
    page = paginator.get_page(request.GET.get("p"))
    names = tagging.tags_by_response([r.pk for r in page.object_list])
    rows = [Row(r, *page_label(consultation, r), names.get(r.pk, [])) for r in page.object_list]
    return render(
        request,
        "analyse/responses.html",
        {
            **_list_context(request, consultation, query, problems, tags),
            "rows": rows,
            "page": page,
            "paginator": paginator,
            "page_links": _page_links(page, slug, query),
            "can_edit": _can_edit(request),
        },
    )


def _can_edit(request: HttpRequest) -> bool:
    return can_see_personal_data(request.user)  # analysts and admins


def _list_context(
    request: HttpRequest,
    consultation: Consultation,
    query: ListQuery,
    problems: list[FilterProblem],
    tags: list[Tag],
) -> dict[str, Any]:
    slug = consultation.slug
    flt = query.filter
    form = filter_form(flt, Suppression(), [p for p in problems if p.field != "tag"])
    status_group = OptionGroup(
        "status",
        "Status",
        tuple(filter_options("status", [(s, STATUS_LABELS[s]) for s in STATUSES], flt.statuses)),
        tuple(p.message for p in problems if p.field == "status"),
        hint="Only accepted responses are counted in the analysis.",
    )
    tag_group = OptionGroup(
        "tag",
        "Tags",
        tuple(
            filter_options(
                "tag",
                [(UNTAGGED, "No tags yet"), *((str(t.pk), t.name) for t in tags)],
                query.tags,
            )
        ),
        tuple(dict.fromkeys(p.message for p in problems if p.field == "tag")),
    )
    form["groups"] = [status_group, tag_group, *form["groups"]]
    form["open"] = form["open"] or bool(query.tags)
    tag_names = {str(t.pk): t.name for t in tags} | {UNTAGGED: "No tags yet"}
    removable = []
    for parameter, value, words in flt.describe():
        without = ListQuery(flt.without(parameter, value), query.search, query.tags, query.sort)
        removable.append((words, _list_url(slug, without.to_query())))
    for value in query.tags:
        kept = tuple(t for t in query.tags if t != value)
        without = ListQuery(flt, query.search, kept, query.sort)
        removable.append((f"Tag: {tag_names[value]}", _list_url(slug, without.to_query())))
    if query.search:
        without = ListQuery(flt, "", query.tags, query.sort)
        removable.append((f"Words: {query.search}", _list_url(slug, without.to_query())))
    return {
        "nav": "consultations",
        "consultation": consultation,
        "zone": consultation.settings.zone(),
        "current": "responses",
        **subnav_links(slug, query),
        "query": query,
        "query_string": query.to_query(),
        "form": form,
        "form_action": _list_url(slug),
        "clear_url": _list_url(slug),
        "problems": error_links(problems),
        "tags": removable,
        "codebook": tags,
        "sort_options": [("newest", "Newest first"), ("oldest", "Oldest first")],
        "trail": [("Responses", "")],
    }


def _page_links(page: Any, slug: str, query: ListQuery) -> dict[str, str]:
    base = query.to_query()

    def link(number: int) -> str:
        extra = urlencode([("p", number)]) if number > 1 else ""
        return _list_url(slug, "&".join(x for x in (base, extra) if x))

    return {
        "previous": link(page.previous_page_number()) if page.has_previous() else "",
        "next": link(page.next_page_number()) if page.has_next() else "",
    }


# Bulk tagging -------------------------------------------------------------------------------


@require_POST
@analyst_view(min_role=Role.ANALYST)
def responses_bulk(request: HttpRequest, slug: str) -> HttpResponse:
    """Add or remove a tag on the responses ticked, or add one to every response that
    matches the list's filter (after a page that says how many)."""
    consultation = get_consultation(slug)
    list_query = _clean_query(request.POST.get("query", ""))
    back = _list_url(slug, list_query)
    action = request.POST.get("action", "")
    tag = Tag.objects.filter(consultation=slug, pk=int_or_none(request.POST.get("tag"))).first()
    if tag is None:
        notify(request, "Nothing was changed: choose a tag first.")
        return redirect(back)

    if action in ("add", "remove"):
        field = "on_page" if request.POST.get("all_on_page") else "response"
        references = request.POST.getlist(field)[:PER_PAGE]
        chosen = Response.objects.filter(consultation=slug, reference__in=references)
        if not references:
            notify(request, "Nothing was changed: tick the responses to change first.")
            return redirect(back)
        if action == "add":
            n = tagging.add_tag(request.user, chosen, tag)
            notify(request, f"Tag “{tag.name}” added to {responses_count(n)}.")
        else:
            n = tagging.remove_tag(request.user, chosen, tag)
            notify(request, f"Tag “{tag.name}” removed from {responses_count(n)}.")
        return redirect(back)

    if action in ("add-all", "add-all-confirmed"):
        tags = _consultation_tags(slug)
        query, _ = read_list_query(QueryDict(list_query), consultation, tags)
        matching = query.apply(Response.objects.filter(consultation=slug))
        n = matching.count()
        if action == "add-all-confirmed" and request.POST.get("expected") == str(n):
            added = tagging.add_tag(request.user, matching, tag)
            notify(
                request,
                f"Tag “{tag.name}” added to {responses_count(added)}"
                + (f" ({n - added:,} already had it)." if n - added else "."),
            )
            return redirect(back)
        return render(
            request,
            "analyse/responses_bulk_confirm.html",
            {
                "nav": "consultations",
                "consultation": consultation,
                "zone": consultation.settings.zone(),
                **subnav_links(slug, query),
                "tag": tag,
                "n": n,
                "already": ResponseTag.objects.filter(tag=tag, response__in=matching).count(),
                "described": [words for _, _, words in query.filter.describe()],
                "search": query.search,
                "tag_filters": [t.name for t in tags if str(t.pk) in query.tags]
                + (["No tags yet"] if UNTAGGED in query.tags else []),
                "query": list_query,
                "back": back,
                "changed": action == "add-all-confirmed",
            },
        )
    notify(request, "Nothing was changed.")
    return redirect(back)


def responses_count(n: int) -> str:
    """How many responses, in words for a message: 1 response, 1,234 responses."""
    return f"{n:,} response{'' if n == 1 else 's'}"


def int_or_none(value: Any) -> int | None:
    """A posted id or number, or None when it is not one."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# One response -------------------------------------------------------------------------------


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
    codebook = _consultation_tags(slug)
    records = list(tagging.history(response)[:200])
    errors = errors or {}
    return render(
        request,
        "analyse/response.html",
        {
            "nav": "consultations",
            "consultation": consultation,
            "zone": consultation.settings.zone(),
            "current": "responses",
            **subnav_links(slug),
            "response": response,
            "page": page,
            "page_url": page_url,
            "section_url": section_url,
            "contact": contact,
            "personal_data_hidden": not can_see_personal_data(request.user),
            "scores": list(response.scores.order_by("idea")),
            "ticks": list(response.ticks.order_by("-matched", "idea", "activity", "raw")),
            "tags": [t for t in codebook if t.pk in current],
            "other_tags": [t for t in codebook if t.pk not in current],
            "notes": list(response.notes.all()),
            "history": [(r, *tagging.describe(r)) for r in records],
            "statuses": Response.Status.choices,
            "can_edit": _can_edit(request),
            "errors": errors,
            "error_links": [(ERROR_ANCHORS[f], message) for f, message in errors.items()],
            "trail": [("Responses", _list_url(slug)), (response.reference, "")],
            "values": values or {},
            "list_url": _list_url(slug),
        },
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
            tag = Tag.objects.filter(
                consultation=slug, pk=int_or_none(request.POST.get("tag"))
            ).first()
            if tag is None:
                raise tagging.TaggingError("Choose a tag or enter a new tag's name")
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


# The codebook -------------------------------------------------------------------------------


@analyst_view
def codebook(request: HttpRequest, slug: str) -> HttpResponse:
    """The consultation's tags with how many responses have each."""
    return _render_codebook(request, get_consultation(slug), {})


@require_POST
@analyst_view(min_role=Role.ANALYST)
def codebook_create(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = get_consultation(slug)
    try:
        tag = tagging.create_tag(request.user, slug, request.POST.get("name", ""))
    except tagging.TaggingError as error:
        return _render_codebook(request, consultation, {"new_tag": str(error)})
    notify(request, f"Tag “{tag.name}” created.")
    return redirect("analyse:codebook", slug)


def _render_codebook(
    request: HttpRequest,
    consultation: Consultation,
    errors: dict[str, str],
    tag: Tag | None = None,
) -> HttpResponse:
    """The codebook page; `errors` ("new_tag", "rename" or "merge": message) of `tag`."""
    slug = consultation.slug
    anchors = {"new_tag": "new-tag-name"}
    if tag is not None:
        anchors |= {"rename": f"rename-{tag.pk}", "merge": f"merge-{tag.pk}"}
    tags = list(
        Tag.objects.filter(consultation=slug)
        .annotate(
            n=Count("response_tags"),
            accepted=Count("response_tags", filter=Q(response_tags__response__status="accepted")),
        )
        .order_by("name", "id")
    )
    for tag in tags:
        tag.list_url = _list_url(slug, urlencode([("tag", tag.pk), ("status", "all")]))
    records = list(tagging.codebook_history(slug)[:50])
    return render(
        request,
        "analyse/codebook.html",
        {
            "nav": "consultations",
            "consultation": consultation,
            "zone": consultation.settings.zone(),
            "current": "codebook",
            **subnav_links(slug),
            "codebook": tags,
            "can_edit": _can_edit(request),
            "errors": errors,
            "error_links": [(anchors[key], message) for key, message in errors.items()],
            "error_tag_id": tag.pk if tag is not None else None,
            "values": request.POST,
            "history": [(r, *tagging.describe(r)) for r in records],
            "trail": [("Codebook", "")],
        },
        status=400 if errors else 200,
    )


@require_POST
@analyst_view(min_role=Role.ANALYST)
def codebook_rename(request: HttpRequest, slug: str, tag_id: int) -> HttpResponse:
    consultation = get_consultation(slug)
    tag = get_object_or_404(Tag, consultation=slug, pk=tag_id)
    before = tag.name
    try:
        changed = tagging.rename_tag(request.user, tag, request.POST.get("name", ""))
    except tagging.TaggingError as error:
        return _render_codebook(request, consultation, {"rename": str(error)}, tag)
    if changed:
        notify(request, f"Tag “{before}” renamed “{tag.name}”.")
    return redirect("analyse:codebook", slug)


@analyst_view(min_role=Role.ANALYST)
def codebook_merge(request: HttpRequest, slug: str, tag_id: int) -> HttpResponse:
    """Merge one tag into another: a confirmation page (GET, or POST without `confirm`),
    then the merge (POST with `confirm`)."""
    consultation = get_consultation(slug)
    source = get_object_or_404(Tag, consultation=slug, pk=tag_id)
    data = request.POST if request.method == "POST" else request.GET
    target = Tag.objects.filter(consultation=slug, pk=int_or_none(data.get("into"))).first()
    if target is None or target.pk == source.pk:
        return _render_codebook(
            request, consultation, {"merge": "Choose a different tag to merge into"}, source
        )
    if request.method == "POST" and data.get("confirm") == "yes":
        n = tagging.merge_tags(request.user, source, target)
        notify(request, f"Tag “{source.name}” merged into “{target.name}” ({responses_count(n)}).")
        return redirect("analyse:codebook", slug)
    return render(
        request,
        "analyse/codebook_confirm.html",
        {
            "nav": "consultations",
            "consultation": consultation,
            "zone": consultation.settings.zone(),
            **subnav_links(slug),
            "merge": True,
            "tag": source,
            "target": target,
            "n": ResponseTag.objects.filter(tag=source).count(),
            "both": ResponseTag.objects.filter(
                tag=source, response__response_tags__tag=target
            ).count(),
            "action": reverse("analyse:codebook-merge", args=[slug, source.pk]),
        },
    )


@analyst_view(min_role=Role.ANALYST)
def codebook_delete(request: HttpRequest, slug: str, tag_id: int) -> HttpResponse:
    """Delete a tag: a confirmation page (GET), then the deletion (POST)."""
    consultation = get_consultation(slug)
    tag = get_object_or_404(Tag, consultation=slug, pk=tag_id)
    if request.method == "POST":
        name = tag.name
        n = tagging.delete_tag(request.user, tag)
        notify(request, f"Tag “{name}” deleted and taken off {responses_count(n)}.")
        return redirect("analyse:codebook", slug)
    return render(
        request,
        "analyse/codebook_confirm.html",
        {
            "nav": "consultations",
            "consultation": consultation,
            "zone": consultation.settings.zone(),
            **subnav_links(slug),
            "merge": False,
            "tag": tag,
            "n": ResponseTag.objects.filter(tag=tag).count(),
            "action": reverse("analyse:codebook-delete", args=[slug, tag.pk]),
        },
    )
