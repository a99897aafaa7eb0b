"""Which free-text answers a theme search reads: one field (or all of them) of the accepted
responses of one consultation, narrowed to a page and by an analysis filter; and the answers
a set of themes reads now (`run_items`: its field and filter, new answers included).

The fields and how a response's texts are joined are the engine's (`engine.fields`).
Suspected spam and hidden responses are never read, whatever statuses the filter names.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import QueryDict

from ...collect.models import Response
from ...publish.consultation import Consultation
from ..filters import QUESTIONNAIRE, ResponseFilter, page_path_of
from ..models import ThemeRun
from .engine.fields import FIELDS, SelectionError, check_field, joined


def select_texts(
    consultation: str,
    *,
    field: str | None = None,
    page: str | None = None,
    response_filter: ResponseFilter | None = None,
) -> list[tuple[int, str]]:
    """(response id, text) for the consultation's accepted responses with non-blank text, in
    order of id.

    `field` is one of FIELDS; None reads them all, joined (so page feedback gives its summary
    and details, the questionnaire its comments). `page` is a page address ("/models/" or
    "models/", "/" for the home page), or `filters.QUESTIONNAIRE` for the main questionnaire;
    other pages, such as addresses that match no page, are the filter's. `response_filter`
    (from `analyse.filters`, with its consultation's context for roles, groups and pages)
    narrows by date, kind, role, page and nature.
    """
    check_field(field)
    if response_filter is not None and response_filter.consultation != consultation:
        raise SelectionError(
            f"the filter is for “{response_filter.consultation}”, not for “{consultation}”"
        )
    q = Q(consultation=consultation)
    if response_filter is not None:
        q &= response_filter.q(statuses=False)
    q &= Q(status=Response.Status.ACCEPTED)
    if page is not None:
        q &= _page_q(page)
    fields = [field] if field else list(FIELDS)
    # Skip rows with nothing to read in the database; blank-but-spaces is dropped below.
    any_text = Q()
    for name in fields:
        any_text |= ~Q(**{name: ""})
    rows = Response.objects.filter(q & any_text).order_by("id").values_list("id", *fields)
    selected = []
    for response_id, *texts in rows.iterator(chunk_size=5000):
        text = joined(texts)
        if text:
            selected.append((response_id, text))
    return selected


def _page_q(page: str) -> Q:
    if page == QUESTIONNAIRE:
        return Q(kind=Response.Kind.QUESTIONNAIRE)
    return ~Q(kind=Response.Kind.QUESTIONNAIRE) & Q(page_path=page_path_of(page))


def run_filter(run: ThemeRun, consultation: Consultation) -> ResponseFilter:
    flt, _ = ResponseFilter.from_query(QueryDict(run.filter_query), consultation)
    return flt


def run_items(run: ThemeRun, consultation: Consultation) -> list[tuple[int, str]]:
    """(response id, text) of the answers the run reads, as they are now (new answers that
    pass its filter included)."""
    return select_texts(
        run.consultation,
        field=run.field or None,
        response_filter=run_filter(run, consultation),
    )
