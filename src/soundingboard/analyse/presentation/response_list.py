"""The responses list's address and what its page shows around the list.

The list reads the overview's filter (`ResponseFilter`, statuses included: hidden and spam
responses are listed only when asked for), plus:

    q       words to find in the summary, details and comments, through the full-text
            index (`analyse.search`: stems, any case, "phrases", or, -word). Contact
            details are never searched.
    tag     a tag's id, or "untagged" (repeatable: any of them)
    sort    "relevance" (best match first: the default with a search), "newest" (the
            default without) or "oldest"
    p       the page number (`page` is the filter on consultation pages)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, QueryDict
from django.urls import reverse

from ...collect.models import Response
from ...core.text import clean_text
from ...publish.consultation import Consultation
from .. import search
from ..filters import STATUS_LABELS, STATUSES, FilterProblem, ResponseFilter
from ..models import ResponseTag, Tag
from .filter_form import OptionGroup, Suppression, error_links, filter_form, filter_options
from .workspace import tab_links, workspace_context

PER_PAGE = 50
UNTAGGED = "untagged"
SORTS = {"newest": ("-submitted_at", "-id"), "oldest": ("submitted_at", "id")}
RELEVANCE = "relevance"  # best match first (analyse.search), only with a search


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
        if self.sort != default_sort(self.search):
            pairs.append(("sort", self.sort))
        return pairs

    def to_query(self) -> str:
        return urlencode(self.query_pairs())

    def apply(self, queryset: QuerySet[Response]) -> QuerySet[Response]:
        selected = self.filter.apply(queryset)
        ranked = self.search and self.sort == RELEVANCE
        if self.search and not ranked:
            selected = search.matching(selected, self.search)
        if self.tags:
            ids = [int(t) for t in self.tags if t != UNTAGGED]
            either = Q(Exists(ResponseTag.objects.filter(response=OuterRef("pk"), tag_id__in=ids)))
            if UNTAGGED in self.tags:
                either |= ~Q(Exists(ResponseTag.objects.filter(response=OuterRef("pk"))))
            selected = selected.filter(either)
        if ranked:
            return search.ranked(selected, self.search)
        return selected.order_by(*SORTS.get(self.sort, SORTS["newest"]))


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
    # Stored text has no control characters (the forms drop them), and PostgreSQL refuses NUL.
    words = " ".join(clean_text(query.get("q", "")).split())[: search.MAX_LENGTH]
    sort = query.get("sort", "")
    if sort not in SORTS and not (sort == RELEVANCE and words):
        sort = default_sort(words)
    return ListQuery(flt, words, tuple(dict.fromkeys(chosen)), sort), problems


def default_sort(words: str) -> str:
    """The order of a list with this search: best match first, otherwise newest first."""
    return RELEVANCE if words else "newest"


def sort_options(words: str) -> list[tuple[str, str]]:
    """The orders the list offers: best match only with a search."""
    best = [(RELEVANCE, "Best match first")] if words else []
    return [*best, ("newest", "Newest first"), ("oldest", "Oldest first")]


def consultation_tags(slug: str) -> list[Tag]:
    return list(Tag.objects.filter(consultation=slug).order_by("name", "id"))


def list_url(slug: str, query: str = "") -> str:
    url = reverse("analyse:responses", args=[slug])
    return f"{url}?{query}" if query else url


def clean_query(text: str) -> str:
    """A query string sent back in a form, re-encoded (only its parameters survive)."""
    return urlencode(list(QueryDict(text[:4000]).lists()), doseq=True)


def list_tabs(slug: str, query: ListQuery) -> dict[str, str]:
    """The analysis tabs from the list: the overview and ideas keep its filter (less the
    statuses, which they do not read), the export all of it."""
    pairs = [(k, v) for k, v in query.filter.query_pairs() if k != "status"]
    carried = f"?{urlencode(pairs)}" if pairs else ""
    export = f"?{query.filter.to_query()}" if query.filter.is_filtered else ""
    return tab_links(slug, carried=carried, export=export)


@dataclass(frozen=True)
class Row:
    response: Response
    page: str
    page_url: str
    tags: list[str]


def list_context(
    request: HttpRequest,
    consultation: Consultation,
    query: ListQuery,
    problems: list[FilterProblem],
    tags: list[Tag],
) -> dict[str, Any]:
    """The list page's context around its rows: the filter form with statuses and tags, the
    filters in force (each with a link without it), the tabs and the breadcrumbs."""
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
        removable.append((words, list_url(slug, without.to_query())))
    for value in query.tags:
        kept = tuple(t for t in query.tags if t != value)
        without = ListQuery(flt, query.search, kept, query.sort)
        removable.append((f"Tag: {tag_names[value]}", list_url(slug, without.to_query())))
    if query.search:
        sort = default_sort("") if query.sort == RELEVANCE else query.sort
        without = ListQuery(flt, "", query.tags, sort)
        removable.append((f"Words: {query.search}", list_url(slug, without.to_query())))
    return workspace_context(
        request,
        consultation,
        current="responses",
        tabs=list_tabs(slug, query),
        query=query,
        query_string=query.to_query(),
        form=form,
        form_action=list_url(slug),
        clear_url=list_url(slug),
        problems=error_links(problems),
        tags=removable,
        codebook=tags,
        sort_options=sort_options(query.search),
        trail=[("Responses", "")],
    )


def page_links(page: Any, slug: str, query: ListQuery) -> dict[str, str]:
    base = query.to_query()

    def link(number: int) -> str:
        extra = urlencode([("p", number)]) if number > 1 else ""
        return list_url(slug, "&".join(x for x in (base, extra) if x))

    return {
        "previous": link(page.previous_page_number()) if page.has_previous() else "",
        "next": link(page.next_page_number()) if page.has_next() else "",
    }
