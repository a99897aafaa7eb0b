"""What every page of the analyst workspace shows around its own content: the menu item that
is current, and on a consultation's pages the consultation, its time zone, the tabs of its
analysis and whether the user may change things. Plus small words shared by the pages.

Every workspace view builds its template's context with `workspace_context`, so that the
parts base.html, `_analysis_subnav.html` and the breadcrumbs read are made in one place.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.urls import reverse

from ...accounts.access import has_role
from ...accounts.models import Role
from ...collect.models import Response
from ...publish.consultation import Consultation
from ..filters import QUESTIONNAIRE_LABEL

_M = TypeVar("_M", bound=Model)


def workspace_context(
    request: HttpRequest,
    consultation: Consultation | None = None,
    *,
    nav: str = "consultations",
    current: str = "",
    tabs: dict[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The template context every workspace page shares, followed by the page's own `extra`.

    `nav` is the item of the workspace's menu shown as current (base.html: "consultations",
    "users", "audit", "erasure" or "account"). A consultation's pages also get the
    consultation, its time zone (`zone`, for the dates shown), which of its tabs is
    `current` ("overview", "ideas", "responses", "codebook", "themes", "report", "export" or
    none),
    the tabs' addresses (`tabs`, by default `tab_links(consultation.slug)`), and `can_edit`.
    """
    context: dict[str, Any] = {"nav": nav}
    if consultation is not None:
        context.update(
            {
                "consultation": consultation,
                "zone": consultation.settings.zone(),
                "current": current,
                **(tabs if tabs is not None else tab_links(consultation.slug)),
                "can_edit": can_edit(request),
            }
        )
    context.update(extra)
    return context


def tab_links(slug: str, *, carried: str = "", export: str = "") -> dict[str, str]:
    """Addresses of a consultation's analysis tabs. `carried`, a query string with its "?"
    (or ""), is added to the overview's and the ideas' addresses; `export` to the export
    page's."""
    return {
        "overview_url": reverse("analyse:overview", args=[slug]) + carried,
        "ideas_url": reverse("analyse:ideas", args=[slug]) + carried,
        "responses_url": reverse("analyse:responses", args=[slug]),
        "export_url": reverse("analyse:export", args=[slug]) + export,
        "codebook_url": reverse("analyse:codebook", args=[slug]),
    }


def can_edit(request: HttpRequest) -> bool:
    """Whether the user may change tags, notes, statuses and themes: analysts and admins."""
    return has_role(request.user, Role.ANALYST)


def page_label(consultation: Consultation, response: Response) -> tuple[str, str]:
    """(words, public address or "") of the page a response is about."""
    if response.kind == Response.Kind.QUESTIONNAIRE:
        return f"({QUESTIONNAIRE_LABEL.lower()})", ""
    page = consultation.page(response.page_path) if response.page_matched else None
    if page is None:
        return response.page_path or "(no page given)", ""
    return page.title, page.url


def responses_count(n: int) -> str:
    """How many responses, in words for a message: 1 response, 1,234 responses."""
    return f"{n:,} response{'' if n == 1 else 's'}"


def int_or_none(value: Any) -> int | None:
    """A posted id or number, or None when it is not one."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def by_posted_id(queryset: QuerySet[_M], value: Any) -> _M | None:
    """The object of `queryset` with a posted id, or None when there is none (or the value
    is not an id)."""
    pk = int_or_none(value)
    return None if pk is None else queryset.filter(pk=pk).first()
