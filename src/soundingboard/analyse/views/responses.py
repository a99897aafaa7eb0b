"""The responses of one consultation, 50, 100 or 250 a page, and tagging them in bulk.

A page of the list takes a bounded number of queries, however many responses there are: one
count, one for the page's rows, one for their tags and one for their progress. With a search
the count is one that reads up to `search.MANY` + 1 matches, put in order in Python
(`ListQuery.searched`).

Anyone with a role may read the list; only analysts and admins may tag (`responses_bulk` is
`min_role=Role.ANALYST`), through `tagging`, which records every change. The list's address
(filter, words, tags, order) is read by `presentation.response_list`.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ...accounts.access import analyst_view, notify
from ...accounts.models import Role
from ...collect.models import Response
from ...publish.registry import get_consultation
from .. import review, search, tagging
from ..models import ResponseTag, ReviewState, Tag
from ..presentation.response_list import (
    PAGE_SIZES,
    UNTAGGED,
    Row,
    clean_query,
    consultation_tags,
    list_context,
    list_tabs,
    list_url,
    pagination,
    read_list_query,
    response_url,
)
from ..presentation.workspace import (
    by_posted_id,
    page_label,
    responses_count,
    workspace_context,
)


@analyst_view
def responses(request: HttpRequest, slug: str) -> HttpResponse:
    """The responses that pass the filter, a page of them, newest first."""
    consultation = get_consultation(slug)
    tags = consultation_tags(slug)
    query, problems = read_list_query(request.GET, consultation, tags)
    everything = Response.objects.filter(consultation=slug)
    # With a search: the ids listed, in order (only the search.MANY added last of very many).
    searched = query.searched(everything)
    paginator = Paginator(query.apply(everything) if searched is None else searched[0], query.size)
    page = paginator.get_page(request.GET.get("p"))
    if searched is None:
        on_page = list(page.object_list)
    else:
        by_id = Response.objects.in_bulk(list(page.object_list))
        on_page = [by_id[pk] for pk in page.object_list if pk in by_id]
    ids = [r.pk for r in on_page]
    names = tagging.tags_by_response(ids)
    states = review.states_of(ids)
    carried = query.to_query()
    rows = [
        Row(
            r,
            *page_label(consultation, r),
            names.get(r.pk, []),
            states[r.pk].state if r.pk in states else ReviewState.NEW,
            response_url(slug, r.reference, carried),
        )
        for r in on_page
    ]
    here = "&".join(x for x in (carried, f"p={page.number}" if page.number > 1 else "") if x)
    return render(
        request,
        "analyse/responses.html",
        {
            **list_context(request, consultation, query, problems, tags),
            "rows": rows,
            "page": page,
            "paginator": paginator,
            "pages": pagination(page, slug, query),
            "more_than": f"{search.MANY:,}" if searched and searched[1] else "",
            "here": here,
        },
    )


# Bulk tagging -------------------------------------------------------------------------------


@require_POST
@analyst_view(min_role=Role.ANALYST)
def responses_bulk(request: HttpRequest, slug: str) -> HttpResponse:
    """Add or remove a tag on the responses ticked, or add one to every response that
    matches the list's filter (after a page that says how many)."""
    consultation = get_consultation(slug)
    list_query = clean_query(request.POST.get("query", ""))
    back = list_url(slug, list_query)
    action = request.POST.get("action", "")
    tag = by_posted_id(Tag.objects.filter(consultation=slug), request.POST.get("tag"))
    if tag is None:
        notify(request, "Nothing was changed: choose a tag first.")
        return redirect(back)
    scope = request.POST.get("scope", "ticked")
    if action == "add" and scope == "matching":
        action = "add-all"  # the radio "all matching the filter": confirm the number first

    if action in ("add", "remove"):
        field = "on_page" if scope == "page" or request.POST.get("all_on_page") else "response"
        references = request.POST.getlist(field)[: max(PAGE_SIZES)]
        chosen = Response.objects.filter(consultation=slug, reference__in=references)
        if action == "remove" and scope == "matching":
            notify(
                request,
                "Nothing was changed: a tag can be removed from the responses ticked, "
                "or from all on the page, but not from all matching the filters at once.",
            )
            return redirect(back)
        if not references:
            notify(request, "Nothing was changed: tick the responses to change first.")
            return redirect(back)
        if action == "add":
            ids = list(chosen.values_list("pk", flat=True))
            n = tagging.add_tag(request.user, chosen, tag)
            review.mark(request.user, ids, ReviewState.CODED, f"Tag “{tag.name}” added to several")
            notify(request, f"Tag “{tag.name}” added to {responses_count(n)}.")
        else:
            n = tagging.remove_tag(request.user, chosen, tag)
            notify(request, f"Tag “{tag.name}” removed from {responses_count(n)}.")
        return redirect(back)

    if action in ("add-all", "add-all-confirmed"):
        tags = consultation_tags(slug)
        query, _ = read_list_query(QueryDict(list_query), consultation, tags)
        matching = query.matching(Response.objects.filter(consultation=slug))
        n = matching.count()
        if action == "add-all-confirmed" and request.POST.get("expected") == str(n):
            # Their ids first: a filter such as "no tags yet" no longer matches them after.
            ids = list(matching.values_list("pk", flat=True))
            added = tagging.add_tag(request.user, matching, tag)
            review.mark(
                request.user,
                ids,
                ReviewState.CODED,
                f"Tag “{tag.name}” added to all matching a filter",
            )
            notify(
                request,
                f"Tag “{tag.name}” added to {responses_count(added)}"
                + (f" ({n - added:,} already had it)." if n - added else "."),
            )
            return redirect(back)
        return render(
            request,
            "analyse/responses_bulk_confirm.html",
            workspace_context(
                request,
                consultation,
                tabs=list_tabs(slug, query),
                tag=tag,
                n=n,
                already=ResponseTag.objects.filter(tag=tag, response__in=matching).count(),
                described=[words for _, _, words in query.filter.describe()],
                search=query.search,
                tag_filters=[t.name for t in tags if str(t.pk) in query.tags]
                + (["No tags yet"] if UNTAGGED in query.tags else []),
                query=list_query,
                back=back,
                changed=action == "add-all-confirmed",
            ),
        )
    notify(request, "Nothing was changed.")
    return redirect(back)
