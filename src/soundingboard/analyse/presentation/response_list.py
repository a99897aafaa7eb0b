"""The responses list's address and what its page shows around the list.

The list reads the overview's filter (`ResponseFilter`, statuses included: hidden and spam
responses are listed only when asked for), plus:

    q       words to find in the summary, details and comments (each word, in any of them;
            case-insensitive substring matching, which is plenty at a consultation's scale
            on both SQLite and PostgreSQL). Contact details are never searched.
    tag     a tag's id, or "untagged" (repeatable: any of them)
    quote   the answer to the consent-to-quote question: "yes", "no" or "unanswered"
            (repeatable: any of them), when the consultation asks it
    sort    "newest" (the default) or "oldest"
    p       the page number (`page` is the filter on consultation pages)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, QueryDict
from django.urls import reverse

from ...collect.models import Response
from ...core.text import clean_text
from ...publish.consultation import Consultation
from ..filters import STATUS_LABELS, STATUSES, FilterProblem, ResponseFilter
from ..models import ResponseTag, Tag
from .filter_form import OptionGroup, Suppression, error_links, filter_form, filter_options
from .workspace import tab_links, workspace_context

PER_PAGE = 50
UNTAGGED = "untagged"
MAX_WORDS = 10
SORTS = {"newest": ("-submitted_at", "-id"), "oldest": ("submitted_at", "id")}
QUOTE_ANSWERS = {"yes": "May be quoted", "no": "May not be quoted", "unanswered": "Not answered"}
_QUOTE_VALUES = {"yes": True, "no": False, "unanswered": None}


# Reading the list's address -----------------------------------------------------------------


@dataclass(frozen=True)
class ListQuery:
    """Everything that picks the responses of the list: the filter, search, tags, order."""

    filter: ResponseFilter
    search: str = ""
    tags: tuple[str, ...] = ()  # tag ids as text, and/or UNTAGGED
    sort: str = "newest"
    quote: tuple[str, ...] = ()  # keys of QUOTE_ANSWERS

    def query_pairs(self) -> list[tuple[str, str]]:
        pairs = list(self.filter.query_pairs())
        if self.search:
            pairs.append(("q", self.search))
        pairs.extend(("tag", t) for t in self.tags)
        pairs.extend(("quote", q) for q in self.quote)
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
        if self.quote:
            answers = Q(pk__in=[])
            for value in self.quote:
                answers |= Q(may_quote=_QUOTE_VALUES[value])
            selected = selected.filter(answers)
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
    quote = []
    if consultation.settings.quote_question:
        for value in query.getlist("quote")[:3]:
            if value in QUOTE_ANSWERS:
                quote.append(value)
            elif value.strip():
                problems.append(FilterProblem("quote", "Choose consent to quote from the list"))
    chosen_tags = tuple(dict.fromkeys(chosen))
    return ListQuery(flt, search, chosen_tags, sort, tuple(dict.fromkeys(quote))), problems


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
    form = filter_form(flt, Suppression(), [p for p in problems if p.field not in ("tag", "quote")])
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
    if consultation.settings.quote_question:
        form["groups"].insert(
            2,
            OptionGroup(
                "quote",
                "Consent to quote",
                tuple(filter_options("quote", list(QUOTE_ANSWERS.items()), query.quote)),
                tuple(dict.fromkeys(p.message for p in problems if p.field == "quote")),
            ),
        )
    form["open"] = form["open"] or bool(query.tags) or bool(query.quote)
    tag_names = {str(t.pk): t.name for t in tags} | {UNTAGGED: "No tags yet"}
    removable = []
    for parameter, value, words in flt.describe():
        without = replace(query, filter=flt.without(parameter, value))
        removable.append((words, list_url(slug, without.to_query())))
    for value in query.tags:
        without = replace(query, tags=tuple(t for t in query.tags if t != value))
        removable.append((f"Tag: {tag_names[value]}", list_url(slug, without.to_query())))
    for value in query.quote:
        without = replace(query, quote=tuple(q for q in query.quote if q != value))
        words = f"Consent to quote: {QUOTE_ANSWERS[value]}"
        removable.append((words, list_url(slug, without.to_query())))
    if query.search:
        without = replace(query, search="")
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
        sort_options=[("newest", "Newest first"), ("oldest", "Oldest first")],
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
