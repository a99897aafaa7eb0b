"""Which free-text answers a theme search reads: one field (or all of them) of the accepted
responses of one consultation, narrowed to a page and by an analysis filter.

Page feedback has a summary and details; the main questionnaire has open comments. Suspected
spam and hidden responses are never read, whatever statuses the filter names.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Q

from ...collect.models import Response
from ..filters import QUESTIONNAIRE, page_path_of

if TYPE_CHECKING:
    from ..filters import ResponseFilter

# Field name -> what it is, in words (for messages and the command's help).
FIELDS = {
    "summary": "the summary of page feedback",
    "details": "the details of page feedback",
    "comments": "the open comments of the main questionnaire",
}
# With no field named, every field is read; each response's texts are joined with this.
JOINER = "\n\n"


class SelectionError(ValueError):
    """A field or page that cannot be read; the message says what can."""


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
    if field is not None and field not in FIELDS:
        raise SelectionError(
            f"“{field}” is not a field of a response: choose {_choices(list(FIELDS))}"
        )
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
        text = _joined(texts)
        if text:
            selected.append((response_id, text))
    return selected


def answer_text(response: Response, field: str | None) -> str:
    """The text a search read of one response: one field, or all of them joined."""
    return _joined(getattr(response, name) for name in ([field] if field else FIELDS))


def _joined(texts: Iterable[str | None]) -> str:
    return JOINER.join(t.strip() for t in texts if t and t.strip())


def _page_q(page: str) -> Q:
    if page == QUESTIONNAIRE:
        return Q(kind=Response.Kind.QUESTIONNAIRE)
    return ~Q(kind=Response.Kind.QUESTIONNAIRE) & Q(page_path=page_path_of(page))


def _choices(names: list[str]) -> str:
    return ", ".join(names[:-1]) + f" or {names[-1]}"
