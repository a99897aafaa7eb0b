"""The analyst workspace's pages of one consultation: the overview and the ideas.

Both read the same GET filter (`filters.ResponseFilter.from_query`), plus `suppress=1` and
`threshold` (hide every count below the threshold, 5 by default, in every table and chart).
The numbers come from `stats` in a few queries; this module only turns its tables into rows
of text for the templates (`present_table`) and draws the charts (`charts`). Neither page
shows personal data, so readers may open both.

Suspected spam is never counted: the `status` parameter of the filter is ignored here, and
spam is shown only in the table of responses by status.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from ..accounts.access import analyst_view
from ..publish.consultation import Consultation
from ..publish.registry import get_consultation
from ..publish.settings_schema import UNGROUPED
from . import charts, stats
from .filters import (
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
from .suppression import DEFAULT_THRESHOLD, suppress_ideas, suppress_overview
from .tables import Count, Suppressed, Table, is_suppressed

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


# Tables as text -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    text: str
    hidden: bool = False


@dataclass(frozen=True)
class TableRow:
    label: str
    cells: tuple[Cell, ...]
    parent: str = ""  # what the row belongs to (an activity's idea)
    known: bool = True  # False for a value the consultation no longer lists
    is_total: bool = False


@dataclass(frozen=True)
class TableView:
    """A table as the `analyse/_analysis_table.html` partial shows it: every cell is text."""

    id: str
    title: str
    based_on: str  # "Based on 1,234 responses"
    row_heading: str
    columns: tuple[str, ...]
    rows: tuple[TableRow, ...]
    threshold: int | None = None
    primary_hidden: bool = False  # some count is below the threshold
    secondary_hidden: bool = False  # some count is hidden to protect another
    notes: tuple[str, ...] = field(default_factory=tuple)
    unit: str = "responses"  # what a hidden count is fewer than

    @property
    def narrow(self) -> bool:
        """Few columns: kept to a readable width rather than stretched across the page."""
        return len(self.columns) <= 3

    @property
    def has_unknown(self) -> bool:
        return any(not row.known for row in self.rows)


def cell(value: Count | float | None, places: int = 0) -> Cell:
    if value is None:
        return Cell("none")
    return Cell(charts.number(value, places), hidden=is_suppressed(value))


def based_on(n: Count, unit: str = "responses") -> str:
    if isinstance(n, Suppressed):
        return f"Based on fewer than {n.threshold} {unit}"
    if n == 1:
        unit = unit.removesuffix("s")
    return f"Based on {n:,} {unit}"


def _hidden_kinds(values: Iterable[object]) -> tuple[bool, bool]:
    hidden = [v for v in values if isinstance(v, Suppressed)]
    return any(not v.secondary for v in hidden), any(v.secondary for v in hidden)


def present_table(
    table: Table,
    id: str,
    *,
    unit: str = "responses",
    share: bool = False,
    total_label: str = "Total",
) -> TableView:
    """A stats table as text: its counts, a total column when it has several columns, a total
    row, and (with `share`, for one column) each row's share of the total."""
    several = not table.is_single_column
    columns = [c.label for c in table.columns]
    if several:
        columns.append("Total")
    if share and not several:
        columns.append("Share")
    shown = []
    for row in table.rows:
        cells = [cell(v) for v in row.cells]
        if several:
            cells.append(cell(row.total))
        if share and not several:
            cells.append(Cell(_share(table, row.total)))
        # Pages not in the consultation are flagged by their label, not as "no longer listed".
        known = row.known or row.key == UNMATCHED_PAGES
        shown.append(TableRow(row.label, tuple(cells), parent=row.parent, known=known))
    totals = [cell(v) for v in table.column_totals]
    if several:
        totals.append(cell(table.total))
    if share and not several:
        totals.append(Cell("100%" if table.total and not is_suppressed(table.total) else ""))
    shown.append(TableRow(total_label, tuple(totals), is_total=True))
    everything: list[object] = [table.total, table.n, *table.column_totals]
    for row in table.rows:
        everything += [*row.cells, row.total]
    primary, secondary = _hidden_kinds(everything)
    return TableView(
        id=id,
        title=table.title,
        based_on=based_on(table.n, unit),
        row_heading=table.row_heading,
        columns=tuple(columns),
        rows=tuple(shown),
        threshold=table.suppressed_below,
        primary_hidden=primary,
        secondary_hidden=secondary,
        unit=unit.split()[-1],
    )


def _share(table: Table, value: Count) -> str:
    fraction = table.share(value)
    if fraction is None:
        return "[c]" if is_suppressed(value) or is_suppressed(table.total) else ""
    if 0 < fraction < 0.005:
        return "<1%"
    return f"{fraction:.0%}"


@dataclass(frozen=True)
class Figure:
    """A chart and the table of its numbers."""

    id: str
    heading: str
    svg: SafeString | None
    table: TableView
    caption: str = ""


def figure(
    id: str,
    heading: str,
    svg: str | None,
    table: TableView,
    caption: str = "",
) -> Figure:
    # The charts module escapes every text it draws (see charts.esc).
    return Figure(id, heading, mark_safe(svg) if svg else None, table, caption)


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
        ),
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


# Pages --------------------------------------------------------------------------------------


def _page_context(
    request: HttpRequest,
    consultation: Consultation,
    current: str,
    flt: ResponseFilter,
    suppression: Suppression,
    problems: list[FilterProblem],
) -> dict[str, Any]:
    overview_url = reverse("analyse:overview", args=[consultation.slug])
    ideas_url = reverse("analyse:ideas", args=[consultation.slug])
    base = overview_url if current == "overview" else ideas_url
    query = query_string(flt, suppression)
    return {
        "nav": "consultations",
        "consultation": consultation,
        "current": current,
        "overview_url": overview_url + query,
        "ideas_url": ideas_url + query,
        "form_action": base,
        "clear_url": base,
        "form": filter_form(flt, suppression, problems, for_ideas=current == "ideas"),
        "problems": error_links(problems),
        "tags": removable(flt, suppression, base),
        "suppression": suppression,
        "has_questionnaire": consultation.settings.questionnaire is not None,
    }


@analyst_view
def overview(request: HttpRequest, slug: str) -> HttpResponse:
    """Counts of the responses to one consultation, by time, page, role, group and nature."""
    consultation = get_consultation(slug)
    flt, suppression, problems = read_filter(request, consultation)
    result = stats.overview(consultation, flt)
    if suppression.on:
        result = suppress_overview(result, suppression.threshold)

    over_time = result.over_time
    figures = [
        figure(
            "over-time",
            "Responses over time",
            charts.time_series(over_time, id_prefix="chart-over-time"),
            present_table(over_time.table, "table-over-time"),
            f"Responses per {over_time.interval}",
        ),
    ]
    for key, heading, table in (
        ("page", "Responses by page", result.by_page),
        ("role-group", "Responses by role group", result.by_role_group),
        ("role", "Responses by role", result.by_role),
        ("nature", "Responses by kind of feedback", result.by_nature),
    ):
        figures.append(
            figure(
                key,
                heading,
                charts.bar_chart(table, id_prefix=f"chart-{key}"),
                present_table(table, f"table-{key}", share=True),
            )
        )
    context = _page_context(request, consultation, "overview", flt, suppression, problems)
    context.update(
        {
            "n": charts.number(result.n),
            "n_hidden": is_suppressed(result.n),
            "spam": charts.number(result.statuses.spam),
            "by_kind": present_table(result.by_kind, "table-kind", share=True),
            "figures": figures,
            "page_by_nature": present_table(result.page_by_nature, "table-page-nature"),
            "statuses": present_table(result.statuses.table, "table-status", share=True),
            "hidden_and_tags_counted": result.statuses.hidden is not None,
        }
    )
    return render(request, "analyse/overview.html", context)


@analyst_view
def ideas(request: HttpRequest, slug: str) -> HttpResponse:
    """Scores of each idea of the main questionnaire, and the activities ticked."""
    consultation = get_consultation(slug)
    flt, suppression, problems = read_filter(request, consultation)
    # Ideas come from questionnaire responses only: page and kind filters do not apply.
    problems = [p for p in problems if p.field not in ("page", "kind")]
    flt = replace(flt, pages=(), kind=None)
    context = _page_context(request, consultation, "ideas", flt, suppression, problems)
    if consultation.settings.questionnaire is None:
        return render(request, "analyse/ideas.html", context)

    result = stats.ideas(consultation, flt)
    if suppression.on:
        result = suppress_ideas(result, suppression.threshold)
    low, high = result.scale_low, result.scale_high

    scatter_rows = [
        TableRow(
            f"{idea.number}. {idea.name}",
            (
                cell(idea.usefulness.overall.mean, 2),
                cell(idea.usefulness.overall.n),
                cell(idea.likelihood.overall.mean, 2),
                cell(idea.likelihood.overall.n),
            ),
            known=idea.known,
        )
        for idea in result.ideas
    ]
    scatter_values: list[object] = []
    for idea in result.ideas:
        for measure in (idea.usefulness, idea.likelihood):
            scatter_values += [measure.overall.mean, measure.overall.n]
    primary, secondary = _hidden_kinds(scatter_values)
    scatter_table = TableView(
        id="table-scatter",
        title="Mean scores of each idea",
        based_on=based_on(result.n, "questionnaire responses"),
        row_heading="Idea",
        columns=("Usefulness (mean)", "Usefulness (n)", "Likelihood (mean)", "Likelihood (n)"),
        rows=tuple(scatter_rows),
        threshold=suppression.threshold if suppression.on else None,
        primary_hidden=primary,
        secondary_hidden=secondary,
        unit="scores",
    )

    idea_sections = []
    for idea in result.ideas:
        measures = []
        for measure in (idea.usefulness, idea.likelihood):
            key = f"idea-{idea.number}-{measure.measure}"
            name = "Usefulness" if measure.measure == "usefulness" else "Likelihood of use"
            rows = [("All respondents", measure.overall)] + [
                (g.label, g.summary) for g in measure.groups
            ]
            measures.append(
                figure(
                    key,
                    name,
                    charts.distribution_chart(
                        rows,
                        title=f"{name} of “{idea.name}”, by role group",
                        low=low,
                        high=high,
                        id_prefix=f"chart-{key}",
                    ),
                    _summary_table(measure, name, idea.name, key, low, high, suppression),
                    measure.question,
                )
            )
        idea_sections.append({"idea": idea, "measures": measures})

    activities = result.activities.table
    labelled = replace(
        activities,
        rows=tuple(replace(r, label=f"{r.parent}: {r.label}") for r in activities.rows),
    )
    activity_table = present_table(
        activities, "table-activities", unit="questionnaire responses", total_label="All ticks"
    )
    context.update(
        {
            "n": charts.number(result.n),
            "n_hidden": is_suppressed(result.n),
            "respondents": present_table(
                result.respondents, "table-respondents", unit="questionnaire responses", share=True
            ),
            "scatter": figure(
                "scatter",
                "Usefulness and likelihood of use of each idea",
                charts.scatter(result, id_prefix="chart-scatter"),
                scatter_table,
                "Each idea at its mean scores, numbered as in the key",
            ),
            "ideas": idea_sections,
            "activities": figure(
                "activities",
                "Activities ticked",
                charts.bar_chart(
                    labelled,
                    title="Activities ticked, most first",
                    unit="questionnaire responses",
                    id_prefix="chart-activities",
                )
                if activities.rows
                else None,
                activity_table,
                "Activities ranked by how often they were ticked",
            ),
            "unmatched_ticks": charts.number(result.activities.unmatched),
            "has_unmatched_ticks": result.activities.unmatched != 0,
            "unmatched_ideas": charts.number(result.unmatched_ideas),
            "has_unmatched_ideas": result.unmatched_ideas != 0,
            "scale_low": low,
            "scale_high": high,
        }
    )
    return render(request, "analyse/ideas.html", context)


def _summary_table(
    measure: stats.MeasureStats,
    name: str,
    idea: str,
    key: str,
    low: str,
    high: str,
    suppression: Suppression,
) -> TableView:
    rows = []
    values: list[object] = []
    summaries = [("All respondents", measure.overall)] + [
        (g.label, g.summary) for g in measure.groups
    ]
    for label, summary in summaries:
        cells = (
            cell(summary.n),
            cell(summary.mean, 2),
            cell(summary.median, 1),
            *(cell(c) for c in summary.distribution),
        )
        values += [summary.n, summary.mean, summary.median, *summary.distribution]
        rows.append(TableRow(label, cells))
    primary, secondary = _hidden_kinds(values)
    not_scored = measure.not_scored
    notes = []
    if not_scored:
        notes.append(f"Left blank by {charts.number(not_scored)} of the questionnaire responses.")
    return TableView(
        id=f"table-{key}",
        title=f"{name} of “{idea}”",
        based_on=based_on(measure.overall.n, "scores"),
        row_heading="Respondents",
        columns=("n", "Mean", "Median", f"1 ({low})", "2", "3", "4", f"5 ({high})"),
        rows=tuple(rows),
        threshold=suppression.threshold if suppression.on else None,
        primary_hidden=primary,
        secondary_hidden=secondary,
        notes=tuple(notes),
        unit="scores",
    )
