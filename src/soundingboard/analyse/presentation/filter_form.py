"""The analysis filter form of the overview, ideas, responses and themes pages: reading the
filter and "hide small counts" from the address, the form's options and errors, and the
links that remove one filter at a time.

The filter itself is `filters.ResponseFilter`; this module only reads it for a page and
shows it. `suppress=1` and `threshold` (hide every count below the threshold, 5 by default)
are the overview's and the ideas' own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse

from ...publish.consultation import Consultation
from ...publish.settings_schema import UNGROUPED
from ..filters import (
    DEFAULT_STATUSES,
    NOT_GIVEN,
    QUESTIONNAIRE,
    UNMATCHED_PAGES,
    FilterContext,
    FilterProblem,
    ResponseFilter,
    option_label,
    page_value,
)
from ..suppression import DEFAULT_THRESHOLD
from .workspace import tab_links, workspace_context

MIN_THRESHOLD = 2  # suppress() needs at least 2: a threshold of 1 would hide nothing
MAX_THRESHOLD = 100


# Reading the address ------------------------------------------------------------------------


@dataclass(frozen=True)
class Suppression:
    """Whether to hide small counts, and below what."""

    on: bool = False
    threshold: int = DEFAULT_THRESHOLD

    def query_pairs(self) -> list[tuple[str, str]]:
        if not self.on:
            return []
        pairs = [("suppress", "1")]
        if self.threshold != DEFAULT_THRESHOLD:
            pairs.append(("threshold", str(self.threshold)))
        return pairs


def read_suppression(query: Mapping[str, Any]) -> tuple[Suppression, list[FilterProblem]]:
    """`suppress=1` and `threshold` from GET parameters (a bad threshold falls back to 5)."""
    on = query.get("suppress") in ("1", "on", "yes", "true")
    text = (query.get("threshold") or "").strip()
    if not text:
        return Suppression(on), []
    try:
        threshold = int(text)
    except ValueError:
        threshold = 0
    if not MIN_THRESHOLD <= threshold <= MAX_THRESHOLD:
        message = f"Hide cells below must be a whole number from {MIN_THRESHOLD} to {MAX_THRESHOLD}"
        return Suppression(on), [FilterProblem("threshold", message)]
    return Suppression(on, threshold), []


def read_filter(
    request: HttpRequest, consultation: Consultation
) -> tuple[ResponseFilter, Suppression, list[FilterProblem]]:
    flt, problems = ResponseFilter.from_query(request.GET, consultation)
    problems = [p for p in problems if p.field != "status"]
    # Spam is never counted (it has its own row in the table of responses by status).
    flt = replace(flt, statuses=DEFAULT_STATUSES)
    suppression, more = read_suppression(request.GET)
    return flt, suppression, problems + more


def query_string(flt: ResponseFilter, suppression: Suppression) -> str:
    """The query string ("?...") of a link to this filter and suppression, or ""."""
    pairs = flt.query_pairs() + suppression.query_pairs()
    return f"?{urlencode(pairs)}" if pairs else ""


# The filter form ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    checked: bool
    id: str


@dataclass(frozen=True)
class OptionGroup:
    name: str  # the GET parameter
    legend: str
    options: tuple[Option, ...]
    errors: tuple[str, ...] = ()
    hint: str = ""


def filter_options(
    name: str, values: Iterable[tuple[str, str]], chosen: Iterable[str]
) -> list[Option]:
    """The filter form's options of one kind, with the chosen ones ticked."""
    chosen = set(chosen)
    return [
        Option(value, label, value in chosen, f"filter-{name}" + (f"-{i}" if i > 1 else ""))
        for i, (value, label) in enumerate(values, start=1)
    ]


def filter_form(
    flt: ResponseFilter,
    suppression: Suppression,
    problems: list[FilterProblem],
    *,
    for_ideas: bool = False,
) -> dict[str, Any]:
    context = flt.context
    assert context is not None
    errors: dict[str, list[str]] = {}
    for problem in problems:
        errors.setdefault(problem.field.split("-")[0], []).append(problem.message)

    groups = list(context.group_names)
    if UNGROUPED not in groups:
        groups.append(UNGROUPED)
    groups.append(NOT_GIVEN)
    option_groups = [
        OptionGroup(
            "group",
            "Role groups",
            tuple(filter_options("group", [(g, option_label(g)) for g in groups], flt.role_groups)),
            tuple(errors.get("group", ())),
            hint="Each role group counts the roles in it.",
        )
    ]
    if not context.has_role_groups and not flt.role_groups:
        option_groups = []  # one group would only repeat the roles below
    option_groups += [
        OptionGroup(
            "role",
            "Roles",
            tuple(
                filter_options(
                    "role",
                    [(r, option_label(r)) for r in (*context.roles, NOT_GIVEN)],
                    flt.roles,
                )
            ),
            tuple(errors.get("role", ())),
        ),
    ]
    if not for_ideas:
        option_groups.append(
            OptionGroup(
                "page",
                "Pages",
                tuple(filter_options("page", page_options(context), flt.pages)),
                tuple(errors.get("page", ())),
            )
        )
    option_groups.append(
        OptionGroup(
            "nature",
            "Kinds of feedback",
            tuple(
                filter_options(
                    "nature",
                    [(n, option_label(n)) for n in (*context.natures, NOT_GIVEN)],
                    flt.natures,
                )
            ),
            tuple(errors.get("nature", ())),
        )
    )
    kinds = [("", "Both"), ("page", "Page feedback"), ("questionnaire", "Main questionnaire")]
    if not context.has_questionnaire:
        kinds = kinds[:2]
    return {
        "date_from": flt.date_from.isoformat() if flt.date_from else "",
        "date_to": flt.date_to.isoformat() if flt.date_to else "",
        "from_errors": errors.get("from", []),
        "to_errors": errors.get("to", []),
        "kind_errors": errors.get("kind", []),
        "threshold_errors": errors.get("threshold", []),
        "groups": option_groups,
        "kinds": [
            Option(value, label, (flt.kind or "") == value, f"filter-kind-{value or 'all'}")
            for value, label in kinds
        ]
        if not for_ideas
        else [],
        "suppress": suppression.on,
        "threshold": suppression.threshold,
        "open": bool(problems) or flt.is_filtered or suppression.on,
    }


def page_options(context: FilterContext) -> list[tuple[str, str]]:
    options = [(page_value(p), context.page_titles[p]) for p in context.page_paths]
    options.append((UNMATCHED_PAGES, context.page_label(UNMATCHED_PAGES)))
    if context.has_questionnaire:
        options.append((QUESTIONNAIRE, context.page_label(QUESTIONNAIRE)))
    return options


def error_links(problems: list[FilterProblem]) -> list[tuple[str, str]]:
    """(anchor, message) for the error summary: each links to its field's first control."""
    anchors = {"kind": "filter-kind-all"}
    links = []
    for problem in problems:
        name = problem.field.split("-")[0]
        links.append((anchors.get(name, f"filter-{name}"), problem.message))
    return links


def removable(flt: ResponseFilter, suppression: Suppression, base: str) -> list[tuple[str, str]]:
    """(words, address without it) for each active filter and for suppression."""
    tags = [
        (words, base + query_string(flt.without(parameter, value), suppression))
        for parameter, value, words in flt.describe()
    ]
    if suppression.on:
        tags.append(
            (
                f"Hiding counts below {suppression.threshold}",
                base + query_string(flt, Suppression()),
            )
        )
    return tags


def analysis_page_context(
    request: HttpRequest,
    consultation: Consultation,
    current: str,
    flt: ResponseFilter,
    suppression: Suppression,
    problems: list[FilterProblem],
) -> dict[str, Any]:
    """The overview's or the ideas' context: the workspace's, the filter form, and the tabs
    with the filter and suppression carried to both pages (and the address's to the export)."""
    slug = consultation.slug
    base = reverse(f"analyse:{current}", args=[slug])
    query = query_string(flt, suppression)
    export = f"?{request.GET.urlencode()}" if request.GET else ""
    return workspace_context(
        request,
        consultation,
        current=current,
        tabs=tab_links(slug, carried=query, export=export),
        form_action=base,
        clear_url=base,
        form=filter_form(flt, suppression, problems, for_ideas=current == "ideas"),
        problems=error_links(problems),
        tags=removable(flt, suppression, base),
        suppression=suppression,
        has_questionnaire=consultation.settings.questionnaire is not None,
    )
