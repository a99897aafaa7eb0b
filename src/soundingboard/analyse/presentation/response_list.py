"""The responses list's address and what its page shows around the list.

The list reads the overview's filter (`ResponseFilter`, statuses included: hidden and spam
responses are listed only when asked for), plus:

    q       words to find in the summary, details and comments, through the full-text
            index (`analyse.search`: stems, any case, "phrases", or, -word). Contact
            details are never searched.
    tag     a tag's id, or "untagged" (repeatable: any of them)
    progress  "new", "read" or "coded" (repeatable: any of them)
    quote   the answer to the consent-to-quote question: "yes", "no" or "unanswered"
            (repeatable: any of them), when the consultation asks it
    sort    "relevance" (best match first: the default with a search), "newest" (the
            default without) or "oldest"
    size    responses a page: 50 (the default), 100 or 250
    p       the page number (`page` is the filter on consultation pages)

The same query, less `p`, follows an analyst from the list to each response's page and on to
the previous and next response (`neighbours`), so the list is never lost.
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
from .. import search
from ..filters import STATUS_LABELS, STATUSES, FilterProblem, ResponseFilter
from ..models import ResponseTag, ReviewState, Tag
from .filter_form import OptionGroup, Suppression, error_links, filter_form, filter_options
from .workspace import tab_links, workspace_context

PER_PAGE = 50
PAGE_SIZES = (50, 100, 250)
UNTAGGED = "untagged"
SORTS = {"newest": ("-submitted_at", "-id"), "oldest": ("submitted_at", "id")}
RELEVANCE = "relevance"  # best match first (analyse.search), only with a search
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
    size: int = PER_PAGE
    progress: tuple[str, ...] = ()  # ReviewState values
    quote: tuple[str, ...] = ()  # keys of QUOTE_ANSWERS

    def query_pairs(self) -> list[tuple[str, str]]:
        pairs = list(self.filter.query_pairs())
        if self.search:
            pairs.append(("q", self.search))
        pairs.extend(("tag", t) for t in self.tags)
        pairs.extend(("progress", p) for p in self.progress)
        pairs.extend(("quote", q) for q in self.quote)
        if self.sort != default_sort(self.search):
            pairs.append(("sort", self.sort))
        if self.size != PER_PAGE:
            pairs.append(("size", str(self.size)))
        return pairs

    def to_query(self) -> str:
        return urlencode(self.query_pairs())

    def pairs_except(self, name: str) -> list[tuple[str, str]]:
        """The query's parameters less one, for the hidden fields of a form that sets it."""
        return [(k, v) for k, v in self.query_pairs() if k != name]

    @property
    def pairs_except_search(self) -> list[tuple[str, str]]:
        return self.pairs_except("q")

    @property
    def pairs_except_size(self) -> list[tuple[str, str]]:
        return self.pairs_except("size")

    def apply(self, queryset: QuerySet[Response]) -> QuerySet[Response]:
        """Every response the query picks, in its order (every match, however many)."""
        ranked = self.search and self.sort == RELEVANCE
        selected = self._filtered(queryset, search_too=not ranked)
        if ranked:
            return search.ranked(selected, self.search)
        return selected.order_by(*SORTS.get(self.sort, SORTS["newest"]))

    def matching(self, queryset: QuerySet[Response]) -> QuerySet[Response]:
        """Every response the query picks, in no order: what "all matching" acts on."""
        return self._filtered(queryset, search_too=True).order_by()

    def searched(self, queryset: QuerySet[Response]) -> tuple[list[int], bool] | None:
        """With a search, the ids of the responses it lists, in the list's order, and whether
        there were too many to list (more than `search.MANY`: then only the MANY added last
        are listed). One query that stops after MANY + 1 matches, put in order here: ordering
        every match takes seconds for a common word. None without a search."""
        if not self.search:
            return None
        found = search.added_last(self.matching(queryset), self.search, search.MANY + 1)
        too_many = len(found) > search.MANY
        found = found[: search.MANY]
        newest_first = self.sort != "oldest"
        found.sort(key=lambda row: (row[2], row[0]), reverse=newest_first)
        if self.sort == RELEVANCE:
            found.sort(key=lambda row: row[1])  # stable: the newest first among equals
        return [pk for pk, _, _ in found], too_many

    def _filtered(self, queryset: QuerySet[Response], *, search_too: bool) -> QuerySet[Response]:
        selected = self.filter.apply(queryset)
        if self.search and search_too:
            selected = search.matching(selected, self.search)
        if self.tags:
            ids = [int(t) for t in self.tags if t != UNTAGGED]
            either = Q(Exists(ResponseTag.objects.filter(response=OuterRef("pk"), tag_id__in=ids)))
            if UNTAGGED in self.tags:
                either |= ~Q(Exists(ResponseTag.objects.filter(response=OuterRef("pk"))))
            selected = selected.filter(either)
        if self.progress:
            states = Q(review__state__in=self.progress)
            if ReviewState.NEW in self.progress:
                states |= Q(review__isnull=True)
            selected = selected.filter(states)
        if self.quote:
            answers = Q(pk__in=[])
            for value in self.quote:
                answers |= Q(may_quote=_QUOTE_VALUES[value])
            selected = selected.filter(answers)
        return selected


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
    sizes = {str(n): n for n in PAGE_SIZES}
    size = sizes.get(str(query.get("size", "")), PER_PAGE)
    progress = tuple(p for p in ReviewState.values if p in query.getlist("progress")[:10])
    quote = []
    if consultation.settings.quote_question:
        for value in query.getlist("quote")[:3]:
            if value in QUOTE_ANSWERS:
                quote.append(value)
            elif value.strip():
                problems.append(FilterProblem("quote", "Choose consent to quote from the list"))
    chosen_tags = tuple(dict.fromkeys(chosen))
    found = ListQuery(flt, words, chosen_tags, sort, size, progress, tuple(dict.fromkeys(quote)))
    return found, problems


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
    """One response of the list: where it is about, what it said, its tags and progress."""

    response: Response
    page: str
    page_url: str
    tags: list[str]
    progress: str  # "new", "read" or "coded"
    url: str  # its page, keeping the list's query

    @property
    def said(self) -> str:
        """What the respondent wrote, in brief: the summary, else the details, else the
        comments (a questionnaire's only free text)."""
        r = self.response
        return r.summary or r.details or r.comments


def response_url(slug: str, reference: str, query: str = "") -> str:
    """A response's page, with the list's query (less its page number) when there is one."""
    url = reverse("analyse:response", args=[slug, reference])
    return f"{url}?{query}" if query else url


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
    progress_group = OptionGroup(
        "progress",
        "Progress",
        tuple(filter_options("progress", ReviewState.choices, query.progress)),
        (),
        hint="New responses have not been marked as read or coded yet.",
    )
    form["groups"] = [status_group, progress_group, tag_group, *form["groups"]]
    if consultation.settings.quote_question:
        form["groups"].insert(
            3,
            OptionGroup(
                "quote",
                "Consent to quote",
                tuple(filter_options("quote", list(QUOTE_ANSWERS.items()), query.quote)),
                tuple(dict.fromkeys(p.message for p in problems if p.field == "quote")),
            ),
        )
    form["open"] = form["open"] or bool(query.tags) or bool(query.progress) or bool(query.quote)
    tag_names = {str(t.pk): t.name for t in tags} | {UNTAGGED: "No tags yet"}
    removable = []
    for parameter, value, words in flt.describe():
        without = replace(query, filter=flt.without(parameter, value))
        removable.append((words, list_url(slug, without.to_query())))
    for value in query.tags:
        kept = tuple(t for t in query.tags if t != value)
        without = replace(query, tags=kept)
        removable.append((f"Tag: {tag_names[value]}", list_url(slug, without.to_query())))
    for value in query.progress:
        without = replace(query, progress=tuple(p for p in query.progress if p != value))
        label = ReviewState(value).label
        removable.append((f"Progress: {label}", list_url(slug, without.to_query())))
    for value in query.quote:
        without = replace(query, quote=tuple(q for q in query.quote if q != value))
        words = f"Consent to quote: {QUOTE_ANSWERS[value]}"
        removable.append((words, list_url(slug, without.to_query())))
    if query.search:
        sort = default_sort("") if query.sort == RELEVANCE else query.sort
        without = replace(query, search="", sort=sort)
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
        page_sizes=PAGE_SIZES,
        trail=[("Responses", "")],
    )


@dataclass(frozen=True)
class PageLink:
    """An item of the GOV.UK pagination: a page's number and address, or a gap (number 0)."""

    number: int
    url: str = ""
    current: bool = False


def pagination(page: Any, slug: str, query: ListQuery) -> dict[str, Any]:
    """The list's numbered pages: the first, the last, and the current with its neighbours,
    with gaps between (GOV.UK's pagination), and the previous and next page's addresses."""
    base = query.to_query()
    count = page.paginator.num_pages

    def link(number: int) -> str:
        extra = urlencode([("p", number)]) if number > 1 else ""
        return list_url(slug, "&".join(x for x in (base, extra) if x))

    shown = sorted(
        {1, count, page.number - 1, page.number, page.number + 1} & set(range(1, count + 1))
    )
    items: list[PageLink] = []
    for number in shown:
        if items and number > items[-1].number + 1:
            items.append(PageLink(0))
        items.append(PageLink(number, link(number), number == page.number))
    return {
        "previous": link(page.previous_page_number()) if page.has_previous() else "",
        "next": link(page.next_page_number()) if page.has_next() else "",
        "items": items if count > 1 else [],
    }


def neighbours(
    query: ListQuery, responses: QuerySet[Response], current: Response
) -> tuple[str | None, str | None]:
    """The references of the responses before and after `current` in the list's order and
    filter (None at either end). `current` need not match the filter any more (it may just
    have been tagged): its place in the order is enough. Two indexed queries, one row each;
    with a search (`ListQuery.searched`), its place among those listed."""
    searched = query.searched(responses)
    if searched is not None and current.pk in searched[0]:
        listed = searched[0]
        place = listed.index(current.pk)
        ids = [listed[i] for i in (place - 1, place + 1) if 0 <= i < len(listed)]
        references = dict(Response.objects.filter(pk__in=ids).values_list("pk", "reference"))
        before = references.get(listed[place - 1]) if place > 0 else None
        after = references.get(listed[place + 1]) if place + 1 < len(listed) else None
        return before, after
    selected = query.apply(responses)
    if query.sort == RELEVANCE:
        return _neighbours_by_rank(selected, current)
    return _neighbours_by_date(selected, current, newest_first=query.sort == "newest")


def _neighbours_by_date(
    ordered: QuerySet[Response], current: Response, *, newest_first: bool
) -> tuple[str | None, str | None]:
    t, pk = current.submitted_at, current.pk
    later = Q(submitted_at__gt=t) | Q(submitted_at=t, id__gt=pk)
    earlier = Q(submitted_at__lt=t) | Q(submitted_at=t, id__lt=pk)
    after, before = (earlier, later) if newest_first else (later, earlier)
    following = ordered.filter(after).values_list("reference", flat=True).first()
    previous = ordered.filter(before).reverse().values_list("reference", flat=True).first()
    return previous, following


# How far down a best-match list previous and next follow it: further down, and for a
# response no longer found, they follow the date order instead.
RANKED_NEIGHBOURS_LIMIT = 10_000


def _neighbours_by_rank(
    ranked: QuerySet[Response], current: Response
) -> tuple[str | None, str | None]:
    """Previous and next in a best-match list, found by place: a rank is no column to
    compare as dates are."""
    references = list(ranked.values_list("reference", flat=True)[:RANKED_NEIGHBOURS_LIMIT])
    if current.reference not in references:
        by_date = ranked.order_by(*SORTS["newest"])
        return _neighbours_by_date(by_date, current, newest_first=True)
    place = references.index(current.reference)
    previous = references[place - 1] if place > 0 else None
    following = references[place + 1] if place + 1 < len(references) else None
    return previous, following
